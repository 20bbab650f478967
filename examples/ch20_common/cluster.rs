// One timely computation, run three ways with no change to the computation: one worker; N
// worker threads in one process; or N processes on this machine that talk over TCP on
// 127.0.0.1, each with one worker thread. For the processes, this program starts itself N
// times with `--process-index I --hosts ADDR,ADDR` (which is all a second machine would need
// too), waits for them within a bound, and reads each worker's result from their standard
// output. No process outlives `run`: every path out of it, an error included, kills and waits
// for the copies it started. On threads, a worker that panics makes `run` return an error at
// once, and the program ends instead of waiting for ever.

use std::fmt;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::panic::{self, AssertUnwindSafe};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::Serialize;
use timely::communication::Config as Communication;
use timely::worker::Worker;
use timely::{Config, WorkerConfig};

/// How many workers run the computation, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setup {
    /// One worker, on the calling thread's behalf.
    One,
    /// This many worker threads in this process.
    Threads(usize),
    /// This many processes on 127.0.0.1, one worker thread each.
    Processes(usize),
}

impl Setup {
    /// The number of workers, which `worker.peers()` returns inside the computation.
    pub fn workers(self) -> usize {
        match self {
            Setup::One => 1,
            Setup::Threads(n) | Setup::Processes(n) => n,
        }
    }
}

impl fmt::Display for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setup::One => write!(f, "1 worker"),
            Setup::Threads(n) => write!(f, "{n} threads"),
            Setup::Processes(n) => write!(f, "{n} processes"),
        }
    }
}

/// This process's place in a cluster: its index, and every process's address in order; and,
/// for a copy that `run` started, the id of the process that started it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub index: usize,
    pub hosts: Vec<String>,
    pub parent: Option<u32>,
}

/// How long `run` waits for the processes it started before it stops them and fails.
pub const PROCESS_LIMIT: Duration = Duration::from_secs(60);

/// A result line a cluster process prints: the mark, the worker's index, the result as JSON.
const RESULT_MARK: &str = "ch20-worker-result";

/// Runs `job` on every worker of `setup` and returns the workers' results, in worker order.
/// For `Setup::Processes`, `forward` is the program's own arguments, given to each copy.
pub fn run<T, F>(setup: Setup, forward: &[String], job: F) -> Result<Vec<T>, String>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    F: Fn(&mut Worker) -> T + Send + Sync + 'static,
{
    run_with_limit(setup, forward, PROCESS_LIMIT, job)
}

/// `run`, with another bound on how long the workers may take, on threads or processes.
pub fn run_with_limit<T, F>(
    setup: Setup,
    forward: &[String],
    limit: Duration,
    job: F,
) -> Result<Vec<T>, String>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    F: Fn(&mut Worker) -> T + Send + Sync + 'static,
{
    // ANCHOR: setup
    let communication = match setup {
        Setup::One => Communication::Thread,
        Setup::Threads(n) => Communication::Process(n),
        Setup::Processes(n) => return run_processes(n, forward, limit),
    };
    let config = Config {
        communication,
        worker: WorkerConfig::default(),
    };
    // Timely does not pass a worker thread's panic on to the other threads of its process,
    // which would wait for the dead worker for ever. So each worker reports its own panic,
    // and we wait for the workers on a thread of their own, within the bound.
    let (report, reports) = mpsc::channel();
    let alarm = report.clone();
    let guarded = move |worker: &mut Worker| {
        let index = worker.index();
        match panic::catch_unwind(AssertUnwindSafe(|| job(worker))) {
            Ok(result) => result,
            Err(payload) => {
                let _ = alarm.send(Ending::Panicked(index, panic_message(&*payload)));
                panic::resume_unwind(payload)
            }
        }
    };
    let guards = timely::execute(config, guarded)?;
    thread::spawn(move || report.send(Ending::Joined(join(guards))));
    match reports.recv_timeout(limit) {
        Ok(Ending::Joined(results)) => results,
        Ok(Ending::Panicked(index, message)) => Err(format!(
            "worker {index} panicked ({message}); the others would wait for it for ever"
        )),
        Err(_) => Err(format!(
            "the workers did not finish within {} s",
            limit.as_secs()
        )),
    }
    // ANCHOR_END: setup
}

/// How a run on threads ended: every worker joined, or one of them panicked first.
enum Ending<T> {
    Joined(Result<Vec<T>, String>),
    Panicked(usize, String),
}

/// The text a panic was given, when it was a string.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    match payload.downcast_ref::<&str>() {
        Some(text) => text.to_string(),
        None => match payload.downcast_ref::<String>() {
            Some(text) => text.clone(),
            None => "no message".to_string(),
        },
    }
}

/// The side of a process that `run` started: runs `job` as process `place.index` of the
/// cluster, prints each of its workers' results on standard output, and ends.
pub fn serve<T, F>(place: &Place, job: F) -> ExitCode
where
    T: Serialize + Send + 'static,
    F: Fn(&mut Worker) -> T + Send + Sync + 'static,
{
    // ANCHOR: orphan
    // If the process that started us dies (killed, say), the kernel kills us too: on Linux
    // only, and only from the moment we ask. The signal comes when the *thread* that started
    // us ends, so `run` must be called from a thread that lives as long as the run (here,
    // `main`'s).
    #[cfg(target_os = "linux")]
    if let Err(e) = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL) {
        eprintln!("error: process {}: {e}", place.index);
        return ExitCode::FAILURE;
    }
    // The parent may have died before we asked, while this program started: then no signal
    // will ever come, and we have been handed to another parent. The pid it gave us tells.
    #[cfg(unix)]
    if let Some(parent) = place.parent {
        if std::os::unix::process::parent_id() != parent {
            eprintln!(
                "error: process {}: the program that started it (pid {parent}) is gone",
                place.index
            );
            return ExitCode::FAILURE;
        }
    }
    // ANCHOR_END: orphan
    // ANCHOR: cluster
    let threads = 1;
    let config = Config {
        communication: Communication::Cluster {
            threads,
            process: place.index,
            addresses: place.hosts.clone(),
            report: false,
            zerocopy: false,
        },
        worker: WorkerConfig::default(),
    };
    let results = timely::execute(config, job).and_then(join);
    // ANCHOR_END: cluster
    match results {
        Ok(results) => {
            for (local, result) in results.into_iter().enumerate() {
                let worker = place.index * threads + local;
                match serde_json::to_string(&result) {
                    Ok(json) => println!("{RESULT_MARK} {worker} {json}"),
                    Err(e) => {
                        eprintln!("error: process {}: {e}", place.index);
                        return ExitCode::FAILURE;
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: process {}: {e}", place.index);
            ExitCode::FAILURE
        }
    }
}

/// Waits for this process's workers; a worker that panicked is an error, not a panic here.
fn join<T: Send + 'static>(
    guards: timely::communication::WorkerGuards<T>,
) -> Result<Vec<T>, String> {
    guards
        .join()
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| format!("worker {i} failed: {e}")))
        .collect()
}

/// Addresses on 127.0.0.1 that were free a moment ago: bind port 0, read the port the kernel
/// chose, close. Another program can take such a port before our process binds it again;
/// that process then fails to bind, says so, and `run` stops the others: an error, not a hang.
/// (Timely binds the addresses itself, so we cannot hand it a listener that is already open.)
fn free_addresses(n: usize) -> Result<Vec<String>, String> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot find a free port: {e}"))?;
    // All n are open at once, so the kernel gives n different ports.
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.to_string()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot read a port: {e}"))
}

/// The processes `run` started; dropping this kills and waits for any that still run.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}

fn run_processes<T: DeserializeOwned>(
    n: usize,
    forward: &[String],
    limit: Duration,
) -> Result<Vec<T>, String> {
    let hosts = free_addresses(n)?.join(",");
    let parent = std::process::id().to_string();
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    // ANCHOR: start
    let mut children = Children(Vec::with_capacity(n));
    let (done, finished) = mpsc::channel();
    for index in 0..n {
        let mut child = Command::new(&exe)
            .args(forward)
            .args(["--process-index", &index.to_string(), "--hosts", &hosts])
            .args(["--parent-pid", &parent])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start process {index}: {e}"))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        children.0.push(child);
        // One reader per process: its standard output ends when the process does. Timely
        // prints its own connection progress there too, so we keep only our result lines.
        let done = done.clone();
        thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(line) if line.starts_with(RESULT_MARK) => lines.push(line),
                    Ok(_) => {}
                    Err(e) => {
                        let _ = done.send((index, Err(e.to_string())));
                        return;
                    }
                }
            }
            let _ = done.send((index, Ok(lines)));
        });
    }
    drop(done);
    // ANCHOR_END: start

    let deadline = Instant::now() + limit;
    let mut results: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for _ in 0..n {
        let wait = deadline.saturating_duration_since(Instant::now());
        // ANCHOR: wait
        let (index, lines) = match finished.recv_timeout(wait) {
            Ok(message) => message,
            // `children` is dropped on the way out: the processes are killed and waited for.
            Err(_) => {
                return Err(format!(
                    "the {n} processes did not finish within {} s; stopped them",
                    limit.as_secs()
                ))
            }
        };
        let lines = lines.map_err(|e| format!("cannot read process {index}: {e}"))?;
        let status = children.0[index]
            .wait()
            .map_err(|e| format!("cannot wait for process {index}: {e}"))?;
        if !status.success() {
            return Err(format!(
                "process {index} failed ({status}); stopped the others"
            ));
        }
        // ANCHOR_END: wait
        for line in lines {
            let mut fields = line.splitn(3, ' ').skip(1);
            let worker = fields.next().and_then(|w| w.parse::<usize>().ok());
            let value = fields.next().and_then(|j| serde_json::from_str(j).ok());
            match (worker, value) {
                (Some(w), Some(value)) if w < n => results[w] = Some(value),
                _ => return Err(format!("process {index} printed a result we cannot read")),
            }
        }
    }
    results
        .into_iter()
        .enumerate()
        .map(|(w, r)| r.ok_or_else(|| format!("worker {w} gave no result")))
        .collect()
}
