//! HTTP is text: one request written by hand over a TCP connection to the local server, and
//! the response read back as it arrived. Then a request that is not HTTP at all.

mod ch05_common;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use ch05_common::cli::no_arguments;
use ch05_common::server::Server;

const USAGE: &str = "\
usage: ch05_raw_http

Starts the chapter's local HTTP server and sends it one GET request written by
hand over a TCP connection, printing the request and the response line by
line; then sends a line that is not HTTP and prints the answer.
";

// ANCHOR: exchange
/// Sends `request` on a new connection and returns everything the server sent back.
fn exchange(address: &str, request: &str) -> io::Result<String> {
    let mut connection = TcpStream::connect(address)?;
    connection.write_all(request.as_bytes())?;
    let mut response = String::new();
    // `Connection: close` asks the server to close once it has answered: end of response.
    connection.read_to_string(&mut response)?;
    Ok(response)
}

fn show(prefix: &str, text: &str) {
    for line in text.lines() {
        // The date changes from run to run; everything else is the same each time.
        if line.starts_with("date:") {
            println!("{prefix} date: (today's)");
        } else {
            println!("{prefix} {line}");
        }
    }
}
// ANCHOR_END: exchange

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::start()?;
    let address = server.url("").trim_start_matches("http://").to_string();
    // ANCHOR: main
    let request = "GET /status/404?delay_ms=10 HTTP/1.1\r\n\
                   Host: 127.0.0.1\r\n\
                   Connection: close\r\n\
                   \r\n";
    show(">", request);
    show("<", &exchange(&address, request)?);
    println!();
    let nonsense = "HELLO SERVER\r\n\r\n";
    show(">", nonsense);
    show("<", &exchange(&address, nonsense)?);
    // ANCHOR_END: main
    server.stop()?;
    Ok(())
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
