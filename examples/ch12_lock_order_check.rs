//! Lock-order validation at run time, the idea of the Linux kernel's lockdep: every time a
//! thread takes a lock while it holds others, record the order; when an order is seen that
//! closes a cycle with the orders seen before, report it. Listing 12-2's two threads take
//! locks a and b in opposite orders, one after the other, so they never deadlock, and the
//! checker still finds the inversion.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::process::ExitCode;
use std::thread;

// ANCHOR: checker
/// Every order seen so far: (a lock that was held, a lock taken while it was held), and the
/// thread that first did so.
static SEEN: std::sync::Mutex<BTreeMap<(&str, &str), String>> =
    std::sync::Mutex::new(BTreeMap::new());

thread_local! {
    /// The locks this thread holds, in the order it took them.
    static HELD: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

/// Taking a lock now would close a cycle of orders: `taking` while holding `held`, although
/// `earlier` shows `taking` held while `held` was taken, directly or through other locks.
#[derive(Debug)]
pub struct Inversion {
    pub taking: &'static str,
    pub held: &'static str,
    pub earlier: Vec<String>,
}

/// A path of recorded orders from lock `from` to lock `to`, each step with its thread.
fn path(seen: &BTreeMap<(&str, &str), String>, from: &str, to: &str) -> Option<Vec<String>> {
    for ((held, taken), thread) in seen.range((from, "")..) {
        if *held != from {
            break;
        }
        let step = format!("{thread} took {taken} while holding {held}");
        if *taken == to {
            return Some(vec![step]);
        }
        if let Some(mut rest) = path(seen, taken, to) {
            rest.insert(0, step);
            return Some(rest);
        }
    }
    None
}

pub struct CheckedMutex<T> {
    name: &'static str,
    inner: parking_lot::Mutex<T>,
}

impl<T> CheckedMutex<T> {
    pub fn new(name: &'static str, value: T) -> Self {
        CheckedMutex {
            name,
            inner: parking_lot::Mutex::new(value),
        }
    }

    /// Checks the order against every order seen before, records it, and takes the lock.
    pub fn lock(&self) -> Result<CheckedGuard<'_, T>, Inversion> {
        let held = HELD.with(|h| h.borrow().clone());
        if !held.is_empty() {
            let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
            for &h in &held {
                let earlier = if h == self.name {
                    Some(vec![format!("this thread holds {h} already")])
                } else {
                    path(&seen, self.name, h)
                };
                if let Some(earlier) = earlier {
                    return Err(Inversion {
                        taking: self.name,
                        held: h,
                        earlier,
                    });
                }
            }
            let me = thread::current().name().unwrap_or("a thread").to_string();
            for &h in &held {
                seen.entry((h, self.name)).or_insert_with(|| me.clone());
            }
        }
        let guard = self.inner.lock();
        HELD.with(|h| h.borrow_mut().push(self.name));
        Ok(CheckedGuard {
            name: self.name,
            guard,
        })
    }
}

pub struct CheckedGuard<'a, T> {
    name: &'static str,
    guard: parking_lot::MutexGuard<'a, T>,
}

impl<T> Drop for CheckedGuard<'_, T> {
    fn drop(&mut self) {
        HELD.with(|h| h.borrow_mut().retain(|&n| n != self.name));
    }
}
// ANCHOR_END: checker

impl<T> Deref for CheckedGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for CheckedGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

// ANCHOR: demo
/// Takes `first`, then `second`, and reports what happened.
fn take_both(first: &CheckedMutex<()>, second: &CheckedMutex<()>) {
    let me = thread::current().name().unwrap_or("a thread").to_string();
    let _first = first.lock().expect("nothing is held yet");
    match second.lock() {
        Ok(_second) => println!("{me}: took {}, then {}", first.name, second.name),
        Err(inversion) => {
            println!(
                "{me}: lock-order inversion: taking {} while holding {}, but earlier:",
                inversion.taking, inversion.held
            );
            for step in inversion.earlier {
                println!("  {step}");
            }
        }
    }
}

fn one_after_the_other(a: &CheckedMutex<()>, b: &CheckedMutex<()>) {
    thread::scope(|s| {
        // thread-1 runs to the end before thread-2 starts: the two never overlap.
        thread::Builder::new()
            .name("thread-1".into())
            .spawn_scoped(s, || take_both(a, b))
            .expect("spawning a thread")
            .join()
            .expect("thread-1 panicked");
        thread::Builder::new()
            .name("thread-2".into())
            .spawn_scoped(s, || take_both(b, a))
            .expect("spawning a thread")
            .join()
            .expect("thread-2 panicked");
    });
}
// ANCHOR_END: demo

const USAGE: &str = "\
usage: ch12_lock_order_check

Two threads take locks a and b in opposite orders, one after the other, so that they cannot
deadlock; a lock-order checker still reports the inversion.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let (a, b) = (CheckedMutex::new("a", ()), CheckedMutex::new("b", ()));
    one_after_the_other(&a, &b);
    println!("main: both threads ended; they never held a lock at the same time");
    ExitCode::SUCCESS
}

// The command line, the same in every program of the book that takes no arguments:
// `--help` prints the usage, anything else is refused with exit status 2.
fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    quiet_on_closed_pipe();
    match std::env::args_os().nth(1) {
        None => Ok(()),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                other.to_string_lossy()
            );
            Err(ExitCode::from(2))
        }
    }
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
/// Only that panic: a failed write to a socket, a file or a child still panics as usual.
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(|m| {
            m.starts_with("failed printing to stdout") && m.contains("Broken pipe")
        }) {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
