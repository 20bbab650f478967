//! The readers-writers load of `ch13_readers_writers` on the locks a program would use:
//! `std::sync::RwLock`, parking_lot's `RwLock`, and tokio's `RwLock` in an async version of
//! the same load. One table, the same columns.

use std::process::ExitCode;
use std::sync::PoisonError;
use std::time::{Duration, Instant};

mod ch13_common;

use ch13_common::cli;
use ch13_common::load::{self, Inside, ReadWrite, Report};
use ch13_common::stats::{self, Side};

const USAGE: &str = "\
usage: ch13_rwlocks [SECONDS]

Runs the readers-writers load for SECONDS (default 3) on std's RwLock,
parking_lot's RwLock and tokio's RwLock. Prints accesses per second and the
waits of each side.
";

// ANCHOR: std
/// std's `RwLock` has no timed wait: a thread waits until it gets the lock. The other side
/// stops at the deadline, so the wait ends soon after it.
impl ReadWrite for std::sync::RwLock<()> {
    fn read(&self, _deadline: Instant, read: impl FnOnce()) -> bool {
        let _guard = self.read().unwrap_or_else(PoisonError::into_inner);
        read();
        true
    }

    fn write(&self, _deadline: Instant, write: impl FnOnce()) -> bool {
        let _guard = self.write().unwrap_or_else(PoisonError::into_inner);
        write();
        true
    }
}

/// parking_lot's lock can give up at a deadline.
impl ReadWrite for parking_lot::RwLock<()> {
    fn read(&self, deadline: Instant, read: impl FnOnce()) -> bool {
        let Some(_guard) = self.try_read_until(deadline) else {
            return false;
        };
        read();
        true
    }

    fn write(&self, deadline: Instant, write: impl FnOnce()) -> bool {
        let Some(_guard) = self.try_write_until(deadline) else {
            return false;
        };
        write();
        true
    }
}
// ANCHOR_END: std

// ANCHOR: tokio
/// The same load as tasks: the accesses and the writers' rests are `tokio::time::sleep`, and
/// a wait gives up at the deadline with `timeout_at`.
async fn tokio_load(run_for: Duration) -> Report {
    use std::sync::Arc;
    use tokio::sync::RwLock;
    use tokio::time::{sleep, timeout_at};

    let lock = Arc::new(RwLock::new(()));
    let inside = Arc::new(Inside::default());
    let start = Instant::now();
    let deadline = tokio::time::Instant::from_std(start + run_for);
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..load::READERS + load::WRITERS {
        let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
        let writer = n >= load::READERS;
        tasks.spawn(async move {
            let mut mine = Side::default();
            while tokio::time::Instant::now() < deadline {
                let asked = Instant::now();
                if writer {
                    if let Ok(_guard) = timeout_at(deadline, lock.write()).await {
                        mine.waits.push(asked.elapsed());
                        mine.done += 1;
                        inside.enter_write();
                        // The guard is held across the sleep, as the threads hold theirs.
                        sleep(load::WRITE_TIME).await;
                        inside.leave_write();
                    } else {
                        mine.waits.push(asked.elapsed());
                    }
                    sleep(load::WRITER_PAUSE).await;
                } else if let Ok(_guard) = timeout_at(deadline, lock.read()).await {
                    mine.waits.push(asked.elapsed());
                    mine.done += 1;
                    inside.enter_read();
                    sleep(load::READ_TIME).await;
                    inside.leave_read();
                } else {
                    mine.waits.push(asked.elapsed());
                }
            }
            (writer, mine)
        });
    }
    let (mut readers, mut writers) = (Side::default(), Side::default());
    while let Some(joined) = tasks.join_next().await {
        let (writer, side) = joined.expect("a load task panicked");
        if writer { &mut writers } else { &mut readers }.merge(side);
    }
    Report {
        readers,
        writers,
        seconds: start.elapsed().as_secs_f64(),
        overlaps: inside.overlaps(),
    }
}
// ANCHOR_END: tokio

fn main() -> ExitCode {
    let run_for = match cli::seconds(USAGE, 3.0) {
        Ok(run_for) => run_for,
        Err(status) => return status,
    };
    println!(
        "{} readers read without pause, {} writers rest {:?} between writes; \
         each access holds the lock {:?}; {:.1} s per lock",
        load::READERS,
        load::WRITERS,
        load::WRITER_PAUSE,
        load::READ_TIME,
        run_for.as_secs_f64()
    );
    println!("{}", stats::header("lock"));
    let mut verdicts = Vec::new();
    let mut measure = |name: &'static str, report: Report| {
        println!("{}", report.readers.row(name, "readers", report.seconds));
        println!("{}", report.writers.row(name, "writers", report.seconds));
        verdicts.push((
            name,
            stats::verdict("readers", &report.readers, "writers", &report.writers),
            report.overlaps,
        ));
    };
    measure(
        "std::sync::RwLock",
        load::run(&std::sync::RwLock::new(()), run_for),
    );
    measure(
        "parking_lot::RwLock",
        load::run(&parking_lot::RwLock::new(()), run_for),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("cannot start the tokio runtime");
    measure("tokio::sync::RwLock", runtime.block_on(tokio_load(run_for)));
    let mut overlaps = 0;
    for (name, verdict, overlapped) in verdicts {
        println!("{name}: {verdict}");
        overlaps += overlapped;
    }
    println!("accesses that overlapped a write: {overlaps}");
    ExitCode::SUCCESS
}
