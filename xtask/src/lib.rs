//! The book's tasks, shared by `cargo xtask` and the book-build tests.

pub mod book;
pub mod html;
pub mod regenerate;
pub mod serve;
pub mod server;

use std::path::PathBuf;

/// The book's root, as bookkit finds it for the tests.
pub fn root() -> PathBuf {
    bookkit::book_root().to_path_buf()
}
