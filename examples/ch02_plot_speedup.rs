// Chapter 2: the figure of speedup curves. Prints an SVG drawing of Amdahl's law
// for programs that are 50, 75, 90 and 95 % parallel, on 1 to 65536 processors.
// The book's `src/img/ch02-speedup.svg` is this program's output.
//
// Run it with `cargo run --release --example ch02_plot_speedup > speedup.svg`.

use std::fmt::Write;
use std::io::Write as _;
use std::process::ExitCode;

// The chapter's shared code: the module folder `examples/ch02_common/`.
mod ch02_common;

use ch02_common::{amdahl, cli};

const USAGE: &str = "\
Prints an SVG figure of Amdahl's law: speedup against 1 to 65536 processors
(log scale) for programs that are 50, 75, 90 and 95 % parallel.

usage: ch02_plot_speedup > speedup.svg
";

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 470.0;
// The plot area, in SVG units (y grows downwards).
const LEFT: f64 = 78.0;
const RIGHT: f64 = 618.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 400.0;
/// The x axis runs from 2^0 to 2^16 processors.
const MAX_LOG2: f64 = 16.0;
const MAX_SPEEDUP: f64 = 22.0;
/// Points per doubling of the processor count: enough for a smooth curve.
const STEPS_PER_DOUBLING: u32 = 16;

const INK: &str = "#222222";
const GRID: &str = "#e4e4e4";

// ANCHOR: curves
/// The parallel portions of the figure, each with a colour that reads on white.
const CURVES: [(f64, &str); 4] = [
    (0.95, "#aa3377"),
    (0.90, "#c25400"),
    (0.75, "#228833"),
    (0.50, "#3366aa"),
];

fn x_of(log2_processors: f64) -> f64 {
    LEFT + (RIGHT - LEFT) * log2_processors / MAX_LOG2
}

fn y_of(speedup: f64) -> f64 {
    BOTTOM - (BOTTOM - TOP) * speedup / MAX_SPEEDUP
}

/// The curve of one parallel portion as SVG path data. Coordinates have one
/// decimal, so that every run prints the same bytes.
fn curve(parallel: f64) -> String {
    let mut path = String::new();
    for step in 0..=MAX_LOG2 as u32 * STEPS_PER_DOUBLING {
        let log2_processors = f64::from(step) / f64::from(STEPS_PER_DOUBLING);
        let speedup = amdahl::amdahl_speedup(1.0 - parallel, log2_processors.exp2());
        let command = if step == 0 { 'M' } else { 'L' };
        let _ = write!(
            path,
            "{command}{:.1},{:.1} ",
            x_of(log2_processors),
            y_of(speedup)
        );
    }
    path.trim_end().to_string()
}
// ANCHOR_END: curves

fn svg() -> String {
    let mut s = String::new();
    // `write!` into a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(
        s,
        "<title>Amdahl's law: speedup against the number of processors for programs \
         that are 50, 75, 90 and 95 % parallel</title>"
    );
    // A light card of its own, so the figure reads the same in dark themes.
    let _ = writeln!(
        s,
        r##"<rect x="0.5" y="0.5" width="{}" height="{}" rx="14" fill="#ffffff" stroke="#cccccc"/>"##,
        WIDTH - 1.0,
        HEIGHT - 1.0
    );

    // Grid and tick labels: speedup every 2, processors every doubling,
    // labelled every second doubling to leave room for the digits.
    for speedup in (0..=MAX_SPEEDUP as u32).step_by(2) {
        let y = y_of(f64::from(speedup));
        let _ = writeln!(
            s,
            r#"<line x1="{LEFT:.1}" y1="{y:.1}" x2="{RIGHT:.1}" y2="{y:.1}" stroke="{GRID}"/>"#
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="{INK}">{speedup}</text>"#,
            LEFT - 8.0,
            y + 4.5
        );
    }
    for doubling in 0..=MAX_LOG2 as u32 {
        let x = x_of(f64::from(doubling));
        let _ = writeln!(
            s,
            r#"<line x1="{x:.1}" y1="{TOP:.1}" x2="{x:.1}" y2="{BOTTOM:.1}" stroke="{GRID}"/>"#
        );
        if doubling % 2 == 0 {
            let _ = writeln!(
                s,
                r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="{INK}">{}</text>"#,
                BOTTOM + 20.0,
                1u32 << doubling
            );
        }
    }
    let _ = writeln!(
        s,
        r#"<path d="M{LEFT:.1},{TOP:.1} L{LEFT:.1},{BOTTOM:.1} L{RIGHT:.1},{BOTTOM:.1}" fill="none" stroke="{INK}" stroke-width="1.5"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{INK}" font-size="14">number of processors (log scale)</text>"#,
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 48.0
    );
    let _ = writeln!(
        s,
        r#"<text x="26.0" y="{0:.1}" text-anchor="middle" fill="{INK}" font-size="14" transform="rotate(-90 26.0 {0:.1})">speedup</text>"#,
        (TOP + BOTTOM) / 2.0
    );

    // Each curve, its plateau 1/B as a dashed line, and the plateau's label.
    for (parallel, colour) in CURVES {
        // With infinitely many processors the law gives its plateau, 1/B.
        let limit = amdahl::amdahl_speedup(1.0 - parallel, f64::INFINITY);
        let y = y_of(limit);
        let _ = writeln!(
            s,
            r#"<line x1="{LEFT:.1}" y1="{y:.1}" x2="{RIGHT:.1}" y2="{y:.1}" stroke="{colour}" stroke-dasharray="5 4"/>"#
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" fill="{colour}">limit {limit:.0}</text>"#,
            RIGHT + 8.0,
            y + 4.5
        );
        let _ = writeln!(
            s,
            r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="2.5"/>"#,
            curve(parallel)
        );
    }

    // The legend sits top left, under the highest plateau and above the
    // curves, which are all still low there.
    let (legend_x, legend_y) = (LEFT + 14.0, TOP + 46.0);
    let _ = writeln!(
        s,
        r##"<rect x="{legend_x:.1}" y="{legend_y:.1}" width="130" height="104" rx="6" fill="#ffffff" stroke="{GRID}"/>"##
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" fill="{INK}">parallel portion</text>"#,
        legend_x + 12.0,
        legend_y + 20.0
    );
    for (row, (parallel, colour)) in CURVES.iter().enumerate() {
        let y = legend_y + 40.0 + 18.0 * row as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{colour}" stroke-width="2.5"/>"#,
            legend_x + 12.0,
            legend_x + 40.0
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" fill="{INK}">{:.0} %</text>"#,
            legend_x + 48.0,
            y + 4.5,
            100.0 * parallel
        );
    }
    s.push_str("</svg>\n");
    s
}

fn main() -> ExitCode {
    if let Err(status) = cli::no_arguments(USAGE) {
        return status;
    }
    // `print!` would panic if the reader of the pipe went away (`| head`); the
    // write's error says so instead, and that one ends the program quietly.
    match std::io::stdout().lock().write_all(svg().as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the figure: {e}");
            ExitCode::FAILURE
        }
    }
}
