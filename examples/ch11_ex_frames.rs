//! Exercise: messages that may hold any bytes, newlines included, framed by a length prefix
//! with tokio-util's LengthDelimitedCodec instead of by newlines; a frame over the limit is
//! refused on its length prefix, before the server waits for its body.

mod ch11_common;

use std::process::ExitCode;

use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::bytes::Bytes;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use ch11_common::cli::no_arguments;

const USAGE: &str = "\
usage: ch11_ex_frames

Starts a server on 127.0.0.1 (a free port) that reads length-prefixed frames of at most
1024 bytes and answers each with its size and number of lines; a client sends a message
with newlines in it, an empty one, and one of 5000 bytes. Prints what came back.
";

// ANCHOR: solution
const MAX_FRAME: usize = 1024;

/// The server's codec. Each frame: a 4-byte big-endian length, then that many bytes.
fn server_codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME)
        .new_codec()
}

async fn server(listener: TcpListener) -> std::io::Result<()> {
    let (stream, _peer) = listener.accept().await?;
    let mut frames = Framed::new(stream, server_codec());
    while let Some(frame) = frames.next().await {
        let answer = match frame {
            Ok(frame) => {
                let lines = match frame.len() {
                    0 => 0,
                    _ => frame.iter().filter(|&&b| b == b'\n').count() + 1,
                };
                format!("{} bytes in {lines} lines", frame.len())
            }
            // The length prefix said more than MAX_FRAME: refused before reading the body.
            Err(error) => {
                let answer = format!("refused: {error}; closing");
                frames.send(Bytes::from(answer)).await?;
                break;
            }
        };
        frames.send(Bytes::from(answer)).await?;
    }
    Ok(())
}

async fn run() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(server(listener));
    // The client's codec has the default limit, 8 MiB, so that it can send the big frame.
    let mut frames = Framed::new(TcpStream::connect(addr).await?, LengthDelimitedCodec::new());
    let messages = [
        Bytes::from_static(b"first line\nsecond line\nthird line"),
        Bytes::new(),
        Bytes::from(vec![b'x'; 5000]),
    ];
    for message in messages {
        println!("sent {} bytes", message.len());
        frames.send(message).await?;
        match frames.next().await.transpose()? {
            Some(answer) => println!("  answer: {}", String::from_utf8_lossy(&answer)),
            None => println!("  the server closed the connection"),
        }
    }
    drop(frames);
    server.await.expect("the server panicked")
}
// ANCHOR_END: solution

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
