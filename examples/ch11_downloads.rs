//! Downloading five pages from a local HTTP server, one after another and then all at once,
//! streaming each body to a file with tokio::fs; prints both times and the speedup, and
//! checks every file's size and checksum against what the server made.

mod ch11_common;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use ch11_common::cli::no_arguments;

const USAGE: &str = "\
usage: ch11_downloads

Starts an HTTP server on 127.0.0.1 (a free port) that serves five pages, each after a
known delay; downloads them one after another and then all at once, streaming each to a
file in a temporary folder; prints both times and the speedup, checks the files' sizes and
checksums, and removes the folder.
";

type Error = Box<dyn std::error::Error + Send + Sync>;

// ANCHOR: pages
/// The pages: how long the server waits before answering, and how many bytes it sends.
const PAGES: [(u64, usize); 5] = [
    (300, 120_000),
    (150, 200_000),
    (400, 80_000),
    (250, 160_000),
    (200, 240_000),
];

/// The bytes of page `n`: a pseudo-random sequence, the same on every run.
fn page_bytes(n: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ n as u64; // xorshift64, seeded by n
    (0..PAGES[n].1)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8
        })
        .collect()
}

/// FNV-1a, 64 bits: a simple checksum, enough to tell two files apart.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
// ANCHOR_END: pages

// ANCHOR: server
/// `/pages/{n}`: waits the page's delay, then sends its bytes.
async fn page(
    State(pages): State<Arc<Vec<Bytes>>>,
    UrlPath(n): UrlPath<usize>,
) -> (StatusCode, Bytes) {
    match pages.get(n) {
        Some(bytes) => {
            tokio::time::sleep(Duration::from_millis(PAGES[n].0)).await; // a slow site
            (StatusCode::OK, bytes.clone()) // Bytes: a cheap, shared handle to the page
        }
        None => (StatusCode::NOT_FOUND, Bytes::from_static(b"no such page\n")),
    }
}

/// Starts the server on 127.0.0.1, on a free port; it stops when `stop` is cancelled.
async fn start_server(
    stop: CancellationToken,
) -> std::io::Result<(String, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let pages: Vec<Bytes> = (0..PAGES.len()).map(|n| page_bytes(n).into()).collect();
    let app = Router::new()
        .route("/pages/{n}", get(page))
        .with_state(Arc::new(pages));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = axum::serve(listener, app).with_graceful_shutdown(stop.cancelled_owned());
    Ok((base, tokio::spawn(async move { server.await })))
}
// ANCHOR_END: server

// ANCHOR: download
/// Downloads one URL into a file, chunk by chunk as the body arrives; returns the size.
async fn download(client: &reqwest::Client, url: String, path: PathBuf) -> Result<u64, Error> {
    let response = client.get(url).send().await?.error_for_status()?;
    let mut file = tokio::fs::File::create(&path).await?;
    let mut body = response.bytes_stream();
    let mut written = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?; // a piece of the body, as it came off the connection
        file.write_all(&chunk).await?;
        written += chunk.len() as u64;
    }
    file.flush().await?; // tokio's File writes in the background: wait for the last write
    Ok(written)
}

fn page_path(folder: &Path, n: usize) -> PathBuf {
    folder.join(format!("page{n}.bin"))
}

async fn one_after_another(
    client: &reqwest::Client,
    base: &str,
    folder: &Path,
) -> Result<(), Error> {
    for n in 0..PAGES.len() {
        download(client, format!("{base}/pages/{n}"), page_path(folder, n)).await?;
    }
    Ok(())
}

async fn all_at_once(client: &reqwest::Client, base: &str, folder: &Path) -> Result<(), Error> {
    // Five futures polled together by one task: while one waits, the others make progress.
    let downloads = (0..PAGES.len())
        .map(|n| download(client, format!("{base}/pages/{n}"), page_path(folder, n)));
    futures::future::try_join_all(downloads).await?;
    Ok(())
}
// ANCHOR_END: download

// ANCHOR: check
/// Every file has the size and checksum of the page the server made.
async fn check(folder: &Path) -> Result<Vec<String>, Error> {
    let mut report = Vec::new();
    for n in 0..PAGES.len() {
        let bytes = tokio::fs::read(page_path(folder, n)).await?;
        let expected = page_bytes(n);
        if bytes.len() != expected.len() || fnv1a(&bytes) != fnv1a(&expected) {
            return Err(format!("page {n}: the file differs from the page").into());
        }
        report.push(format!(
            "page {n}: {} bytes, checksum {:016x}, as served",
            bytes.len(),
            fnv1a(&bytes)
        ));
    }
    Ok(report)
}
// ANCHOR_END: check

// ANCHOR: main
async fn run(folder: &Path) -> Result<(), Error> {
    let stop = CancellationToken::new();
    let (base, server) = start_server(stop.clone()).await?;
    // No proxy: the server is on this machine, whatever HTTP_PROXY says.
    let client = reqwest::Client::builder().no_proxy().build()?;
    let delays: Vec<String> = PAGES.iter().map(|(ms, _)| ms.to_string()).collect();
    let total: usize = PAGES.iter().map(|(_, size)| size).sum();
    println!(
        "{} pages, {total} bytes in all, served after {} ms",
        PAGES.len(),
        delays.join(", ")
    );

    let sequential_folder = folder.join("one-after-another");
    let concurrent_folder = folder.join("all-at-once");
    tokio::fs::create_dir_all(&sequential_folder).await?;
    tokio::fs::create_dir_all(&concurrent_folder).await?;

    let start = Instant::now();
    one_after_another(&client, &base, &sequential_folder).await?;
    let sequential = start.elapsed().as_secs_f64();
    println!("one after another: {sequential:.3} s");

    let start = Instant::now();
    all_at_once(&client, &base, &concurrent_folder).await?;
    let concurrent = start.elapsed().as_secs_f64();
    println!("all at once:       {concurrent:.3} s");
    println!("speedup:           {:.2}x", sequential / concurrent);

    let report = check(&sequential_folder).await?;
    if check(&concurrent_folder).await? != report {
        return Err("the two runs' files differ".into());
    }
    for line in report {
        println!("{line} (both runs)");
    }
    drop(client);
    stop.cancel(); // graceful shutdown: stop accepting, finish what is open
    server.await??;
    Ok(())
}
// ANCHOR_END: main

#[tokio::main]
async fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // A folder of our own, with a name no other program can predict, in the system's
    // temporary folder; `close` removes it and reports an error, and a drop after a panic
    // removes it too. A signal that kills the process skips both.
    let folder = match tempfile::Builder::new().prefix("ch11_downloads").tempdir() {
        Ok(folder) => folder,
        Err(error) => {
            eprintln!("error: cannot make a temporary folder: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = run(folder.path()).await;
    let shown = folder.path().display().to_string();
    match (result, folder.close()) {
        (Ok(()), Ok(())) => {
            println!("the temporary folder is removed");
            ExitCode::SUCCESS
        }
        (Err(error), _) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
        (Ok(()), Err(error)) => {
            eprintln!("error: cannot remove {shown}: {error}");
            ExitCode::FAILURE
        }
    }
}
