//! Checks of the built HTML book: nothing fetched from the network, every internal link and
//! anchor resolves, every image and stylesheet is there, every directive was expanded.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid regex"))
}

/// A tag that makes the browser fetch something: stylesheet, script, image, frame, media.
fn fetching_tag() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(
        &RE,
        r#"(?is)<(link|script|img|iframe|source|video|audio|embed|object|image|use)\b[^>]*>"#,
    )
}

fn attribute() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(
        &RE,
        r#"(?i)\b(href|src|srcset|data|xlink:href)\s*=\s*["']([^"']*)["']"#,
    )
}

fn css_url() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(
        &RE,
        r#"(?i)url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]"#,
    )
}

fn id_attribute() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(&RE, r#"\b(?:id|name)\s*=\s*["']([^"']+)["']"#)
}

/// One thing wrong in the built book, with the page it comes from when known.
pub type Finding = String;

/// All HTML and CSS files of the built book, relative to `dest`.
fn files(dest: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dest.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == extension) {
                found.push(path.strip_prefix(dest).expect("under dest").to_path_buf());
            }
        }
    }
    found.sort();
    found
}

fn is_remote(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//")
}

fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// mdBook's generated pages that no Markdown page stands behind.
fn generated(path: &Path) -> bool {
    matches!(path.to_str(), Some("404.html" | "print.html" | "toc.html"))
}

/// Where in `src/` a built page came from, and the line of `needle` in it, for messages.
fn source_place(root: &Path, html: &Path, needle: &str) -> String {
    let md = Path::new("src").join(html.with_extension("md"));
    let shown = md.to_string_lossy().replace('\\', "/");
    match fs::read_to_string(root.join(&md)) {
        Ok(text) => {
            let line = text
                .lines()
                .position(|l| !needle.is_empty() && l.contains(needle))
                .map_or(1, |i| i + 1);
            format!("{shown}:{line}")
        }
        Err(_) => html.to_string_lossy().into_owned(),
    }
}

/// Checks the book built into `dest` from the sources in `root`.
pub fn check(root: &Path, dest: &Path) -> Result<usize, Vec<Finding>> {
    let mut findings = Vec::new();
    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let html_files = files(dest, "html");
    if !html_files.iter().any(|p| p == Path::new("index.html")) {
        findings.push("the built book has no index.html".to_string());
    }
    let mut checked = 0;
    for html in &html_files {
        let text = fs::read_to_string(dest.join(html)).unwrap_or_default();
        // Text the preprocessors should have replaced.
        if let Some(at) = text.find("{{#") {
            let directive: String = text[at..].chars().take_while(|&c| c != '}').collect();
            findings.push(format!(
                "{}: unexpanded directive `{directive}}}}}`",
                source_place(root, html, &directive)
            ));
        }
        if text.contains("katex-error") {
            findings.push(format!(
                "{}: a formula failed to render",
                source_place(root, html, "")
            ));
        }
        for tag in fetching_tag().find_iter(&text) {
            for attr in attribute().captures_iter(tag.as_str()) {
                if is_remote(&attr[2]) {
                    findings.push(format!(
                        "{}: fetches `{}` from the network",
                        source_place(root, html, &attr[2]),
                        &attr[2]
                    ));
                }
            }
        }
        if generated(html) {
            continue;
        }
        for attr in attribute().captures_iter(&text) {
            let url = &attr[2];
            if url.is_empty() || is_remote(url) || has_scheme(url) {
                continue;
            }
            checked += 1;
            if let Err(why) = resolve(dest, html, url, &mut ids) {
                let needle = url.split('#').nth(1).unwrap_or(url).replace(".html", ".md");
                findings.push(format!("{}: {why}", source_place(root, html, &needle)));
            }
        }
    }
    for css in files(dest, "css") {
        let text = fs::read_to_string(dest.join(&css)).unwrap_or_default();
        for capture in css_url().captures_iter(&text) {
            let url = capture
                .get(1)
                .or(capture.get(2))
                .expect("one group matches")
                .as_str();
            if is_remote(url) {
                findings.push(format!(
                    "{}: fetches `{url}` from the network",
                    css.display()
                ));
            } else if !has_scheme(url) && !url.starts_with('#') {
                checked += 1;
                let target =
                    normalize(&css.parent().unwrap_or(Path::new("")).join(strip_query(url)));
                if !dest.join(&target).is_file() {
                    findings.push(format!("{}: `{url}` is missing", css.display()));
                }
            }
        }
    }
    if findings.is_empty() {
        Ok(checked)
    } else {
        Err(findings)
    }
}

fn strip_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or("")
}

fn normalize(path: &Path) -> PathBuf {
    let mut parts: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

/// Checks that `url`, found in `html`, names a file of the book and, with `#fragment`, an
/// element of that file.
fn resolve(
    dest: &Path,
    html: &Path,
    url: &str,
    ids: &mut BTreeMap<PathBuf, BTreeSet<String>>,
) -> Result<(), String> {
    let (path, fragment) = match url.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (url, None),
    };
    let path = strip_query(path);
    let target = if path.is_empty() {
        html.to_path_buf()
    } else {
        let mut target = normalize(&html.parent().unwrap_or(Path::new("")).join(path));
        if dest.join(&target).is_dir() {
            target = target.join("index.html");
        }
        target
    };
    if !dest.join(&target).is_file() {
        return Err(format!("broken link `{url}`: no {}", target.display()));
    }
    let Some(fragment) = fragment.filter(|f| !f.is_empty()) else {
        return Ok(());
    };
    if target.extension().is_none_or(|e| e != "html") {
        return Ok(());
    }
    let known = ids.entry(target.clone()).or_insert_with(|| {
        let text = fs::read_to_string(dest.join(&target)).unwrap_or_default();
        id_attribute()
            .captures_iter(&text)
            .map(|c| c[1].to_owned())
            .collect()
    });
    if known.contains(fragment) {
        Ok(())
    } else {
        Err(format!(
            "broken link `{url}`: {} has no element with id `{fragment}`",
            target.display()
        ))
    }
}
