// Chapter 18, one protocol, four servers: each is started on 127.0.0.1:0, asked for three
// pages by a real HTTP client (ureq, one keep-alive connection) and by curl where it is
// installed, and stopped; then what it counted is printed.

mod ch18_common;

use ch18_common::cli::arguments;
use ch18_common::server::{Config, Counters, Kind};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: ch18_three_servers

Starts each of the chapter's servers (a thread per connection, a thread pool, a mio event
loop, tokio), fetches three pages from each with ureq and one with curl (if installed),
stops it, and prints what came back and what the server counted.
";

// ANCHOR: main
fn main() -> ExitCode {
    let args = match arguments(USAGE) {
        Ok(args) => args,
        Err(status) => return status,
    };
    if let Some(arg) = args.first() {
        return ch18_common::cli::refuse(&format!("unexpected argument `{arg}`"));
    }
    for kind in Kind::ALL {
        if let Err(error) = try_one(kind) {
            eprintln!("error: {}: {error}", kind.name());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn try_one(kind: Kind) -> Result<(), Box<dyn std::error::Error>> {
    let server = kind.start(Config::default())?;
    let base = format!("http://{}", server.addr);
    // One agent keeps one connection open across its requests (keep-alive). We want to see
    // a 404 as a response, not as an error.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for path in ["/", "/bytes/1000000", "/nowhere"] {
        let mut response = agent.get(format!("{base}{path}")).call()?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(2 << 20)
            .read_to_vec()?;
        let shown = match body.len() {
            n if n > 40 => format!("{n} bytes"),
            _ => format!("{:?}", String::from_utf8_lossy(&body)),
        };
        println!("{}: ureq GET {path} -> {status}, {shown}", kind.name());
    }
    match Command::new("curl")
        .args(["--silent", "--show-error", &base])
        .output()
    {
        Ok(out) if out.status.success() => print!(
            "{}: curl GET / -> {}",
            kind.name(),
            String::from_utf8_lossy(&out.stdout)
        ),
        Ok(out) => println!(
            "{}: curl failed: {}",
            kind.name(),
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(_) => println!("{}: curl is not installed here; skipped", kind.name()),
    }
    let counters = server.stop();
    println!(
        "{}: stopped; {} connections, {} answers, 0 left open: {}",
        kind.name(),
        Counters::get(&counters.accepted),
        Counters::get(&counters.answered),
        counters.open.load(std::sync::atomic::Ordering::Relaxed) == 0
    );
    Ok(())
}
// ANCHOR_END: main
