//! What an uncontended parking_lot `Mutex` costs per lock and unlock, timed by the same
//! function as in `ch12-parking-lot-detector`, a package of its own that is built with
//! parking_lot's deadlock detector; this program is built without it.

mod ch12_common;

use std::process::ExitCode;

use ch12_common::cli::no_arguments;
use ch12_common::lock_cost;

const USAGE: &str = "\
usage: ch12_lock_cost

Times a lock and unlock of an uncontended parking_lot Mutex, 9 rounds of 5 million, as
ch12-parking-lot-detector does with the deadlock detector compiled in, and prints the
fastest, median and slowest round.
";

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    lock_cost::parking_lot_mutex(false);
    ExitCode::SUCCESS
}
