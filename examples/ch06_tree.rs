//! Stopping a whole tree of processes. The parent starts a child, the leader, in a
//! process group of its own; the leader starts a worker of its own. The tree is stopped
//! three ways: `Child::kill` on the leader alone (the worker survives it, and a SIGTERM
//! to the group ends it), a polite SIGTERM to the group followed by a SIGKILL for what
//! ignores it, and Linux's parent-death signal. Every wait is bounded.

mod ch06_common;

use ch06_common::cli::{self, Mode};
use ch06_common::guard::ChildGuard;
use ch06_common::status::describe;
use nix::sys::signal::{self, killpg, SigSet, Signal};
use nix::sys::wait::{waitid, Id, WaitPidFlag};
use nix::unistd::{getppid, Pid};
use std::env;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch06_tree
       ch06_tree --child leader|stubborn|leader-pdeathsig|worker|worker-pdeathsig

Starts a child, the leader, in a process group of its own; the leader starts a worker.
Stops the tree three ways: Child::kill on the leader alone (its worker survives), a
SIGTERM to the group and then a SIGKILL for a leader that ignores SIGTERM, and the
parent-death signal that the worker asks Linux for. Linux only.
";

/// The leader tells its worker its pid, so that the worker can check it has not
/// already been orphaned when it asks for the parent-death signal.
const PARENT_VAR: &str = "CH06_TREE_PARENT";
/// How long a polite SIGTERM is given before the SIGKILL.
const GRACE: Duration = Duration::from_millis(300);
/// No wait for a line from the tree lasts longer than this.
const WORD_LIMIT: Duration = Duration::from_secs(5);
const POLL_EVERY: Duration = Duration::from_millis(10);

// ANCHOR: group
/// A child that leads a process group of its own, with everything it starts.
/// Dropping the guard kills the whole group first; the leader's own guard then waits
/// for the leader.
struct GroupGuard {
    leader: ChildGuard,
    group: Pid,
}

impl GroupGuard {
    fn spawn(command: &mut Command) -> io::Result<Self> {
        // process_group(0): the child's pid becomes the id of a new group, which the
        // processes it starts inherit.
        let leader = ChildGuard::spawn(command.process_group(0))?;
        let group = Pid::from_raw(leader.id() as i32);
        Ok(GroupGuard { leader, group })
    }

    /// Sends `signal` to every process of the group, the leader's descendants included.
    fn signal(&self, signal: Signal) -> io::Result<()> {
        Ok(killpg(self.group, signal)?)
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        // The group id is safe to signal while the leader holds its pid, which it does
        // until it is waited for, as a zombie too. WNOWAIT looks without reaping it.
        // Once it has been waited for, the group may be empty and its id reused by an
        // unrelated group: then we send nothing. So signal the group before waiting.
        let unreaped = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
        if waitid(Id::Pid(self.group), unreaped).is_ok() {
            let _ = killpg(self.group, Signal::SIGKILL);
        }
        // `leader` is dropped after this: its guard kills and waits for the leader.
    }
}
// ANCHOR_END: group

// ANCHOR: parent
fn parent() -> io::Result<()> {
    println!("1. Child::kill on the leader alone");
    let mut tree = Tree::start("leader")?;
    let status = tree.kill_leader()?;
    println!("parent: the leader {}", describe(status));
    println!(
        "parent: its worker is still running: {}",
        tree.worker_alive()
    );
    // The worker still holds the group id, so the group can be signalled.
    tree.group.signal(Signal::SIGTERM)?;
    println!("parent: sent SIGTERM to the leader's process group");
    tree.relay_until_closed()?;
    drop(tree); // each tree is cleaned up before the next starts

    println!("2. SIGTERM to the group, SIGKILL after {GRACE:?} for what ignores it");
    let mut tree = Tree::start("stubborn")?;
    tree.group.signal(Signal::SIGTERM)?;
    println!("parent: sent SIGTERM to the leader's process group");
    tree.relay()?;
    let status = match wait_at_most(&mut tree.group.leader, GRACE)? {
        Some(status) => status,
        None => {
            println!("parent: the leader still runs after {GRACE:?}: SIGKILL to the group");
            tree.group.signal(Signal::SIGKILL)?;
            Child::wait(&mut tree.group.leader)?
        }
    };
    println!("parent: the leader {}", describe(status));
    drop(tree);

    println!("3. the parent-death signal");
    let mut tree = Tree::start("leader-pdeathsig")?;
    let status = tree.kill_leader()?;
    println!("parent: the leader {}", describe(status));
    tree.relay_until_closed()
}
// ANCHOR_END: parent

/// A started tree: the group, the lines its processes write, the worker's pid, and
/// the leader's input, which the worker shares: held open until the tree is dropped.
struct Tree {
    group: GroupGuard,
    lines: mpsc::Receiver<io::Result<String>>,
    worker: Pid,
    _input: ChildStdin,
}

impl Tree {
    /// Starts a leader in the role `role` and waits until its worker is ready.
    fn start(role: &str) -> io::Result<Tree> {
        let mut group = GroupGuard::spawn(
            Command::new(env::current_exe()?)
                .args(["--child", role])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped()),
        )?;
        let lines = lines_of(group.leader.stdout.take().expect("piped"));
        // Taken out of the guard, because waiting for the leader would close it.
        let input = group.leader.stdin.take().expect("piped");
        let mut tree = Tree {
            group,
            lines,
            worker: Pid::from_raw(0),
            _input: input,
        };
        // The worker writes its pid once it is ready for signals.
        let said = tree
            .next_line()?
            .ok_or_else(|| io::Error::other("the tree ended early"))?;
        let pid = said
            .parse()
            .map_err(|_| io::Error::other(format!("not a pid: `{said}`")))?;
        tree.worker = Pid::from_raw(pid);
        Ok(tree)
    }

    fn kill_leader(&mut self) -> io::Result<ExitStatus> {
        let leader: &mut Child = &mut self.group.leader;
        leader.kill()?;
        leader.wait()
    }

    /// Signal 0 sends nothing; it only asks whether the process exists.
    fn worker_alive(&self) -> bool {
        signal::kill(self.worker, None).is_ok()
    }

    /// The next line from the tree, `None` once every process that could write has ended.
    fn next_line(&self) -> io::Result<Option<String>> {
        match self.lines.recv_timeout(WORD_LIMIT) {
            Ok(line) => line.map(Some),
            Err(mpsc::RecvTimeoutError::Disconnected) => Ok(None),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(io::Error::other(format!(
                "no word from the tree within {WORD_LIMIT:?}"
            ))),
        }
    }

    /// Prints the next line the worker writes.
    fn relay(&self) -> io::Result<()> {
        let line = self
            .next_line()?
            .ok_or_else(|| io::Error::other("the worker said nothing"))?;
        println!("{line}");
        Ok(())
    }

    /// Prints the worker's last line, then waits for its output to close.
    fn relay_until_closed(&self) -> io::Result<()> {
        self.relay()?;
        match self.next_line()? {
            None => println!("parent: the worker's output has closed: it has ended"),
            Some(line) => return Err(io::Error::other(format!("unexpected: `{line}`"))),
        }
        Ok(())
    }
}

/// The lines of `out`, read on a thread of their own so that every wait can have a limit.
fn lines_of(out: ChildStdout) -> mpsc::Receiver<io::Result<String>> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// Python's `join(timeout)`, as in Listing 6-4.
fn wait_at_most(child: &mut Child, limit: Duration) -> io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        thread::sleep(POLL_EVERY);
    }
}

// ANCHOR: children
/// The leader starts a worker and then, like `stuck` in Listing 6-3, reads its input
/// until the parent closes it. The stubborn one blocks SIGTERM first: a polite stop
/// never reaches it.
fn leader(worker_role: &str, stubborn: bool) -> io::Result<()> {
    if stubborn {
        block_sigterm()?;
    }
    let _worker = ChildGuard::spawn(
        Command::new(env::current_exe()?)
            .args(["--child", worker_role])
            .env(PARENT_VAR, std::process::id().to_string()),
    )?;
    io::copy(&mut io::stdin().lock(), &mut io::sink())?;
    Ok(())
}

/// The worker waits for SIGTERM and then ends cleanly. With `watch_parent` it first
/// asks Linux to send it SIGTERM when its parent dies.
fn worker(watch_parent: bool) -> io::Result<()> {
    let term = block_sigterm()?;
    if watch_parent {
        nix::sys::prctl::set_pdeathsig(Signal::SIGTERM)?;
        // Had the parent died before that call, no signal would ever come: look.
        let expected = env::var(PARENT_VAR).ok().and_then(|pid| pid.parse().ok());
        if Some(getppid().as_raw()) != expected {
            return Ok(());
        }
    }
    // The chapter's safety net: if the top parent vanishes, our input ends, and so do we.
    thread::spawn(|| {
        let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
        std::process::exit(0);
    });
    let mut out = io::stdout().lock();
    writeln!(out, "{}", std::process::id())?;
    out.flush()?;
    let signal = term.wait()?;
    // A real worker would finish its unit of work here, flush its files and remove
    // its temporary ones.
    writeln!(out, "worker: got {signal}, finishing cleanly")?;
    out.flush()
}

/// Blocks SIGTERM in this thread (and the threads it starts later): it then waits,
/// pending, for `SigSet::wait`, instead of ending the process at once.
fn block_sigterm() -> io::Result<SigSet> {
    let mut term = SigSet::empty();
    term.add(Signal::SIGTERM);
    term.thread_block()?;
    Ok(term)
}
// ANCHOR_END: children

fn main() -> ExitCode {
    let roles = [
        "leader",
        "stubborn",
        "leader-pdeathsig",
        "worker",
        "worker-pdeathsig",
    ];
    let result = match cli::parse(USAGE, &roles, &[]) {
        Ok(Mode::Parent(_)) => parent(),
        Ok(Mode::Child("leader")) => leader("worker", false),
        Ok(Mode::Child("stubborn")) => leader("worker", true),
        Ok(Mode::Child("leader-pdeathsig")) => leader("worker-pdeathsig", false),
        Ok(Mode::Child("worker-pdeathsig")) => worker(true),
        Ok(Mode::Child(_)) => worker(false),
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
