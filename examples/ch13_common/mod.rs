// The code that chapter 13's programs share, as an ordinary Rust module folder.
// Each program says `mod ch13_common;`, and Cargo finds this folder beside it.
// Copy a program out of the book as `src/main.rs` and this folder as
// `src/ch13_common/`, and it builds the same way there.

// Each program uses only some of the shared code; the rest belongs to the others.
#![allow(dead_code)]

pub mod cli;
pub mod load;
pub mod sim;
pub mod stats;
pub mod switches;
