//! The book as a reader sees it, in a real browser.
//!
//! Builds the book, serves it on 127.0.0.1, and has headless Chromium (driven by
//! `xtask/browser/check.mjs` with the pinned playwright-core) go through every page: nothing
//! fetched from outside, nothing failing, no script error, KaTeX's fonts loaded, every image
//! loaded and described, search, the print page, the Amdahl calculator and the Run buttons.
//! axe-core (pinned beside playwright-core) checks every page's accessibility in mdBook's five
//! themes, at a desktop width and at a phone's (390 CSS px), where every page must also fit
//! the screen. It saves a screenshot of every page in the light and the navy theme, and at
//! 390 px, for a person to look at; in CI (`CI` set), where nobody looks, it takes none
//! unless `BROWSER_SCREENSHOTS=1` asks for them.
//!
//! `BOOK_PAGES=ch03` checks only the pages whose path contains `ch03` (plus the site-wide
//! checks: sidebar, search, favicon), for an author working on one chapter; unset, every page.
//!
//! Chromium and Node are not Rust tools, so a machine may lack them: then the test says so
//! and passes, except in CI (`CI` set), where a missing browser is a failure.
//! `BROWSER_TEST_BOOK=DIR` checks a book already built into DIR instead of building one.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The whole browser pass takes one to two minutes on two shared cores; a busy machine may
/// take several.
const BROWSER_LIMIT: Duration = Duration::from_secs(15 * 60);
const NPM_LIMIT: Duration = Duration::from_secs(10 * 60);

#[test]
fn the_book_works_in_a_browser() {
    let root = xtask::root();
    let Some(tools) = browser_tools() else {
        return;
    };
    let browser_dir = root.join("xtask/browser");
    install_playwright(&browser_dir, &tools.npm);

    let (book, built_here) = match std::env::var_os("BROWSER_TEST_BOOK") {
        Some(dir) => (PathBuf::from(dir), false),
        None => {
            let dest = bookkit::run::scratch_dir("browser").expect("a scratch folder");
            xtask::book::build(&root, &dest)
                .unwrap_or_else(|e| panic!("the book does not build: {e}"));
            (dest, true)
        }
    };
    let scratch = bookkit::run::scratch_dir("browser-expected").expect("a scratch folder");
    let expected = scratch.join("expected.json");
    fs::write(&expected, expectations(&root)).expect("writes the expectations");

    // Beside the build, even when `CARGO_TARGET_DIR` moves it.
    let shots = bookkit::run::target_dir()
        .unwrap_or_else(|_| root.join("target"))
        .join("browser-screenshots");
    // Last run's screenshots would hide a page that is no longer taken.
    let _ = fs::remove_dir_all(&shots);
    let take_screenshots = bookkit::run::may_skip()
        || std::env::var_os("BROWSER_SCREENSHOTS").is_some_and(|v| v == "1");
    let server = xtask::server::Server::start(&book).expect("starts the book's server");
    let started = Instant::now();
    let selection = std::env::var("BOOK_PAGES").unwrap_or_default();
    let run = bookkit::run::run(
        Command::new(&tools.node)
            .arg(browser_dir.join("check.mjs"))
            .arg(server.url())
            .arg(if take_screenshots {
                shots.as_os_str()
            } else {
                "-".as_ref()
            })
            .arg(&expected)
            .env("CHROMIUM", &tools.chromium),
        BROWSER_LIMIT,
    )
    .expect("runs node");
    drop(server);
    let _ = fs::remove_dir_all(&scratch);
    if built_here {
        let _ = fs::remove_dir_all(&book);
    }
    let report = format!("{}{}", run.stdout, run.stderr);
    if run.timed_out {
        panic!(
            "the browser check did not finish in {} s:\n{report}",
            BROWSER_LIMIT.as_secs()
        );
    }
    if run.code != Some(0) {
        let shown = if take_screenshots {
            format!(" (screenshots in {})", shots.display())
        } else {
            String::new()
        };
        panic!("the book does not work in the browser{shown}:\n{report}");
    }
    eprintln!("{report}");
    let which = if selection.is_empty() {
        "every page".to_string()
    } else {
        format!("the pages matching BOOK_PAGES={selection}")
    };
    let screenshots = if take_screenshots {
        format!("screenshots (light, navy, 390 px) in {}", shots.display())
    } else {
        "no screenshots in CI (BROWSER_SCREENSHOTS=1 takes them)".to_string()
    };
    say(&format!(
        "browser check passed in {:.1} s for {which}; {screenshots}",
        started.elapsed().as_secs_f64()
    ));
}

/// A line for the person running `cargo test`, shown even when the test passes: the test
/// harness captures `eprintln!`, but not writes to the stderr handle itself.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

struct Tools {
    node: PathBuf,
    npm: PathBuf,
    chromium: PathBuf,
}

/// Node, npm and Chromium, or `None` after saying why the test is skipped; in CI a missing
/// tool fails the test instead, so that CI cannot pass without having looked.
fn browser_tools() -> Option<Tools> {
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| find_program(&["chromium", "chromium-browser"]));
    let node = find_program(&["node"]);
    let npm = find_program(&["npm"]);
    let missing = match (&chromium, &node, &npm) {
        (Some(_), Some(_), Some(_)) => None,
        (None, _, _) => Some("chromium not found, install it with apt-get install chromium"),
        _ => Some("node or npm not found, install Node.js 20 or later"),
    };
    if let Some(why) = missing {
        if !bookkit::run::may_skip() {
            panic!("CI requires the browser test, but {why} (.ci/run installs it)");
        }
        say(&format!("browser test SKIPPED: {why}"));
        return None;
    }
    Some(Tools {
        node: node?,
        npm: npm?,
        chromium: chromium?,
    })
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// `npm ci` when playwright-core is missing or older than the lock file: the project's own
/// files install what the test needs, at the versions pinned in `package-lock.json`.
fn install_playwright(dir: &Path, npm: &Path) {
    let modified = |p: PathBuf| fs::metadata(p).and_then(|m| m.modified()).ok();
    let installed = modified(dir.join("node_modules/.package-lock.json"));
    let locked = modified(dir.join("package-lock.json"));
    if installed.is_some() && installed >= locked {
        return;
    }
    eprintln!(
        "installing playwright-core with npm ci in {}",
        dir.display()
    );
    let run = bookkit::run::run(
        Command::new(npm)
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir),
        NPM_LIMIT,
    )
    .expect("runs npm");
    assert!(
        run.code == Some(0),
        "`npm ci` in {} failed:\n{}",
        dir.display(),
        run.transcript()
    );
}

/// What the sources say the built pages must hold, for check.mjs, as JSON: the pages in
/// SUMMARY.md's order with the number of formulas each has (and `"calculator":true` on the
/// page that holds `<div id="amdahl-calculator">`), the example programs that exist, the
/// programs that are packages of their own, the loom models' files, and the favicon.
fn expectations(root: &Path) -> String {
    let katex = xtask::book::katex_config(root).unwrap_or_else(|e| panic!("{e}"));
    let extra = katex.build_extra_opts();
    let mut pages = String::new();
    for path in xtask::book::summary_pages(root).expect("reads SUMMARY.md") {
        let name = path.trim_start_matches("src/").trim_end_matches(".md");
        let page = bookkit::Page::read(root, &path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let expanded = bookkit::include::expand(root, &page).unwrap_or_else(|problems| {
            panic!("{path} does not expand: {}", problems[0]);
        });
        let formulas = xtask::book::formulas(&expanded.text, &extra).len();
        let calculator = expanded.text.contains(r#"id="amdahl-calculator""#);
        if !pages.is_empty() {
            pages.push(',');
        }
        let _ = write!(
            pages,
            r#"{{"path":{},"formulas":{formulas},"calculator":{calculator}}}"#,
            json(&format!("{name}.html"))
        );
    }
    let examples = programs(&root.join("examples"), "rs");
    let compile_fail = programs(&root.join("examples/compile_fail"), "rs");
    let python = programs(&root.join("python"), "py");
    let loom = [
        programs(&root.join("loom-models/src"), "rs"),
        programs(&root.join("loom-models/tests"), "rs"),
    ];
    let extension_src = programs(&root.join("ch15-primes/src"), "rs");
    let packages = bookkit::run::package_programs(root).expect("lists the book's folder");
    let favicon = fs::read_to_string(root.join("theme/favicon.svg")).expect("theme/favicon.svg");
    let list = |names: Vec<String>| {
        let quoted: Vec<String> = names.iter().map(|n| json(n)).collect();
        format!("[{}]", quoted.join(","))
    };
    format!(
        r#"{{"pages":[{pages}],"examples":{},"compile_fail":{},"python":{},"loom_src":{},"loom_tests":{},"extension_src":{},"packages":{},"favicon_svg":{}}}"#,
        list(examples),
        list(compile_fail),
        list(python),
        list(loom[0].clone()),
        list(loom[1].clone()),
        list(extension_src),
        list(packages),
        json(&favicon)
    )
}

/// The names of the files with this extension directly in `dir`.
fn programs(dir: &Path, extension: &str) -> Vec<String> {
    let mut names = BTreeSet::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == extension) {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                names.insert(stem.to_string());
            }
        }
    }
    names.into_iter().collect()
}

/// A JSON string literal.
fn json(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
