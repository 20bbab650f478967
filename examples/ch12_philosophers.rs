//! The dining philosophers: five threads, five forks. The naive program deadlocks (found and
//! stopped within half a second); then four ways to eat run for a fixed time each, three
//! times, taking turns, and the program prints meals per second and how evenly the meals were
//! shared, each as the median and range of the three runs. It also cuts every run into
//! windows of 100 ms and says how many philosophers ate at once in each, and how many held
//! one fork while they waited for the other.

use std::process::ExitCode;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

const PHILOSOPHERS: usize = 5;
/// A meal holds both forks this long; thinking takes as long again.
const EAT: Duration = Duration::from_millis(1);
const THINK: Duration = Duration::from_millis(1);
/// How long a naive philosopher waits for the right fork before the program calls it a
/// deadlock.
const PATIENCE: Duration = Duration::from_millis(500);
/// How many times each fix runs.
const ROUNDS: usize = 3;
/// The runs are cut into windows this long to see how many philosophers ate at once.
const WINDOW: Duration = Duration::from_millis(100);

fn think() {
    thread::sleep(THINK);
}

/// Starts a scoped thread, or, if the system refuses one, says so and ends the program at once:
/// the threads already started would otherwise wait at the barrier for one that never came.
fn spawn_or_exit<'scope, 'env, T, F>(
    s: &'scope thread::Scope<'scope, 'env>,
    f: F,
) -> thread::ScopedJoinHandle<'scope, T>
where
    F: FnOnce() -> T + Send + 'scope,
    T: Send + 'scope,
{
    thread::Builder::new()
        .spawn_scoped(s, f)
        .unwrap_or_else(|e| {
            eprintln!("error: cannot start a thread: {e}");
            std::process::exit(1)
        })
}

/// Philosopher i's forks: i on the left, i + 1 (wrapping) on the right.
fn forks_of(i: usize, forks: &[Mutex<()>]) -> (&Mutex<()>, &Mutex<()>) {
    (&forks[i], &forks[(i + 1) % forks.len()])
}

// ANCHOR: naive
/// Every philosopher takes the left fork, and when all five hold one, asks for the right.
/// Returns how many got it within `PATIENCE`.
fn naive(forks: &[Mutex<()>]) -> usize {
    let all_hold_left = Barrier::new(PHILOSOPHERS);
    let all_done = Barrier::new(PHILOSOPHERS);
    thread::scope(|s| {
        let handles: Vec<_> = (0..PHILOSOPHERS)
            .map(|i| {
                let (left, right) = forks_of(i, forks);
                let (all_hold_left, all_done) = (&all_hold_left, &all_done);
                spawn_or_exit(s, move || {
                    let _left = left.lock();
                    all_hold_left.wait();
                    let got_right = right.try_lock_for(PATIENCE).is_some();
                    all_done.wait(); // nobody lets go of a fork before everyone gave up
                    got_right
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|&got_right| got_right)
            .count()
    })
}
// ANCHOR_END: naive

// ANCHOR: ordered
/// Fix 1: number the forks and always take the lower number first. Philosophers 0 to 3
/// take left then right; philosopher 4 takes fork 0 (right) before fork 4 (left).
fn ordered(
    i: usize,
    forks: &[Mutex<()>],
    until: Instant,
    _: &Waiter,
    _: &mut fastrand::Rng,
) -> Meals {
    let (a, b) = (i, (i + 1) % forks.len());
    let (first, second) = (&forks[a.min(b)], &forks[a.max(b)]);
    let mut meals = Meals::default();
    while Instant::now() < until {
        think();
        let _first = first.lock();
        let got_first = Instant::now();
        let _second = second.lock();
        meals.eat(got_first);
    }
    meals
}
// ANCHOR_END: ordered

// ANCHOR: waiter
/// Fix 2: a waiter who lets at most four philosophers sit at once, a counting semaphore
/// made of a mutex and a condition variable.
struct Waiter {
    free_seats: Mutex<usize>,
    seat_freed: Condvar,
}

impl Waiter {
    fn sit(&self) {
        let mut free = self.free_seats.lock();
        while *free == 0 {
            self.seat_freed.wait(&mut free);
        }
        *free -= 1;
    }

    fn leave(&self) {
        *self.free_seats.lock() += 1;
        self.seat_freed.notify_one();
    }
}

fn with_waiter(
    i: usize,
    forks: &[Mutex<()>],
    until: Instant,
    waiter: &Waiter,
    _: &mut fastrand::Rng,
) -> Meals {
    let (left, right) = forks_of(i, forks);
    let mut meals = Meals::default();
    while Instant::now() < until {
        think();
        waiter.sit();
        {
            let _left = left.lock();
            let got_left = Instant::now();
            let _right = right.lock();
            meals.eat(got_left);
        }
        waiter.leave();
    }
    meals
}
// ANCHOR_END: waiter

// ANCHOR: backoff
/// Fix 3: take the left fork, try the right one without waiting, and on failure put the left
/// one down and wait a while before trying again: always the same while, or a random one.
fn backing_off(
    i: usize,
    forks: &[Mutex<()>],
    until: Instant,
    random: bool,
    rng: &mut fastrand::Rng,
) -> Meals {
    let (left, right) = forks_of(i, forks);
    let mut meals = Meals::default();
    while Instant::now() < until {
        think();
        loop {
            let left_fork = left.lock();
            let got_left = Instant::now();
            if let Some(_right_fork) = right.try_lock() {
                meals.eat(got_left);
                break;
            }
            drop(left_fork);
            meals.failed += 1;
            let pause = if random { rng.u64(0..=2000) } else { 1000 };
            thread::sleep(Duration::from_micros(pause));
            if Instant::now() >= until {
                break;
            }
        }
    }
    meals
}
// ANCHOR_END: backoff

/// One philosopher's meals, and how often it found its second fork taken and backed off.
#[derive(Default)]
struct Meals {
    eaten: Vec<Meal>,
    failed: u64,
}

/// When a philosopher got its first fork, when it got the second and began to eat, and when
/// it put them down.
struct Meal {
    first: Instant,
    both: Instant,
    done: Instant,
}

impl Meals {
    /// Eats, with both forks held; `first` is when the first fork was taken.
    fn eat(&mut self, first: Instant) {
        let both = Instant::now();
        thread::sleep(EAT);
        let done = Instant::now();
        self.eaten.push(Meal { first, both, done });
    }
}

type Strategy = fn(usize, &[Mutex<()>], Instant, &Waiter, &mut fastrand::Rng) -> Meals;

fn fixed_backoff(
    i: usize,
    f: &[Mutex<()>],
    u: Instant,
    _: &Waiter,
    r: &mut fastrand::Rng,
) -> Meals {
    backing_off(i, f, u, false, r)
}

fn random_backoff(
    i: usize,
    f: &[Mutex<()>],
    u: Instant,
    _: &Waiter,
    r: &mut fastrand::Rng,
) -> Meals {
    backing_off(i, f, u, true, r)
}

/// What one run of one strategy measured.
struct Run {
    meals_per_s: f64,
    /// Meals of the philosopher who ate least over those of the one who ate most.
    fewest_over_most: f64,
    failed_per_s: f64,
    /// For each window of the run: how many philosophers ate at once, and how many held one
    /// fork while they waited for the other, each on average over the window.
    windows: Vec<(f64, f64)>,
}

/// Adds the part of the interval `from..to` that falls in each window to that window's
/// total, in seconds; the windows start at `start` and are `WINDOW` long.
fn add_to_windows(windows: &mut [f64], start: Instant, from: Instant, to: Instant) {
    let width = WINDOW.as_secs_f64();
    let (from, to) = (
        from.saturating_duration_since(start).as_secs_f64(),
        to.saturating_duration_since(start).as_secs_f64(),
    );
    for (w, total) in windows.iter_mut().enumerate() {
        let (lo, hi) = (w as f64 * width, (w + 1) as f64 * width);
        *total += (to.min(hi) - from.max(lo)).max(0.0);
    }
}

/// Runs five philosophers with one strategy for `run_for`.
fn measure(strategy: Strategy, run_for: Duration) -> Run {
    let forks: Vec<Mutex<()>> = (0..PHILOSOPHERS).map(|_| Mutex::new(())).collect();
    let waiter = Waiter {
        free_seats: Mutex::new(PHILOSOPHERS - 1),
        seat_freed: Condvar::new(),
    };
    let start = Instant::now();
    let until = start + run_for;
    let meals: Vec<Meals> = thread::scope(|s| {
        let handles: Vec<_> = (0..PHILOSOPHERS)
            .map(|i| {
                let (forks, waiter) = (&forks, &waiter);
                spawn_or_exit(s, move || {
                    let mut rng = fastrand::Rng::with_seed(i as u64);
                    strategy(i, forks, until, waiter, &mut rng)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let total: usize = meals.iter().map(|m| m.eaten.len()).sum();
    let fewest = meals.iter().map(|m| m.eaten.len()).min().unwrap_or(0);
    let most = meals.iter().map(|m| m.eaten.len()).max().unwrap_or(0);
    let failed: u64 = meals.iter().map(|m| m.failed).sum();
    let count = ((run_for.as_secs_f64() / WINDOW.as_secs_f64()) as usize).max(1);
    let (mut eating, mut holding) = (vec![0.0; count], vec![0.0; count]);
    for meal in meals.iter().flat_map(|m| &m.eaten) {
        add_to_windows(&mut holding, start, meal.first, meal.both);
        add_to_windows(&mut eating, start, meal.both, meal.done);
    }
    let width = WINDOW.as_secs_f64();
    Run {
        meals_per_s: total as f64 / seconds,
        fewest_over_most: fewest as f64 / most.max(1) as f64,
        failed_per_s: failed as f64 / seconds,
        windows: eating
            .iter()
            .zip(&holding)
            .map(|(e, h)| (e / width, h / width))
            .collect(),
    }
}

/// Median, smallest and largest of some runs' figures.
fn median_min_max(mut xs: Vec<f64>) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    (xs[xs.len() / 2], xs[0], xs[xs.len() - 1])
}

/// Prints one row of the second table: the windows of all the runs of one fix, sorted by
/// how many ate at once; the share of windows in which fewer than 0.75 ate on average, about
/// one (0.75 to 1.25), between one and two, and about two (1.75 or more), and the means over
/// the slowest tenth of the windows and over the fastest tenth.
fn print_windows(label: &str, runs: &[Run]) {
    let mut windows: Vec<(f64, f64)> = runs.iter().flat_map(|r| r.windows.clone()).collect();
    windows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = windows.len();
    let tenth = (n / 10).max(1);
    let mean = |part: &[(f64, f64)]| {
        let k = part.len() as f64;
        (
            part.iter().map(|w| w.0).sum::<f64>() / k,
            part.iter().map(|w| w.1).sum::<f64>() / k,
        )
    };
    let share = |low: f64, high: f64| {
        let k = windows.iter().filter(|w| low <= w.0 && w.0 < high).count();
        100.0 * k as f64 / n as f64
    };
    let shares = [
        share(f64::NEG_INFINITY, 0.75),
        share(0.75, 1.25),
        share(1.25, 1.75),
        share(1.75, f64::INFINITY),
    ];
    let (slow_eating, slow_holding) = mean(&windows[..tenth]);
    let (fast_eating, fast_holding) = mean(&windows[n - tenth..]);
    print!("{label:<16}");
    for share in shares {
        print!(" {share:>8.1}%");
    }
    println!(" {slow_eating:>8.2} {slow_holding:>8.2} {fast_eating:>8.2} {fast_holding:>8.2}");
}

/// Prints one row of the table: one fix over all its runs.
fn print_row(label: &str, runs: &[Run]) {
    let (rate, rate_min, rate_max) = median_min_max(runs.iter().map(|r| r.meals_per_s).collect());
    let (even, even_min, even_max) =
        median_min_max(runs.iter().map(|r| r.fewest_over_most).collect());
    let (failed, _, _) = median_min_max(runs.iter().map(|r| r.failed_per_s).collect());
    println!(
        "{label:<16} {rate:>8.1} {rate_min:>8.1} {rate_max:>8.1} {even:>8.2} {even_min:>6.2} {even_max:>6.2} {failed:>9.1}"
    );
}

const USAGE: &str = "\
usage: ch12_philosophers [SECONDS]

Five philosophers, five forks. First the naive program, which deadlocks and is stopped
after 0.5 s; then ordered forks, a waiter, a fixed back-off and a random back-off, each 3
times for SECONDS (default 1), the fixes taking turns, with the median and range of the meals
per second and of how evenly the meals were shared. Then, over windows of 100 ms, how many
philosophers ate at once, and how many held one fork while they waited for the other. A meal
takes 1 ms, and so does thinking.
";

fn main() -> ExitCode {
    let run_for = match seconds(USAGE) {
        Ok(run_for) => run_for,
        Err(status) => return status,
    };
    println!(
        "{PHILOSOPHERS} philosophers, {PHILOSOPHERS} forks; a meal takes {} ms, thinking {} ms",
        EAT.as_millis(),
        THINK.as_millis()
    );

    let forks: Vec<Mutex<()>> = (0..PHILOSOPHERS).map(|_| Mutex::new(())).collect();
    let fed = naive(&forks);
    if fed == 0 {
        println!(
            "naive: all {PHILOSOPHERS} hold their left fork, none got the right one in {} ms: deadlock",
            PATIENCE.as_millis()
        );
    } else {
        println!("naive: {fed} of {PHILOSOPHERS} got both forks, no deadlock this time");
    }

    println!(
        "each fix {ROUNDS} times for {:.1} s, the fixes taking turns; median and range of the runs",
        run_for.as_secs_f64()
    );
    println!(
        "{:<16} {:>8} {:>8} {:>8} {:>8} {:>6} {:>6} {:>9}",
        "fix", "meals/s", "min", "max", "few/most", "min", "max", "failed/s"
    );
    // ANCHOR: table
    let fixes: [(&str, Strategy); 4] = [
        ("ordered forks", ordered),
        ("waiter, 4 seats", with_waiter),
        ("fixed back-off", fixed_backoff),
        ("random back-off", random_backoff),
    ];
    // Round by round, every fix once per round, so that a change in the machine's speed
    // falls on all of them alike.
    let mut runs: Vec<Vec<Run>> = fixes.iter().map(|_| Vec::new()).collect();
    for _ in 0..ROUNDS {
        for (runs, (_, strategy)) in runs.iter_mut().zip(&fixes) {
            runs.push(measure(*strategy, run_for));
        }
    }
    for ((label, _), runs) in fixes.iter().zip(&runs) {
        print_row(label, runs);
    }
    // ANCHOR_END: table
    println!(
        "windows of {} ms, all runs: how many ate at once, and held one fork waiting for the other",
        WINDOW.as_millis()
    );
    println!(
        "{:<16} {:>39} {:>17} {:>17}",
        "", "windows, by how many ate at once", "slowest tenth", "fastest tenth"
    );
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "fix",
        "<0.75",
        "0.75-1.25",
        "1.25-1.75",
        ">=1.75",
        "eating",
        "holding",
        "eating",
        "holding"
    );
    for ((label, _), runs) in fixes.iter().zip(&runs) {
        print_windows(label, runs);
    }
    ExitCode::SUCCESS
}

/// Reads the one optional argument, the seconds each fix runs; `Err` holds the exit status.
fn seconds(usage: &str) -> Result<Duration, ExitCode> {
    quiet_on_closed_pipe();
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let refuse = |problem: String| {
        eprintln!("error: {problem} (try --help)");
        ExitCode::from(2)
    };
    match args.as_slice() {
        [] => Ok(Duration::from_secs(1)),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        [value] => match value.to_str().and_then(|v| v.parse::<f64>().ok()) {
            Some(s) if (0.1..=60.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
            _ => Err(refuse(format!(
                "SECONDS must be a number from 0.1 to 60, not `{}`",
                value.to_string_lossy()
            ))),
        },
        [_, extra, ..] => Err(refuse(format!(
            "unexpected argument `{}`",
            extra.to_string_lossy()
        ))),
    }
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
/// Only that panic: a failed write to a socket, a file or a child still panics as usual.
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
