//! The book's tasks, shared by `cargo xtask` and the book-build tests.

pub mod book;
pub mod html;
pub mod regenerate;
pub mod serve;
pub mod server;

use std::path::{Path, PathBuf};

/// The book's root: the folder above this crate.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the book's folder")
        .to_path_buf()
}
