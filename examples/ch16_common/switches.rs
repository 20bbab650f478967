// A thread's context switches, as Linux counts them: how often it slept in the kernel and how
// often the kernel took its core away. Chapter 16's timing programs read them around each run.

// ANCHOR: switches
/// A thread's context switches so far, from Linux's `/proc/thread-self/status`.
#[derive(Clone, Copy, Default)]
pub struct Switches {
    /// Voluntary: the thread blocked in the kernel, e.g. asleep in a futex.
    pub slept: u64,
    /// Involuntary: the kernel took its core away, or the thread called `yield_now` while
    /// another thread was waiting for that core (a yield with nobody waiting counts nowhere).
    pub preempted: u64,
}

impl Switches {
    /// The calling thread's counts, or zeros where the file does not exist.
    pub fn now() -> Switches {
        let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0)
        };
        Switches {
            slept: field("voluntary_ctxt_switches"),
            preempted: field("nonvoluntary_ctxt_switches"),
        }
    }

    pub fn since(self, earlier: Switches) -> Switches {
        Switches {
            slept: self.slept.saturating_sub(earlier.slept),
            preempted: self.preempted.saturating_sub(earlier.preempted),
        }
    }
}
// ANCHOR_END: switches
