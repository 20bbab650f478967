//! A program that deadlocks, and gdb attached to it from outside: the stacks of all its
//! threads, and the two threads that wait on each other's lock found in them.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{mpsc, Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch19_gdb [--deadlock]

Starts itself with --deadlock, a program whose two threads take two locks in opposite
orders and deadlock; attaches gdb to it, prints the threads found waiting for a lock and
the function each waits in, then kills it. With --deadlock, only deadlocks (until its
input closes, for 30 s at most, then exits).
";

/// How long gdb may take, all its runs together, before the program gives up on it.
const GDB_LIMIT: Duration = Duration::from_secs(20);

// ANCHOR: deadlock
/// Moves `amount` from one account to the other, locking the source first.
#[inline(never)]
fn transfer(from: &Mutex<u64>, to: &Mutex<u64>, amount: u64, both_hold_one: &Barrier) {
    let mut from = from.lock().unwrap();
    both_hold_one.wait(); // the other thread now holds the lock we want next
    let mut to = to.lock().unwrap();
    *from -= amount;
    *to += amount;
}

fn deadlock() {
    let (a, b) = (Arc::new(Mutex::new(100)), Arc::new(Mutex::new(100)));
    let barrier = Arc::new(Barrier::new(2));
    for (name, from, to) in [("a-to-b", &a, &b), ("b-to-a", &b, &a)] {
        let (from, to, barrier) = (Arc::clone(from), Arc::clone(to), Arc::clone(&barrier));
        thread::Builder::new()
            .name(name.into())
            .spawn(move || transfer(&from, &to, 10, &barrier))
            .expect("spawn");
    }
    // The parent attaches gdb once it reads this line.
    println!("started");
    // Bounded: the program exits when its input closes, as it does when the
    // parent ends, however it ends; and after 30 s if nobody kills it.
    thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    thread::sleep(Duration::from_secs(30));
}
// ANCHOR_END: deadlock

// ANCHOR: inspect
/// Kills and reaps the child when dropped, on every path out of `main`.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// gdb's `thread apply all bt` on the process `pid`, waiting for gdb until `limit` at most
/// (a gdb stuck attaching or loading symbols is killed); `Err` says why there is none.
fn all_stacks(pid: u32, limit: Duration) -> Result<String, String> {
    let mut gdb = Command::new("gdb")
        .args(["-batch", "-nx", "-p", &pid.to_string()])
        // Never fetch symbols over the network: that is where gdb waits longest.
        .args([
            "-ex",
            "set debuginfod enabled off",
            "-ex",
            "thread apply all bt",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("gdb could not be run ({e})"))?;
    // Two threads read gdb's two pipes to their end, which comes when gdb exits; the
    // channel's `recv_timeout` is the bound on that wait.
    let (mut out, mut err) = (gdb.stdout.take().unwrap(), gdb.stderr.take().unwrap());
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let errors = thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            text
        });
        let mut text = Vec::new();
        let _ = out.read_to_end(&mut text);
        let _ = tx.send((text, errors.join().unwrap_or_default()));
    });
    let answer = rx.recv_timeout(limit);
    let _ = gdb.kill(); // only if it is still running: then it is stuck
    let _ = gdb.wait();
    let Ok((out, why)) = answer else {
        return Err(format!(
            "gdb did not answer within the {} s it is given in all",
            GDB_LIMIT.as_secs()
        ));
    };
    let text = String::from_utf8_lossy(&out).into_owned();
    if !text.contains("Thread ") {
        let line = why
            .lines()
            .find(|l| l.contains("ptrace"))
            .unwrap_or("no threads");
        return Err(format!("gdb could not attach: {line}"));
    }
    Ok(text)
}

/// For each thread of the backtrace whose stack goes through `Mutex::lock` and this
/// program's code: its name and the program's innermost function.
fn waiting_on_locks(stacks: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    // gdb prints one block per thread: `Thread 3 (Thread 0x... (LWP 123) "a-to-b"):`
    for block in stacks.split("\nThread ").skip(1) {
        let name = block.split('"').nth(1).unwrap_or("?").to_string();
        let in_lock = block.contains("futex") && block.contains("Mutex");
        if let (true, Some(function)) = (in_lock, block.lines().find_map(our_function)) {
            found.push((name, function.to_string()));
        }
    }
    found.sort();
    found
}

/// The function of this program that a frame of gdb's backtrace is in, if it is one of ours.
/// gdb names a function from the symbol table in a build without debug information
/// (`#2  0x... in ch19_gdb::transfer::h0123456789abcdef ()`), and from the debug information
/// otherwise, where line tables alone leave the module out (`#5  transfer () at
/// .../examples/ch19_gdb.rs:28`): the module or the file marks a frame of ours.
fn our_function(frame: &str) -> Option<&str> {
    let call = match frame.split_once(" in ") {
        Some((_, call)) => call,
        None => frame.split_whitespace().nth(1)?, // an inlined frame has no address
    };
    let function = call.split(" (").next().unwrap_or(call);
    let file = frame.rsplit_once(" at ").map_or("", |(_, file)| file);
    let module = "ch19_gdb::";
    if !function.starts_with(module) && !file.contains("ch19_gdb.rs:") {
        return None;
    }
    let function = function.strip_prefix(module).unwrap_or(function);
    // Drop the symbol's hash suffix, `::h0123456789abcdef`.
    Some(match function.rsplit_once("::h") {
        Some((path, hash)) if hash.len() == 16 => path,
        _ => function,
    })
}
// ANCHOR_END: inspect

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    match args.first() {
        None => {}
        Some(a) if a == "--help" || a == "-h" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(a) if a == "--deadlock" && args.len() == 1 => {
            deadlock();
            return ExitCode::SUCCESS;
        }
        Some(a) => {
            // Name the argument that is wrong: the extra one after a valid `--deadlock`.
            let wrong = if a == "--deadlock" { &args[1] } else { a };
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                wrong.to_string_lossy()
            );
            return ExitCode::from(2);
        }
    }
    // ANCHOR: main
    let exe = std::env::current_exe().expect("this program's path");
    let child = Command::new(exe)
        .arg("--deadlock")
        .stdin(Stdio::piped()) // held open until the parent ends: the child's lifeline
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts the deadlocking program");
    let mut child = KillOnDrop(child);
    let mut line = String::new();
    let stdout = child.0.stdout.take().expect("its output");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("reads its first line");
    // The threads may not have reached their second lock yet: look again, a few times.
    // Stuck means still there: the same two threads in the same functions on two looks
    // 100 ms apart.
    let deadline = Instant::now() + GDB_LIMIT;
    let mut waiting = Vec::new();
    let mut stuck = false;
    for _ in 0..20 {
        let before = std::mem::take(&mut waiting);
        match all_stacks(
            child.0.id(),
            deadline.saturating_duration_since(Instant::now()),
        ) {
            Err(why) => {
                println!("{why}; nothing to inspect");
                return ExitCode::SUCCESS;
            }
            Ok(stacks) => waiting = waiting_on_locks(&stacks),
        }
        if waiting.len() == 2 && waiting == before {
            stuck = true;
            break;
        }
        thread::sleep(Duration::from_millis(100));
    }
    for (name, function) in &waiting {
        println!("thread \"{name}\" is blocked on a Mutex in {function}");
    }
    if stuck {
        println!("{} threads waiting on a lock: deadlock", waiting.len());
    } else {
        println!("no deadlock found ({} threads waiting)", waiting.len());
    }
    // ANCHOR_END: main
    ExitCode::SUCCESS
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
