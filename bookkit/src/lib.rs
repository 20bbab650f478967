//! The one reader of the book's pages.
//!
//! `book-tests/build.rs` uses it to expand mdBook's include directives and to list the
//! listings, output blocks and compile-fail listings that become tests; the tests use it to
//! read the page they check (the page is the specification, a test keeps no copy of it); the
//! xtask uses it to regenerate output blocks. So there is one parser of pages, and one
//! masking rule.

pub mod blocks;
pub mod compare;
pub mod include;
pub mod mask;
pub mod pages;
pub mod passes;
pub mod prose;
pub mod pyext;
pub mod run;

pub use blocks::{Block, Command, CopyRecipe, Listing, ListingKind, Order, OutputBlock, Step};
pub use include::Expanded;
pub use pages::{Page, Problem};

/// The book's folder, where `book.toml`, `src/` and `examples/` are: the folder above this
/// crate. The tests run in their own package's folder, so they find the book here.
pub fn book_root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bookkit lives inside the book's folder")
}
