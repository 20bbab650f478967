//! The fenced code blocks of a page, and what the tests make of them.

use std::path::Path;

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use crate::include::{expand, Expanded};
use crate::pages::{line_of, Page, Problem};
use crate::run::COMPILE_FAIL_FEATURE;

/// A fenced code block, as found in some text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// 1-based line of the opening fence.
    pub open_line: usize,
    /// 1-based line of the closing fence (the last line of the text if it has none).
    pub close_line: usize,
    /// The info string split at commas and spaces: `rust,compile_fail,E0373`.
    pub tokens: Vec<String>,
    /// The lines between the fences, each ending in `\n`.
    pub content: String,
}

impl Block {
    pub fn language(&self) -> Option<&str> {
        self.tokens.first().map(String::as_str)
    }

    pub fn has(&self, token: &str) -> bool {
        self.tokens.iter().any(|t| t == token)
    }
}

/// Every fenced code block of `text`, found by the Markdown parser mdBook uses, so that a fence
/// inside a list item or a `<details>` element counts exactly when mdBook renders it as code.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut current: Option<(Block, usize)> = None;
    for (event, range) in Parser::new(text).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let tokens = info
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect();
                let block = Block {
                    open_line: line_of(text, range.start),
                    close_line: line_of(text, range.end.saturating_sub(1).max(range.start)),
                    tokens,
                    content: String::new(),
                };
                current = Some((block, range.end));
            }
            Event::Text(content) => {
                if let Some((block, _)) = current.as_mut() {
                    block.content.push_str(&content);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((block, _)) = current.take() {
                    found.push(block);
                }
            }
            _ => {}
        }
    }
    found
}

/// How the tests treat a ```` ```rust ```` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListingKind {
    /// Compiled and run; it must exit successfully.
    Run,
    /// `no_run`: compiled only, for programs that never end.
    CompileOnly,
    /// `compile_fail,E0373`: rustc must reject it with this error code. `compile_fail` alone
    /// (an empty code): rustc must reject it with the first `error` line of the console
    /// block that follows the listing, for errors that have no code.
    CompileFail(String),
}

/// A ```` ```rust ```` block of a page, includes expanded.
#[derive(Clone, Debug)]
pub struct Listing {
    /// The page line of the opening fence.
    pub line: usize,
    pub kind: ListingKind,
    /// The program as the compiler sees it: hidden `# ` lines shown, and wrapped in
    /// `fn main` when it has none, as rustdoc and mdBook do.
    pub program: String,
    /// The example whose whole file this block is, when the block is nothing but one
    /// `{{#rustdoc_include ../examples/NAME.rs...}}`: its program is that file, which cargo
    /// builds as `--example NAME`, so the test runs cargo's build instead of compiling a copy.
    /// The same for a program that is a package of its own
    /// (`{{#rustdoc_include ../chNN-slug/src/main.rs...}}`, built with `-p chNN-slug`).
    pub example: Option<String>,
    /// The block is nothing but one include from chapter 15's Python extension
    /// (`ch15-primes/src/`): PyO3 code, which only maturin builds (the crate links against
    /// the Python that loads it), so the test builds the extension instead of compiling a copy.
    pub extension: bool,
    /// The block is nothing but one include from a loom model (`loom-models/tests/NAME.rs`):
    /// code that uses `loom::model` and `loom::thread`, which only a `--cfg loom` build has, so
    /// the test builds that model the way the loom stage does; this names the file's stem.
    pub loom_model: Option<String>,
    /// The block is nothing but one include from a module folder beside the examples
    /// (`examples/chNN_common/`): `example` names an example that declares that module, so
    /// cargo compiles the code as part of it; the test builds that example and does not run it.
    pub shared_module: bool,
}

/// What a ```` ```console ```` block's command runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `$ cargo run --release --example NAME [--] ARGS`, or, for a program that is a
    /// package of its own (`chNN-slug/src/main.rs`, `run::package_programs`), `$ cargo run
    /// --release -p chNN-slug [-- ARGS]`, with `package` set and `name` the package's.
    Example {
        name: String,
        args: Vec<String>,
        package: bool,
    },
    /// `$ rustc ARGS`, run from the book's root.
    Rustc { args: Vec<String> },
    /// `$ python3 python/chNN_slug.py [ARGS]`, run from the book's root: the Python way,
    /// measured beside the Rust one.
    Python { script: String, args: Vec<String> },
    /// `$ cargo check --quiet --example NAME --features compile-fail`: a compile-fail listing
    /// that needs the book's crates, declared in Cargo.toml as an example that only this
    /// feature builds. What it prints is rustc's error.
    CompileFailExample { name: String },
}

/// How long a compile may take in the tests: a first `cargo check` with the book's crates
/// checks all of them.
pub const BUILD_LIMIT: std::time::Duration = std::time::Duration::from_secs(15 * 60);

impl Command {
    /// The process that runs this command from the book's `root`. `example` finds the
    /// program of an example (a debug build for the tests, a release build for regeneration).
    /// Anything rustc writes goes to a scratch folder, not into the book.
    pub fn process(
        &self,
        root: &Path,
        example: impl FnOnce(&str) -> std::io::Result<std::path::PathBuf>,
    ) -> std::io::Result<std::process::Command> {
        let mut process = match self {
            Command::Example { name, args, .. } => {
                let mut process = std::process::Command::new(example(name)?);
                process.args(args);
                process
            }
            Command::Rustc { args } => {
                let mut process = std::process::Command::new("rustc");
                process
                    .args(args)
                    .arg("--out-dir")
                    .arg(crate::run::scratch_dir("rustc")?);
                process
            }
            Command::CompileFailExample { name } => {
                let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
                let mut process = std::process::Command::new(cargo);
                process
                    .args(["check", "--quiet", "--example", name, "--features"])
                    .arg(COMPILE_FAIL_FEATURE)
                    .env("CARGO_TERM_COLOR", "never");
                process
            }
            Command::Python { script, args } => {
                // A program that imports chapter 15's extension runs in the virtual
                // environment it is installed in, as a reader runs it in theirs.
                let python = if crate::pyext::needs_extension(root, script) {
                    crate::pyext::python(root).map_err(std::io::Error::other)?
                } else {
                    crate::run::PYTHON.into()
                };
                let mut process = std::process::Command::new(python);
                // No __pycache__ folders in python/: the book's tree stays as committed.
                process
                    .arg(script)
                    .args(args)
                    .env("PYTHONDONTWRITEBYTECODE", "1");
                process
            }
        };
        process.current_dir(root);
        Ok(process)
    }

    /// How long the command may run before the tests call it stuck.
    pub fn time_limit(&self) -> std::time::Duration {
        match self {
            Command::CompileFailExample { .. } => BUILD_LIMIT,
            _ => crate::run::TIME_LIMIT,
        }
    }

    /// What a run printed, as the book shows it. rustc names the files of the crates it
    /// cites by their place in Cargo's home (`/home/me/.cargo/registry/src/...`), which
    /// differs between machines: the book writes it `$CARGO_HOME`.
    pub fn shown(&self, transcript: String) -> String {
        if !matches!(self, Command::CompileFailExample { .. }) {
            return transcript;
        }
        match cargo_home() {
            Some(home) => transcript.replace(&home, "$CARGO_HOME"),
            None => transcript,
        }
    }
}

/// Cargo's home folder, as rustc prints it in paths.
fn cargo_home() -> Option<String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let home = home.canonicalize().unwrap_or(home);
    Some(home.to_string_lossy().trim_end_matches('/').to_owned())
}

/// Which guarantee about line order a comparison relies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Every line, in order.
    InOrder,
    /// The same lines, each as often, in any order.
    AnyOrder,
    /// Lines grouped by the label before their first `:`; each group in order.
    PerThread,
    /// Every line of the run is one of the block's lines, each at most as often, in any
    /// order: for output a race may cut short. The block shows a complete run.
    Subset,
}

/// A ```` ```console ```` block: a command and what it printed.
#[derive(Clone, Debug)]
pub struct OutputBlock {
    pub block: Block,
    pub command: Command,
    /// The command line as written, without the `$ `.
    pub command_line: String,
    /// The lines after the command.
    pub expected: String,
    pub order: Order,
    /// `exact`: compare without masking measured figures.
    pub exact: bool,
}

impl OutputBlock {
    pub fn line(&self) -> usize {
        self.block.open_line
    }
}

/// The page with its includes expanded, and its ```` ```rust ```` blocks.
pub fn listings(root: &Path, page: &Page) -> Result<(Expanded, Vec<Listing>), Vec<Problem>> {
    let expanded = expand(root, page)?;
    let whole_examples = whole_example_blocks(page);
    let extension_blocks = included_blocks(page, "ch15-primes/src");
    let loom_model_blocks = included_blocks(page, "loom-models/tests");
    let shared_modules = shared_module_blocks(root, page);
    let mut problems = Vec::new();
    let mut listings = Vec::new();
    for block in blocks(&expanded.text) {
        let line = expanded.page_line(block.open_line - 1);
        let mut problem = |message: String| {
            problems.push(Problem {
                page: page.path.clone(),
                line,
                message,
            })
        };
        match block.language() {
            None => problem("a code block needs a language: rust, console, text, ...".into()),
            Some("rust") => match listing_kind(&block.tokens) {
                Ok(kind) => listings.push(Listing {
                    line,
                    example: match kind {
                        ListingKind::CompileFail(_) => None,
                        _ => whole_examples
                            .iter()
                            .chain(&shared_modules)
                            .find(|(at, _)| *at == line)
                            .map(|(_, name)| name.clone()),
                    },
                    extension: extension_blocks.iter().any(|(at, _)| *at == line),
                    loom_model: loom_model_blocks
                        .iter()
                        .find(|(at, _)| *at == line)
                        .map(|(_, stem)| stem.clone()),
                    shared_module: !matches!(kind, ListingKind::CompileFail(_))
                        && shared_modules.iter().any(|(at, _)| *at == line),
                    kind,
                    program: program_of(&block.content),
                }),
                Err(message) => problem(message),
            },
            Some("rs") => problem(
                "write `rust`, not `rs`: every Rust block is compiled by the tests (a part of \
                 a shared module, of chapter 15's extension or of a loom model is included \
                 whole, see CONTRIBUTING.md)"
                    .into(),
            ),
            Some(_) if block.has("rust") => {
                problem("write `rust` first in the info string of a Rust block".into())
            }
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok((expanded, listings))
    } else {
        Err(problems)
    }
}

/// The ```` ```rust ```` blocks of the page as written that hold nothing but one
/// `{{#rustdoc_include}}` of a program in `examples/`, or of a program that is a package of its
/// own (`chNN-slug/src/main.rs`): each with its fence's line and the example's (or package's)
/// name. Such a block, hidden lines shown, is that file (without its anchor lines).
fn whole_example_blocks(page: &Page) -> Vec<(usize, String)> {
    let directive = regex::Regex::new(
        r"^\{\{#rustdoc_include\s+([A-Za-z0-9_./-]+?)\.rs(?::[A-Za-z0-9_-]+)?\s*\}\}$",
    )
    .expect("valid regex");
    blocks(&page.text)
        .into_iter()
        .filter(|block| block.language() == Some("rust"))
        .filter_map(|block| {
            let path = directive
                .captures(block.content.trim())?
                .get(1)?
                .as_str()
                .to_owned();
            let file = page.dir().join(format!("{path}.rs"));
            let mut parts = Vec::new();
            for part in file.components() {
                match part {
                    std::path::Component::ParentDir => {
                        parts.pop()?;
                    }
                    std::path::Component::Normal(name) => parts.push(name.to_str()?.to_owned()),
                    _ => {}
                }
            }
            match parts.as_slice() {
                [folder, name] if folder == "examples" => {
                    let stem = name.strip_suffix(".rs")?;
                    Some((block.open_line, stem.to_owned()))
                }
                // A program that is a package of its own: `chNN-slug/src/main.rs`.
                [package, src, main] if src == "src" && main == "main.rs" => {
                    crate::run::is_package_program_name(package)
                        .then(|| (block.open_line, package.clone()))
                }
                _ => None,
            }
        })
        .collect()
}

/// The ```` ```rust ```` blocks that hold nothing but one include of a file in a module
/// folder beside the examples (`../examples/chNN_common/FILE.rs[:ANCHOR]`): each with its
/// fence's line and an example that declares the module (`mod chNN_common;`), whose build
/// compiles the code the block shows.
fn shared_module_blocks(root: &Path, page: &Page) -> Vec<(usize, String)> {
    let directive = regex::Regex::new(
        r"^\{\{#(?:rustdoc_)?include\s+\.\./examples/(ch[0-9]{2}_[a-z0-9_]+)/[A-Za-z0-9_]+\.rs(?::[A-Za-z0-9_-]+)?\s*\}\}$",
    )
    .expect("valid regex");
    let mut found = Vec::new();
    for block in blocks(&page.text) {
        if block.language() != Some("rust") {
            continue;
        }
        let Some(module) = directive
            .captures(block.content.trim())
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_owned())
        else {
            continue;
        };
        // A folder no example declares as a module (its files are `include!`d, or given to
        // rustc whole) is compiled like any other block.
        if let Some(example) = example_declaring(root, &module) {
            found.push((block.open_line, example));
        }
    }
    found
}

/// The first example, by name, whose file declares `mod MODULE;`.
fn example_declaring(root: &Path, module: &str) -> Option<String> {
    let declaration = format!("mod {module};");
    let mut names: Vec<String> = std::fs::read_dir(root.join("examples"))
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.strip_suffix(".rs")?.to_owned();
            let text = std::fs::read_to_string(entry.path()).ok()?;
            text.lines()
                .any(|line| line.trim() == declaration)
                .then_some(name)
        })
        .collect();
    names.sort();
    names.into_iter().next()
}

/// The ```` ```rust ```` blocks that hold nothing but one include of a file in `folder`
/// (`../FOLDER/NAME.rs[:ANCHOR]`): each with its fence's line and the file's stem. Chapter
/// 15's extension (`ch15-primes/src`) and the loom models (`loom-models/tests`) are shown
/// this way, and built by maturin and by a `--cfg loom` build, not by skeptic.
fn included_blocks(page: &Page, folder: &str) -> Vec<(usize, String)> {
    let directive = regex::Regex::new(&format!(
        r"^\{{\{{#(?:rustdoc_)?include\s+\.\./{}/([A-Za-z0-9_]+)\.rs(?::[A-Za-z0-9_-]+)?\s*\}}\}}$",
        regex::escape(folder)
    ))
    .expect("valid regex");
    blocks(&page.text)
        .into_iter()
        .filter(|block| block.language() == Some("rust"))
        .filter_map(|block| {
            let stem = directive
                .captures(block.content.trim())?
                .get(1)?
                .as_str()
                .to_owned();
            Some((block.open_line, stem))
        })
        .collect()
}

fn listing_kind(tokens: &[String]) -> Result<ListingKind, String> {
    let mut kind = ListingKind::Run;
    let mut error_code = None;
    for token in &tokens[1..] {
        match token.as_str() {
            "no_run" => kind = ListingKind::CompileOnly,
            "compile_fail" => kind = ListingKind::CompileFail(String::new()),
            "edition2021" => {}
            code if is_error_code(code) => error_code = Some(code.to_owned()),
            "ignore" | "should_panic" => {
                return Err(format!(
                    "`{token}` is refused: every listing runs, or is a compile_fail listing \
                     with its error code (see CONTRIBUTING.md)"
                ))
            }
            other => return Err(format!("unknown flag `{other}` on a rust block")),
        }
    }
    match (kind, error_code) {
        (ListingKind::CompileFail(_), Some(code)) => Ok(ListingKind::CompileFail(code)),
        // No code: rustc gives none for some errors ("future cannot be sent between threads
        // safely"). The listing is then checked by the words of the first `error` line of
        // the console block that follows it, which the test requires.
        (ListingKind::CompileFail(_), None) => Ok(ListingKind::CompileFail(String::new())),
        (_, Some(code)) => Err(format!(
            "error code {code} on a listing that is not compile_fail"
        )),
        (kind, None) => Ok(kind),
    }
}

fn is_error_code(token: &str) -> bool {
    token.len() == 5 && token.starts_with('E') && token[1..].chars().all(|c| c.is_ascii_digit())
}

/// Shows rustdoc's hidden lines (`# code` -> `code`, `#` -> empty) and adds `fn main` when
/// the block has none, the way rustdoc turns a block into a program.
pub fn program_of(content: &str) -> String {
    let mut program = String::new();
    for line in content.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("# ") {
            program.push_str(rest);
        } else if trimmed == "#" {
        } else {
            program.push_str(line);
        }
        program.push('\n');
    }
    if program.contains("fn main") {
        program
    } else {
        format!("fn main() {{\n{program}}}\n")
    }
}

/// The ```` ```console ```` blocks of a page. Console blocks hold no includes, so they are
/// read from the page as written, and their lines are the page's lines.
pub fn output_blocks(page: &Page) -> Result<Vec<OutputBlock>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut found = Vec::new();
    for block in blocks(&page.text) {
        if block.language() != Some("console") {
            continue;
        }
        match output_block(block.clone()) {
            Ok(output) => found.push(output),
            Err(message) => problems.push(Problem {
                page: page.path.clone(),
                line: block.open_line,
                message,
            }),
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

fn output_block(block: Block) -> Result<OutputBlock, String> {
    let mut order = Order::InOrder;
    let mut exact = false;
    for token in &block.tokens[1..] {
        match token.as_str() {
            "any-order" => order = Order::AnyOrder,
            "per-thread" => order = Order::PerThread,
            "subset" => order = Order::Subset,
            "exact" => exact = true,
            other => return Err(format!("unknown flag `{other}` on a console block")),
        }
    }
    let (first, expected) = block
        .content
        .split_once('\n')
        .unwrap_or((&block.content, ""));
    let command_line = first
        .strip_prefix("$ ")
        .ok_or("a console block starts with the command it shows, `$ cargo run --release --example NAME`; use a `text` block for other shell text")?
        .trim()
        .to_owned();
    let command = parse_command(&command_line)?;
    Ok(OutputBlock {
        expected: expected.to_owned(),
        block,
        command,
        command_line,
        order,
        exact,
    })
}

fn example_command(name: &str, rest: &[&str], package: bool) -> Command {
    let rest = match rest {
        ["--", args @ ..] => args,
        args => args,
    };
    Command::Example {
        name: name.to_owned(),
        args: rest.iter().map(|s| (*s).to_owned()).collect(),
        package,
    }
}

fn parse_command(line: &str) -> Result<Command, String> {
    if line.contains(['"', '\'', '|', '>', '<', '&', ';']) {
        return Err(format!(
            "`{line}`: quotes, pipes and redirections are not supported"
        ));
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["cargo", "run", "--release", "--example", name, rest @ ..] => {
            Ok(example_command(name, rest, false))
        }
        ["cargo", "run", "--release", "-p", name, rest @ ..] if matches!(rest, [] | ["--", ..]) => {
            Ok(example_command(name, rest, true))
        }
        ["cargo", "check", "--quiet", "--example", name, "--features", feature]
            if *feature == COMPILE_FAIL_FEATURE =>
        {
            Ok(Command::CompileFailExample {
                name: (*name).to_owned(),
            })
        }
        ["rustc", args @ ..] => Ok(Command::Rustc {
            args: args.iter().map(|s| (*s).to_owned()).collect(),
        }),
        ["python3", script, args @ ..] => {
            let well_placed = script
                .strip_prefix("python/")
                .and_then(|name| name.strip_suffix(".py"))
                .is_some_and(|stem| !stem.contains('/') && is_chapter_name(stem));
            if !well_placed {
                return Err(format!(
                    "`{line}`: a Python block runs `python3 python/chNN_slug.py [ARGS]`"
                ));
            }
            Ok(Command::Python {
                script: (*script).to_owned(),
                args: args.iter().map(|s| (*s).to_owned()).collect(),
            })
        }
        _ => Err(format!(
            "`{line}`: a console block shows `cargo run --release --example NAME [ARGS]`, \
             `cargo run --release -p chNN-slug [-- ARGS]`, \
             `python3 python/chNN_slug.py [ARGS]`, `rustc ...` or `cargo check --quiet \
             --example NAME --features compile-fail`"
        )),
    }
}

/// A ```` ```sh,copy-recipe ```` block: the commands that take a program out of the book into
/// a project of the reader's own. The tests run them in a fresh temporary folder.
#[derive(Clone, Debug)]
pub struct CopyRecipe {
    /// The page line of the opening fence.
    pub line: usize,
    pub steps: Vec<Step>,
}

/// One command of a copy recipe. `$BOOK` in a path stands for the book's folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// `cargo new NAME`
    New(String),
    /// `cd DIR`
    Cd(String),
    /// `cargo add CRATE...`
    Add(Vec<String>),
    /// `cp [-r] FROM TO`
    Copy {
        recursive: bool,
        from: String,
        to: String,
    },
    /// `cargo run|build [ARGS]`: the tests check that the program compiles (`cargo check`;
    /// the book's own build compiles it, and the console blocks run it).
    Build(Vec<String>),
}

/// The copy recipes of a page, each step checked against the commands the tests know.
pub fn copy_recipes(page: &Page) -> Result<Vec<CopyRecipe>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut found = Vec::new();
    for block in blocks(&page.text) {
        if !block.has("copy-recipe") {
            continue;
        }
        let mut steps = Vec::new();
        for (index, line) in block.content.lines().enumerate() {
            let line_number = block.open_line + 1 + index;
            if line.trim().is_empty() {
                continue;
            }
            match parse_step(line.trim()) {
                Ok(step) => steps.push(step),
                Err(message) => problems.push(Problem {
                    page: page.path.clone(),
                    line: line_number,
                    message,
                }),
            }
        }
        if !steps.iter().any(|s| matches!(s, Step::Build(_))) {
            problems.push(Problem {
                page: page.path.clone(),
                line: block.open_line,
                message: "a copy recipe ends by building the program: `$ cargo run --release`"
                    .into(),
            });
        }
        found.push(CopyRecipe {
            line: block.open_line,
            steps,
        });
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

fn parse_step(line: &str) -> Result<Step, String> {
    let command = line
        .strip_prefix("$ ")
        .ok_or_else(|| format!("`{line}`: each line of a copy recipe is a command, `$ ...`"))?;
    let words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["cargo", "new", name] => Ok(Step::New((*name).to_owned())),
        ["cd", dir] => Ok(Step::Cd((*dir).to_owned())),
        ["cargo", "add", crates @ ..] if !crates.is_empty() => {
            Ok(Step::Add(crates.iter().map(|c| (*c).to_owned()).collect()))
        }
        ["cp", "-r", from, to] => Ok(Step::Copy {
            recursive: true,
            from: (*from).to_owned(),
            to: (*to).to_owned(),
        }),
        ["cp", from, to] => Ok(Step::Copy {
            recursive: false,
            from: (*from).to_owned(),
            to: (*to).to_owned(),
        }),
        ["cargo", "run" | "build", args @ ..] => {
            Ok(Step::Build(args.iter().map(|a| (*a).to_owned()).collect()))
        }
        _ => Err(format!(
            "`{command}`: a copy recipe knows `cargo new`, `cd`, `cargo add`, `cp [-r]`, `cargo run`"
        )),
    }
}

/// `chNN_slug`: the names of the book's programs, whose prefix is their chapter.
pub fn is_chapter_name(stem: &str) -> bool {
    stem.len() > 5
        && stem.starts_with("ch")
        && stem[2..4].chars().all(|c| c.is_ascii_digit())
        && stem.as_bytes()[4] == b'_'
}

/// Replaces the output lines of the console block that opens on line `open_line` of
/// `text` with `output`, keeping the command line and the fences.
pub fn replace_output(text: &str, block: &Block, output: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let fence = lines[block.open_line - 1];
    let indent: String = fence.chars().take_while(|c| *c == ' ').collect();
    let mut result = String::with_capacity(text.len() + output.len());
    for line in &lines[..block.open_line + 1] {
        result.push_str(line);
    }
    for line in output.lines() {
        if !line.is_empty() {
            result.push_str(&indent);
        }
        result.push_str(line);
        result.push('\n');
    }
    for line in &lines[block.close_line - 1..] {
        result.push_str(line);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fences_with_lines() {
        let text = "# Title\n\n```rust\nfn main() {}\n```\n\n- item\n\n  ```console\n  $ cargo run --release --example ch01_x 3\n  out\n  ```\n";
        let found = blocks(text);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].open_line, found[0].close_line), (3, 5));
        assert_eq!(found[1].tokens, vec!["console"]);
        assert_eq!((found[1].open_line, found[1].close_line), (9, 12));
        let page = Page {
            path: "src/x.md".into(),
            text: text.into(),
        };
        let outputs = output_blocks(&page).unwrap();
        assert_eq!(
            outputs[0].command,
            Command::Example {
                name: "ch01_x".into(),
                args: vec!["3".into()],
                package: false,
            }
        );
        assert_eq!(outputs[0].expected, "out\n");
        let replaced = replace_output(text, &outputs[0].block, "new\nlines\n");
        assert!(replaced
            .ends_with("  $ cargo run --release --example ch01_x 3\n  new\n  lines\n  ```\n"));
    }

    #[test]
    fn flags_are_checked() {
        assert_eq!(
            listing_kind(&["rust".into(), "compile_fail".into(), "E0373".into()]),
            Ok(ListingKind::CompileFail("E0373".into()))
        );
        assert!(listing_kind(&["rust".into(), "ignore".into()]).is_err());
        assert!(listing_kind(&["rust".into(), "should_panic".into()]).is_err());
        assert_eq!(
            listing_kind(&["rust".into(), "compile_fail".into()]),
            Ok(ListingKind::CompileFail(String::new()))
        );
        assert_eq!(
            parse_command("cargo check --quiet --example ch10_x --features compile-fail"),
            Ok(Command::CompileFailExample {
                name: "ch10_x".into()
            })
        );
        assert!(parse_command("cargo check --example ch10_x").is_err());
        assert!(parse_command("cargo run --example x").is_err());
        assert_eq!(
            parse_command("cargo run --release --example x -- --help"),
            Ok(Command::Example {
                name: "x".into(),
                args: vec!["--help".into()],
                package: false,
            })
        );
        assert_eq!(
            parse_command("cargo run --release -p ch12-x -- 3"),
            Ok(Command::Example {
                name: "ch12-x".into(),
                args: vec!["3".into()],
                package: true,
            })
        );
        // Cargo takes what follows the package as its own options: the program's come after `--`.
        assert!(parse_command("cargo run --release -p ch12-x 3").is_err());
        assert!(parse_command("cargo run --release --features f --example x 3").is_err());
    }

    #[test]
    fn included_files_are_found_by_folder() {
        let page = Page {
            path: "src/ch17-x.md".into(),
            text:
                "```rust\n{{#include ../loom-models/tests/ch17_primitives.rs:spin_lock}}\n```\n\n\
                   ```rust\n{{#include ../ch15-primes/src/lib.rs}}\n```\n"
                    .into(),
        };
        assert_eq!(
            included_blocks(&page, "loom-models/tests"),
            vec![(1, "ch17_primitives".to_owned())]
        );
        assert_eq!(
            included_blocks(&page, "ch15-primes/src"),
            vec![(5, "lib".to_owned())]
        );
    }

    #[test]
    fn programs_get_a_main() {
        assert_eq!(program_of("let x = 1;\n"), "fn main() {\nlet x = 1;\n}\n");
        assert_eq!(
            program_of("# use std::thread;\nfn main() {}\n"),
            "use std::thread;\nfn main() {}\n"
        );
    }
}
