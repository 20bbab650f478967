//! Naming a thread and choosing its stack size with `thread::Builder`.

use std::io;
use std::thread;

fn main() -> io::Result<()> {
    // ANCHOR: builder
    let me = thread::current();
    println!("{}: starting a helper", me.name().unwrap_or("<unnamed>"));

    let handle = thread::Builder::new()
        .name("helper".to_string())
        // The default is 2 MiB; a thread that never recurses deeply needs far less.
        .stack_size(64 * 1024)
        // Unlike `thread::spawn`, the builder reports a failure to start as an error.
        .spawn(|| {
            let me = thread::current();
            println!(
                "{}: running on a 64 KiB stack",
                me.name().unwrap_or("<unnamed>")
            );
        })?;

    let name = handle.thread().name().unwrap_or("<unnamed>");
    println!("main: spawned a thread named {name}");
    handle.join().expect("the helper panicked");
    println!("main: the helper has finished");
    // ANCHOR_END: builder
    Ok(())
}
