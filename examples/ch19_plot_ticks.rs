// Chapter 19: the figure of the scheduling page. Runs Listing 19-16's job (every 100 ms, the
// third run 250 ms) with the functions of `ch19_scheduling.rs` on tokio's paused clock, under
// Burst, Delay and Skip, and spawned at each tick with at most 3 and 1 runs at once, and
// prints one lane per case as an SVG: a bar from each run's start to its end, the overrun in
// another colour, the skipped ticks as crosses. The paused clock makes every time exact, so
// the figure is the same on every run. The book's `src/img/ch19-ticks.svg` is this output.
//
// Run it with `cargo run --release --example ch19_plot_ticks > ticks.svg`.

use std::fmt::Write;
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use tokio::time::MissedTickBehavior;

/// Listing 19-16's `run_periodic` and `run_spawned`, from the scheduling page's program.
#[allow(dead_code)] // its `main` and command line are not used here
#[path = "ch19_scheduling.rs"]
mod scheduling;

const USAGE: &str = "\
usage: ch19_plot_ticks > ticks.svg

Prints an SVG figure of when each run of a 100 ms periodic job, whose third run takes
250 ms, starts and ends under Burst, Delay and Skip, and when spawned at each tick with
at most 3 and at most 1 runs at once (tokio's paused clock, so the times are exact).
";

const WIDTH: f64 = 760.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const LANE: f64 = 44.0;
const INK: &str = "#222222";
const RUN: &str = "#3366aa";
const LATE: &str = "#c25400";

fn x(ms: u128) -> f64 {
    LEFT + (WIDTH - LEFT - RIGHT) * ms as f64 / 1000.0
}

/// One case: its name, its runs as (start, end) in ms, and the ticks it skipped.
type Lane = (String, Vec<(u128, u128)>, Vec<u128>);

/// Every case's lane.
fn lanes() -> Vec<Lane> {
    let paused = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime");
    paused.block_on(async {
        let mut lanes = Vec::new();
        for behavior in [
            MissedTickBehavior::Burst,
            MissedTickBehavior::Delay,
            MissedTickBehavior::Skip,
        ] {
            let runs = scheduling::run_periodic(behavior).await;
            lanes.push((format!("{behavior:?}"), runs, vec![]));
        }
        let (every, second) = (Duration::from_millis(100), Duration::from_millis(1000));
        for limit in [3, 1] {
            let s = scheduling::run_spawned(every, second, limit, scheduling::job_ms).await;
            // The grid's ticks that started no run were skipped.
            let skipped = (0..10)
                .map(|n| n * 100)
                .filter(|t| !s.runs.iter().any(|r| r.0 == *t))
                .collect();
            lanes.push((format!("spawned, at most {limit}"), s.runs, skipped));
        }
        lanes
    })
}

fn main() -> ExitCode {
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
    let lanes = lanes();
    let bottom = TOP + LANE * lanes.len() as f64;
    let height = bottom + 70.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect x="0" y="0" width="{WIDTH}" height="{height}" rx="8" fill="white"/>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="20" y="24" font-weight="bold" fill="{INK}">A job every 100 ms whose third run takes 250 ms: when each run starts and ends</text>"#
    );
    // The 100 ms grid, the ticks the interval aims at.
    for t in (0..=1000).step_by(100) {
        let _ = writeln!(
            svg,
            r##"<line x1="{0:.1}" y1="{TOP}" x2="{0:.1}" y2="{bottom:.1}" stroke="#bbbbbb" stroke-width="0.7" stroke-dasharray="3,3"/><text x="{0:.1}" y="{1:.1}" text-anchor="middle" fill="{INK}" font-size="11">{t}</text>"##,
            x(t),
            bottom + 16.0
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{INK}">ms on tokio's paused clock</text>"#,
        x(500),
        bottom + 34.0
    );
    for (i, (name, runs, skipped)) in lanes.iter().enumerate() {
        let y = TOP + LANE * i as f64 + 12.0;
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="{INK}">{name}</text>"#,
            LEFT - 10.0,
            y + 14.0
        );
        // Runs that overlap go on rows of their own within the lane: each run takes the
        // first row whose last run has ended.
        let mut row_ends: Vec<u128> = Vec::new();
        let rows: Vec<usize> = runs
            .iter()
            .map(
                |&(start, end)| match row_ends.iter().position(|&e| e <= start) {
                    Some(r) => {
                        row_ends[r] = end;
                        r
                    }
                    None => {
                        row_ends.push(end);
                        row_ends.len() - 1
                    }
                },
            )
            .collect();
        let h = 20.0 / row_ends.len().max(1) as f64;
        for (&(start, end), row) in runs.iter().zip(rows) {
            let colour = if end - start > 100 { LATE } else { RUN };
            // A 10 ms run is 6 px wide; the bar keeps at least 3 px so each run shows.
            let w = (x(end) - x(start)).max(3.0);
            let _ = writeln!(
                svg,
                r#"<rect x="{:.1}" y="{:.1}" width="{w:.1}" height="{h:.1}" fill="{colour}" stroke="white" stroke-width="0.5"/>"#,
                x(start),
                y + h * row as f64
            );
        }
        for &t in skipped {
            let (cx, cy) = (x(t), y + 10.0);
            let _ = writeln!(
                svg,
                r#"<path d="M{:.1},{:.1} l10,10 m0,-10 l-10,10" stroke="{INK}" stroke-width="2.5"/>"#,
                cx - 5.0,
                cy - 5.0
            );
        }
    }
    // The legend.
    let y = height - 14.0;
    let _ = writeln!(
        svg,
        r#"<rect x="{LEFT}" y="{:.1}" width="14" height="14" fill="{RUN}"/><text x="{:.1}" y="{y:.1}" fill="{INK}">a 10 ms run</text>"#,
        y - 11.0,
        LEFT + 20.0
    );
    let _ = writeln!(
        svg,
        r#"<rect x="{:.1}" y="{:.1}" width="14" height="14" fill="{LATE}"/><text x="{:.1}" y="{y:.1}" fill="{INK}">the 250 ms run</text>"#,
        LEFT + 140.0,
        y - 11.0,
        LEFT + 160.0
    );
    let _ = writeln!(
        svg,
        r#"<path d="M{:.1},{:.1} l10,10 m0,-10 l-10,10" stroke="{INK}" stroke-width="2.5"/><text x="{:.1}" y="{y:.1}" fill="{INK}">a tick skipped (limit reached)</text>"#,
        LEFT + 300.0,
        y - 10.0,
        LEFT + 320.0
    );
    let _ = writeln!(svg, "</svg>");
    let mut out = std::io::stdout().lock();
    if out
        .write_all(svg.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
