//! One GET request to the local server, then the errors a client meets, each as one line.

mod ch05_common;

use std::io::ErrorKind;
use std::process::ExitCode;
use std::time::Duration;

use ch05_common::cli::no_arguments;
use ch05_common::server::Server;
use ureq::http::Response;
use ureq::{Agent, Body};

const USAGE: &str = "\
usage: ch05_one_request

Starts the chapter's local HTTP server, makes one GET request and prints its
status and body, then shows the errors a client meets (an error status, a
timeout, a bad request, a refused connection), each as one line.
";

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // ANCHOR: get
    let server = Server::start()?;
    let mut response = ureq::get(server.url("/status/200?delay_ms=50")).call()?;
    println!("status: {}", response.status());
    let content_type = response.headers().get("content-type");
    let content_type = content_type
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(none)");
    println!("content-type: {content_type:?}");
    print!("body: {}", response.body_mut().read_to_string()?);
    // ANCHOR_END: get

    // ANCHOR: errors
    let agent: Agent = Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(1)))
        .build()
        .into();
    for path in [
        "/status/404",
        "/status/503",
        "/status/200?delay_ms=2000",
        "/status/abc",
    ] {
        println!("{path}: {}", outcome(agent.get(server.url(path)).call()));
    }

    // The same bad request with 4xx and 5xx answers as responses, not errors.
    let lenient: Agent = Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let path = "/status/abc";
    println!("{path}: {}", outcome(lenient.get(server.url(path)).call()));

    let url = server.url("/status/200");
    server.stop()?;
    println!("after stop: {}", outcome(ureq::get(&url).call()));
    // ANCHOR_END: errors
    Ok(())
}

// ANCHOR: outcome
/// One line for any result of a request: the status and body, or what went wrong.
fn outcome(result: Result<Response<Body>, ureq::Error>) -> String {
    match result {
        Ok(mut response) => {
            let status = response.status();
            match response.body_mut().read_to_string() {
                Ok(body) => format!("{status}, body {:?}", body.trim_end()),
                Err(error) => format!("{status}, but the body failed: {error}"),
            }
        }
        Err(ureq::Error::StatusCode(code)) => format!("error: the server answered {code}"),
        Err(ureq::Error::Timeout(which)) => format!("error: timed out ({which} timeout)"),
        Err(ureq::Error::Io(error)) if error.kind() == ErrorKind::ConnectionRefused => {
            "error: connection refused (nothing listens on that port)".to_string()
        }
        Err(other) => format!("error: {other}"),
    }
}
// ANCHOR_END: outcome

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
