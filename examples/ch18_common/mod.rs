// The code that chapter 18's programs share, as an ordinary Rust module folder: the protocol,
// the four servers, the load generator and the child-process helpers. Each program says
// `mod ch18_common;`; copy a program out of the book as `src/main.rs` and this folder as
// `src/ch18_common/`, and it builds the same way there.

// Each program uses only some of the shared code; the rest belongs to the other programs.
#![allow(dead_code)]

pub mod blocking;
pub mod child;
pub mod cli;
pub mod client;
pub mod http;
pub mod load;
pub mod on_tokio;
pub mod reactor;
pub mod server;
