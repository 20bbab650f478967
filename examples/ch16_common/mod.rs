// The code that chapter 16's timing programs share, as an ordinary Rust module folder.
// Each program says `mod ch16_common;`, and Cargo finds this folder beside it.
// Copy a program out of the book as `src/main.rs` and this folder as
// `src/ch16_common/`, and it builds the same way there.

// Each program uses only some of the shared code; the rest belongs to the others.
#![allow(dead_code)]

pub mod cli;
pub mod switches;
pub mod timing;
