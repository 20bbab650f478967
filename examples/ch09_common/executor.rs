// A single-threaded executor with a queue of ready tasks, served in turn (round robin), and
// the future that lets a task give way to the others.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

// ANCHOR: executor
/// A task: a future that returns nothing, boxed so that tasks of different types fit in one
/// list, and pinned because it may hold references into itself across an `.await`.
type Task = Pin<Box<dyn Future<Output = ()>>>;

/// The ids of the tasks that are ready to be polled, in the order they were woken.
struct ReadyQueue {
    ids: Mutex<VecDeque<usize>>,
    executor: Thread,
}

/// Waking a task puts its id at the back of the queue and unparks the executor's thread.
struct TaskWaker {
    id: usize,
    queue: Arc<ReadyQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.queue.ids.lock().unwrap().push_back(self.id);
        self.queue.executor.unpark();
    }
}

/// Runs tasks on the thread that created it, one poll at a time, in the order they are woken.
pub struct Executor {
    tasks: Vec<Option<(Task, Waker)>>,
    queue: Arc<ReadyQueue>,
}

impl Executor {
    pub fn new() -> Executor {
        let queue = ReadyQueue {
            ids: Mutex::new(VecDeque::new()),
            executor: thread::current(),
        };
        Executor {
            tasks: Vec::new(),
            queue: Arc::new(queue),
        }
    }

    /// Adds a task; it is first polled when `run` reaches it in the queue.
    pub fn spawn(&mut self, future: impl Future<Output = ()> + 'static) {
        let id = self.tasks.len();
        let waker = Waker::from(Arc::new(TaskWaker {
            id,
            queue: Arc::clone(&self.queue),
        }));
        self.tasks.push(Some((Box::pin(future), waker)));
        self.queue.ids.lock().unwrap().push_back(id);
    }

    /// Polls ready tasks until every task has finished; parks while none is ready.
    pub fn run(mut self) {
        let mut unfinished = self.tasks.len();
        while unfinished > 0 {
            // The guard is dropped at the end of this statement: a task that wakes itself
            // while it is polled must be able to lock the queue.
            let next = self.queue.ids.lock().unwrap().pop_front();
            let Some(id) = next else {
                // Nothing is ready: wait for a waker. A spurious return just loops around and
                // finds the queue still empty.
                thread::park();
                continue;
            };
            // A task can be woken again after it finished; there is nothing left to poll.
            let Some((task, waker)) = &mut self.tasks[id] else {
                continue;
            };
            if task
                .as_mut()
                .poll(&mut Context::from_waker(waker))
                .is_ready()
            {
                self.tasks[id] = None;
                unfinished -= 1;
            }
        }
    }
}
// ANCHOR_END: executor

impl Default for Executor {
    fn default() -> Executor {
        Executor::new()
    }
}

// ANCHOR: yield_now
/// Returns `Pending` once, after asking to be polled again: the executor puts the task at
/// the back of the queue, and every task that was ready before it gets a turn first.
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

#[must_use = "futures do nothing unless you `.await` or poll them"]
struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
// ANCHOR_END: yield_now
