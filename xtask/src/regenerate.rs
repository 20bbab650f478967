//! Regenerating what the pages show from fresh runs: output blocks, rustc's messages, figures,
//! and the description of the machine the runs were made on.

use std::fs;
use std::path::Path;
use std::process::Command;

use bookkit::blocks::{output_blocks, replace_output};
use bookkit::run::{run, TIME_LIMIT};

/// Builds the examples with optimisations, as readers run them.
fn build_release_examples(root: &Path) -> Result<(), String> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--release",
            "--examples",
            "--package",
            "mastering-concurrency",
        ])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| "building the examples failed".into())
}

/// Where cargo put the release build of example `name`: under `CARGO_TARGET_DIR` when it is
/// set (relative to the book's root, as cargo reads it there), else under `target/`.
fn release_example(root: &Path, name: &str) -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), |dir| root.join(dir));
    target
        .join("release/examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// Reruns the command of every console block (or of those on `only` pages) and writes what
/// it printed into the page. Returns how many blocks were rewritten.
pub fn outputs(root: &Path, only: &[String]) -> Result<usize, String> {
    build_release_examples(root)?;
    let mut rewritten = 0;
    for page in bookkit::pages::pages(root).map_err(|e| e.to_string())? {
        if !only.is_empty() && !only.iter().any(|o| page.path.contains(o.as_str())) {
            continue;
        }
        let blocks = output_blocks(&page).map_err(|p| p[0].to_string())?;
        // From the last block up, so that earlier line numbers stay valid.
        let mut text = page.text.clone();
        for block in blocks.iter().rev() {
            let mut command = block
                .command
                .process(root, |name| Ok(release_example(root, name)))
                .map_err(|e| format!("{}:{}: {e}", page.path, block.line()))?;
            eprintln!("{}:{}: $ {}", page.path, block.line(), block.command_line);
            let fresh = run(&mut command, TIME_LIMIT)
                .map_err(|e| format!("{}:{}: {e}", page.path, block.line()))?;
            if fresh.timed_out {
                return Err(format!("{}:{}: timed out", page.path, block.line()));
            }
            text = replace_output(&text, &block.block, &fresh.transcript());
            rewritten += 1;
        }
        if text != page.text {
            fs::write(root.join(&page.path), text).map_err(|e| e.to_string())?;
        }
    }
    write_machine(root)?;
    Ok(rewritten)
}

/// Regenerates every `src/img/chNN-SLUG.svg` drawn by an example `chNN_plot_SLUG`.
pub fn figures(root: &Path) -> Result<usize, String> {
    build_release_examples(root)?;
    let mut drawn = 0;
    for (stem, svg) in bookkit::pages::figures(root).map_err(|e| e.to_string())? {
        let out = run(&mut Command::new(release_example(root, &stem)), TIME_LIMIT)
            .map_err(|e| format!("{stem}: {e}"))?;
        if out.code != Some(0) {
            return Err(format!("{stem} failed:\n{}", out.stderr));
        }
        fs::write(root.join(&svg), out.stdout).map_err(|e| format!("{svg}: {e}"))?;
        eprintln!("{svg}: drawn by {stem}");
        drawn += 1;
    }
    Ok(drawn)
}

/// `src/machine.md`: the computer the outputs were produced on, included by the introduction.
fn write_machine(root: &Path) -> Result<(), String> {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "an unknown processor".into());
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let text = format!(
        "The outputs shown in this book come from release builds run by `cargo xtask outputs` \
         on a {} {} machine with {} logical and {} physical cores ({cpu}), \
         compiled by {rustc}.\n",
        std::env::consts::OS,
        std::env::consts::ARCH,
        num_cpus::get(),
        num_cpus::get_physical(),
    );
    fs::write(root.join("src/machine.md"), text).map_err(|e| e.to_string())
}
