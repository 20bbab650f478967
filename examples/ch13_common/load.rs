// The readers-writers load of chapter 13, the same for every lock: readers that read without
// pause and writers that come back soon after each write, for a fixed time. The accesses
// are sleeps, so that the run measures who gets the lock and not who gets a core: on a
// machine whose cores are busy, a thread that computes inside the lock would also be
// waiting for the processor.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::stats::Side;

// ANCHOR: load
pub const READERS: usize = 4;
pub const WRITERS: usize = 2;
/// How long one read and one write hold the lock.
pub const READ_TIME: Duration = Duration::from_millis(2);
pub const WRITE_TIME: Duration = Duration::from_millis(2);
/// How long a writer rests after each write: less than a write, so that with two writers
/// there is nearly always one that wants the lock.
pub const WRITER_PAUSE: Duration = Duration::from_millis(1);
// ANCHOR_END: load

// ANCHOR: trait
/// A readers-writers lock seen from the load: run `read` with shared access, or `write`
/// with exclusive access. A lock that can stop waiting gives up at `deadline` and returns
/// `false`; one that cannot ignores it (the other side stops at the deadline, and then it
/// gets in).
pub trait ReadWrite: Sync {
    fn read(&self, deadline: Instant, read: impl FnOnce()) -> bool;
    fn write(&self, deadline: Instant, write: impl FnOnce()) -> bool;
}
// ANCHOR_END: trait

/// What a run measured, and how often a reader and a writer, or two writers, were inside
/// at the same time (which a correct lock never allows).
pub struct Report {
    pub readers: Side,
    pub writers: Side,
    pub seconds: f64,
    pub overlaps: u64,
}

/// Who is inside, counted by the accesses themselves, to check the lock's exclusion.
#[derive(Default)]
pub struct Inside {
    readers: AtomicUsize,
    writers: AtomicUsize,
    overlaps: AtomicU64,
}

impl Inside {
    pub fn reading(&self, hold: impl FnOnce()) {
        self.enter_read();
        hold();
        self.leave_read();
    }

    pub fn writing(&self, hold: impl FnOnce()) {
        self.enter_write();
        hold();
        self.leave_write();
    }

    pub fn enter_read(&self) {
        self.readers.fetch_add(1, Ordering::SeqCst);
        if self.writers.load(Ordering::SeqCst) != 0 {
            self.overlaps.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn leave_read(&self) {
        self.readers.fetch_sub(1, Ordering::SeqCst);
    }

    pub fn enter_write(&self) {
        let writers = self.writers.fetch_add(1, Ordering::SeqCst);
        if writers != 0 || self.readers.load(Ordering::SeqCst) != 0 {
            self.overlaps.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn leave_write(&self) {
        self.writers.fetch_sub(1, Ordering::SeqCst);
    }

    pub fn overlaps(&self) -> u64 {
        self.overlaps.load(Ordering::Relaxed)
    }
}

// ANCHOR: run
/// Runs the load on `lock` for `run_for` and returns every wait of both sides.
pub fn run(lock: &impl ReadWrite, run_for: Duration) -> Report {
    let inside = Inside::default();
    let start = Instant::now();
    let deadline = start + run_for;
    let (readers, writers) = thread::scope(|s| {
        let readers: Vec<_> = (0..READERS)
            .map(|_| {
                s.spawn(|| {
                    side(
                        deadline,
                        // No rest: a zero sleep returns at once, without a system call.
                        Duration::ZERO,
                        |f| lock.read(deadline, f),
                        |h| inside.reading(h),
                        READ_TIME,
                    )
                })
            })
            .collect();
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| {
                s.spawn(|| {
                    side(
                        deadline,
                        WRITER_PAUSE,
                        |f| lock.write(deadline, f),
                        |h| inside.writing(h),
                        WRITE_TIME,
                    )
                })
            })
            .collect();
        let join = |handles: Vec<thread::ScopedJoinHandle<'_, Side>>| {
            let mut all = Side::default();
            for handle in handles {
                all.merge(handle.join().expect("a load thread panicked"));
            }
            all
        };
        (join(readers), join(writers))
    });
    Report {
        readers,
        writers,
        seconds: start.elapsed().as_secs_f64(),
        overlaps: inside.overlaps(),
    }
}

/// One thread of the load: ask for the lock, note how long the answer took, hold the lock
/// for `hold`, rest for `pause`, and again, until the deadline.
fn side(
    deadline: Instant,
    pause: Duration,
    access: impl Fn(Box<dyn FnOnce() + '_>) -> bool,
    inside: impl Fn(&dyn Fn()),
    hold: Duration,
) -> Side {
    let mut mine = Side::default();
    while Instant::now() < deadline {
        let asked = Instant::now();
        let waited = std::cell::Cell::new(None);
        let got = access(Box::new(|| {
            waited.set(Some(asked.elapsed()));
            inside(&|| thread::sleep(hold));
        }));
        // A wait the deadline cut short counts with the time it lasted.
        mine.waits
            .push(waited.get().unwrap_or_else(|| asked.elapsed()));
        if got {
            mine.done += 1;
        }
        thread::sleep(pause);
    }
    mine
}
// ANCHOR_END: run
