//! Regenerating what the pages show from fresh runs: output blocks, rustc's messages, figures,
//! and the description of the machine the runs were made on.

use std::fs;
use std::path::Path;
use std::process::Command;

use std::collections::BTreeMap;
use std::time::Instant;

use bookkit::blocks::{output_blocks, replace_output};
use bookkit::run::{run, TIME_LIMIT};
use bookkit::{Order, Page};

/// Builds the examples with optimisations, as readers run them, and each program that is a
/// package of its own (`cargo build --release -p chNN-slug`, its features its own).
fn build_release_examples(root: &Path) -> Result<(), String> {
    let mut builds = vec![vec![
        "--package".to_owned(),
        "mastering-concurrency".to_owned(),
        "--examples".to_owned(),
    ]];
    for name in bookkit::run::package_programs(root).map_err(|e| e.to_string())? {
        builds.push(vec!["--package".into(), name]);
    }
    for args in builds {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--release"])
            .args(&args)
            .current_dir(root)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!(
                "building the examples failed: cargo build --release {}",
                args.join(" ")
            ));
        }
    }
    Ok(())
}

/// Where cargo put the release build of example `name` (or of the package program `name`):
/// under `CARGO_TARGET_DIR` when it is set (relative to the book's root, as cargo reads it
/// there), else under `target/`.
fn release_example(root: &Path, name: &str) -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), |dir| root.join(dir));
    let folder = if bookkit::run::is_package_program_name(name) {
        target.join("release")
    } else {
        target.join("release/examples")
    };
    folder.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// How often a `subset` block's program is run when its block is regenerated: the block shows
/// every line those runs printed, since one run of a racy program may print only some.
const SUBSET_RUNS: usize = 10;

/// Reruns the command of every console block (or of those on `only` pages) and writes what
/// it printed into the page. Prints which block it is running (`n of N`) and how long the
/// whole took, then the sentences that quote a figure the new runs no longer print. Returns
/// how many blocks were rewritten.
pub fn outputs(root: &Path, only: &[String]) -> Result<usize, String> {
    let started = Instant::now();
    build_release_examples(root)?;
    let mut work = Vec::new();
    for page in bookkit::pages::pages(root).map_err(|e| e.to_string())? {
        if !only.is_empty() && !only.iter().any(|o| page.path.contains(o.as_str())) {
            continue;
        }
        let blocks = output_blocks(&page).map_err(|p| p[0].to_string())?;
        if !blocks.is_empty() {
            work.push((page, blocks));
        }
    }
    let total: usize = work.iter().map(|(_, blocks)| blocks.len()).sum();
    if work
        .iter()
        .flat_map(|(_, blocks)| blocks)
        .any(|b| matches!(b.command, bookkit::Command::Python { .. }))
    {
        bookkit::run::python_available()?;
    }
    let needs_extension = |b: &bookkit::OutputBlock| match &b.command {
        bookkit::Command::Python { script, .. } => bookkit::pyext::needs_extension(root, script),
        _ => false,
    };
    if work
        .iter()
        .flat_map(|(_, blocks)| blocks)
        .any(needs_extension)
    {
        bookkit::pyext::maturin_available(root)?;
    }
    let mut rewritten = 0;
    let mut stale = Vec::new();
    for (page, blocks) in work {
        // From the last block up, so that earlier line numbers stay valid.
        let mut text = page.text.clone();
        for block in blocks.iter().rev() {
            rewritten += 1;
            let place = format!("{}:{}", page.path, block.line());
            eprintln!(
                "[{rewritten} of {total}, {:.0} s] {place}: $ {}",
                started.elapsed().as_secs_f64(),
                block.command_line
            );
            let runs = if block.order == Order::Subset {
                SUBSET_RUNS
            } else {
                1
            };
            let mut transcripts = Vec::new();
            for _ in 0..runs {
                let mut command = block
                    .command
                    .process(root, |name| Ok(release_example(root, name)))
                    .map_err(|e| format!("{place}: {e}"))?;
                let fresh = run(&mut command, block.command.time_limit())
                    .map_err(|e| format!("{place}: {e}"))?;
                if fresh.timed_out {
                    return Err(format!("{place}: timed out"));
                }
                transcripts.push(block.command.shown(fresh.transcript()));
            }
            let output = if block.order == Order::Subset {
                union_of_lines(&block.expected, &transcripts)
            } else {
                transcripts.concat()
            };
            text = replace_output(&text, &block.block, &output);
        }
        if text != page.text {
            fs::write(root.join(&page.path), &text).map_err(|e| e.to_string())?;
        }
        stale.extend(bookkit::prose::unsupported_figures(&Page {
            path: page.path.clone(),
            text,
        }));
    }
    write_machine(root)?;
    eprintln!(
        "ran {total} blocks in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    if !stale.is_empty() {
        eprintln!(
            "\nthese sentences quote a figure that no new run prints; update them (`cargo test` \
             fails until you do):"
        );
        for problem in &stale {
            eprintln!("  {problem}");
        }
    }
    Ok(rewritten)
}

/// The lines a `subset` block shows: every line it showed and every line of the new runs,
/// each as often as the most any one of them printed it, in the order first seen.
fn union_of_lines(shown: &str, runs: &[String]) -> String {
    let mut order: Vec<String> = Vec::new();
    let mut most: BTreeMap<String, usize> = BTreeMap::new();
    for text in std::iter::once(shown).chain(runs.iter().map(String::as_str)) {
        let mut here: BTreeMap<&str, usize> = BTreeMap::new();
        for line in text.lines() {
            *here.entry(line).or_default() += 1;
        }
        for line in text.lines() {
            if !most.contains_key(line) {
                order.push(line.to_owned());
            }
            let count = most.entry(line.to_owned()).or_default();
            *count = (*count).max(here[line]);
        }
    }
    let mut out = String::new();
    for line in order {
        for _ in 0..most[&line] {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Regenerates every `src/img/chNN-SLUG.svg` drawn by an example `chNN_plot_SLUG`.
pub fn figures(root: &Path) -> Result<usize, String> {
    build_release_examples(root)?;
    let mut drawn = 0;
    for (stem, figure) in bookkit::pages::figures(root).map_err(|e| e.to_string())? {
        let out = run(&mut Command::new(release_example(root, &stem)), TIME_LIMIT)
            .map_err(|e| format!("{stem}: {e}"))?;
        if out.code != Some(0) {
            return Err(format!("{stem} failed:\n{}", out.stderr));
        }
        // A program that prints a PNG draws a picture: its file is the .png of the figure.
        let figure = match figure.strip_suffix(".svg") {
            Some(base) if out.stdout_bytes.starts_with(bookkit::pages::PNG_SIGNATURE) => {
                format!("{base}.png")
            }
            _ => figure,
        };
        fs::write(root.join(&figure), &out.stdout_bytes).map_err(|e| format!("{figure}: {e}"))?;
        eprintln!("{figure}: drawn by {stem}");
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

#[cfg(test)]
mod tests {
    use super::union_of_lines;

    #[test]
    fn a_subset_block_keeps_every_line_seen() {
        let runs = ["b\nc\n".to_owned(), "a\nd\nd\n".to_owned()];
        assert_eq!(union_of_lines("a\nb\n", &runs), "a\nb\nc\nd\nd\n");
    }
}
