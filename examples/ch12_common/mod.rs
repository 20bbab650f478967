// The code that chapter 12's programs share (the lock-step philosophers, and the timing of a
// parking_lot lock), as an ordinary Rust module folder. Each program says
// `mod ch12_common;`, and Cargo finds this file beside it. Copy a program out of the book as
// `src/main.rs` and this folder as `src/ch12_common/`, and it builds the same way there.

// Each program uses only some of the shared functions; the rest are not dead code, they
// belong to the other programs.
#![allow(dead_code)]

pub mod cli;
pub mod lock_cost;
pub mod lockstep;
