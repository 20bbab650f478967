// A server in a process of its own: the program starts itself (or Python) again as a child,
// reads the address it listens on from its first line, and stops it by closing its standard
// input. The child also stops if this process dies, since its input closes then too.

use super::server::{Config, Kind};
use std::io::{self, BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, ChildStdout, Command, Stdio};

pub struct ChildServer {
    pub addr: SocketAddr,
    child: Child,
    output: BufReader<ChildStdout>,
}

// ANCHOR: child
impl ChildServer {
    /// Runs `command` and waits for its first line, `listening on ADDRESS`.
    pub fn start(mut command: Command) -> io::Result<ChildServer> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut output = BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        output.read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other(format!("the server said {line:?}")));
        };
        Ok(ChildServer {
            addr,
            child,
            output,
        })
    }

    /// This program again, as `--serve KIND`.
    pub fn rust(kind: Kind, timeout_s: u64) -> io::Result<ChildServer> {
        let mut command = Command::new(std::env::current_exe()?);
        command.args(["--serve", kind.name(), "--timeout", &timeout_s.to_string()]);
        ChildServer::start(command)
    }

    /// The Python reactor of section 5, `python/ch18_reactor.py` in the project's folder
    /// (where `Cargo.toml` is), wherever the program is started from.
    pub fn python() -> io::Result<ChildServer> {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/ch18_reactor.py");
        let mut command = Command::new("python3");
        command.arg(script);
        ChildServer::start(command)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A line of the child's `/proc/PID/status`, in its own units (`VmRSS` is in KiB).
    pub fn status(&self, field: &str) -> io::Result<u64> {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        text.lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .ok_or_else(|| io::Error::other(format!("no {field} in /proc/PID/status")))
    }

    /// The CPU time the child has used so far, user and system, in seconds: fields 14 and 15
    /// of `/proc/PID/stat`, in clock ticks of 1/100 s (Linux's `USER_HZ`).
    pub fn cpu_seconds(&self) -> io::Result<f64> {
        let text = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))?;
        // The command name, field 2, is in parentheses and may hold spaces: count after it.
        let after = text.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
        match (ticks(11), ticks(12)) {
            (Some(user), Some(system)) => Ok((user + system) as f64 / 100.0),
            _ => Err(io::Error::other("unexpected /proc/PID/stat")),
        }
    }

    /// Closes the child's input, which stops it, and waits for it; returns what else it printed.
    pub fn stop(mut self) -> io::Result<String> {
        drop(self.child.stdin.take());
        let mut rest = String::new();
        self.output.read_to_string(&mut rest)?;
        let status = self.child.wait()?;
        if !status.success() {
            return Err(io::Error::other(format!("the server ended with {status}")));
        }
        Ok(rest)
    }
}

/// If a run ends early (an error, a panic), the child is killed and waited for all the same.
impl Drop for ChildServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
// ANCHOR_END: child

/// The child's side: serve until standard input closes, then stop gracefully.
pub fn serve_until_stdin_closes(kind: Kind, config: Config) -> io::Result<()> {
    let server = kind.start(config)?;
    println!("listening on {}", server.addr);
    let mut sink = Vec::new();
    io::stdin().read_to_end(&mut sink)?;
    server.stop();
    Ok(())
}
