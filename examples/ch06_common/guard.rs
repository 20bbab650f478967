// A child process that cannot be forgotten: whichever way the scope that owns it
// ends (a return, a `?`, a panic that unwinds), the child is killed and waited for.

// ANCHOR: guard
use std::io;
use std::ops::{Deref, DerefMut};
use std::process::{Child, Command, ExitStatus};

/// Owns a running child. Dropping the guard kills the child if it is still
/// running and then waits for it, so that it neither outlives us nor stays a zombie.
pub struct ChildGuard(Child);

impl ChildGuard {
    pub fn spawn(command: &mut Command) -> io::Result<Self> {
        command.spawn().map(ChildGuard)
    }

    /// Waits for the child to end of its own accord, as `Child::wait` does.
    pub fn wait(mut self) -> io::Result<ExitStatus> {
        self.0.wait()
        // `self` is dropped here: the child has already been waited for, and
        // `kill` on a child that has exited does nothing.
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // Errors are ignored: there is no one to report them to. A child that has
        // already exited is not one: `kill` returns `Ok` for it.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// `guard.id()`, `guard.stdin.take()`, `guard.try_wait()`: the guard is used as the child.
impl Deref for ChildGuard {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for ChildGuard {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}
// ANCHOR_END: guard
