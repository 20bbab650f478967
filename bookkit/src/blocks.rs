//! The fenced code blocks of a page, and what the tests make of them.

use std::path::Path;

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use crate::include::{expand, Expanded};
use crate::pages::{line_of, Page, Problem};

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
    /// `compile_fail,E0373`: rustc must reject it with this error code.
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
}

/// What a ```` ```console ```` block's command runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `$ cargo run --release --example NAME [--] ARGS`
    Example { name: String, args: Vec<String> },
    /// `$ rustc ARGS`, run from the book's root.
    Rustc { args: Vec<String> },
}

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
            Command::Example { name, args } => {
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
        };
        process.current_dir(root);
        Ok(process)
    }
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
                    kind,
                    program: program_of(&block.content),
                }),
                Err(message) => problem(message),
            },
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
        (ListingKind::CompileFail(_), None) => Err(
            "a compile_fail listing names the error it expects, e.g. `rust,compile_fail,E0373`"
                .into(),
        ),
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

fn parse_command(line: &str) -> Result<Command, String> {
    if line.contains(['"', '\'', '|', '>', '<', '&', ';']) {
        return Err(format!(
            "`{line}`: quotes, pipes and redirections are not supported"
        ));
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["cargo", "run", "--release", "--example", name, rest @ ..] => {
            let rest = match rest {
                ["--", args @ ..] => args,
                args => args,
            };
            Ok(Command::Example {
                name: (*name).to_owned(),
                args: rest.iter().map(|s| (*s).to_owned()).collect(),
            })
        }
        ["rustc", args @ ..] => Ok(Command::Rustc {
            args: args.iter().map(|s| (*s).to_owned()).collect(),
        }),
        _ => Err(format!(
            "`{line}`: a console block shows `cargo run --release --example NAME [ARGS]` or `rustc ...`"
        )),
    }
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
                args: vec!["3".into()]
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
        assert!(listing_kind(&["rust".into(), "compile_fail".into()]).is_err());
        assert!(parse_command("cargo run --example x").is_err());
        assert_eq!(
            parse_command("cargo run --release --example x -- --help"),
            Ok(Command::Example {
                name: "x".into(),
                args: vec!["--help".into()]
            })
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
