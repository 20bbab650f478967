//! Figure 20-2: the predicted time of a connected-components job 1000 times the size of
//! chapter 20's shown run, on 1 to 64 machines, for three network bandwidths. Prints the SVG
//! on standard output (with `--table`, the predictions as text). The model's constants come
//! from the shown runs of `ch20_graph`, written here; every run prints the same figure.

use std::fmt::Write;
use std::process::ExitCode;

const USAGE: &str = "\
usage: ch20_plot_scaling [--table]

Prints, as an SVG, the predicted run time of connected components on a graph of 20 million
nodes and 20 million edges on 1, 4, 16 and 64 machines, on networks of 0.1, 1 and 10 Gbit/s,
from a model calibrated on the shown runs of ch20_graph. With --table, prints the
predictions as a table instead.
";

// ANCHOR: calibration
/// From the shown run of `ch20_graph` (20000 nodes, 20000 edges): the time on 1 worker,
/// and the label offers and rounds it counted.
const ONE_WORKER_SECS: f64 = 0.421;
const OFFERS: f64 = 546_000.0;
const ROUNDS: f64 = 23.0;
/// From the same run: 2 processes against 2 threads. The difference is what the offers that
/// crossed cost each process: it made half of the offers and sent about half of those to the
/// other, a quarter of all, and received as many.
const TWO_THREADS_SECS: f64 = 0.219;
const TWO_PROCESSES_SECS: f64 = 0.260;

/// Assumptions, not measurements: the size of an offer on the wire (two u32, a timestamp of
/// a u32 and a u64, a difference of an i64), and one round trip between machines per round.
const BYTES_PER_OFFER: f64 = 28.0;
const ROUND_TRIP_SECS: f64 = 100e-6;
/// The job of the prediction: the shown graph, 1000 times larger.
const SCALE: f64 = 1000.0;
// ANCHOR_END: calibration

// ANCHOR: model
/// The model's two costs per offer, from the shown run.
fn per_offer() -> (f64, f64) {
    let compute = ONE_WORKER_SECS / OFFERS;
    // One crossing: sent by one machine and received by another.
    let crossing = ((TWO_PROCESSES_SECS - TWO_THREADS_SECS) / (OFFERS / 4.0)).max(0.0);
    (compute, crossing)
}

/// Predicted seconds on `machines` machines, each with a link of `gbit` Gbit/s.
fn predict(machines: f64, gbit: Option<f64>) -> f64 {
    let (compute, crossing) = per_offer();
    let offers = OFFERS * SCALE;
    // Each machine makes 1/P of the offers, and sends (P-1)/P of those to other machines;
    // it receives as many as it sends.
    let own = offers / machines;
    let sent = own * (machines - 1.0) / machines;
    let work = own * compute;
    match gbit {
        None => work,
        Some(gbit) => {
            let wire = sent * BYTES_PER_OFFER * 8.0 / (gbit * 1e9);
            let rounds = if machines > 1.0 {
                ROUNDS * ROUND_TRIP_SECS
            } else {
                0.0
            };
            work + sent * crossing + wire + rounds
        }
    }
}
// ANCHOR_END: model

const MACHINES: [f64; 4] = [1.0, 4.0, 16.0, 64.0];
const LINES: [(Option<f64>, &str, &str); 4] = [
    (None, "no network cost", "#4d4d4d"),
    (Some(10.0), "10 Gbit/s", "#2166ac"),
    (Some(1.0), "1 Gbit/s", "#b2182b"),
    (Some(0.1), "100 Mbit/s", "#8c510a"),
];

const WIDTH: f64 = 660.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 200.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;

fn table() {
    print!("{:>8}", "machines");
    for (_, name, _) in LINES {
        print!(" {name:>16}");
    }
    println!();
    for p in MACHINES {
        print!("{p:>8}");
        for (gbit, _, _) in LINES {
            print!(" {:>14.2} s", predict(p, gbit));
        }
        println!();
    }
    let (compute, crossing) = per_offer();
    println!(
        "per offer: compute {:.3} us, crossing {:.3} us, {BYTES_PER_OFFER:.0} bytes on the wire",
        compute * 1e6,
        crossing * 1e6
    );
    for (gbit, name, _) in &LINES[1..] {
        let wire = BYTES_PER_OFFER * 8.0 / (gbit.unwrap_or(f64::INFINITY) * 1e9);
        println!("  on the wire at {name}: {:.3} us per offer", wire * 1e6);
    }
    println!(
        "{ROUNDS:.0} rounds, each one round trip of {:.0} us: {:.3} ms",
        ROUND_TRIP_SECS * 1e6,
        ROUNDS * ROUND_TRIP_SECS * 1e3
    );
}

fn svg() -> String {
    let all: Vec<f64> = MACHINES
        .iter()
        .flat_map(|p| LINES.iter().map(move |(g, _, _)| predict(*p, *g)))
        .collect();
    let low = all.iter().cloned().fold(f64::MAX, f64::min).log10().floor();
    let high = all.iter().cloned().fold(0.0, f64::max).log10().ceil();
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |p: f64| LEFT + p.log2() / 64f64.log2() * plot_w;
    let y = |t: f64| TOP + (high - t.log10()) / (high - low) * plot_h;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" fill="#1a1a1a">"##
    );
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" rx="12" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="24" font-size="14" font-weight="bold">Predicted time, 20 million nodes and edges (log scales)</text>"#
    );
    // Axes, grid and ticks.
    let mut decade = low;
    while decade <= high {
        let v = 10f64.powf(decade);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#dddddd"/>"##,
            y(v),
            LEFT + plot_w
        );
        let label = if v >= 1.0 {
            format!("{v:.0} s")
        } else {
            format!("{v} s")
        };
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end">{label}</text>"#,
            LEFT - 8.0,
            y(v) + 4.0
        );
        decade += 1.0;
    }
    for p in MACHINES {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">{p}</text>"#,
            x(p),
            TOP + plot_h + 18.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">machines</text>"#,
        LEFT + plot_w / 2.0,
        TOP + plot_h + 40.0
    );
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#1a1a1a"/>"##
    );
    // One line per network, with its points.
    for (i, (gbit, name, colour)) in LINES.iter().enumerate() {
        let points: Vec<String> = MACHINES
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(*p), y(predict(*p, *gbit))))
            .collect();
        let dash = if gbit.is_none() {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#,
            points.join(" ")
        );
        for p in MACHINES {
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"/>"#,
                x(p),
                y(predict(p, *gbit))
            );
        }
        let ly = TOP + 20.0 + i as f64 * 22.0;
        let lx = LEFT + plot_w + 16.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/><text x="{}" y="{}" font-size="12">{name}</text>"#,
            lx + 22.0,
            lx + 28.0,
            ly + 4.0
        );
    }
    s.push_str("</svg>\n");
    s
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let mut args = std::env::args_os().skip(1);
    match (args.next(), args.next()) {
        (None, _) => print!("{}", svg()),
        (Some(flag), None) if flag == "--table" => table(),
        (Some(flag), _) if flag == "--help" || flag == "-h" => print!("{USAGE}"),
        (Some(other), _) => {
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                other.to_string_lossy()
            );
            return ExitCode::from(2);
        }
    }
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
