//! Time of check to time of use, between two processes: each asks whether a lock file
//! exists and, if not, creates it. Both can win. `OpenOptions::create_new` (O_EXCL) makes
//! the check and the creation one operation, and exactly one wins.

use std::env;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, ErrorKind, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::thread;
use std::time::Duration;

const USAGE: &str = "\
usage: ch14_toctou
       ch14_toctou --child check-then-create|check-work-create|create-new

Starts two copies of itself as children. In each trial both children wait at a gate
(a file the parent holds locked with flock) and, when the parent lets go, try to take
the same lock file in a temporary folder and answer `won` or `lost`. Counts the trials
in which both children won, for three ways of taking the lock: exists() then create()
(10000 trials), the same with 200 us of work between them (1000 trials), and
create_new (10000 trials).
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
/// gate, makes one attempt at the lock and answers `won` or `lost`.
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
        let won = take(Path::new(lock))?;
        gate.unlock()?;
        writeln!(out, "{}", if won { "won" } else { "lost" })?;
        out.flush()?;
    }
    Ok(())
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
}

impl Drop for Racer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ANCHOR: parent
/// Returns in how many trials both children won, and in how many exactly one did.
fn race(role: &str, trials: usize, folder: &Path) -> io::Result<(usize, usize)> {
    let mut racers = [Racer::start(role)?, Racer::start(role)?];
    let lock = folder.join("job.lock");
    let gate_path = folder.join("gate");
    let gate = File::create(&gate_path)?;
    let (mut both, mut one) = (0, 0);
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
        let mut winners = 0;
        for racer in &mut racers {
            if racer.answer()? == "won" {
                winners += 1;
            }
        }
        match winners {
            2 => both += 1,
            1 => one += 1,
            _ => {}
        }
    }
    Ok((both, one))
}
// ANCHOR_END: parent

fn parent() -> io::Result<()> {
    let folder = tempfile::tempdir()?;
    println!("two processes race for one lock file");
    // How often both win depends on how the two processes are scheduled.
    let (both, _) = race("check-then-create", TRIALS, folder.path())?;
    println!(
        "exists(), then create(): both won in {:.2}% of {TRIALS} trials",
        100.0 * both as f64 / TRIALS as f64
    );
    let (both, _) = race("check-work-create", SLOW_TRIALS, folder.path())?;
    println!(
        "exists(), {} us of work, then create(): both won in {:.1}% of {SLOW_TRIALS} trials",
        WORK.as_micros(),
        100.0 * both as f64 / SLOW_TRIALS as f64
    );
    let (both, one) = race("create-new", TRIALS, folder.path())?;
    println!("create_new(true): both won in {both} of {TRIALS} trials, exactly one in {one}");
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
