// The line protocol of chapter 11 and a server for it. One command per line, one answer per
// line:
//
//   SUM 1 2 3       OK 6            (whole numbers that fit in 64 bits)
//   ECHO any text   OK any text
//   QUIT            BYE             (and the server closes the connection)
//
// Anything else gets `ERR ...` and the connection stays open. A line longer than MAX_LINE
// bytes, or one that is not UTF-8, gets `ERR ...` and the connection is closed; the server
// goes on serving everyone else.

use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;

/// The longest line the server reads, in bytes, not counting the newline.
pub const MAX_LINE: usize = 64;

// ANCHOR: answer
/// What the server does with one line.
#[derive(Debug, PartialEq)]
pub enum Reply {
    /// Send this line back and wait for the next command.
    Answer(String),
    /// Say goodbye and close the connection.
    Quit,
}

/// The protocol itself: a line in, a reply out, and no I/O, so it is easy to test.
pub fn answer(line: &str) -> Reply {
    let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
    match command.to_ascii_uppercase().as_str() {
        "SUM" => Reply::Answer(match sum(rest) {
            Ok(total) => format!("OK {total}"),
            Err(problem) => format!("ERR {problem}"),
        }),
        "ECHO" => Reply::Answer(format!("OK {rest}")),
        "QUIT" => Reply::Quit,
        "" => Reply::Answer("ERR empty line (the commands are SUM, ECHO and QUIT)".into()),
        _ => Reply::Answer(format!(
            "ERR unknown command `{command}` (the commands are SUM, ECHO and QUIT)"
        )),
    }
}

fn sum(numbers: &str) -> Result<i64, String> {
    let mut total: i64 = 0;
    let mut count = 0;
    for word in numbers.split_whitespace() {
        let n: i64 = word
            .parse()
            .map_err(|_| format!("SUM takes whole numbers, not `{word}`"))?;
        total = total
            .checked_add(n)
            .ok_or("the sum does not fit in 64 bits")?;
        count += 1;
    }
    if count == 0 {
        return Err("SUM needs at least one number".into());
    }
    Ok(total)
}
// ANCHOR_END: answer

// ANCHOR: connection
/// Serves one connection until the client quits or closes it, or sends a line the codec
/// refuses. Returns how many commands it answered.
pub async fn serve_connection(stream: TcpStream) -> Result<u64, LinesCodecError> {
    // The codec turns the byte stream into lines, and refuses to buffer more than MAX_LINE
    // bytes while it looks for a newline: a client cannot make the server hold a huge line.
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE));
    let mut answered = 0;
    while let Some(line) = lines.next().await {
        let line = match line {
            Ok(line) => line,
            Err(LinesCodecError::MaxLineLengthExceeded) => {
                let refusal = format!("ERR line longer than {MAX_LINE} bytes; closing");
                lines.send(refusal).await?;
                break;
            }
            Err(LinesCodecError::Io(error)) if error.kind() == std::io::ErrorKind::InvalidData => {
                lines.send("ERR line is not UTF-8; closing").await?;
                break;
            }
            Err(other) => return Err(other), // the connection itself failed
        };
        answered += 1;
        match answer(&line) {
            Reply::Answer(text) => lines.send(text).await?,
            Reply::Quit => {
                lines.send("BYE").await?;
                break;
            }
        }
    }
    Ok(answered) // dropping `lines` closes the connection
}
// ANCHOR_END: connection

// ANCHOR: serve
/// Accepts connections until `stop` is cancelled, each served by a task of its own; then
/// waits for the open connections to end. Returns how many commands were answered in all.
pub async fn serve(listener: TcpListener, stop: CancellationToken) -> u64 {
    let mut connections = JoinSet::new();
    let mut answered = 0;
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(serve_connection(stream));
                }
                // A connection that failed before we accepted it; the listener is fine.
                Err(_) => continue,
            },
            // Collect the connections that have ended, so that the set does not grow.
            Some(ended) = connections.join_next() => answered += count(ended),
        }
    }
    drop(listener); // stop accepting: a new client is now refused
    while let Some(ended) = connections.join_next().await {
        answered += count(ended);
    }
    answered
}

fn count(ended: Result<Result<u64, LinesCodecError>, tokio::task::JoinError>) -> u64 {
    match ended {
        Ok(Ok(answered)) => answered,
        _ => 0, // a connection that failed or panicked ends alone; the server goes on
    }
}
// ANCHOR_END: serve

/// Serves on 127.0.0.1:PORT until Ctrl-C, for trying the protocol by hand with `nc`.
pub async fn serve_by_hand(port: u16) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("serving on 127.0.0.1:{port}; try `nc 127.0.0.1 {port}`, stop with Ctrl-C");
    let stop = CancellationToken::new();
    let server = tokio::spawn(serve(listener, stop.clone()));
    tokio::signal::ctrl_c().await?;
    stop.cancel();
    // Connections left open in other terminals get a second to end, then are dropped.
    match tokio::time::timeout(std::time::Duration::from_secs(1), server).await {
        Ok(Ok(answered)) => println!("stopped after answering {answered} commands"),
        _ => println!("stopped, closing the connections still open"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        assert_eq!(answer("SUM 1 2 3"), Reply::Answer("OK 6".into()));
        assert_eq!(answer("sum -4 4"), Reply::Answer("OK 0".into()));
        assert_eq!(answer("ECHO a b"), Reply::Answer("OK a b".into()));
        assert_eq!(answer("QUIT"), Reply::Quit);
        assert!(matches!(answer("SUM"), Reply::Answer(a) if a.starts_with("ERR")));
    }
}
