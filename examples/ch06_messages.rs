//! Structured messages between a parent and a child, as JSON lines over the child's
//! standard input and output, and what the parent sees when the child dies mid-message.

mod ch06_common;

use ch06_common::cli::{self, Mode};
use ch06_common::guard::ChildGuard;
use ch06_common::status::describe;
use serde::{Deserialize, Serialize};
use std::env;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::{self, ChildStdin, ChildStdout, Command, ExitCode, Stdio};

const USAGE: &str = "\
usage: ch06_messages
       ch06_messages --child server|dies

Starts a copy of this program as a `server` child and sends it requests as JSON
lines on its standard input; the child answers on its standard output, one JSON
line per request. Then starts a child that `dies` in the middle of its answer, and
shows what the parent can tell from what arrived.
";

// ANCHOR: messages
/// What the parent asks. `tag` puts the variant's name in the JSON object itself:
/// `{"kind":"factors","n":36}`.
#[derive(Serialize, Deserialize, Debug)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Request {
    IsPrime { n: u64 },
    Factors { n: u64 },
}

/// What the child answers, one per request, in the order of the requests.
#[derive(Serialize, Deserialize, Debug)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Reply {
    IsPrime {
        n: u64,
        prime: bool,
    },
    Factors {
        n: u64,
        factors: Vec<u64>,
    },
    /// The request could not be read; the child carries on with the next one.
    Refused {
        reason: String,
    },
}
// ANCHOR_END: messages

// ANCHOR: server
/// The child: one reply line for every request line, until its standard input ends.
fn server() -> io::Result<()> {
    let mut out = io::stdout().lock();
    let mut input = io::stdin().lock();
    let mut line = Vec::new();
    loop {
        // Bytes, not `lines()`: a line that is not UTF-8 is refused like any other bad
        // request, and one without a newline cannot grow past MAX_LINE bytes.
        line.clear();
        let read = (&mut input)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut line)?;
        if read == 0 {
            break; // end of input: the parent has closed the pipe
        }
        // A full line keeps its newline, so a request of exactly MAX_LINE bytes reads as one
        // more: only a line that hit the limit before its newline is too long.
        let too_long = line.len() as u64 > MAX_LINE && line.last() != Some(&b'\n');
        if too_long {
            input.skip_until(b'\n')?; // the rest of the over-long line
        }
        let reply = match serde_json::from_slice::<Request>(&line) {
            _ if too_long => Reply::Refused {
                reason: format!("a line longer than {MAX_LINE} bytes"),
            },
            // A well-typed request can still ask for unbounded work: bound it.
            Ok(Request::IsPrime { n } | Request::Factors { n }) if n > LIMIT => Reply::Refused {
                reason: format!("{n} is above the limit, {LIMIT}"),
            },
            Ok(Request::IsPrime { n }) => Reply::IsPrime {
                n,
                prime: factors(n) == [1, n],
            },
            Ok(Request::Factors { n }) => Reply::Factors {
                n,
                factors: factors(n),
            },
            Err(err) => Reply::Refused {
                reason: err.to_string(),
            },
        };
        // Compact JSON never holds a raw newline (one in a string is written `\n`),
        // so the newline after it ends the message and nothing else.
        serde_json::to_writer(&mut out, &reply)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(())
}
// ANCHOR_END: server

/// The longest request line the server reads, in bytes.
const MAX_LINE: u64 = 4096;

/// The largest number the server checks or factors.
const LIMIT: u64 = 1_000_000_000_000;

/// The divisors of `n` in increasing order, by trial division up to its square root.
fn factors(n: u64) -> Vec<u64> {
    let (mut small, mut large) = (Vec::new(), Vec::new());
    for divisor in (1..=n.isqrt()).filter(|d| n.is_multiple_of(*d)) {
        small.push(divisor);
        if divisor != n / divisor {
            large.push(n / divisor);
        }
    }
    small.extend(large.into_iter().rev());
    small
}

// ANCHOR: dies
/// The child that dies: it starts its answer, then aborts before finishing the line.
fn dies() -> io::Result<()> {
    let mut request = String::new();
    io::stdin().read_line(&mut request)?;
    let mut out = io::stdout().lock();
    out.write_all(br#"{"kind":"factors","n":36,"fac"#)?;
    out.flush()?;
    process::abort();
}
// ANCHOR_END: dies

// ANCHOR: read_reply
/// One reply, or why there is none. A line that does not end in a newline was cut
/// off: the writer stopped in the middle of a message.
fn read_reply(from: &mut impl BufRead) -> io::Result<Reply> {
    let mut line = String::new();
    let read = from.read_line(&mut line)?;
    if read == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the child closed its output before replying",
        ));
    }
    if !line.ends_with('\n') {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the child stopped after {read} bytes of a reply: `{line}`"),
        ));
    }
    serde_json::from_str(&line).map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
}

fn send(to: &mut ChildStdin, line: &str) -> io::Result<()> {
    // One write per message: `line` already ends in its newline.
    to.write_all(line.as_bytes())
}
// ANCHOR_END: read_reply

/// Starts a copy of this program in `role`, with pipes to its standard input and output.
fn start(role: &str) -> io::Result<(ChildGuard, ChildStdin, BufReader<ChildStdout>)> {
    let mut child = ChildGuard::spawn(
        Command::new(env::current_exe()?)
            .args(["--child", role])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped()),
    )?;
    let stdin = child.stdin.take().expect("piped");
    let stdout = BufReader::new(child.stdout.take().expect("piped"));
    Ok((child, stdin, stdout))
}

// ANCHOR: parent
fn parent() -> io::Result<()> {
    let (server, mut to_server, mut from_server) = start("server")?;
    let requests = [Request::IsPrime { n: 193 }, Request::Factors { n: 36 }];
    let mut lines: Vec<String> = requests
        .iter()
        .map(|request| serde_json::to_string(request).map(|json| json + "\n"))
        .collect::<Result<_, _>>()?;
    // A request the child cannot read: it must say so, and keep serving.
    lines.push("{\"kind\":\"sqrt\",\"n\":4}\n".to_string());
    for line in &lines {
        send(&mut to_server, line)?;
        print!("sent: {line}");
        println!("got:  {:?}", read_reply(&mut from_server)?);
    }
    // Closing its standard input tells the server that no more requests will come.
    drop(to_server);
    println!("server: {}", describe(server.wait()?));

    let (dying, mut to_dying, mut from_dying) = start("dies")?;
    send(&mut to_dying, &lines[1])?;
    match read_reply(&mut from_dying) {
        Ok(reply) => println!("got: {reply:?}"),
        Err(err) => println!("error: {err}"),
    }
    println!("dies: {}", describe(dying.wait()?));
    Ok(())
}
// ANCHOR_END: parent

fn main() -> ExitCode {
    let result = match cli::parse(USAGE, &["server", "dies"], &[]) {
        Ok(Mode::Parent(_)) => parent(),
        Ok(Mode::Child("server")) => server(),
        Ok(Mode::Child(_)) => dies(),
        Err(status) => return status,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
