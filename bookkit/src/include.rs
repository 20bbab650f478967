//! Expanding mdBook's `{{#include}}` and `{{#rustdoc_include}}` exactly as mdBook does.
//!
//! mdBook 0.5's `links` preprocessor is the reference: the same regular expression, the same
//! line ranges (1-based, inclusive, either end optional), the same anchor rules (lines between
//! `ANCHOR: name` and `ANCHOR_END: name`, other anchor lines dropped), and for
//! `rustdoc_include` the rest of the file kept behind `# `. Where mdBook only logs a problem
//! and renders something wrong (a missing file, an anchor that is not there, a range past the
//! end of the file), we report it with the page and line instead.

use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;

use crate::pages::{line_of, Page, Problem};

/// mdBook stops following nested includes at this depth.
const MAX_DEPTH: usize = 10;

/// A page with its directives replaced by what they include.
#[derive(Clone, Debug)]
pub struct Expanded {
    pub text: String,
    /// For each line of `text` (0-based), the 1-based line of the page it comes from:
    /// an included line comes from the line of its directive.
    pub origin: Vec<usize>,
    /// The files the page includes, relative to the book's root.
    pub included: Vec<String>,
}

impl Expanded {
    /// The page line that expanded line `index` (0-based) comes from.
    pub fn page_line(&self, index: usize) -> usize {
        self.origin.get(index).copied().unwrap_or(1)
    }
}

fn directive() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?x)
            \\\{\{\#.*\}\}
            |
            \{\{\s*
            \#([a-zA-Z0-9_]+)
            \s+
            ([^}]+)
            \}\}",
        )
        .expect("valid regex")
    })
}

fn anchor_start() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"ANCHOR:\s*(?P<name>[\w_-]+)").expect("valid regex"))
}

fn anchor_end() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"ANCHOR_END:\s*(?P<name>[\w_-]+)").expect("valid regex"))
}

/// Expands every directive of `page`, reading included files under `root`.
pub fn expand(root: &Path, page: &Page) -> Result<Expanded, Vec<Problem>> {
    let mut out = Output {
        text: String::new(),
        origin: vec![1],
        included: Vec::new(),
    };
    let mut problems = Vec::new();
    let context = Context {
        root,
        page,
        problems: &mut problems,
    };
    expand_into(
        context,
        &page.text,
        page.dir(),
        0,
        Origin::Page(1),
        &mut out,
    );
    if problems.is_empty() {
        out.included.sort();
        out.included.dedup();
        Ok(Expanded {
            text: out.text,
            origin: out.origin,
            included: out.included,
        })
    } else {
        Err(problems)
    }
}

struct Context<'a> {
    root: &'a Path,
    page: &'a Page,
    problems: &'a mut Vec<Problem>,
}

struct Output {
    text: String,
    origin: Vec<usize>,
    included: Vec<String>,
}

#[derive(Clone, Copy)]
enum Origin {
    /// Text of the page itself, starting at this page line.
    Page(usize),
    /// Included text: every line comes from the directive on this page line.
    Directive(usize),
}

impl Output {
    fn push(&mut self, s: &str, origin: Origin) {
        let mut line = match origin {
            Origin::Page(line) | Origin::Directive(line) => line,
        };
        for c in s.chars() {
            self.text.push(c);
            if c == '\n' {
                if let Origin::Page(_) = origin {
                    line += 1;
                }
                self.origin.push(line);
            }
        }
    }
}

fn expand_into(
    cx: Context<'_>,
    text: &str,
    dir: &Path,
    depth: usize,
    origin: Origin,
    out: &mut Output,
) {
    let Context {
        root,
        page,
        problems,
    } = cx;
    let mut previous_end = 0;
    for capture in directive().captures_iter(text) {
        let whole = capture.get(0).expect("group 0 always matches");
        let before = &text[previous_end..whole.start()];
        out.push(before, shift(origin, text, previous_end));
        let line = match origin {
            Origin::Page(first) => first + line_of(text, whole.start()) - 1,
            Origin::Directive(line) => line,
        };
        previous_end = whole.end();
        let mut problem = |message: String| {
            problems.push(Problem {
                page: page.path.clone(),
                line,
                message,
            })
        };

        let (kind, argument) = match (capture.get(1), capture.get(2)) {
            (Some(kind), Some(argument)) => (kind.as_str(), argument.as_str()),
            // An escaped directive, `\{{#include x}}`, shows as the directive itself.
            _ => {
                out.push(&whole.as_str()[1..], Origin::Directive(line));
                continue;
            }
        };
        let rustdoc = match kind {
            "include" => false,
            "rustdoc_include" => true,
            "title" => continue,
            other => {
                problem(format!(
                    "`{{{{#{other} ...}}}}` is not supported here: use include or rustdoc_include"
                ));
                continue;
            }
        };
        let target = argument.split_whitespace().next().unwrap_or("");
        let (file, selector) = match target.split_once(':') {
            Some((file, selector)) => (file, Some(selector)),
            None => (target, None),
        };
        let path = normalize(&dir.join(file));
        let shown_path = path.to_string_lossy().replace('\\', "/");
        let contents = match fs::read_to_string(root.join(&path)) {
            Ok(contents) => contents,
            Err(error) => {
                problem(format!("cannot include `{shown_path}`: {error}"));
                continue;
            }
        };
        out.included.push(shown_path.clone());
        let included = match select(&contents, selector, rustdoc) {
            Ok(included) => included,
            Err(message) => {
                problem(format!("`{}`: {message}", whole.as_str()));
                continue;
            }
        };
        if depth + 1 >= MAX_DEPTH {
            problem(format!("includes nested deeper than {MAX_DEPTH}: a cycle?"));
            continue;
        }
        let nested_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let nested = Context {
            root,
            page,
            problems: &mut *problems,
        };
        expand_into(
            nested,
            &included,
            &nested_dir,
            depth + 1,
            Origin::Directive(line),
            out,
        );
    }
    out.push(&text[previous_end..], shift(origin, text, previous_end));
}

/// The origin of the text that starts at byte `offset` of `text`.
fn shift(origin: Origin, text: &str, offset: usize) -> Origin {
    match origin {
        Origin::Page(first) => Origin::Page(first + line_of(text, offset) - 1),
        directive => directive,
    }
}

/// Removes `.` and `a/..` from a relative path, so `src/../examples/x.rs` is `examples/x.rs`.
fn normalize(path: &Path) -> PathBuf {
    let mut parts: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if parts
                    .last()
                    .is_some_and(|c| matches!(c, Component::Normal(_))) =>
            {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

/// What a directive shows of a file: everything, an anchor, or a line range.
fn select(contents: &str, selector: Option<&str>, rustdoc: bool) -> Result<String, String> {
    match parse_selector(selector) {
        Selector::Anchor(name) => {
            let starts = contents
                .lines()
                .filter(|l| {
                    anchor_start()
                        .captures(l)
                        .is_some_and(|c| &c["name"] == name)
                })
                .count();
            if starts == 0 {
                return Err(format!("no `ANCHOR: {name}` in the file"));
            }
            Ok(if rustdoc {
                rustdoc_anchored_lines(contents, name)
            } else {
                anchored_lines(contents, name)
            })
        }
        Selector::Lines(start, end) => {
            let count = contents.lines().count();
            let first = start.unwrap_or(0);
            if first >= count {
                return Err(format!("the file has only {count} lines"));
            }
            if start.is_none() && end.is_none() && contents.lines().any(is_anchor_line) {
                return Err(
                    "the whole file is shown, anchor comments included: select an anchor".into(),
                );
            }
            let last = end.unwrap_or(usize::MAX).min(count);
            Ok(if rustdoc {
                contents
                    .lines()
                    .enumerate()
                    .map(|(i, l)| {
                        if (first..last).contains(&i) {
                            l.to_owned()
                        } else {
                            format!("# {l}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                contents
                    .lines()
                    .skip(first)
                    .take(last.saturating_sub(first))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}

fn is_anchor_line(line: &str) -> bool {
    anchor_start().is_match(line) || anchor_end().is_match(line)
}

enum Selector<'a> {
    Anchor(&'a str),
    /// 0-based first line, exclusive end.
    Lines(Option<usize>, Option<usize>),
}

/// mdBook's `parse_range_or_anchor`: `:name`, `:N`, `:N:`, `:N:M`, `::M`.
fn parse_selector(selector: Option<&str>) -> Selector<'_> {
    let mut parts = selector.unwrap_or("").splitn(3, ':');
    let first = parts.next();
    let start = match first {
        Some(value) if value.parse::<usize>().is_ok() => {
            Some(value.parse::<usize>().expect("checked").saturating_sub(1))
        }
        Some("") | None => None,
        Some(anchor) => return Selector::Anchor(anchor),
    };
    let end = parts.next().map(str::parse::<usize>);
    match (start, end) {
        (Some(start), Some(Ok(end))) => Selector::Lines(Some(start), Some(end)),
        (Some(start), Some(Err(_))) => Selector::Lines(Some(start), None),
        (Some(start), None) => Selector::Lines(Some(start), Some(start + 1)),
        (None, Some(Ok(end))) => Selector::Lines(None, Some(end)),
        (None, None) | (None, Some(Err(_))) => Selector::Lines(None, None),
    }
}

fn anchored_lines(contents: &str, name: &str) -> String {
    let mut kept = Vec::new();
    let mut inside = false;
    for line in contents.lines() {
        if inside {
            match anchor_end().captures(line) {
                Some(c) if &c["name"] == name => break,
                Some(_) => {}
                None if !anchor_start().is_match(line) => kept.push(line),
                None => {}
            }
        } else if anchor_start()
            .captures(line)
            .is_some_and(|c| &c["name"] == name)
        {
            inside = true;
        }
    }
    kept.join("\n")
}

fn rustdoc_anchored_lines(contents: &str, name: &str) -> String {
    let mut kept = Vec::new();
    let mut inside = false;
    for line in contents.lines() {
        if inside {
            match anchor_end().captures(line) {
                Some(c) if &c["name"] == name => inside = false,
                Some(_) => {}
                None if !anchor_start().is_match(line) => kept.push(line.to_owned()),
                None => {}
            }
        } else if let Some(c) = anchor_start().captures(line) {
            inside = &c["name"] == name;
        } else if !anchor_end().is_match(line) {
            kept.push(format!("# {line}"));
        }
    }
    kept.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "use std::thread;\n// ANCHOR: main\nfn main() {\n    // ANCHOR: body\n    thread::spawn(|| {});\n    // ANCHOR_END: body\n}\n// ANCHOR_END: main\n";

    #[test]
    fn anchors_drop_marker_lines() {
        assert_eq!(
            anchored_lines(FILE, "main"),
            "fn main() {\n    thread::spawn(|| {});\n}"
        );
        assert_eq!(anchored_lines(FILE, "body"), "    thread::spawn(|| {});");
    }

    #[test]
    fn rustdoc_include_hides_the_rest() {
        assert_eq!(
            rustdoc_anchored_lines(FILE, "body"),
            "# use std::thread;\n# fn main() {\n    thread::spawn(|| {});\n# }"
        );
    }

    #[test]
    fn ranges_follow_mdbook() {
        let text = "a\nb\nc\nd";
        let lines = |s| select(text, Some(s), false).unwrap();
        assert_eq!(lines("2:3"), "b\nc");
        assert_eq!(lines("2"), "b");
        assert_eq!(lines("3:"), "c\nd");
        assert_eq!(lines(":2"), "a\nb");
        assert!(select(text, Some("9"), false).is_err());
        assert_eq!(select(text, Some("2:3"), true).unwrap(), "# a\nb\nc\n# d");
    }

    #[test]
    fn whole_file_with_anchors_is_refused() {
        assert!(select(FILE, None, false).is_err());
        assert!(select("fn main() {}", None, false).is_ok());
        assert!(select(FILE, Some("nope"), false).is_err());
    }

    #[test]
    fn origins_point_at_the_directive() {
        let dir = std::env::temp_dir().join(format!("bookkit-include-{}", std::process::id()));
        fs::create_dir_all(dir.join("src")).unwrap();
        fs::create_dir_all(dir.join("examples")).unwrap();
        fs::write(dir.join("examples/x.rs"), FILE).unwrap();
        let page = Page {
            path: "src/p.md".into(),
            text: "# T\n\n```rust\n{{#include ../examples/x.rs:main}}\n```\n\nafter\n\\{{#include y}}\n{{#include ../examples/x.rs:gone}}\n".into(),
        };
        let problems = expand(&dir, &page).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 9);
        assert!(problems[0].message.contains("gone"), "{}", problems[0]);

        let page = Page {
            text: page
                .text
                .replace("{{#include ../examples/x.rs:gone}}\n", ""),
            ..page
        };
        let expanded = expand(&dir, &page).unwrap();
        let lines: Vec<&str> = expanded.text.lines().collect();
        let after = lines.iter().position(|l| *l == "after").unwrap();
        assert_eq!(expanded.page_line(after), 7);
        let spawn = lines.iter().position(|l| l.contains("spawn")).unwrap();
        assert_eq!(expanded.page_line(spawn), 4);
        assert!(expanded.text.contains("\n{{#include y}}\n"));
        assert_eq!(expanded.included, vec!["examples/x.rs".to_string()]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
