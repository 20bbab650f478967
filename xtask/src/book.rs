//! Building the HTML book with mdBook and mdbook-katex as libraries, and the checks that do
//! not need the built HTML: the KaTeX configuration, every formula, the list of pages.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use bookkit::{Page, Problem};
use mdbook_driver::config::Config;
use mdbook_driver::MDBook;
use mdbook_katex::cfg::KatexConfig;
use mdbook_katex::preprocess::{get_render_tasks, ExtraOpts, KatexProcessor, Render};

/// Builds the HTML book of `root` into `dest`, with formulas rendered at build time.
pub fn build(root: &Path, dest: &Path) -> Result<(), String> {
    let katex = katex_config(root)?;
    if !katex.no_css {
        return Err("book.toml: [preprocessor.katex] must set `no-css = true`: the KaTeX \
                    stylesheet ships with the book, and the preprocessor's link loads it from a CDN"
            .into());
    }
    let mut config = Config::from_disk(root.join("book.toml")).map_err(|e| e.to_string())?;
    config.build.build_dir = dest.to_path_buf();
    let mut book = MDBook::load_with_config(root, config).map_err(|e| format!("{e:#}"))?;
    // Replaces the `mdbook-katex` command that [preprocessor.katex] would run.
    book.with_preprocessor(KatexProcessor);
    book.build().map_err(|e| format!("{e:#}"))
}

/// The keys mdBook itself reads in any preprocessor's table.
const MDBOOK_KEYS: [&str; 5] = ["command", "before", "after", "renderers", "optional"];

/// `[preprocessor.katex]` read strictly. mdbook-katex falls back to its defaults, CDN link
/// included, when the table does not parse, and ignores keys it does not know; a typo would
/// silently undo the offline setup, so both are errors here.
pub fn katex_config(root: &Path) -> Result<KatexConfig, String> {
    let text = fs::read_to_string(root.join("book.toml")).map_err(|e| format!("book.toml: {e}"))?;
    let table: toml::Table = text.parse().map_err(|e| format!("book.toml: {e}"))?;
    let katex = table
        .get("preprocessor")
        .and_then(|p| p.get("katex"))
        .ok_or("book.toml: no [preprocessor.katex] table")?
        .clone();
    let known = toml::Value::try_from(KatexConfig::default()).map_err(|e| e.to_string())?;
    let known = known.as_table().expect("a struct serializes to a table");
    for key in katex.as_table().into_iter().flat_map(|t| t.keys()) {
        if !known.contains_key(key) && !MDBOOK_KEYS.contains(&key.as_str()) {
            return Err(format!(
                "book.toml: [preprocessor.katex] has an unknown key `{key}`"
            ));
        }
    }
    katex
        .try_into()
        .map_err(|e| format!("book.toml: [preprocessor.katex] does not parse: {e}"))
}

/// Renders every formula of every page with KaTeX, as the preprocessor does, and reports
/// each one that fails with its page and line.
pub fn check_formulas(root: &Path) -> Result<usize, Vec<Problem>> {
    let config = katex_config(root).map_err(|message| {
        vec![Problem {
            page: "book.toml".into(),
            line: 1,
            message,
        }]
    })?;
    let extra = config.build_extra_opts();
    let (inline, display) = config.build_opts(root);
    let mut problems = Vec::new();
    let mut count = 0;
    for page in bookkit::pages::pages(root).map_err(|e| vec![io_problem(&e)])? {
        // Formulas are rendered after the includes are expanded, as in mdBook.
        let expanded = match bookkit::include::expand(root, &page) {
            Ok(expanded) => expanded,
            Err(found) => {
                problems.extend(found);
                continue;
            }
        };
        let text = &expanded.text;
        for (formula, is_display) in formulas(text, &extra) {
            let opts = if is_display { &display } else { &inline };
            count += 1;
            if let Err(error) = katex::render_with_opts(formula, opts) {
                let offset = formula.as_ptr() as usize - text.as_ptr() as usize;
                let line = bookkit::pages::line_of(text, offset);
                problems.push(Problem {
                    page: page.path.clone(),
                    line: expanded.page_line(line - 1),
                    message: format!("KaTeX cannot render `{}`: {error}", formula.trim()),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(count)
    } else {
        Err(problems)
    }
}

/// The pages SUMMARY.md lists, in its order, as paths from the root (`src/ch01-x.md`).
pub fn summary_pages(root: &Path) -> std::io::Result<Vec<String>> {
    let summary = Page::read(root, "src/SUMMARY.md")?;
    let link = regex::Regex::new(r"\]\(([^)#]+\.md)\)").expect("valid regex");
    Ok(link
        .captures_iter(&summary.text)
        .map(|c| format!("src/{}", &c[1]))
        .collect())
}

/// The formulas of an expanded page, as mdbook-katex finds them: each with whether it is
/// a display formula.
pub fn formulas<'a>(text: &'a str, extra: &ExtraOpts) -> Vec<(&'a str, bool)> {
    get_render_tasks(text, "", extra)
        .into_iter()
        .filter_map(|task| match task {
            Render::Text(_) => None,
            Render::InlineTask(formula) => Some((formula, false)),
            Render::DisplayTask(formula) => Some((formula, true)),
        })
        .collect()
}

/// Every Markdown file in `src/` is either listed in SUMMARY.md or included by a page.
pub fn check_summary(root: &Path) -> Result<(), Vec<Problem>> {
    let listed: BTreeSet<String> = summary_pages(root)
        .map_err(|e| vec![io_problem(&e)])?
        .into_iter()
        .collect();
    let pages = bookkit::pages::pages(root).map_err(|e| vec![io_problem(&e)])?;
    let mut included = BTreeSet::new();
    for page in &pages {
        if let Ok(expanded) = bookkit::include::expand(root, page) {
            included.extend(expanded.included);
        }
    }
    let problems: Vec<Problem> = pages
        .iter()
        .filter(|p| !listed.contains(&p.path) && !included.contains(&p.path))
        .map(|p| Problem {
            page: p.path.clone(),
            line: 1,
            message: "this page is not listed in src/SUMMARY.md, so the book does not show it"
                .into(),
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn io_problem(error: &std::io::Error) -> Problem {
    Problem {
        page: "src".into(),
        line: 1,
        message: error.to_string(),
    }
}
