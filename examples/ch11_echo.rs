//! An echo server and three clients in one program, on tokio: the server sends back every
//! byte it receives, each client sends three lines, reads each echo, closes its side and
//! sees the server close too.

mod ch11_common;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use ch11_common::cli::{arguments, nothing_else, Mode};
use ch11_common::protocol::{accept, shutdown_signal, Backoff};

const USAGE: &str = "\
usage: ch11_echo [--serve PORT]

Starts an echo server on 127.0.0.1 (a free port) and three clients that each send three
lines, print the echoes, and close; then stops the server and prints how many bytes it
echoed.

With --serve PORT, only serves on 127.0.0.1:PORT until Ctrl-C, so that you can try it by
hand: `nc 127.0.0.1 PORT`, type a line, and it comes back.
";

// ANCHOR: echo
/// Serves one connection: reads what has arrived, writes it back, until the client closes
/// its side. Returns the number of bytes echoed.
async fn echo(mut stream: TcpStream) -> std::io::Result<u64> {
    let mut buffer = [0u8; 1024];
    let mut echoed = 0;
    loop {
        // `read` waits (as a task, not a thread) until some bytes have arrived; it returns
        // however many there are, up to the buffer's size. 0 means the end of the stream.
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        stream.write_all(&buffer[..n]).await?;
        echoed += n as u64;
    }
    Ok(echoed) // dropping the stream closes our side too
}
// ANCHOR_END: echo

// ANCHOR: server
/// Accepts `clients` connections, each served by a task of its own, and waits for them.
async fn server(listener: TcpListener, clients: usize) -> std::io::Result<u64> {
    let mut connections = JoinSet::new();
    for _ in 0..clients {
        let (stream, _peer) = listener.accept().await?;
        connections.spawn(echo(stream));
    }
    let mut echoed = 0;
    while let Some(ended) = connections.join_next().await {
        echoed += ended.expect("a connection task panicked")?;
    }
    Ok(echoed)
}
// ANCHOR_END: server

// ANCHOR: client
async fn client(addr: SocketAddr, id: usize) -> std::io::Result<()> {
    let stream = TcpStream::connect(addr).await?;
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    for n in 1..=3 {
        let line = format!("line {n} from client {id}\n");
        writer.write_all(line.as_bytes()).await?;
        let mut echo = String::new();
        reader.read_line(&mut echo).await?;
        println!(
            "client {id}: sent {:?}, got {:?}",
            line.trim_end(),
            echo.trim_end()
        );
    }
    // Closing our writing half sends the end of the stream; we can still read.
    writer.shutdown().await?;
    let mut rest = Vec::new();
    let extra = reader.read_to_end(&mut rest).await?; // waits for the server to close
    println!("client {id}: closed; the server closed too ({extra} more bytes)");
    Ok(())
}
// ANCHOR_END: client

// ANCHOR: main
async fn run() -> std::io::Result<()> {
    const CLIENTS: usize = 3;
    let listener = TcpListener::bind("127.0.0.1:0").await?; // port 0: any free port
    let addr = listener.local_addr()?;
    let server = tokio::spawn(server(listener, CLIENTS));
    let mut clients = JoinSet::new();
    for id in 1..=CLIENTS {
        clients.spawn(client(addr, id));
    }
    while let Some(ended) = clients.join_next().await {
        ended.expect("a client panicked")?;
    }
    let echoed = server.await.expect("the server panicked")?;
    println!("server: echoed {echoed} bytes to {CLIENTS} clients and stopped");
    Ok(())
}
// ANCHOR_END: main

/// Serves on 127.0.0.1:PORT until Ctrl-C or SIGTERM, one task per connection, for trying by
/// hand. It accepts the way the line server does (page "Back-pressure and shutdown"): at
/// most 1000 connections at once, connection errors skipped, other errors backed off.
async fn serve_by_hand(port: u16) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("echoing on 127.0.0.1:{port}; try `nc 127.0.0.1 {port}`, stop with Ctrl-C");
    let permits = Arc::new(Semaphore::new(1000));
    let mut backoff = Backoff::default();
    // One signal future for the whole loop, so that no signal falls between two of them.
    let mut stopped = std::pin::pin!(shutdown_signal()?);
    loop {
        tokio::select! {
            (stream, permit) = accept(&listener, &permits, &mut backoff) => {
                tokio::spawn(async move {
                    let _ = echo(stream).await;
                    drop(permit);
                });
            }
            () = &mut stopped => return Ok(()),
        }
    }
}

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
