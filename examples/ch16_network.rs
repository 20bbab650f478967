//! The original's network of nodes with a primary: a reader asks for the primary's value
//! while another thread retires the primary and elects a new one. Split over two locks, the
//! reader can see a primary that is no longer in the map; as one snapshot, it cannot.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

const USAGE: &str = "usage: ch16_network
Replays the original's race (a reader between reading the primary key and reading its
value, a refresher in that gap), first on a network split over two locks, then on one kept
as a snapshot; then runs reader and refresher freely from one start line, the refresher
until it has refreshed 20000 times and the reader has read 10000 times, checks every read
and says how many reads and refreshes ran beside each other.
";

// ANCHOR: network
/// The invariant: `primary` is always a key of `nodes`.
#[derive(Clone, Debug)]
struct Network {
    primary: String,
    nodes: BTreeMap<String, u64>,
}

impl Network {
    fn new(nodes: &[(&str, u64)]) -> Network {
        Network {
            primary: nodes[0].0.to_string(),
            nodes: nodes.iter().map(|&(k, v)| (k.to_string(), v)).collect(),
        }
    }

    /// The original's `refresh_primary`: retire the primary, elect another node (here the
    /// first by name, so that runs repeat). Needs a second node.
    fn refresh(&mut self) {
        self.nodes.remove(&self.primary);
        self.primary = self.nodes.keys().next().expect("a second node").clone();
    }

    fn holds(&self) -> bool {
        self.nodes.contains_key(&self.primary)
    }
}
// ANCHOR_END: network

// ANCHOR: split
/// Each half behind its own lock: every access is safe, the pair is not.
struct SplitNetwork {
    primary: Mutex<String>,
    nodes: Mutex<BTreeMap<String, u64>>,
}

impl SplitNetwork {
    fn refresh(&self) {
        let mut primary = self.primary.lock().unwrap();
        let mut nodes = self.nodes.lock().unwrap();
        nodes.remove(&*primary);
        *primary = nodes.keys().next().expect("a second node").clone();
    }

    fn add_node(&self, key: String, value: u64) {
        self.nodes.lock().unwrap().entry(key).or_insert(value);
    }

    /// Two critical sections: the primary can change between them.
    fn primary_value(&self, gap: impl FnOnce()) -> Option<u64> {
        let key = self.primary.lock().unwrap().clone();
        gap();
        self.nodes.lock().unwrap().get(&key).copied()
    }
}
// ANCHOR_END: split

// ANCHOR: snapshot
/// The whole network is one immutable snapshot; a refresh builds the next one and swaps it
/// in. A reader clones the `Arc` (one short critical section) and reads at leisure.
struct SharedNetwork {
    current: Mutex<Arc<Network>>,
}

impl SharedNetwork {
    fn snapshot(&self) -> Arc<Network> {
        Arc::clone(&self.current.lock().unwrap())
    }

    fn refresh(&self) {
        let mut current = self.current.lock().unwrap();
        let mut next = Network::clone(&current);
        next.refresh();
        *current = Arc::new(next);
    }

    fn add_node(&self, key: String, value: u64) {
        let mut current = self.current.lock().unwrap();
        let mut next = Network::clone(&current);
        next.nodes.entry(key).or_insert(value);
        *current = Arc::new(next);
    }

    fn primary_value(&self, gap: impl FnOnce()) -> Option<u64> {
        let network = self.snapshot();
        gap();
        network.nodes.get(&network.primary).copied()
    }
}
// ANCHOR_END: snapshot

// ANCHOR: replay
/// The reader stops in its gap; the refresher runs there; the reader goes on. Barriers
/// make this order certain, where the original slept for a second.
fn replay(read: impl FnOnce(&dyn Fn()) -> Option<u64> + Send, refresh: impl FnOnce() + Send) {
    let gap = Barrier::new(2);
    let value = thread::scope(|s| {
        s.spawn(|| {
            // The reader is in its gap once this wait returns.
            gap.wait();
            // The second wait runs when this guard drops, even if `refresh` panics, so the
            // reader is never left waiting for ever.
            struct Done<'a>(&'a Barrier);
            impl Drop for Done<'_> {
                fn drop(&mut self) {
                    self.0.wait(); // the refresh is done
                }
            }
            let _done = Done(&gap);
            refresh();
        });
        read(&|| {
            gap.wait();
            gap.wait();
        })
    });
    match value {
        Some(value) => println!("  reader: primary value {value}"),
        None => println!("  reader: the primary it read is no longer in the network"),
    }
}
// ANCHOR_END: replay

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let start = Network::new(&[("A", 1), ("B", 2), ("C", 3)]);
    println!(
        "network: primary {}, nodes {:?}",
        start.primary, start.nodes
    );

    println!("split over two locks, refresh in the reader's gap:");
    let split = SplitNetwork {
        primary: Mutex::new(start.primary.clone()),
        nodes: Mutex::new(start.nodes.clone()),
    };
    replay(|gap| split.primary_value(gap), || split.refresh());

    println!("one snapshot, refresh in the reader's gap:");
    let shared = SharedNetwork {
        current: Mutex::new(Arc::new(start.clone())),
    };
    replay(|gap| shared.primary_value(gap), || shared.refresh());
    let after = shared.snapshot();
    println!(
        "  network now: primary {}, nodes {:?}",
        after.primary, after.nodes
    );

    // ANCHOR: free
    const REFRESHES: u32 = 20_000;
    /// Reads the reader must make while the refresher runs, for a check that means something.
    const MIN_READS: u64 = 10_000;
    println!(
        "free-running from one start line, refreshing at least {REFRESHES} times and until \
         {MIN_READS} reads are done:"
    );
    /// Releases a refresher and a reader together; the reader reads until the refresher is
    /// done, and the refresher goes on until the reader has made `MIN_READS` reads, so
    /// every read runs beside refreshes. Returns the reads, the rejected ones, the refreshes.
    fn race(refresh: impl Fn(u32) + Sync, read: impl Fn() -> bool) -> (u64, u64, u32) {
        let (start, done) = (Barrier::new(2), AtomicBool::new(false));
        let reads_so_far = AtomicU64::new(0);
        thread::scope(|s| {
            let refresher = s.spawn(|| {
                // Set when this guard drops, even if `refresh` panics: the reader stops.
                struct Done<'a>(&'a AtomicBool);
                impl Drop for Done<'_> {
                    fn drop(&mut self) {
                        self.0.store(true, Relaxed);
                    }
                }
                let _done = Done(&done);
                start.wait();
                let mut i = 0;
                while i < REFRESHES || reads_so_far.load(Relaxed) < MIN_READS {
                    refresh(i);
                    i += 1;
                }
                i
            });
            start.wait();
            let (mut reads, mut missed) = (0, 0);
            while !done.load(Relaxed) {
                reads += 1;
                missed += u64::from(!read());
                reads_so_far.store(reads, Relaxed);
            }
            let refreshes = refresher
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (reads, missed, refreshes)
        })
    }
    let (reads, missed, refreshes) = race(
        |i| {
            // Add a node, then retire the primary: the network never runs dry.
            split.add_node(format!("N{i:05}"), u64::from(i));
            split.refresh();
        },
        || split.primary_value(|| {}).is_some(),
    );
    println!(
        "  split: {:.1} thousand reads beside {:.1} thousand refreshes, {:.4}% of them found \
         the primary gone",
        reads as f64 / 1e3,
        f64::from(refreshes) / 1e3,
        100.0 * missed as f64 / reads.max(1) as f64
    );
    let (reads, missed, refreshes) = race(
        |i| {
            shared.add_node(format!("N{i:05}"), u64::from(i));
            shared.refresh();
        },
        || shared.snapshot().holds(),
    );
    // A check over a handful of reads would pass for no reason: require the minimum.
    println!(
        "  snapshot: {:.1} thousand reads beside {:.1} thousand refreshes, at least {MIN_READS} \
         and every one found the primary in the network: {}",
        reads as f64 / 1e3,
        f64::from(refreshes) / 1e3,
        reads >= MIN_READS && missed == 0
    );
    // ANCHOR_END: free
    ExitCode::SUCCESS
}

// The command line, the same in every program of the book that takes no arguments:
// `--help` prints the usage, anything else is refused with exit status 2.
fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    quiet_on_closed_pipe();
    match std::env::args_os().nth(1) {
        None => Ok(()),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                other.to_string_lossy()
            );
            Err(ExitCode::from(2))
        }
    }
}
/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(|m| {
            m.starts_with("failed printing to stdout") && m.contains("Broken pipe")
        }) {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
