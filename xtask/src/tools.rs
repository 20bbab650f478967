//! The book's own copies of mdBook and mdbook-katex, for `cargo xtask serve`.
//!
//! `cargo test` and `cargo xtask build` use mdBook as a library and need no installed tool.
//! Serving with live reload needs the `mdbook` program, and `mdbook` runs the `mdbook-katex`
//! program for `[preprocessor.katex]`. Both are installed with `cargo install --locked` at
//! pinned versions into `.tools/` inside the book's folder, never into the reader's
//! `~/.cargo/bin`, and only when they are missing or at another version.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The versions the library build uses too (see xtask/Cargo.toml).
pub const MDBOOK: (&str, &str) = ("mdbook", "0.5.4");
pub const MDBOOK_KATEX: (&str, &str) = ("mdbook-katex", "0.10.0");

pub fn tools_dir(root: &Path) -> PathBuf {
    root.join(".tools")
}

fn program(root: &Path, name: &str) -> PathBuf {
    tools_dir(root)
        .join("bin")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

fn installed_version(path: &Path) -> Option<String> {
    let output = Command::new(path).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.split_whitespace()
        .last()
        .map(|v| v.trim_start_matches('v').to_owned())
}

/// Installs whichever of the two tools is missing; returns the folder of their programs.
pub fn ensure_installed(root: &Path) -> Result<PathBuf, String> {
    for (name, version) in [MDBOOK, MDBOOK_KATEX] {
        let path = program(root, name);
        if installed_version(&path).as_deref() == Some(version) {
            continue;
        }
        eprintln!("installing {name} {version} into .tools/ (once; a few minutes)...");
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["install", "--locked", "--version", version, "--root"])
            .arg(tools_dir(root))
            .arg(name)
            .status()
            .map_err(|e| format!("cannot run cargo install: {e}"))?;
        if !status.success() {
            return Err(format!("`cargo install {name}` failed"));
        }
    }
    Ok(tools_dir(root).join("bin"))
}

/// Serves the book on `http://localhost:PORT` with mdBook's live reload.
pub fn serve(root: &Path, port: u16) -> Result<(), String> {
    let bin = ensure_installed(root)?;
    let mut path = vec![bin.clone()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path = std::env::join_paths(path).map_err(|e| e.to_string())?;
    eprintln!("serving the book at http://localhost:{port} (Ctrl-C stops)");
    let status = Command::new(program(root, MDBOOK.0))
        .args(["serve", "--hostname", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .current_dir(root)
        .env("PATH", path)
        .status()
        .map_err(|e| format!("cannot run mdbook: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| "mdbook serve stopped with an error".into())
}
