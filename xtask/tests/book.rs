//! `cargo test` builds the HTML book, as a reader gets it, and checks it.
//!
//! The book is built once, into a temporary folder, by mdBook and mdbook-katex used as
//! libraries; each test below checks one property of it and names the page and line at fault.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The book, built once for all the tests of this file.
fn built_book() -> &'static Path {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let dest = bookkit::run::scratch_dir("html").map_err(|e| e.to_string())?;
        xtask::book::build(&xtask::root(), &dest)?;
        Ok(dest)
    });
    match built {
        Ok(dest) => dest,
        Err(why) => panic!("the book does not build: {why}"),
    }
}

fn fail_with<T: std::fmt::Display>(what: &str, problems: &[T]) -> ! {
    let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    panic!("{what}:\n{}", list.join("\n"));
}

#[test]
fn katex_configuration_is_read_and_offline() {
    let config = xtask::book::katex_config(&xtask::root()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        config.pre_render,
        "formulas must be rendered when the book is built"
    );
    assert!(
        config.no_css,
        "the preprocessor's CDN stylesheet link must be off"
    );
}

#[test]
fn every_formula_renders() {
    match xtask::book::check_formulas(&xtask::root()) {
        Ok(count) => eprintln!("{count} formulas rendered"),
        Err(problems) => fail_with("formulas KaTeX cannot render", &problems),
    }
}

#[test]
fn every_page_is_in_the_summary() {
    if let Err(problems) = xtask::book::check_summary(&xtask::root()) {
        fail_with("pages the book does not show", &problems);
    }
}

#[test]
fn built_book_is_whole_and_offline() {
    match xtask::html::check(&xtask::root(), built_book()) {
        Ok(count) => eprintln!("{count} links and references resolve"),
        Err(findings) => fail_with("problems in the built book", &findings),
    }
}

#[test]
fn katex_stylesheet_and_fonts_ship_with_the_book() {
    let dest = built_book();
    let css = std::fs::read_to_string(dest.join("katex/katex.min.css"))
        .expect("the KaTeX stylesheet is copied into the book");
    assert!(css.contains("KaTeX_Main"), "not KaTeX's stylesheet");
    assert!(
        dest.join("katex/LICENSE").is_file(),
        "KaTeX's licence ships with it"
    );
    let index = std::fs::read_to_string(dest.join("index.html")).expect("index.html");
    assert!(
        index.contains(r#"href="katex/katex.min.css""#),
        "theme/head.hbs links the local KaTeX stylesheet"
    );
}
