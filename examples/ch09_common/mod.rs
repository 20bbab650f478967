// The hand-made async machinery that chapter 9's programs share, as an ordinary module
// folder. Each program says `mod ch09_common;`, and Cargo finds this file beside it. Copy a
// program out of the book as `src/main.rs` and this folder as `src/ch09_common/`, and it
// builds the same way there. Everything here is the standard library only.

// Each program uses only some of these; the rest belong to the other programs.
#![allow(dead_code)]

pub mod block_on;
pub mod cli;
pub mod executor;
pub mod timer;
