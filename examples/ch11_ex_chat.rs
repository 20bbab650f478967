//! Exercise: a chat relay. Every line a client sends reaches every other client, through a
//! tokio broadcast channel; three clients in the same program say hello to each other.

mod ch11_common;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, Barrier, Semaphore};
use tokio::task::JoinSet;
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;

use ch11_common::cli::no_arguments;
use ch11_common::protocol::{accept, Backoff};

const USAGE: &str = "\
usage: ch11_ex_chat

Starts a chat relay on 127.0.0.1 (a free port): the first line a client sends is its name,
and every later line goes to every other client. Three clients join, each says hello, and
each prints what it received; then the relay stops.
";

// ANCHOR: solution
/// A message on the relay: who sent it (a connection number) and the line to deliver.
#[derive(Clone)]
struct Message {
    from: usize,
    line: String,
}

async fn member(
    stream: TcpStream,
    id: usize,
    relay: broadcast::Sender<Message>,
) -> Result<(), LinesCodecError> {
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(256));
    let Some(name) = lines.next().await.transpose()? else {
        return Ok(()); // left before saying who it was
    };
    // Subscribe before saying welcome: from here on, this member misses nothing.
    let mut inbox = relay.subscribe();
    lines.send(format!("welcome, {name}")).await?;
    loop {
        tokio::select! {
            line = lines.next() => match line.transpose()? {
                Some(line) => {
                    // An error means nobody is subscribed: nothing to deliver.
                    let _ = relay.send(Message { from: id, line: format!("{name}: {line}") });
                }
                None => return Ok(()), // the client left
            },
            message = inbox.recv() => match message {
                Ok(message) if message.from != id => lines.send(message.line).await?,
                Ok(_) => {} // our own line: not sent back
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    lines.send(format!("({missed} messages missed)")).await?;
                }
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
        }
    }
}

async fn relay(listener: TcpListener, stop: CancellationToken) {
    // Room for 64 messages per slow reader; one that falls further behind hears how many
    // it missed instead of slowing everyone down.
    let (relay, _) = broadcast::channel(64);
    // The accept loop of the line server: a connection limit, errors handled.
    let permits = Arc::new(Semaphore::new(1000));
    let mut backoff = Backoff::default();
    let mut members = JoinSet::new();
    let mut next_id = 0;
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            (stream, permit) = accept(&listener, &permits, &mut backoff) => {
                next_id += 1;
                let member = member(stream, next_id, relay.clone());
                members.spawn(async move {
                    let _ = member.await;
                    drop(permit);
                });
            }
            // Collect the members who have left, so that the set does not grow.
            Some(_) = members.join_next() => {}
        }
    }
    members.shutdown().await;
}

async fn chatter(
    addr: SocketAddr,
    name: &str,
    everyone_joined: Arc<Barrier>,
    others: usize,
) -> std::io::Result<()> {
    let failed = std::io::Error::other;
    let mut lines = Framed::new(TcpStream::connect(addr).await?, LinesCodec::new());
    lines.send(name).await.map_err(failed)?;
    let welcome = lines.next().await.transpose().map_err(failed)?;
    println!("{name} joined: {:?}", welcome.unwrap_or_default());
    // Nobody speaks until everyone is subscribed, so nobody misses a line.
    everyone_joined.wait().await;
    lines
        .send(format!("hello from {name}"))
        .await
        .map_err(failed)?;
    for _ in 0..others {
        match lines.next().await.transpose().map_err(failed)? {
            // The relay must not send a client its own line back.
            Some(line) if line.starts_with(&format!("{name}: ")) => {
                return Err(std::io::Error::other(format!(
                    "{name} got its own line back"
                )));
            }
            Some(line) => println!("{name} received {line:?}"),
            None => return Err(std::io::Error::other("the relay closed")),
        }
    }
    Ok(()) // dropping `lines` leaves the chat
}

async fn run() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let server = tokio::spawn(relay(listener, stop.clone()));
    let names = ["ada", "bob", "cyd"];
    let everyone_joined = Arc::new(Barrier::new(names.len()));
    let mut chatters = JoinSet::new();
    for name in names {
        chatters.spawn(chatter(
            addr,
            name,
            everyone_joined.clone(),
            names.len() - 1,
        ));
    }
    while let Some(ended) = chatters.join_next().await {
        ended.expect("a client panicked")?;
    }
    stop.cancel();
    server.await.expect("the relay panicked");
    println!("every line reached the {} other clients", names.len() - 1);
    Ok(())
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
