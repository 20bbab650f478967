//! Exercise: length-prefixed framing. Each message is its length, four bytes big-endian,
//! then that many bytes, so a message may hold newlines or any bytes at all.

mod ch06_common;

use ch06_common::cli::{self, Mode};
use ch06_common::guard::ChildGuard;
use ch06_common::status::describe;
use std::env;
use std::io::{self, Read, Write};
use std::process::{self, Command, ExitCode, Stdio};

const USAGE: &str = "\
usage: ch06_ex_frames
       ch06_ex_frames --child echo|dies

Sends three messages to a copy of this program (`--child echo`) as length-prefixed
frames and reads back, for each, a frame with the message reversed. Then starts a
child that `dies` in the middle of a frame and reports how much of it arrived.
";

// ANCHOR: solution
/// The most bytes a frame may announce: a corrupt length must not make us allocate 4 GB.
const MOST_BYTES: usize = 1 << 20;

fn write_frame(to: &mut impl Write, message: &[u8]) -> io::Result<()> {
    let length = u32::try_from(message.len())
        .ok()
        .filter(|&n| n as usize <= MOST_BYTES)
        .ok_or_else(|| io::Error::other("message too long for a frame"))?;
    to.write_all(&length.to_be_bytes())?;
    to.write_all(message)?;
    to.flush()
}

/// The next frame, `None` at a clean end of input (between frames), or an error that
/// says how much of a cut-off frame arrived.
fn read_frame(from: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0; 4];
    let got = read_up_to(from, &mut header)?;
    if got == 0 {
        return Ok(None);
    }
    if got < header.len() {
        return Err(cut("header", got, header.len()));
    }
    let length = u32::from_be_bytes(header) as usize;
    if length > MOST_BYTES {
        let message = format!("a frame announced {length} bytes, more than {MOST_BYTES}");
        return Err(io::Error::new(io::ErrorKind::InvalidData, message));
    }
    let mut message = vec![0; length];
    let got = read_up_to(from, &mut message)?;
    if got < length {
        return Err(cut("message", got, length));
    }
    Ok(Some(message))
}

/// Like `read_exact`, but says how many bytes it got when the input ends first.
fn read_up_to(from: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match from.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

fn cut(part: &str, got: usize, wanted: usize) -> io::Error {
    let message = format!("the input ended {got} bytes into a {wanted}-byte {part}");
    io::Error::new(io::ErrorKind::UnexpectedEof, message)
}
// ANCHOR_END: solution

fn echo() -> io::Result<()> {
    let (mut input, mut output) = (io::stdin().lock(), io::stdout().lock());
    while let Some(mut message) = read_frame(&mut input)? {
        message.reverse();
        write_frame(&mut output, &message)?;
    }
    Ok(())
}

fn dies() -> io::Result<()> {
    let mut output = io::stdout().lock();
    // Announce 100 bytes, send 10 of them, and die.
    output.write_all(&100u32.to_be_bytes())?;
    output.write_all(b"0123456789")?;
    output.flush()?;
    process::abort();
}

fn start(role: &str) -> io::Result<ChildGuard> {
    ChildGuard::spawn(
        Command::new(env::current_exe()?)
            .args(["--child", role])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped()),
    )
}

fn parent() -> io::Result<()> {
    let mut echo = start("echo")?;
    let (mut to_echo, mut from_echo) = (echo.stdin.take().unwrap(), echo.stdout.take().unwrap());
    let messages: [&[u8]; 3] = [b"two\nlines", b"", &[0, 159, 255]];
    for message in messages {
        write_frame(&mut to_echo, message)?;
        let reply = read_frame(&mut from_echo)?.ok_or_else(|| io::Error::other("no reply"))?;
        println!(
            "sent b\"{}\", got back b\"{}\"",
            message.escape_ascii(),
            reply.escape_ascii()
        );
    }
    // A clean end: closing its input ends the echo between two frames.
    drop(to_echo);
    println!("echo: {}", describe(echo.wait()?));

    let mut dying = start("dies")?;
    let mut from_dying = dying.stdout.take().unwrap();
    match read_frame(&mut from_dying) {
        Ok(frame) => println!("got {frame:?}"),
        Err(err) => println!("error: {err}"),
    }
    println!("dies: {}", describe(dying.wait()?));
    Ok(())
}

fn main() -> ExitCode {
    let result = match cli::parse(USAGE, &["echo", "dies"], &[]) {
        Ok(Mode::Parent(_)) => parent(),
        Ok(Mode::Child("echo")) => echo(),
        Ok(Mode::Child(_)) => dies(),
        Err(status) => return status,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
