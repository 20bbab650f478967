//! Threads overlap waiting, but cannot shorten a chain of dependent steps.
//! "Fetching" a page here is a simulated network round trip: the thread
//! sleeps for the latency, as it would while waiting for a server.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use cpu_time::ProcessTime;

const LATENCY: Duration = Duration::from_millis(50);
const PAGES: u32 = 16;

// ANCHOR: fetch
/// Fetches page `page` and returns the number of the page it links to.
/// The links form one loop through all the pages.
fn fetch(page: u32) -> u32 {
    thread::sleep(LATENCY); // waiting for the server, not computing
    (5 * page + 3) % PAGES
}
// ANCHOR_END: fetch

/// Runs `work`, then prints its wall time and how many cores it kept busy.
fn timed<T>(label: &str, work: impl FnOnce() -> T) -> T {
    let wall = Instant::now();
    let cpu = ProcessTime::now();
    let result = work();
    let (wall, cpu) = (wall.elapsed().as_secs_f64(), cpu.elapsed().as_secs_f64());
    println!("{label:<36} {wall:.3} s, cores busy: {:.2}", cpu / wall);
    result
}

fn main() {
    println!("{PAGES} pages, each fetch waits {} ms", LATENCY.as_millis());

    // ANCHOR: independent
    // Independent fetches: every page number is known in advance.
    let one_by_one: Vec<u32> = timed("independent, one after another:", || {
        (0..PAGES).map(fetch).collect()
    });
    let overlapped: Vec<u32> = timed("independent, one thread per page:", || {
        thread::scope(|s| {
            // Start every thread before joining any: joining inside the same
            // iterator would wait for each fetch before starting the next.
            let handles: Vec<_> = (0..PAGES)
                .map(|page| s.spawn(move || fetch(page)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    });
    assert_eq!(one_by_one, overlapped);
    // ANCHOR_END: independent

    // ANCHOR: chain
    // A chain: each fetch needs the link found by the one before it.
    let end = timed("chain, one after another:", || {
        (0..PAGES).fold(0, |page, _| fetch(page))
    });
    let end_threaded = timed("chain, one thread per step:", || {
        thread::scope(|s| {
            let (first_tx, mut rx) = mpsc::channel();
            for _ in 0..PAGES {
                let (tx, next_rx) = mpsc::channel();
                // Each step blocks until the step before hands it a page.
                s.spawn(move || {
                    let page = rx.recv().unwrap();
                    tx.send(fetch(page)).unwrap();
                });
                rx = next_rx;
            }
            first_tx.send(0).unwrap();
            rx.recv().unwrap()
        })
    });
    // ANCHOR_END: chain
    assert_eq!(end, end_threaded);
    println!("both chains followed {PAGES} links back to page {end}");
}
