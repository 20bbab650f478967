//! Chapter 15's Python extension, for the `$ python3 python/...` blocks whose program imports
//! it: built by maturin into a virtual environment under the target folder, as a reader
//! builds it into theirs, and run with that environment's Python.
//!
//! `.ci/run` creates the environment and installs maturin into it (the version pinned in
//! `ch15-primes/requirements.txt`); the tests never install anything.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The name Python imports.
pub const MODULE: &str = "ch15_primes";

/// The extension's crate, from the book's root.
pub const MANIFEST: &str = "ch15-primes/Cargo.toml";

/// The virtual environment the extension is installed into: `TARGET/py-venv`, where
/// `TARGET` is `CARGO_TARGET_DIR` or the book's `target/`.
pub fn venv_dir(root: &Path) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        root.join(target)
    };
    target.join("py-venv")
}

/// Whether the Python program `script` (from the book's root) imports the extension.
pub fn needs_extension(root: &Path, script: &str) -> bool {
    let Ok(source) = std::fs::read_to_string(root.join(script)) else {
        return false;
    };
    source.lines().map(str::trim_start).any(|line| {
        line.strip_prefix("import ")
            .or_else(|| line.strip_prefix("from "))
            .is_some_and(|rest| {
                rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .is_some_and(|name| name == MODULE)
            })
    })
}

/// Whether maturin is installed in the environment; `Err` says what is missing and how to
/// install it, in one line.
pub fn maturin_available(root: &Path) -> Result<(), String> {
    let venv = venv_dir(root);
    if venv.join("bin/maturin").is_file() && venv.join("bin/python3").is_file() {
        Ok(())
    } else {
        Err(format!(
            "maturin is not installed in {}; run `python3 -m venv {0} && {0}/bin/pip install -r \
             ch15-primes/requirements.txt`",
            venv.display()
        ))
    }
}

/// The environment's Python, with the extension built from the current source and installed.
/// Built once per process; a lock file keeps two processes from building at once.
pub fn python(root: &Path) -> Result<PathBuf, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT.get_or_init(|| build(root)).clone()
}

fn build(root: &Path) -> Result<PathBuf, String> {
    maturin_available(root)?;
    let venv = venv_dir(root);
    let lock = std::fs::File::create(venv.join(".book-build.lock"))
        .map_err(|e| format!("{}: {e}", venv.display()))?;
    lock.lock()
        .map_err(|e| format!("locking {}: {e}", venv.display()))?;
    // What `source .venv/bin/activate` does for maturin: the environment to install into,
    // and its tools first on the PATH.
    let path = std::env::join_paths(
        std::iter::once(venv.join("bin")).chain(
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths),
        ),
    )
    .map_err(|e| e.to_string())?;
    let mut command = Command::new(venv.join("bin/maturin"));
    command
        .args(["develop", "--release", "--quiet", "-m", MANIFEST])
        .current_dir(root)
        .env("VIRTUAL_ENV", &venv)
        .env("PATH", path)
        .env_remove("PYTHONHOME");
    let run = crate::run::run(&mut command, crate::blocks::BUILD_LIMIT)
        .map_err(|e| format!("maturin develop: {e}"))?;
    if run.code != Some(0) {
        return Err(format!(
            "`maturin develop --release -m {MANIFEST}` failed:\n{}",
            run.transcript()
        ));
    }
    Ok(venv.join("bin/python3"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_import_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("bookkit-pyext-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases = [
            ("import ch15_primes\n", true),
            ("from ch15_primes import count_primes\n", true),
            ("    import ch15_primes as fast\n", true),
            ("import ch15_primes_old\n", false),
            ("# import ch15_primes\n", false),
            ("import math\n", false),
        ];
        for (i, (source, expected)) in cases.iter().enumerate() {
            let name = format!("case{i}.py");
            std::fs::write(dir.join(&name), source).unwrap();
            assert_eq!(needs_extension(&dir, &name), *expected, "{source:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
