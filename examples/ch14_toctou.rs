//! Time of check to time of use, between two processes: each asks whether a lock file
//! exists and, if not, creates it. Both can win. `OpenOptions::create_new` (O_EXCL) makes
//! the check and the creation one operation, and exactly one wins.

use std::env;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, ErrorKind, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const USAGE: &str = "\
usage: ch14_toctou
       ch14_toctou --child check-then-create|check-work-create|create-new

Starts two copies of itself as children. In each trial both children wait at a gate
(a file the parent holds locked with flock) and, when the parent lets go, try to take
the same lock file in a temporary folder and answer `won` or `lost`, with the moment
they passed the gate and how long their attempt took. Counts the trials in which both
children won, for three ways of taking the lock: exists() then create() (10000 trials),
the same with 200 us of work between them (1000 trials), and create_new (10000
trials); prints the machine's cores, and the medians of how far apart the two children
passed the gate and of how long an attempt took.
";

const TRIALS: usize = 10_000;
/// Fewer trials for the version with work in the window: each takes the work's time.
const SLOW_TRIALS: usize = 1_000;
const WORK: Duration = Duration::from_micros(200);

// ANCHOR: racy
/// The check, then the use: between `exists` and `create`, the other process can
/// create the file too, and `File::create` truncates it without complaint.
fn check_then_create(lock: &Path) -> io::Result<bool> {
    if lock.exists() {
        return Ok(false);
    }
    let mut file = File::create(lock)?;
    writeln!(file, "{}", std::process::id())?;
    Ok(true)
}

/// The same with work between the check and the create. The pause stands for that work
/// (reading a configuration, writing a log line), as the original's `time.sleep` stands
/// for a computation: it widens the window, and nothing waits for it.
fn check_work_create(lock: &Path) -> io::Result<bool> {
    if lock.exists() {
        return Ok(false);
    }
    thread::sleep(WORK);
    let mut file = File::create(lock)?;
    writeln!(file, "{}", std::process::id())?;
    Ok(true)
}
// ANCHOR_END: racy

// ANCHOR: exclusive
/// One system call checks and creates: `open` with O_CREAT | O_EXCL fails with
/// `AlreadyExists` if the name exists, whoever created it.
fn create_new(lock: &Path) -> io::Result<bool> {
    match OpenOptions::new().write(true).create_new(true).open(lock) {
        Ok(mut file) => {
            writeln!(file, "{}", std::process::id())?;
            Ok(true)
        }
        Err(err) if err.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(err) => Err(err),
    }
}
// ANCHOR_END: exclusive

/// A child: for each line `GATE LOCK` read on standard input, says `ready`, waits at the
/// gate, makes one attempt at the lock and answers `won` or `lost`, followed by the moment
/// it passed the gate and how long the attempt took, in nanoseconds.
fn child(take: fn(&Path) -> io::Result<bool>) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for line in io::stdin().lock().lines() {
        let line = line?;
        let (gate, lock) = line
            .split_once('\t')
            .ok_or_else(|| io::Error::new(ErrorKind::InvalidInput, "expected GATE<tab>LOCK"))?;
        let gate = File::open(gate)?;
        writeln!(out, "ready")?;
        out.flush()?;
        // Blocks while the parent holds the gate; when it lets go, both children wake.
        gate.lock_shared()?;
        let passed = wall_clock_ns()?;
        let attempt = Instant::now();
        let won = take(Path::new(lock))?;
        let took = attempt.elapsed().as_nanos();
        gate.unlock()?;
        writeln!(out, "{} {passed} {took}", if won { "won" } else { "lost" })?;
        out.flush()?;
    }
    Ok(())
}

/// Nanoseconds since the Unix epoch: the wall clock, which every process on the machine
/// reads alike, so the parent can compare two children's readings.
fn wall_clock_ns() -> io::Result<u64> {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(io::Error::other)?;
    u64::try_from(since.as_nanos()).map_err(io::Error::other)
}

/// One child's answer to one trial.
struct Outcome {
    won: bool,
    /// When it passed the gate, since the Unix epoch.
    passed: Duration,
    /// How long its attempt at the lock took.
    took: Duration,
}

impl Outcome {
    /// `won PASSED TOOK` or `lost PASSED TOOK`, the times in nanoseconds.
    fn parse(line: &str) -> Option<Outcome> {
        let mut words = line.split(' ');
        let won = match words.next()? {
            "won" => true,
            "lost" => false,
            _ => return None,
        };
        let mut nanos = || words.next()?.parse().ok().map(Duration::from_nanos);
        let (passed, took) = (nanos()?, nanos()?);
        Some(Outcome { won, passed, took })
    }
}

/// A child process that is killed and waited for when dropped, however the parent leaves.
struct Racer {
    child: Child,
    to: ChildStdin,
    from: BufReader<ChildStdout>,
}

impl Racer {
    fn start(role: &str) -> io::Result<Racer> {
        let mut child = Command::new(env::current_exe()?)
            .args(["--child", role])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let to = child.stdin.take().expect("piped");
        let from = BufReader::new(child.stdout.take().expect("piped"));
        Ok(Racer { child, to, from })
    }

    fn answer(&mut self) -> io::Result<String> {
        let mut line = String::new();
        match self.from.read_line(&mut line)? {
            0 => Err(io::Error::new(
                ErrorKind::UnexpectedEof,
                "a child ended early",
            )),
            _ => Ok(line.trim_end().to_string()),
        }
    }

    /// Reads a `won PASSED TOOK` or `lost PASSED TOOK` answer.
    fn outcome(&mut self) -> io::Result<Outcome> {
        let line = self.answer()?;
        Outcome::parse(&line).ok_or_else(|| {
            io::Error::new(ErrorKind::InvalidData, format!("a child answered `{line}`"))
        })
    }
}

impl Drop for Racer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ANCHOR: parent
/// What the trials of one way of taking the lock gave.
struct Tally {
    /// Trials in which both children won, and in which exactly one did.
    both: usize,
    one: usize,
    /// How far apart the two children passed the gate, one entry a trial.
    spreads: Vec<Duration>,
    /// How long each attempt took, two entries a trial.
    attempts: Vec<Duration>,
}

fn race(role: &str, trials: usize, folder: &Path) -> io::Result<Tally> {
    let mut racers = [Racer::start(role)?, Racer::start(role)?];
    let lock = folder.join("job.lock");
    let gate_path = folder.join("gate");
    let gate = File::create(&gate_path)?;
    let mut tally = Tally {
        both: 0,
        one: 0,
        spreads: Vec::with_capacity(trials),
        attempts: Vec::with_capacity(2 * trials),
    };
    for _ in 0..trials {
        let _ = fs::remove_file(&lock);
        // Close the gate, tell both children where to race, and wait until both are
        // on their way to it.
        gate.lock()?;
        let task = format!("{}\t{}\n", gate_path.display(), lock.display());
        for racer in &mut racers {
            racer.to.write_all(task.as_bytes())?;
        }
        for racer in &mut racers {
            racer.answer()?;
        }
        // Open it: both children, blocked on the gate, start together.
        gate.unlock()?;
        let (a, b) = (racers[0].outcome()?, racers[1].outcome()?);
        match (a.won, b.won) {
            (true, true) => tally.both += 1,
            (true, false) | (false, true) => tally.one += 1,
            (false, false) => {}
        }
        tally.spreads.push(a.passed.abs_diff(b.passed));
        tally.attempts.extend([a.took, b.took]);
    }
    Ok(tally)
}
// ANCHOR_END: parent

/// The median of a set of durations, in microseconds.
fn median_us(durations: &[Duration]) -> f64 {
    let mut sorted = durations.to_vec();
    sorted.sort();
    sorted
        .get(sorted.len() / 2)
        .map_or(0.0, |median| median.as_secs_f64() * 1e6)
}

/// Prints how far apart the children started, against how long an attempt took.
fn print_timing(tally: &Tally) {
    println!(
        "  the children passed the gate {:.2} us apart; an attempt took {:.2} us (medians)",
        median_us(&tally.spreads),
        median_us(&tally.attempts)
    );
}

fn parent() -> io::Result<()> {
    let folder = tempfile::tempdir()?;
    let racy = race("check-then-create", TRIALS, folder.path())?;
    let slow = race("check-work-create", SLOW_TRIALS, folder.path())?;
    let exclusive = race("create-new", TRIALS, folder.path())?;
    // Removed before anything is printed: a closed output pipe ends the program at its
    // first print, and an exit runs no destructors.
    folder.close()?;

    println!(
        "machine: {} cores",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("two processes race for one lock file");
    // How often both win, how far apart the children start and how long an attempt takes
    // depend on how the two processes are scheduled.
    println!(
        "exists(), then create(): both won in {:.2}% of {TRIALS} trials",
        100.0 * racy.both as f64 / TRIALS as f64
    );
    print_timing(&racy);
    println!(
        "exists(), {} us of work, then create(): both won in {:.1}% of {SLOW_TRIALS} trials",
        WORK.as_micros(),
        100.0 * slow.both as f64 / SLOW_TRIALS as f64
    );
    print_timing(&slow);
    println!(
        "create_new(true): both won in {} of {TRIALS} trials, exactly one in {}",
        exclusive.both, exclusive.one
    );
    print_timing(&exclusive);
    Ok(())
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let args: Vec<_> = env::args_os().skip(1).collect();
    let result = match args.as_slice() {
        [] => parent(),
        [flag] if flag == "--help" || flag == "-h" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        [flag, role] if flag == "--child" && role == "check-then-create" => {
            child(check_then_create)
        }
        [flag, role] if flag == "--child" && role == "check-work-create" => {
            child(check_work_create)
        }
        [flag, role] if flag == "--child" && role == "create-new" => child(create_new),
        [other, ..] => {
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                other.to_string_lossy()
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
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
