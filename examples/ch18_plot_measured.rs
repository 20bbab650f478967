// Chapter 18: the figure of the measured page. Prints an SVG bar chart of the requests per
// second and the server's CPU time per request of each design at 10, 100 and 1000 keep-alive
// connections. The figures are those of the run shown on the page (`ch18_measured`), copied
// here so that the drawing does not change from run to run. The book's
// `src/img/ch18-measured.svg` is this program's output.
//
// Run it with `cargo run --release --example ch18_plot_measured > measured.svg`.

use std::fmt::Write;
use std::io::Write as _;
use std::process::ExitCode;

const USAGE: &str = "\
usage: ch18_plot_measured > measured.svg

Prints an SVG figure of the four servers' requests per second and CPU time per request at
10, 100 and 1000 connections, from the run shown on the measured page.
";

const CONNECTIONS: [usize; 3] = [10, 100, 1000];

/// Per server: its colour, thousands of requests per second and CPU microseconds per request
/// at each of `CONNECTIONS`, as the page's run printed them.
const SERVERS: [(&str, &str, [f64; 3], [f64; 3]); 4] = [
    ("threads", "#3366aa", [90.7, 88.3, 75.2], [11.3, 12.7, 16.2]),
    ("pool", "#c25400", [90.1, 19.9, 1.8], [11.9, 43.5, 262.5]),
    ("mio", "#2e8b57", [108.0, 136.2, 131.1], [7.2, 7.0, 7.1]),
    ("tokio", "#8a4fb0", [140.7, 147.3, 139.9], [6.9, 6.7, 7.3]),
];

const WIDTH: f64 = 760.0;
const PANEL: f64 = 360.0;
const TOP: f64 = 50.0;
const PLOT: f64 = 220.0;
const INK: &str = "#222222";

/// One panel of grouped bars, its left edge at `left`.
fn panel(svg: &mut String, left: f64, title: &str, top_value: f64, step: f64, pick: usize) {
    let x0 = left + 40.0;
    let base = TOP + PLOT;
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="30" font-weight="bold" fill="{INK}">{title}</text>"#,
        left + 10.0
    );
    let mut value = 0.0;
    while value <= top_value + 1e-9 {
        let y = base - PLOT * value / top_value;
        let _ = writeln!(
            svg,
            r##"<line x1="{x0:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#cccccc" stroke-width="0.5"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="{INK}" font-size="11">{value}</text>"##,
            left + PANEL - 10.0,
            x0 - 4.0,
            y + 4.0
        );
        value += step;
    }
    let group = (PANEL - 50.0) / CONNECTIONS.len() as f64;
    let bar = (group - 16.0) / SERVERS.len() as f64;
    for (g, connections) in CONNECTIONS.iter().enumerate() {
        let gx = x0 + group * g as f64 + 8.0;
        for (s, (_, colour, rates, cpu)) in SERVERS.iter().enumerate() {
            let v = if pick == 0 { rates[g] } else { cpu[g] };
            // A bar beyond the scale is cut at its top; its label still gives its value.
            let h = PLOT * v.min(top_value) / top_value;
            let x = gx + bar * s as f64;
            let _ = writeln!(
                svg,
                r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{colour}"/><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{INK}" font-size="8">{v:.1}</text>"#,
                base - h,
                bar - 2.0,
                x + (bar - 2.0) / 2.0,
                base - h - 3.0
            );
        }
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{INK}">{connections} conns</text>"#,
            gx + bar * SERVERS.len() as f64 / 2.0,
            base + 18.0
        );
    }
    let _ = writeln!(
        svg,
        r#"<line x1="{x0:.1}" y1="{base:.1}" x2="{:.1}" y2="{base:.1}" stroke="{INK}"/>"#,
        left + PANEL - 10.0
    );
}

fn main() -> ExitCode {
    // The usual command line: `--help`, and a one-line error for anything else.
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
    let height = TOP + PLOT + 80.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect x="0" y="0" width="{WIDTH}" height="{height}" rx="8" fill="white"/>"#
    );
    panel(
        &mut svg,
        10.0,
        "Thousands of requests per second",
        160.0,
        40.0,
        0,
    );
    panel(
        &mut svg,
        10.0 + PANEL + 20.0,
        "Server CPU microseconds per request",
        120.0,
        20.0,
        1,
    );
    // The legend.
    let y = height - 18.0;
    let mut x = 60.0;
    for (name, colour, _, _) in SERVERS {
        let _ = writeln!(
            svg,
            r#"<rect x="{x:.1}" y="{:.1}" width="14" height="14" fill="{colour}"/><text x="{:.1}" y="{y:.1}" fill="{INK}">{name}</text>"#,
            y - 11.0,
            x + 20.0
        );
        x += 120.0;
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
