//! The measured figures a page's prose quotes, and where each one comes from.
//!
//! A console block is compared with a fresh run, but the sentence that quotes it ("ran 1.85
//! times as fast in this run") is prose. Every measured figure in the prose, a number with a
//! fractional part followed by a unit or `x`, outside code, formulas, tables and HTML, must
//! either
//!
//! 1. appear with the same digits in one of the same page's console blocks, or
//! 2. be a ratio (`x`, `×`, `times`) that equals, at the precision written, the quotient of
//!    two figures with the same unit in those blocks (Python's 3.412 s against Rust's
//!    0.055 s: "62.0x"), or
//! 3. be cited: its sentence carries a footnote reference (`[^notes]`) that names the source.
//!
//! CONTRIBUTING.md describes the rule to authors; change both together.

use std::sync::OnceLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use regex::Regex;

use crate::blocks::blocks;
use crate::pages::{line_of, Page, Problem};

/// A measured figure quoted in prose.
#[derive(Clone, Debug, PartialEq)]
pub struct Quoted {
    /// The page line it is on.
    pub line: usize,
    /// As written, for messages: `1.85x`, `0.055 s`.
    pub text: String,
    /// The digits: `1.85`.
    pub number: String,
    pub unit: String,
    /// Its sentence carries a footnote reference.
    pub cited: bool,
}

/// Stands for a footnote reference in the text that is searched.
const FOOTNOTE: char = '\u{1}';

fn figure() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // Longer units first, so that `seconds` is not read as `s`.
        Regex::new(
            r"(?:^|[^\w.])-?(\d+\.\d+)([ \u{a0}]?)(times|percent|seconds|second|milliseconds|microseconds|nanoseconds|minutes|cores|core|GB/s|MB/s|GiB/s|MiB/s|KiB|MiB|GiB|KB|MB|GB|bytes|ms|µs|us|ns|min|s|x|×|%)(?:$|[^\w/])",
        )
        .expect("valid regex")
    })
}

fn block_number() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(\d+\.\d+)[ \u{a0}]?(seconds|second|ms|µs|us|ns|s|x|%|GB/s|MB/s|GiB/s|MiB/s)?(?:$|[^\w/])",
        )
        .expect("valid regex")
    })
}

/// Text that the reader reads as prose, one run per paragraph, heading or list item, with the
/// source offset of each piece so that a figure can be given its line.
struct Segment {
    text: String,
    /// (byte index in `text`, source offset) where each piece starts.
    pieces: Vec<(usize, usize)>,
}

impl Segment {
    fn offset_of(&self, index: usize) -> usize {
        let piece = self.pieces.partition_point(|(start, _)| *start <= index);
        self.pieces
            .get(piece.saturating_sub(1))
            .map_or(0, |(_, offset)| *offset)
    }
}

fn segments(text: &str) -> Vec<Segment> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_MATH
        | Options::ENABLE_STRIKETHROUGH;
    let mut found = Vec::new();
    let mut current = Segment {
        text: String::new(),
        pieces: Vec::new(),
    };
    // Inside these, text is not prose to check: code, tables, footnote definitions.
    let mut skipped = 0usize;
    let flush = |current: &mut Segment, found: &mut Vec<Segment>| {
        if !current.text.trim().is_empty() {
            found.push(std::mem::replace(
                current,
                Segment {
                    text: String::new(),
                    pieces: Vec::new(),
                },
            ));
        } else {
            current.text.clear();
            current.pieces.clear();
        }
    };
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_) | Tag::Table(_) | Tag::FootnoteDefinition(_)) => {
                flush(&mut current, &mut found);
                skipped += 1;
            }
            Event::End(TagEnd::CodeBlock | TagEnd::Table | TagEnd::FootnoteDefinition) => {
                skipped = skipped.saturating_sub(1);
            }
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::Item | Tag::BlockQuote(_))
            | Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::BlockQuote(_),
            ) => flush(&mut current, &mut found),
            _ if skipped > 0 => {}
            Event::Text(piece) => {
                current.pieces.push((current.text.len(), range.start));
                current.text.push_str(&piece);
            }
            Event::FootnoteReference(_) => current.text.push(FOOTNOTE),
            // Code, formulas, HTML and line breaks separate the words around them.
            Event::Code(_)
            | Event::InlineMath(_)
            | Event::DisplayMath(_)
            | Event::InlineHtml(_)
            | Event::Html(_)
            | Event::SoftBreak
            | Event::HardBreak => current.text.push(' '),
            _ => {}
        }
    }
    flush(&mut current, &mut found);
    found
}

/// Where the sentences of `text` end: after a `.`, `?` or `!` that is followed by a space or
/// the end, with the closing brackets, quotes and footnote references right after it ("...
/// 10.49 s.[^notes] Next").
fn sentence_ends(text: &str) -> Vec<usize> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut ends = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if matches!(chars[i].1, '.' | '?' | '!') {
            let mut j = i + 1;
            while j < chars.len() && matches!(chars[j].1, ')' | '"' | FOOTNOTE) {
                j += 1;
            }
            if j == chars.len() || chars[j].1.is_whitespace() {
                ends.push(chars.get(j).map_or(text.len(), |(at, _)| *at));
                i = j;
                continue;
            }
        }
        i += 1;
    }
    ends
}

/// Whether the sentence that holds `start..end` of `text` carries a footnote reference.
fn sentence_cited(text: &str, start: usize, end: usize) -> bool {
    let ends = sentence_ends(text);
    let from = ends
        .iter()
        .rev()
        .find(|e| **e <= start)
        .copied()
        .unwrap_or(0);
    let to = ends
        .iter()
        .find(|e| **e >= end)
        .copied()
        .unwrap_or(text.len());
    text[from..to].contains(FOOTNOTE)
}

/// The measured figures quoted in the prose of `text` (a page as written).
pub fn quoted_figures(text: &str) -> Vec<Quoted> {
    let mut found = Vec::new();
    for segment in segments(text) {
        for capture in figure().captures_iter(&segment.text) {
            let number = capture.get(1).expect("group 1");
            let unit = capture.get(3).expect("group 3");
            found.push(Quoted {
                line: line_of(text, segment.offset_of(number.start()).min(text.len())),
                text: segment.text[number.start()..unit.end()].to_owned(),
                number: number.as_str().to_owned(),
                unit: unit.as_str().to_owned(),
                cited: sentence_cited(&segment.text, number.start(), unit.end()),
            });
        }
    }
    found
}

/// A figure printed in a console block: its digits, and its value in a common unit
/// (seconds for times) with the unit's name, when it has one.
#[derive(Clone, Debug)]
struct Printed {
    digits: String,
    value: f64,
    unit: Option<&'static str>,
}

fn printed_figures(text: &str) -> Vec<Printed> {
    let mut found = Vec::new();
    for block in blocks(text) {
        if block.language() != Some("console") {
            continue;
        }
        for capture in block_number().captures_iter(&block.content) {
            let digits = capture[1].to_owned();
            let Ok(value) = digits.parse::<f64>() else {
                continue;
            };
            let (value, unit) = match capture.get(2).map(|u| u.as_str()) {
                Some("s" | "second" | "seconds") => (value, Some("s")),
                Some("ms") => (value / 1e3, Some("s")),
                Some("µs" | "us") => (value / 1e6, Some("s")),
                Some("ns") => (value / 1e9, Some("s")),
                Some("x") => (value, Some("x")),
                Some("%") => (value, Some("%")),
                Some("GB/s") => (value * 1e9, Some("B/s")),
                Some("MB/s") => (value * 1e6, Some("B/s")),
                Some("GiB/s") => (value * 1024f64.powi(3), Some("B/s")),
                Some("MiB/s") => (value * 1024f64.powi(2), Some("B/s")),
                _ => (value, None),
            };
            found.push(Printed {
                digits,
                value,
                unit,
            });
        }
    }
    found
}

fn is_ratio(unit: &str) -> bool {
    matches!(unit, "x" | "×" | "times")
}

/// Whether `number` (as written, `62.0`) is the quotient of two printed figures with the same
/// unit, rounded to the decimals it is written with.
fn is_quotient(number: &str, printed: &[Printed]) -> bool {
    let decimals = number.split_once('.').map_or(0, |(_, d)| d.len());
    printed.iter().any(|a| {
        printed.iter().any(|b| {
            a.unit.is_some()
                && a.unit == b.unit
                && b.value > 0.0
                && !std::ptr::eq(a, b)
                && format!("{:.*}", decimals, a.value / b.value) == number
        })
    })
}

/// The figures of `page`'s prose that no console block of the page prints and no footnote
/// cites, each as a problem at its line.
pub fn unsupported_figures(page: &Page) -> Vec<Problem> {
    let printed = printed_figures(&page.text);
    quoted_figures(&page.text)
        .into_iter()
        .filter(|quoted| {
            let supported = quoted.cited
                || printed.iter().any(|p| p.digits == quoted.number)
                || (is_ratio(&quoted.unit) && is_quotient(&quoted.number, &printed));
            !supported
        })
        .map(|quoted| Problem {
            page: page.path.clone(),
            line: quoted.line,
            message: format!(
                "the prose quotes `{}`, a measured figure that no console block of this page \
                 prints (nor a ratio of two it prints); quote the block's own figure, or cite \
                 the source with a footnote in the same sentence",
                quoted.text
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> Page {
        Page {
            path: "src/x.md".into(),
            text: text.into(),
        }
    }

    #[test]
    fn finds_figures_in_prose_only() {
        let text = "It ran 1.85 times as fast, in 0.055 s.\n\n`took 0.5 s` and $0.6 s$\n\n\
                    ```console\n$ cargo run --release --example ch01_x\ntook 0.3 s\n```\n\n\
                    | a | b |\n| - | - |\n| 2.5 s | 1 |\n\nPython 3.14 made it so; 40 % of it.\n";
        let found: Vec<String> = quoted_figures(text).into_iter().map(|q| q.text).collect();
        assert_eq!(found, ["1.85 times", "0.055 s"]);
        assert_eq!(quoted_figures(text)[1].line, 1);
    }

    #[test]
    fn a_figure_is_supported_by_a_block_a_ratio_or_a_footnote() {
        let block = "```console\n$ cargo run --release --example ch01_x\nrust took 0.055 s\n\
                     python took 3.412 s\nspeedup: 1.85x\n```\n";
        let good = format!(
            "{block}\nIt ran 1.85 times as fast. Python took 62.0x as long, or 62.04 times.\n\
             The notes say 10.49 s.[^notes] Their best, 3.04 s[^notes], came at six.\n\n\
             [^notes]: The notes on the original's chapter 2.\n"
        );
        assert_eq!(unsupported_figures(&page(&good)), []);
        let bad = format!("{block}\nIt ran 1.9 times as fast. Python took 62.1x as long.\n");
        let problems = unsupported_figures(&page(&bad));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].line, 8);
        assert!(problems[0].message.contains("`1.9 times`"));
    }

    #[test]
    fn a_footnote_covers_its_own_sentence_only() {
        let text = "The notes say 10.49 s.[^n] Ours took 0.31 s.\n\n[^n]: Notes.\n";
        let cited: Vec<bool> = quoted_figures(text).iter().map(|q| q.cited).collect();
        assert_eq!(cited, [true, false]);
    }
}
