//! Exercise: a pool of consumer processes that survives a consumer's crash. The
//! consumer panics on 1327 (it stands for a bug that one input triggers); the parent
//! reports the task that killed it, starts a replacement and finishes the others.

mod ch06_common;

use ch06_common::cli::{self, Mode};
use ch06_common::guard::ChildGuard;
use ch06_common::status::describe;
use serde::{Deserialize, Serialize};
use std::env;
use std::io::{self, BufRead, BufReader, Write};
use std::process::{ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc::{self, Sender};
use std::thread;

const USAGE: &str = "\
usage: ch06_ex_respawn
       ch06_ex_respawn --child consumer

Checks the ten numbers of the Python original on one consumer process per CPU (copies
of this program, run with `--child consumer`). A consumer crashes on 1327; the parent
reports that task as lost, starts a new consumer in its place and finishes the rest,
printing the verdicts in the order of the numbers.
";

const NUMBERS: [u64; 10] = [2, 36, 101, 193, 323, 513, 1327, 100000, 9999999, 433785907];
/// The input the consumer cannot handle.
const FATAL: u64 = 1327;

#[derive(Serialize, Deserialize)]
struct Task {
    id: usize,
    n: u64,
}

#[derive(Serialize, Deserialize)]
struct Verdict {
    id: usize,
    prime: bool,
}

fn consumer() -> io::Result<()> {
    let mut out = io::stdout().lock();
    for line in io::stdin().lock().lines() {
        let task: Task = serde_json::from_str(&line?)?;
        assert_ne!(task.n, FATAL, "a bug that this one input triggers");
        let prime = task.n >= 2
            && (2..)
                .take_while(|d| d * d <= task.n)
                .all(|d| !task.n.is_multiple_of(d));
        serde_json::to_writer(&mut out, &Verdict { id: task.id, prime })?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(())
}

// ANCHOR: solution
/// What a reader thread tells the parent: a verdict from the consumer in `slot`, or
/// (`None`) that the consumer's output has closed.
type Arrival = (usize, Option<io::Result<Verdict>>);

/// A consumer and the one task it is working on, if any.
struct Consumer {
    child: ChildGuard,
    tasks: ChildStdin,
    working_on: Option<Task>,
}

fn start_consumer(slot: usize, arrivals: &Sender<Arrival>) -> io::Result<Consumer> {
    let mut child = ChildGuard::spawn(
        Command::new(env::current_exe()?)
            .args(["--child", "consumer"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Its panic message would name a thread id that changes every run; the
            // parent reports the crash itself.
            .stderr(Stdio::null()),
    )?;
    let answers = BufReader::new(child.stdout.take().expect("piped"));
    let arrivals = arrivals.clone();
    thread::spawn(move || {
        for line in answers.lines() {
            let verdict = line.and_then(|line| Ok(serde_json::from_str(&line)?));
            if arrivals.send((slot, Some(verdict))).is_err() {
                return;
            }
        }
        let _ = arrivals.send((slot, None));
    });
    let tasks = child.stdin.take().expect("piped");
    Ok(Consumer {
        child,
        tasks,
        working_on: None,
    })
}

/// Gives the consumer its next task, if there is one.
fn feed(consumer: &mut Consumer, tasks: &mut impl Iterator<Item = Task>) -> io::Result<()> {
    if let Some(task) = tasks.next() {
        let line = serde_json::to_string(&task)? + "\n";
        consumer.working_on = Some(task);
        match consumer.tasks.write_all(line.as_bytes()) {
            // The consumer died since its last verdict. Not our error: its output
            // closes too, and the task is reported lost with the consumer's status.
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {}
            result => result?,
        }
    }
    Ok(())
}

/// At most this many consumers are started to replace ones that ended.
const MAX_REPLACEMENTS: usize = NUMBERS.len();

fn run_pool(consumers: usize) -> io::Result<()> {
    let (sender, arrivals) = mpsc::channel();
    let mut pool = (0..consumers)
        .map(|slot| start_consumer(slot, &sender))
        .collect::<io::Result<Vec<_>>>()?;
    let mut tasks = NUMBERS.iter().enumerate().map(|(id, &n)| Task { id, n });
    for consumer in &mut pool {
        feed(consumer, &mut tasks)?;
    }
    let mut outcomes: Vec<Option<String>> = NUMBERS.iter().map(|_| None).collect();
    let mut replacements = 0;
    // The parent keeps a sender for the replacements, so `arrivals` never ends by
    // itself: count the outcomes instead.
    while outcomes.iter().any(Option::is_none) {
        let (slot, arrival) = arrivals.recv().expect("the parent holds a sender");
        match arrival {
            Some(verdict) => {
                let verdict = verdict?;
                let prime = if verdict.prime {
                    "a prime"
                } else {
                    "not a prime"
                };
                outcomes[verdict.id] = Some(format!("is {prime}"));
                pool[slot].working_on = None;
            }
            None => {
                // A consumer that cannot even start would be replaced for ever: a
                // budget, as supervisors have, turns that into an error.
                if replacements == MAX_REPLACEMENTS {
                    return Err(io::Error::other(format!(
                        "giving up: {replacements} replacement consumers have ended too"
                    )));
                }
                // The consumer's output closed: it has ended. Replace it, and wait
                // for the old one to learn how it ended.
                let old = std::mem::replace(&mut pool[slot], start_consumer(slot, &sender)?);
                let lost = old.working_on;
                let status = describe(old.child.wait()?);
                replacements += 1;
                if let Some(task) = lost {
                    outcomes[task.id] = Some(format!("lost: its consumer {status}"));
                }
            }
        }
        feed(&mut pool[slot], &mut tasks)?;
    }
    for (n, outcome) in NUMBERS.iter().zip(outcomes.into_iter().flatten()) {
        println!("{n} {outcome}");
    }
    println!("replacement consumers started: {replacements}");
    // Dropping the pool closes every consumer's input, their poison pill, and the
    // guards wait for them. Wait here instead, to check that they ended well.
    for consumer in pool {
        drop(consumer.tasks);
        let status = consumer.child.wait()?;
        if !status.success() {
            return Err(io::Error::other(format!("a consumer {}", describe(status))));
        }
    }
    Ok(())
}
// ANCHOR_END: solution

fn main() -> ExitCode {
    let result = match cli::parse(USAGE, &["consumer"], &[]) {
        Ok(Mode::Child(_)) => consumer(),
        Ok(Mode::Parent(_)) => run_pool(thread::available_parallelism().map_or(1, |n| n.get())),
        Err(status) => return status,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
