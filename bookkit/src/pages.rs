//! Finding the book's pages and naming places in them.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One Markdown file under `src/`, as written by its author.
#[derive(Clone, Debug)]
pub struct Page {
    /// Path relative to the book's root, with `/` separators, e.g. `src/ch01-concurrency.md`.
    pub path: String,
    pub text: String,
}

impl Page {
    pub fn read(root: &Path, path: &str) -> io::Result<Page> {
        let text = fs::read_to_string(root.join(path))?;
        Ok(Page {
            path: path.to_owned(),
            text,
        })
    }

    /// A name for a place in this page that is also a valid Rust identifier:
    /// `src/ch01-concurrency.md`, line 42 -> `ch01_concurrency_md_line_42`.
    pub fn test_name(&self, line: usize) -> String {
        format!("{}_line_{line}", self.test_stem())
    }

    /// The page's part of its test names: `src/ch01-concurrency.md` -> `ch01_concurrency_md`.
    pub fn test_stem(&self) -> String {
        let stem = self.path.strip_prefix("src/").unwrap_or(&self.path);
        let name: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        name
    }

    /// The directory of the page, relative to the root: includes are resolved from here.
    pub fn dir(&self) -> &Path {
        Path::new(&self.path).parent().unwrap_or(Path::new(""))
    }
}

/// Something wrong at a place in the book, reported as `page:line: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub page: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.page, self.line, self.message)
    }
}

/// Every Markdown file under `root/src`, sorted, except `SUMMARY.md`.
///
/// New pages are found without anyone listing them: whether SUMMARY.md lists them is a
/// separate check (the book-build test), so a forgotten page fails loudly instead of
/// being silently untested.
pub fn pages(root: &Path) -> io::Result<Vec<Page>> {
    let mut paths = Vec::new();
    collect_markdown(&root.join("src"), &mut paths)?;
    paths.sort();
    let mut pages = Vec::new();
    for path in paths {
        let relative = path
            .strip_prefix(root)
            .expect("found under root")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if relative == "src/SUMMARY.md" {
            continue;
        }
        pages.push(Page::read(root, &relative)?);
    }
    Ok(pages)
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_markdown(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

/// The 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].bytes().filter(|&b| b == b'\n').count() + 1
}

/// The first bytes of every PNG file.
pub const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The examples that draw a figure, with the figure each one draws:
/// `examples/chNN_plot_SLUG.rs` prints `src/img/chNN-SLUG.svg` (with `_` in SLUG as `-`), or
/// `src/img/chNN-SLUG.png` where that is the committed file (a picture, such as chapter 8's
/// thresholded images, which the example prints as PNG bytes).
pub fn figures(root: &Path) -> io::Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(root.join("examples"))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".rs") else {
            continue;
        };
        if let Some(slug) = stem.get(4..).and_then(|rest| rest.strip_prefix("_plot_")) {
            let figure = format!("src/img/{}-{}", &stem[..4], slug.replace('_', "-"));
            let png = format!("{figure}.png");
            if root.join(&png).exists() {
                found.push((stem.to_owned(), png));
            } else {
                found.push((stem.to_owned(), format!("{figure}.svg")));
            }
        }
    }
    found.sort();
    Ok(found)
}
