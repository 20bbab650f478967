// Chapter 13: the figure of priority inversion. Prints an SVG drawing of the simulated
// schedules of `ch13_priority_inversion`, without and with priority inheritance. The book's
// `src/img/ch13-inversion.svg` is this program's output.
//
// Run it with `cargo run --release --example ch13_plot_inversion > inversion.svg`.

use std::fmt::Write;
use std::io::Write as _;
use std::process::ExitCode;

mod ch13_common;

use ch13_common::cli;
use ch13_common::sim::{pathfinder, simulate, Protocol, Tick};

const USAGE: &str = "\
usage: ch13_plot_inversion > inversion.svg

Prints an SVG figure of the simulated schedules of three tasks on one
processor, without and with priority inheritance.
";

const WIDTH: f64 = 760.0;
const LEFT: f64 = 200.0;
const TICK: f64 = 34.0;
const LANE: f64 = 30.0;
const INK: &str = "#222222";

fn fill(tick: Tick) -> Option<(&'static str, &'static str)> {
    match tick {
        Tick::Running => Some(("#3366aa", "runs")),
        Tick::RunningLocked => Some(("#c25400", "runs holding the mutex")),
        Tick::Ready => Some(("#d9d9d9", "ready, not running")),
        Tick::Blocked => Some(("#f2c6c6", "waits for the mutex")),
        Tick::Absent => None,
    }
}

fn main() -> ExitCode {
    if let Err(status) = cli::no_arguments(USAGE) {
        return status;
    }
    let tasks = pathfinder();
    let panels = [
        (Protocol::Plain, "Without priority inheritance"),
        (Protocol::Inheritance, "With priority inheritance"),
    ];
    let schedules: Vec<_> = panels
        .iter()
        .map(|(p, _)| simulate(&tasks, *p, 100))
        .collect();
    let ticks = schedules
        .iter()
        .map(|s| s.lanes[0].len())
        .max()
        .unwrap_or(0);
    let panel_height = 40.0 + LANE * tasks.len() as f64 + 30.0;
    let height = 20.0 + panel_height * panels.len() as f64 + 50.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect x="0" y="0" width="{WIDTH}" height="{height}" rx="8" fill="white"/>"#
    );
    for (n, ((_, title), schedule)) in panels.iter().zip(&schedules).enumerate() {
        let top = 20.0 + panel_height * n as f64;
        let _ = writeln!(
            svg,
            r#"<text x="20" y="{:.1}" font-weight="bold" fill="{INK}">{title}</text>"#,
            top + 14.0
        );
        for (row, (task, lane)) in tasks.iter().zip(&schedule.lanes).enumerate() {
            let y = top + 30.0 + LANE * row as f64;
            let _ = writeln!(
                svg,
                r#"<text x="20" y="{:.1}" fill="{INK}">{}</text>"#,
                y + 18.0,
                task.name.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            for (t, tick) in lane.iter().enumerate() {
                if let Some((colour, _)) = fill(*tick) {
                    let _ = writeln!(
                        svg,
                        r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}" stroke="white"/>"#,
                        LEFT + TICK * t as f64,
                        y + 4.0,
                        TICK,
                        LANE - 8.0
                    );
                }
            }
        }
        let axis = top + 30.0 + LANE * tasks.len() as f64 + 2.0;
        for t in 0..=ticks {
            let x = LEFT + TICK * t as f64;
            let _ = writeln!(
                svg,
                r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{INK}" stroke-width="0.5"/>"#,
                axis,
                axis + 4.0
            );
            if t % 2 == 0 {
                let _ = writeln!(
                    svg,
                    r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="{INK}" font-size="11">{t}</text>"#,
                    axis + 16.0
                );
            }
        }
        let high = &tasks[0];
        let _ = writeln!(
            svg,
            r#"<text x="{WIDTH:.1}" y="{:.1}" dx="-20" text-anchor="end" fill="{INK}">high task: {} ticks from arrival to end</text>"#,
            top + 14.0,
            schedule.finished[0] - high.arrives
        );
    }
    // The legend.
    let y = height - 30.0;
    let mut x = 20.0;
    for tick in [
        Tick::Running,
        Tick::RunningLocked,
        Tick::Ready,
        Tick::Blocked,
    ] {
        let (colour, label) = fill(tick).expect("a drawn tick");
        let _ = writeln!(
            svg,
            r#"<rect x="{x:.1}" y="{:.1}" width="14" height="14" fill="{colour}"/><text x="{:.1}" y="{:.1}" fill="{INK}">{label}</text>"#,
            y - 11.0,
            x + 20.0,
            y
        );
        x += 20.0 + 7.5 * label.len() as f64 + 24.0;
    }
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
