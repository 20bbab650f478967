//! TCP carries a stream of bytes, not messages: three lines written at once arrive in reads
//! whose boundaries have nothing to do with the lines, until a codec finds the lines again.

mod ch11_common;

use std::process::ExitCode;

use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{FramedRead, LinesCodec};

use ch11_common::cli::no_arguments;

const USAGE: &str = "\
usage: ch11_byte_stream

Sends three lines over a TCP connection on 127.0.0.1 in one write, three times: read with
a buffer of 1024 bytes, with a buffer of 8 bytes, and through a LinesCodec. Prints what
each read returned.
";

const MESSAGES: &[u8] = b"SUM 1 2 3\nECHO hi\nQUIT\n";

/// Opens a connection, writes MESSAGES in one write and closes the client's side; returns
/// the server's end of the connection.
async fn connection_with_messages(listener: &TcpListener) -> std::io::Result<TcpStream> {
    let mut client = TcpStream::connect(listener.local_addr()?).await?;
    let (server, _) = listener.accept().await?;
    client.write_all(MESSAGES).await?;
    client.shutdown().await?; // no more bytes: the server's reads end with 0
    Ok(server)
}

// ANCHOR: reads
/// Reads until the end of the stream with a buffer of `size` bytes, printing each read.
async fn raw_reads(mut stream: TcpStream, size: usize) -> std::io::Result<()> {
    let mut buffer = vec![0u8; size];
    loop {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            println!("  read 0 bytes: the end of the stream");
            return Ok(());
        }
        let text = String::from_utf8_lossy(&buffer[..n]);
        println!("  read {n:>2} bytes: {text:?}");
    }
}

/// The same bytes through a codec, which yields one line at a time.
async fn framed_reads(stream: TcpStream) -> std::io::Result<()> {
    let mut lines = FramedRead::new(stream, LinesCodec::new());
    while let Some(line) = lines.next().await {
        let line = line.map_err(std::io::Error::other)?;
        println!("  line: {line:?}");
    }
    println!("  no more lines: the end of the stream");
    Ok(())
}
// ANCHOR_END: reads

async fn run() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?; // port 0: any free port
    println!(
        "sent {} bytes in one write: {:?}",
        MESSAGES.len(),
        String::from_utf8_lossy(MESSAGES)
    );
    println!("reads into a buffer of 1024 bytes:");
    raw_reads(connection_with_messages(&listener).await?, 1024).await?;
    println!("reads into a buffer of 8 bytes:");
    raw_reads(connection_with_messages(&listener).await?, 8).await?;
    println!("a LinesCodec over the same bytes:");
    framed_reads(connection_with_messages(&listener).await?).await
}

#[tokio::main]
async fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
