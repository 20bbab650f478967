//! A cron expression with the `cron` crate: the next five times `0 0 17 * * Mon-Fri` fires
//! after a fixed date, computed in UTC and in a fixed offset, and what `1-5` means to this
//! crate (days are numbered from Sunday = 1).

use std::process::ExitCode;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use cron::Schedule;

const USAGE: &str = "\
usage: ch19_cron

Parses the cron expression `0 0 17 * * Mon-Fri` (seconds first) and prints the next five
times it fires after Friday 2026-03-27 12:00 UTC, computed in UTC and in UTC+02:00, then
the weekdays `0 0 17 * * 1-5` fires on.
";

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    if let Some(arg) = std::env::args_os().nth(1) {
        if arg == "--help" || arg == "-h" {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "error: unexpected argument `{}` (try --help)",
            arg.to_string_lossy()
        );
        return ExitCode::from(2);
    }
    // ANCHOR: cron
    let weekdays = Schedule::from_str("0 0 17 * * Mon-Fri").expect("a valid expression");
    let start = Utc.with_ymd_and_hms(2026, 3, 27, 12, 0, 0).unwrap();
    let utc: Vec<DateTime<Utc>> = weekdays.after(&start).take(5).collect();
    let plus_two = FixedOffset::east_opt(2 * 3600).unwrap();
    let local: Vec<DateTime<FixedOffset>> = weekdays
        .after(&start.with_timezone(&plus_two))
        .take(5)
        .collect();
    println!("computed in UTC:");
    for t in &utc {
        println!("  {}", t.format("%a %Y-%m-%d %H:%M %:z"));
    }
    println!("computed in UTC+02:00 (shown in UTC):");
    for t in &local {
        println!(
            "  {}  = {}",
            t.format("%a %Y-%m-%d %H:%M %:z"),
            t.with_timezone(&Utc).format("%H:%M UTC")
        );
    }
    let numbered = Schedule::from_str("0 0 17 * * 1-5").expect("a valid expression");
    let days: Vec<String> = numbered
        .after(&start)
        .take(5)
        .map(|t| t.format("%a").to_string())
        .collect();
    println!("`1-5` fires on: {}", days.join(", "));
    // ANCHOR_END: cron
    ExitCode::SUCCESS
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
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
