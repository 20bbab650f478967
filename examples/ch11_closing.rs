//! Closing a TCP connection from either side, and what the other side sees: the end of the
//! stream (a read of 0 bytes) for the reader, and an error, sooner or later, for a writer
//! whose peer has gone.

mod ch11_common;

use std::process::ExitCode;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep, Instant};

use ch11_common::cli::no_arguments;

const USAGE: &str = "\
usage: ch11_closing

Opens two connections on 127.0.0.1: on the first the client closes its side first, on the
second the server closes the whole connection first; prints what each side sees.
";

// ANCHOR: client_first
/// The client says its last words and closes its writing half; the server reads to the end
/// of the stream, answers on its own half, which is still open, and closes.
async fn client_closes_first(listener: &TcpListener) -> std::io::Result<()> {
    let mut client = TcpStream::connect(listener.local_addr()?).await?;
    let (mut server, _) = listener.accept().await?;
    let server = tokio::spawn(async move {
        let mut received = Vec::new();
        server.read_to_end(&mut received).await?; // returns at the end of the stream
        println!(
            "server: read {} bytes, then a read of 0 bytes: the client has finished",
            received.len()
        );
        server.write_all(b"goodbye\n").await?; // our half is still open
        Ok::<_, std::io::Error>(()) // dropping `server` closes the connection
    });
    client.write_all(b"last words\n").await?;
    println!("client: closing its writing half");
    client.shutdown().await?; // the server's read_to_end sees the end of the stream
    let mut answer = String::new();
    client.read_to_string(&mut answer).await?;
    println!("client: read {answer:?}, then the end of the stream");
    server.await.expect("the server task panicked")
}
// ANCHOR_END: client_first

// ANCHOR: server_first
/// The server answers one line and closes the whole connection, as the Python original's
/// echo server does; the client reads the end of the stream, then tries to write.
async fn server_closes_first(listener: &TcpListener) -> std::io::Result<()> {
    let mut client = TcpStream::connect(listener.local_addr()?).await?;
    let (mut server, _) = listener.accept().await?;
    client.write_all(b"hello\n").await?;
    let mut line = [0u8; 6];
    server.read_exact(&mut line).await?;
    server.write_all(&line).await?;
    drop(server); // closes both halves
    println!("server: answered and closed the connection");

    let mut answer = String::new();
    client.read_to_string(&mut answer).await?;
    println!("client: read {answer:?}, then the end of the stream");
    // The peer has closed, but the first write still succeeds: the bytes only go into the
    // kernel's send buffer. The server's kernel answers them with a reset (RST), and a
    // write after that fails.
    client.write_all(b"are you there?\n").await?;
    println!("client: a first write after the close succeeded");
    // Write again until a write fails; the reset is on its way, and a second is plenty.
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        match client.write_all(b"are you there?\n").await {
            Ok(()) if Instant::now() < deadline => sleep(Duration::from_millis(1)).await,
            Ok(()) => {
                println!("client: every write for a second succeeded (the reset never came)");
                return Ok(());
            }
            Err(error) => {
                let gone = matches!(
                    error.kind(),
                    std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
                );
                println!(
                    "client: a later write failed: {}",
                    if gone {
                        "the connection is gone"
                    } else {
                        "unexpected error"
                    }
                );
                return Ok(());
            }
        }
    }
}
// ANCHOR_END: server_first

#[tokio::main]
async fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let result = async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!("the client closes first:");
        client_closes_first(&listener).await?;
        println!("the server closes first:");
        server_closes_first(&listener).await
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
