// The code that chapter 20's programs share: the command line, and running one timely
// computation as one worker, as worker threads in one process, or as processes that talk over
// TCP on 127.0.0.1. Each program says `mod ch20_common;`, and Cargo finds this folder beside
// it. Copy a program out of the book as `src/main.rs` and this folder as `src/ch20_common/`,
// and it builds the same way there.

// Each program uses only some of the shared functions; the rest are not dead code, they
// belong to the other programs.
#![allow(dead_code)]

pub mod cli;
pub mod cluster;
pub mod wordcount;
