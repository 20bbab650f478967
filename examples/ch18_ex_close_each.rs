// Chapter 18, exercise 2: what keep-alive saves. Four client threads fetch `/` from each
// server for two seconds with a new connection per request (`Connection: close`), then for two
// seconds on one kept-alive connection each.

mod ch18_common;

use ch18_common::cli::{arguments, refuse};
use ch18_common::client::{read_response, Keeper};
use ch18_common::server::{Config, Kind};
use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch18_ex_close_each

For each server, four client threads fetch pages for 2 s opening a connection per request,
then for 2 s on kept-alive connections; prints requests per second for both.
";

const CLIENTS: usize = 4;
const WINDOW: Duration = Duration::from_secs(2);

// ANCHOR: solution
/// One request on a connection of its own; true if it was answered `200`.
fn close_each(addr: SocketAddr) -> bool {
    let exchange = || -> std::io::Result<bool> {
        let mut stream = TcpStream::connect(addr)?;
        stream.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")?;
        Ok(matches!(
            read_response(&mut BufReader::new(stream))?,
            Some((200, _, false))
        ))
    };
    exchange().unwrap_or(false)
}

/// Requests per second (in thousands) from `CLIENTS` threads, each calling `next` in a loop.
fn rate(next: impl Fn() -> bool + Sync) -> f64 {
    let answered: usize = std::thread::scope(|s| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                s.spawn(|| {
                    let (start, mut n) = (Instant::now(), 0);
                    while start.elapsed() < WINDOW {
                        n += usize::from(next());
                    }
                    n
                })
            })
            .collect();
        clients.into_iter().map(|c| c.join().unwrap()).sum()
    });
    answered as f64 / WINDOW.as_secs_f64() / 1000.0
}
// ANCHOR_END: solution

fn main() -> ExitCode {
    let args = match arguments(USAGE) {
        Ok(args) => args,
        Err(status) => return status,
    };
    if let Some(arg) = args.first() {
        return refuse(&format!("unexpected argument `{arg}`"));
    }
    println!("{CLIENTS} clients; thousands of requests per second");
    for kind in Kind::ALL {
        let server = match kind.start(Config::default()) {
            Ok(server) => server,
            Err(error) => {
                eprintln!("error: {}: {error}", kind.name());
                return ExitCode::FAILURE;
            }
        };
        let addr = server.addr;
        let fresh = rate(|| close_each(addr));
        // One kept-alive connection per client thread, opened on its first request.
        let kept = rate(|| {
            thread_local! {
                static KEEPER: std::cell::RefCell<Option<Keeper>> = const { std::cell::RefCell::new(None) };
            }
            KEEPER.with_borrow_mut(|k| {
                if k.is_none() {
                    *k = Keeper::connect(addr).ok();
                }
                let answer = k.as_mut().map(|k| k.get("/"));
                match answer {
                    Some(Ok(Some((200, _, keep)))) => {
                        if !keep {
                            *k = None;
                        }
                        true
                    }
                    _ => {
                        *k = None;
                        false
                    }
                }
            })
        });
        server.stop();
        println!(
            "{:<8} a connection per request {fresh:>6.1}; kept alive {kept:>6.1} ({:.1}x)",
            kind.name(),
            kept / fresh
        );
    }
    ExitCode::SUCCESS
}
