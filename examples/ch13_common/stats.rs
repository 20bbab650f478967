// Waits as a distribution: the median, the 99th percentile and the maximum, and the rule
// that decides which side of a readers-writers run starved.

use std::time::Duration;

/// One side of a run (the readers or the writers): how many accesses it made and how long
/// each access waited. A wait that was still going on when the run ended counts too, with
/// the time it had waited so far: a thread that never got in waited the whole run.
#[derive(Default)]
pub struct Side {
    pub done: u64,
    pub waits: Vec<Duration>,
}

impl Side {
    pub fn merge(&mut self, other: Side) {
        self.done += other.done;
        self.waits.extend(other.waits);
    }

    /// The wait below which `fraction` of the waits fall (nearest rank), in milliseconds.
    pub fn percentile_ms(&self, fraction: f64) -> f64 {
        if self.waits.is_empty() {
            return 0.0;
        }
        let mut sorted = self.waits.clone();
        sorted.sort_unstable();
        let rank = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1].as_secs_f64() * 1e3
    }

    pub fn row(&self, label: &str, side: &str, seconds: f64) -> String {
        format!(
            "{label:<24} {side:<8} {:>9.1} {:>10.3} {:>10.3} {:>10.3}",
            self.done as f64 / seconds,
            self.percentile_ms(0.5),
            self.percentile_ms(0.99),
            self.percentile_ms(1.0),
        )
    }
}

pub fn header(first: &str) -> String {
    format!(
        "{:<24} {:<8} {:>9} {:>10} {:>10} {:>10}",
        first, "side", "per s", "median ms", "p99 ms", "max ms"
    )
}

// ANCHOR: verdict
/// Which side starved: the one whose 99th-percentile wait is at least ten times the other
/// side's and at least 100 ms, many times the length of one access. Anything closer is
/// not called starvation.
pub fn verdict(a_name: &str, a: &Side, b_name: &str, b: &Side) -> String {
    let (pa, pb) = (a.percentile_ms(0.99), b.percentile_ms(0.99));
    if pa >= 100.0 && pa >= 10.0 * pb {
        format!("the {a_name} starve")
    } else if pb >= 100.0 && pb >= 10.0 * pa {
        format!("the {b_name} starve")
    } else {
        "neither side starves".to_string()
    }
}
// ANCHOR_END: verdict
