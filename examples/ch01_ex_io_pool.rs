//! Exercise solution: the sixteen independent fetches on a pool of four
//! threads instead of one thread per page.

use std::thread;
use std::time::{Duration, Instant};

use rayon::prelude::*;

const LATENCY: Duration = Duration::from_millis(50);
const PAGES: u32 = 16;

fn fetch(page: u32) -> u32 {
    thread::sleep(LATENCY); // waiting for the server, not computing
    (5 * page + 3) % PAGES
}

fn main() {
    let workers = 4;
    // ANCHOR: pool
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .expect("the system could not start the pool's threads");
    let start = Instant::now();
    let links: Vec<u32> = pool.install(|| (0..PAGES).into_par_iter().map(fetch).collect());
    let took = start.elapsed();
    // ANCHOR_END: pool
    println!(
        "{PAGES} fetches of {} ms on {workers} threads: {:.3} s",
        LATENCY.as_millis(),
        took.as_secs_f64()
    );
    println!("links found: {links:?}");
}
