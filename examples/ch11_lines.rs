//! A line protocol of our own over TCP, framed by tokio-util's `LinesCodec`: well-formed and
//! malformed commands, a line that is too long and one that is not UTF-8, each from its own
//! client, and a client served correctly after them. Server and clients run in this program.

mod ch11_common;

use std::net::SocketAddr;
use std::process::ExitCode;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use ch11_common::cli::{arguments, nothing_else, Mode};
use ch11_common::protocol::{serve, serve_by_hand, Limits, MAX_LINE};

const USAGE: &str = "\
usage: ch11_lines [--serve PORT]

Starts the line server of chapter 11 on 127.0.0.1 (a free port), sends it commands from
four clients, one after another, and prints what each sent and got back: SUM, ECHO and
QUIT, malformed commands, a line that is too long and one that is not UTF-8. Then stops.

With --serve PORT, only serves on 127.0.0.1:PORT until Ctrl-C, so that you can type
commands by hand: `nc 127.0.0.1 PORT`, then `SUM 1 2 3`.
";

// ANCHOR: client
/// One client: connects, sends each line and prints the answer, and reports how the
/// connection ended. Lines are bytes, so that a client can send what is not UTF-8.
async fn client(addr: SocketAddr, name: &str, lines: &[&[u8]]) -> std::io::Result<()> {
    println!("{name}:");
    let stream = TcpStream::connect(addr).await?;
    let (reader, mut writer) = stream.into_split();
    let mut answers = BufReader::new(reader).lines();
    for &line in lines {
        println!("  > {}", shown(line));
        // The line and its newline in one write, so that they travel together.
        writer.write_all(&[line, b"\n"].concat()).await?;
        match answers.next_line().await? {
            Some(answer) => println!("  < {answer}"),
            None => break,
        }
    }
    writer.shutdown().await?; // we are done sending; the server sees the end of the stream
    match answers.next_line().await? {
        None => println!("  (connection closed)"),
        Some(extra) => println!("  < {extra} (unexpected)"),
    }
    Ok(())
}
// ANCHOR_END: client

/// A line as the reader should see it: text as it is, a long line shortened, and bytes
/// that are not UTF-8 escaped, as `\xff`.
fn shown(line: &[u8]) -> String {
    match std::str::from_utf8(line) {
        Ok(text) if text.len() > MAX_LINE => {
            // The first 16 characters, not bytes: a byte slice could cut a character in two.
            let start: String = text.chars().take(16).collect();
            format!("{start}... ({} bytes)", text.len())
        }
        Ok(text) => text.to_owned(),
        Err(_) => format!("{} (not UTF-8)", line.escape_ascii()),
    }
}

// ANCHOR: main
async fn run() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?; // port 0: any free port
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let server = tokio::spawn(serve(listener, stop.clone(), Limits::default()));

    let commands: [&[u8]; 6] = [
        b"SUM 1 2 3",
        b"ECHO hello, server",
        b"SUM 1 two 3",
        b"SUM 9223372036854775807 1",
        b"HELLO",
        b"QUIT",
    ];
    client(addr, "client 1, commands", &commands).await?;
    let long_line = "x".repeat(100);
    client(addr, "client 2, a long line", &[long_line.as_bytes()]).await?;
    client(addr, "client 3, not UTF-8", &[b"SUM \xff\xfe 1"]).await?;
    client(
        addr,
        "client 4, after them",
        &[b"SUM 10 20 30", b"ECHO still here"],
    )
    .await?;

    stop.cancel();
    let answered = server.await.expect("the server panicked");
    println!("the server answered {answered} commands and stopped");
    Ok(())
}
// ANCHOR_END: main

#[tokio::main]
async fn main() -> ExitCode {
    let result = match arguments(USAGE, nothing_else) {
        Err(status) => return status,
        Ok(Mode::Serve(port)) => serve_by_hand(port).await,
        Ok(Mode::Run(())) => run().await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
