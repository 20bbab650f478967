//! One task owns a connection to the line server, and other tasks use it by sending it
//! requests through a channel, each with a oneshot channel for the answer: the owner-task
//! (actor) pattern, the usual alternative to a `tokio::sync::Mutex` around a connection.

mod ch11_common;

use std::process::ExitCode;

use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio_util::codec::{Framed, LinesCodec};
use tokio_util::sync::CancellationToken;

use ch11_common::cli::no_arguments;
use ch11_common::protocol::{serve, Limits};

const USAGE: &str = "\
usage: ch11_actor

Starts the line server of chapter 11 on 127.0.0.1 (a free port) and one connection to it,
owned by one task; three other tasks send it `SUM` requests at the same time and print
the answers they get back.
";

// ANCHOR: owner
/// What the owner task is asked to do: send one line, and reply with the server's answer.
struct Request {
    line: String,
    reply: oneshot::Sender<Result<String, String>>,
}

/// The handle other tasks hold: cheap to clone, and their only way to the connection.
#[derive(Clone)]
struct Connection {
    requests: mpsc::Sender<Request>,
}

impl Connection {
    /// Starts the owner task, which alone holds the connection.
    fn start(stream: TcpStream) -> Connection {
        let (requests, mut inbox) = mpsc::channel::<Request>(32);
        tokio::spawn(async move {
            let mut lines = Framed::new(stream, LinesCodec::new());
            // One request at a time: a request and its answer never mix with another's.
            while let Some(Request { line, reply }) = inbox.recv().await {
                let answer = match lines.send(line).await {
                    Err(error) => Err(error.to_string()),
                    Ok(()) => match lines.next().await {
                        Some(Ok(answer)) => Ok(answer),
                        Some(Err(error)) => Err(error.to_string()),
                        None => Err("the server closed the connection".into()),
                    },
                };
                let _ = reply.send(answer); // the asker may have given up: no harm done
            }
            // Every handle has been dropped: dropping `lines` closes the connection.
        });
        Connection { requests }
    }

    /// Sends one line through the owner task and waits for the server's answer.
    async fn ask(&self, line: String) -> Result<String, String> {
        let (reply, answer) = oneshot::channel();
        let request = Request { line, reply };
        if self.requests.send(request).await.is_err() {
            return Err("the owner task has ended".into());
        }
        answer
            .await
            .unwrap_or_else(|_| Err("the owner task dropped the request".into()))
    }
}
// ANCHOR_END: owner

// ANCHOR: main
async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let server = tokio::spawn(serve(listener, stop.clone(), Limits::default()));

    let connection = Connection::start(TcpStream::connect(addr).await?);
    let mut askers = JoinSet::new();
    for task in 1..=3 {
        let connection = connection.clone();
        askers.spawn(async move {
            for n in 1..=3 {
                let line = format!("SUM {task} {n}");
                let answer = connection.ask(line.clone()).await?;
                println!("task {task}: {line} -> {answer}");
            }
            Ok::<_, String>(())
        });
    }
    drop(connection); // the askers hold the only handles now
    while let Some(ended) = askers.join_next().await {
        ended??;
    }
    stop.cancel();
    let answered = server.await?;
    println!("the server answered {answered} commands, all on one connection");
    Ok(())
}
// ANCHOR_END: main

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
