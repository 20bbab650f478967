//! Turns the book's pages into tests.
//!
//! skeptic reads raw Markdown and knows nothing of mdBook's `{{#include}}`, so this script
//! expands every page with `bookkit` (mdBook's own semantics) into `$OUT_DIR/pages/`, then
//! writes one test per item into `$OUT_DIR`, named after the page and line it checks:
//!
//! - `listings.rs`: every ```` ```rust ```` block, compiled and run by skeptic's runtime;
//! - `compile_fail.rs`: every `compile_fail` listing, which rustc must reject;
//! - `outputs.rs`: every ```` ```console ```` block, compared with a fresh run;
//! - `figures.rs`: every `chNN_plot_*` example, compared with its committed SVG or PNG;
//! - `prose.rs`: one test per page, for the measured figures its prose quotes;
//! - `copy_recipes.rs`: every ```` ```sh,copy-recipe ```` block, carried out in a fresh project;
//! - `command_line.rs`: every example (and every program that is a package of its own, such
//!   as `ch12-parking-lot-detector/`), run with `--help`, a bogus argument and a closed pipe.
//!
//! A missing file or anchor, a refused flag or a malformed console block becomes a
//! `compile_error!` in the listings' tests, naming the page and line (mdBook itself would
//! only log it), so `cargo test` stops there while the examples still build.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::ExitCode;

use bookkit::{ListingKind, Problem};

fn main() -> ExitCode {
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let target = env::var("TARGET").expect("cargo sets TARGET");
    // This package lives in the book's folder, book-tests/.
    let root = bookkit::book_root();
    let root_dir = root.to_string_lossy().into_owned();
    // A directory is watched as a whole: a new page or example reruns this script.
    for watched in [
        "src",
        "examples",
        "book.toml",
        "Cargo.toml",
        "book-tests/Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }

    let pages = match bookkit::pages::pages(root) {
        Ok(pages) => pages,
        Err(error) => {
            eprintln!("error: cannot read the pages under src/: {error}");
            return ExitCode::FAILURE;
        }
    };
    let expanded_dir = Path::new(&out_dir).join("pages");
    fs::create_dir_all(&expanded_dir).expect("OUT_DIR is writable");

    // Examples that an output block runs with no arguments: that test runs the program and
    // compares what it printed, so their listings' tests only check that cargo built them.
    let run_by_outputs: std::collections::BTreeSet<String> = pages
        .iter()
        .filter_map(|page| bookkit::blocks::output_blocks(page).ok())
        .flatten()
        .filter_map(|block| match block.command {
            bookkit::Command::Example { name, args, .. } if args.is_empty() => Some(name),
            _ => None,
        })
        .collect();

    let mut problems: Vec<Problem> = Vec::new();
    // The programs that are packages of their own, read once for every block below.
    let packages = bookkit::run::package_programs(root).unwrap_or_else(|error| {
        problems.push(Problem {
            page: "Cargo.toml".into(),
            line: 1,
            message: format!("cannot list the book's folder: {error}"),
        });
        Vec::new()
    });
    // A program that is a package of its own (`chNN-slug/src/main.rs`) is watched like the
    // examples.
    for package in &packages {
        println!(
            "cargo:rerun-if-changed={}",
            root.join(package).join("src").display()
        );
    }
    let mut command_line = String::new();
    let mut listings = String::new();
    let mut compile_fail = String::new();
    let mut outputs = String::new();
    let mut prose = String::new();
    let mut copy_recipes = String::new();
    for page in &pages {
        let _ = writeln!(
            prose,
            "#[test]\nfn {}_prose() {{\n    support::prose({:?});\n}}\n",
            page.test_stem(),
            page.path
        );
        match bookkit::blocks::copy_recipes(page) {
            Ok(recipes) => {
                for recipe in recipes {
                    let _ = writeln!(
                        copy_recipes,
                        "#[test]\nfn {}() {{\n    support::copy_recipe({:?}, {});\n}}\n",
                        page.test_name(recipe.line),
                        page.path,
                        recipe.line
                    );
                }
            }
            Err(found) => problems.extend(found),
        }
        match bookkit::blocks::listings(root, page) {
            Ok((expanded, found)) => {
                let file = page.path.trim_start_matches("src/").replace('/', "_");
                fs::write(expanded_dir.join(file), &expanded.text).expect("OUT_DIR is writable");
                let mut runnable_blocks = 0;
                for listing in found {
                    let name = page.test_name(listing.line);
                    let place = format!("{}:{}", page.path, listing.line);
                    match listing.kind {
                        ListingKind::Run | ListingKind::CompileOnly if listing.extension => {
                            // Chapter 15's PyO3 code: maturin builds it (tests/listings.rs).
                            let _ = writeln!(
                                listings,
                                "#[test]\nfn {name}() {{\n    support::extension_listing({place:?});\n}}\n",
                            );
                        }
                        ListingKind::Run | ListingKind::CompileOnly
                            if listing.loom_model.is_some() =>
                        {
                            // A loom model: a `--cfg loom` build compiles it (tests/listings.rs),
                            // and the loom stage runs it.
                            let model = listing.loom_model.as_deref().unwrap_or_default();
                            let _ = writeln!(
                                listings,
                                "#[test]\nfn {name}() {{\n    support::loom_listing({place:?}, {model:?});\n}}\n",
                            );
                        }
                        ListingKind::Run | ListingKind::CompileOnly
                            if listing.example.is_some() =>
                        {
                            // The block is the example's whole file: cargo has built that file
                            // as the example, so the test runs cargo's build (unless an output
                            // block already runs it exactly as this listing would).
                            let example = listing.example.as_deref().unwrap_or_default();
                            // A block from a shared module (`chNN_common/`) is compiled by
                            // the example that declares it; running that example proves nothing
                            // more about the block.
                            let run = listing.kind == ListingKind::Run
                                && !listing.shared_module
                                && !run_by_outputs.contains(example);
                            let _ = writeln!(
                                listings,
                                "#[test]\nfn {name}() {{\n    support::example_listing({place:?}, {example:?}, {run});\n}}\n",
                            );
                        }
                        ListingKind::Run | ListingKind::CompileOnly => {
                            let run = listing.kind == ListingKind::Run;
                            runnable_blocks += 1;
                            // Two blocks that include the same file with different anchors
                            // compile to the same program, and skeptic's binary cache would
                            // give them one executable. While one test ran it, the other
                            // rewrote or touched it, and a listing that starts copies of
                            // itself (ch03_spawn_cost) then failed with "Text file busy".
                            // A closing comment naming the block gives each test its own
                            // entry; counting blocks, not lines, keeps the entry when an
                            // edit higher up the page moves the block.
                            let program = format!(
                                "{}\n// The listing test of block {runnable_blocks} in {}.\n",
                                listing.program, page.path
                            );
                            let _ = writeln!(
                                listings,
                                "#[test]\nfn {name}() {{\n    support::listing({place:?}, {run}, {});\n}}\n",
                                raw_string(&program)
                            );
                        }
                        ListingKind::CompileFail(_) => {
                            let _ = writeln!(
                                compile_fail,
                                "#[test]\nfn {name}() {{\n    support::compile_fail({:?}, {});\n}}\n",
                                page.path, listing.line
                            );
                        }
                    }
                }
            }
            Err(found) => problems.extend(found),
        }
        match bookkit::blocks::output_blocks(page) {
            Ok(blocks) => {
                for block in blocks {
                    if let Some(problem) = package_problem(&packages, &block) {
                        problems.push(Problem {
                            page: page.path.clone(),
                            line: block.line(),
                            message: problem,
                        });
                    }
                    let program = match &block.command {
                        bookkit::Command::Example { name, .. } => name.as_str(),
                        _ => "",
                    };
                    let _ = writeln!(
                        outputs,
                        "    ({:?}, {:?}, {}, {:?}),",
                        page.test_name(block.line()),
                        page.path,
                        block.line(),
                        program
                    );
                }
            }
            Err(found) => problems.extend(found),
        }
    }
    check_example_names(root, &mut problems);
    check_skeptic_dependencies(root, &mut problems);
    for example in example_programs(root).into_iter().chain(packages) {
        // A package's name has hyphens (`ch12-parking-lot-detector`), a test's cannot.
        let test = example.replace('-', "_");
        let _ = writeln!(
            command_line,
            "#[test]\nfn {test}_command_line() {{\n    support::command_line({example:?});\n}}\n"
        );
    }
    if !problems.is_empty() {
        // The problems stop the tests from compiling, each one naming its place, but not the
        // examples: an author can still run a program while a page is half written.
        listings = problems
            .iter()
            .map(|problem| format!("compile_error!({:?});\n", problem.to_string()))
            .collect();
        for problem in &problems {
            println!("cargo:warning={problem}");
        }
    }

    let figures = figure_tests(root);
    let constants = format!(
        "/// Where the book is, and where skeptic finds the compiled dependencies.\n\
         pub const ROOT_DIR: &str = {root_dir:?};\npub const OUT_DIR: &str = {out_dir:?};\n\
         pub const TARGET: &str = {target:?};\n"
    );
    for (file, text) in [
        ("listings.rs", listings),
        ("compile_fail.rs", compile_fail),
        (
            "outputs.rs",
            format!("/// Every output block: test name, page, line, and the example it runs (or \"\").\nconst BLOCKS: &[(&str, &str, usize, &str)] = &[\n{outputs}];\n"),
        ),
        ("figures.rs", figures),
        ("prose.rs", prose),
        ("copy_recipes.rs", copy_recipes),
        ("command_line.rs", command_line),
        ("paths.rs", constants),
    ] {
        write_if_changed(&Path::new(&out_dir).join(file), &text);
    }
    ExitCode::SUCCESS
}

/// A raw string literal that holds `text` whatever quotes and hashes it contains.
fn raw_string(text: &str) -> String {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
}

/// A block that runs `cargo run --release -p NAME` names a program that is a package of its
/// own (`NAME/Cargo.toml` and `NAME/src/main.rs`): any other package is not a program of the
/// book's.
fn package_problem(packages: &[String], block: &bookkit::OutputBlock) -> Option<String> {
    let bookkit::Command::Example {
        name,
        package: true,
        ..
    } = &block.command
    else {
        return None;
    };
    (!packages.contains(name)).then(|| {
        format!("`-p {name}`: no program `{name}/src/main.rs` with its own `{name}/Cargo.toml`")
    })
}

/// book-tests lists every crate of the book's package among its dev-dependencies, so that
/// skeptic compiles each listing against the builds the test binary was linked with (see
/// book-tests/Cargo.toml). A crate added to the book and not here is named.
fn check_skeptic_dependencies(root: &Path, problems: &mut Vec<Problem>) {
    let read = |path: &str| fs::read_to_string(root.join(path)).unwrap_or_default();
    let book = dependency_names(&read("Cargo.toml"), "[dependencies]");
    let tests = dependency_names(&read("book-tests/Cargo.toml"), "[dev-dependencies]");
    for missing in book.difference(&tests) {
        problems.push(Problem {
            page: "book-tests/Cargo.toml".into(),
            line: 1,
            message: format!(
                "the book's crate `{missing}` is not among the dev-dependencies: add \
                 `{missing}.workspace = true`, so that listings link the build the tests use"
            ),
        });
    }
}

/// The names in one section of a manifest, one `name = ...` or `name.workspace = true` a line
/// (how the book's manifests write them).
fn dependency_names(manifest: &str, section: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == section;
        } else if inside && !line.starts_with('#') {
            if let Some((key, _)) = line.split_once('=') {
                let key = key.trim();
                names.insert(key.strip_suffix(".workspace").unwrap_or(key).to_owned());
            }
        }
    }
    names
}

/// Examples follow `chNN_slug` so that a chapter's files share its prefix.
fn check_example_names(root: &Path, problems: &mut Vec<Problem>) {
    let Ok(entries) = fs::read_dir(root.join("examples")) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".rs") else {
            continue;
        };
        if !bookkit::blocks::is_chapter_name(stem) {
            problems.push(Problem {
                page: format!("examples/{name}"),
                line: 1,
                message: "examples are named chNN_slug.rs, after their chapter".into(),
            });
        }
    }
}

/// The example programs: `examples/chNN_slug.rs` (folders beside them are shared modules).
fn example_programs(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(root.join("examples"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().is_file())
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".rs")?;
            bookkit::blocks::is_chapter_name(stem).then(|| stem.to_owned())
        })
        .collect();
    names.sort();
    names
}

/// One test per example that draws a figure: `chNN_plot_SLUG` -> `src/img/chNN-SLUG.svg`
/// (or `.png`).
fn figure_tests(root: &Path) -> String {
    bookkit::pages::figures(root)
        .unwrap_or_default()
        .iter()
        .map(|(name, figure)| {
            format!("#[test]\nfn {name}() {{\n    support::figure({name:?}, {figure:?});\n}}\n\n")
        })
        .collect()
}

/// Rewriting an unchanged file would make cargo rebuild the tests for nothing.
fn write_if_changed(path: &Path, text: &str) {
    if fs::read_to_string(path).ok().as_deref() != Some(text) {
        fs::write(path, text).expect("OUT_DIR is writable");
    }
}
