//! `cargo xtask serve`: the book on <http://127.0.0.1:3000>, rebuilt as its sources change.
//!
//! It installs nothing and runs no other program. Every build is [`crate::book::build`], the
//! one `cargo test` and `cargo xtask build` use (mdBook and mdbook-katex as libraries), with
//! the checks `cargo xtask build` runs; the server of the browser test (axum and tower-http)
//! serves it and adds live reload (see [`crate::server::Live`]).
//!
//! Each build goes into a new folder, `target/book-serve/N`, and is served only once it is
//! complete: a build that fails (a page saved half-written, a broken `SUMMARY.md`) leaves the
//! last good one served and says why in the terminal. Problems the checks find in a build
//! that succeeded (a formula KaTeX rejects, a broken link) are printed too, and that build is
//! served, so the page shows what the author just wrote.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use notify_debouncer_full::notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::{new_debouncer, DebounceEventResult};

use crate::server::{Live, Server};

/// The folders whose changes change the book; and `book.toml`.
pub const WATCHED: [&str; 3] = ["src", "examples", "theme"];

/// Editors save in bursts (a temporary file, a rename, a change of attributes): events this
/// close together make one rebuild.
const SETTLE: Duration = Duration::from_millis(200);

/// Builds the book of `root`, serves it on 127.0.0.1:`port` (0: a free port, which the
/// first line printed names), and rebuilds on every change until the process is stopped.
pub fn serve(root: &Path, port: u16) -> Result<(), String> {
    show_mdbook_warnings();
    let live = Live::new();
    // Listen first: a port in use ends the task before anything is written.
    let server = Server::start_live(("127.0.0.1", port), Arc::clone(&live))
        .map_err(|e| format!("cannot serve on 127.0.0.1:{port}: {e}"))?;
    let (changes, events) = mpsc::channel::<DebounceEventResult>();
    let mut watcher = new_debouncer(SETTLE, None, changes)
        .map_err(|e| format!("cannot watch the sources: {e}"))?;
    // Watching starts before the first build, so that a change made during it is not lost.
    for dir in WATCHED {
        let path = root.join(dir);
        if path.is_dir() {
            watcher
                .watch(&path, RecursiveMode::Recursive)
                .map_err(|e| format!("cannot watch {}: {e}", path.display()))?;
        }
    }
    // `book.toml` through its folder: an editor that saves by renaming a new file over the
    // old one would end a watch on the file itself.
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;

    let mut builds = Builds::new(root, Arc::clone(&live))?;
    eprintln!("serving the book at {} (Ctrl-C stops)", server.url());
    builds.rebuild();
    loop {
        let mut changed = Vec::new();
        let mut batch = events
            .recv()
            .map_err(|_| "the file watcher stopped".to_string())?;
        loop {
            match batch {
                Ok(found) => changed.extend(
                    found
                        .into_iter()
                        .filter(|event| is_change(&event.kind))
                        .flat_map(|event| event.event.paths)
                        .filter(|path| is_source(root, path)),
                ),
                Err(errors) => {
                    for error in errors {
                        eprintln!("warning: watching the sources: {error}");
                    }
                }
            }
            // Whatever else came in meanwhile joins this rebuild.
            match events.try_recv() {
                Ok(more) => batch = more,
                Err(_) => break,
            }
        }
        if changed.is_empty() {
            continue;
        }
        changed.sort();
        changed.dedup();
        eprintln!("changed: {}", describe(root, &changed));
        builds.rebuild();
    }
}

/// Whether an event says that a file changed. notify also reports every file the build
/// opens and reads, and reading may update a file's access time: none of those is a change,
/// or each build would cause the next. (A change of attributes alone, `touch` or `chmod`,
/// does not rebuild either; saving a file does.)
pub fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_)) => false,
        _ => true,
    }
}

/// Whether a change to `path` (under a watched folder, or in `root` itself) changes the
/// book. Editors' swap, backup and lock files do not.
pub fn is_source(root: &Path, path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let scratch = name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || [".swp", ".swx", ".swo", ".tmp"]
            .iter()
            .any(|end| name.ends_with(end))
        // vim writes a file of this name to test whether it may create files.
        || name == "4913";
    if scratch {
        return false;
    }
    if path.parent() == Some(root) {
        return name == "book.toml";
    }
    WATCHED.iter().any(|dir| path.starts_with(root.join(dir)))
}

fn describe(root: &Path, paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths
        .iter()
        .take(3)
        .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
        .collect();
    match paths.len() {
        n if n > 3 => format!("{} and {} more", shown.join(", "), n - 3),
        _ => shown.join(", "),
    }
}

/// mdBook and mdbook-katex report through `tracing`; without a subscriber their warnings
/// (an include that failed, say) would be lost. `RUST_LOG` chooses others.
fn show_mdbook_warnings() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .try_init();
}

/// The numbered build folders under `target/book-serve/`.
struct Builds<'a> {
    root: &'a Path,
    dir: PathBuf,
    live: Arc<Live>,
    next: u64,
    /// The build served before the current one: kept until the next build is published, so
    /// that a page being loaded while the builds switch still gets its stylesheets.
    retired: Option<PathBuf>,
}

impl<'a> Builds<'a> {
    fn new(root: &'a Path, live: Arc<Live>) -> Result<Builds<'a>, String> {
        let dir = root.join("target").join("book-serve");
        // Builds left by an earlier run (Ctrl-C ends it without cleaning up) are of no use.
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
        }
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Builds {
            root,
            dir,
            live,
            next: 1,
            retired: None,
        })
    }

    /// Builds and checks the book; serves the build when it succeeded.
    fn rebuild(&mut self) {
        let started = Instant::now();
        let dest = self.dir.join(self.next.to_string());
        self.next += 1;
        let root = self.root;
        // A panic inside mdBook or KaTeX on a strange page must not end the server either.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| check_and_build(root, &dest)))
            .unwrap_or_else(|_| Err("the build panicked (the message is above)".into()));
        let seconds = started.elapsed().as_secs_f64();
        match outcome {
            Err(error) => {
                let _ = fs::remove_dir_all(&dest);
                let still = if self.live.root().is_some() {
                    "still serving the last good build"
                } else {
                    "nothing to serve until it builds"
                };
                eprintln!("error: the book does not build ({still}):\n{error}");
                self.live.set_waiting_message(&format!(
                    "The book does not build yet; this page reloads when it does.\n\n{error}"
                ));
            }
            Ok(report) => {
                if let Some(previous) = self.live.publish(dest.clone()) {
                    if let Some(old) = self.retired.replace(previous) {
                        let _ = fs::remove_dir_all(old);
                    }
                }
                let shown = dest.strip_prefix(root).unwrap_or(&dest).display();
                if report.problems.is_empty() {
                    eprintln!(
                        "built {shown} in {seconds:.1} s; {} formulas rendered, {} links and \
                         references checked; served",
                        report.formulas, report.links
                    );
                } else {
                    eprintln!(
                        "built {shown} in {seconds:.1} s and served it, with {} problems \
                         (`cargo test` fails on them):",
                        report.problems.len()
                    );
                    for problem in &report.problems {
                        eprintln!("  {problem}");
                    }
                }
            }
        }
    }
}

/// What the checks of a build that succeeded found.
struct Report {
    formulas: usize,
    links: usize,
    problems: Vec<String>,
}

/// The checks and the build of `cargo xtask build`, with the checks' findings collected
/// rather than fatal. Only a failed build is an error.
fn check_and_build(root: &Path, dest: &Path) -> Result<Report, String> {
    let mut problems = Vec::new();
    let formulas = crate::book::check_formulas(root).unwrap_or_else(|found| {
        problems.extend(found.iter().map(ToString::to_string));
        0
    });
    if let Err(found) = crate::book::check_summary(root) {
        problems.extend(found.iter().map(ToString::to_string));
    }
    crate::book::build(root, dest)?;
    let links = crate::html::check(root, dest).unwrap_or_else(|found| {
        problems.extend(found);
        0
    });
    Ok(Report {
        formulas,
        links,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_a_file_is_not_changing_it() {
        use notify_debouncer_full::notify::event::{CreateKind, DataChange, MetadataKind};
        for change in [
            EventKind::Create(CreateKind::File),
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            EventKind::Modify(ModifyKind::Name(
                notify_debouncer_full::notify::event::RenameMode::To,
            )),
            EventKind::Remove(notify_debouncer_full::notify::event::RemoveKind::File),
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
        ] {
            assert!(is_change(&change), "{change:?}");
        }
        for not in [
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)),
        ] {
            assert!(!is_change(&not), "{not:?}");
        }
    }

    #[test]
    fn only_the_books_sources_count_as_changes() {
        let root = Path::new("/book");
        for source in [
            "/book/book.toml",
            "/book/src/ch01-concurrency.md",
            "/book/src/img/ch02-speedup.svg",
            "/book/examples/ch02_common/mod.rs",
            "/book/theme/book.css",
        ] {
            assert!(is_source(root, Path::new(source)), "{source}");
        }
        for other in [
            "/book/Cargo.toml",
            "/book/target",
            "/book/src/.ch01-concurrency.md.swp",
            "/book/src/ch01-concurrency.md~",
            "/book/src/4913",
            "/book/src/#ch01.md#",
            "/book/.git",
        ] {
            assert!(!is_source(root, Path::new(other)), "{other}");
        }
    }
}
