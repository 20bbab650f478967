//! Figure 20-2: the predicted time of a connected-components job 1000 times the size of
//! chapter 20's shown run, on 1 to 64 machines, for three network bandwidths, against one
//! thread running union-find on the whole graph. Prints the SVG on standard output (with
//! `--table`, the predictions as text). The model's costs default to those of the shown runs
//! of `ch20_graph`, written here, so that every run prints the same figure; options replace
//! them with your own.

use std::fmt::Write;
use std::process::ExitCode;

const USAGE: &str = "\
usage: ch20_plot_scaling [--table] [--compute-us C] [--crossing-us X]
                         [--crossing-low-us XL] [--crossing-high-us XH] [--bytes B]
                         [--union-find-s U]

Prints, as an SVG, the predicted run time of connected components on a graph of 20 million
nodes and 20 million edges on 1, 4, 16 and 64 machines, on networks of 0.1, 1 and 10 Gbit/s,
from a model calibrated on the shown runs of ch20_graph, beside the measured time of one
thread running union-find on that graph. With --table, prints the predictions as a table.
The options replace the calibration: C and X (with its range XL to XH) in microseconds per
label offer, as ch20_graph prints them; B bytes per offer on the wire; U seconds for the
union-find, as `ch20_graph --nodes 20000000 --edges 20000000 --only union-find` prints it.
";

// ANCHOR: calibration
/// The costs the model needs, each with where it comes from.
#[derive(Clone, Copy)]
struct Costs {
    /// Compute per label offer: the 1-worker time of `ch20_graph` over the offers it made.
    compute_us: f64,
    /// One offer crossing between processes, sent and received: the 2 processes' extra CPU
    /// time over the 2 threads', over the offers that crossed (median, and its range).
    crossing_us: f64,
    crossing_low_us: f64,
    crossing_high_us: f64,
    /// An offer on the wire: two u32, a timestamp of a u32 and a u64, an isize difference.
    bytes: f64,
    /// One thread, union-find, on the 20-million-edge graph itself: measured, not predicted.
    union_find_secs: f64,
}

/// From the shown runs of `ch20_graph`: 0.397 s on 1 worker for 0.546 million offers; the
/// crossing's median and range; union-find on the 20-million-edge graph.
const SHOWN: Costs = Costs {
    compute_us: 0.727,
    crossing_us: 0.195,
    crossing_low_us: 0.050,
    crossing_high_us: 0.255,
    bytes: 28.0,
    union_find_secs: 1.472,
};

/// The shown graph's offers and rounds (20000 nodes, 20000 edges).
const OFFERS: f64 = 546_000.0;
const ROUNDS: f64 = 23.0;
/// The job of the prediction: the shown graph, 1000 times larger. Label propagation needs
/// about as many rounds as the largest distance from a component's smallest node, which in a
/// random graph grows like the logarithm of its size: ln(20 million) / ln(20000) = 1.70 times
/// as many rounds, and (an estimate) as many times the offers per edge.
const SCALE: f64 = 1000.0;
const NODES: f64 = 20_000.0;
/// An assumption, not a measurement: one round trip between machines per round.
const ROUND_TRIP_SECS: f64 = 100e-6;
// ANCHOR_END: calibration

// ANCHOR: model
/// How many times the rounds (and the offers per edge) grow with the graph.
fn round_growth() -> f64 {
    (NODES * SCALE).ln() / NODES.ln()
}

/// Predicted seconds on `machines` machines, each with a link of `gbit` Gbit/s, for a
/// crossing cost of `crossing_us` per offer. Compute and communication are added, not
/// overlapped: a pessimistic sum, since timely's network threads run beside the worker.
fn predict(costs: &Costs, crossing_us: f64, machines: f64, gbit: Option<f64>) -> f64 {
    let offers = OFFERS * SCALE * round_growth();
    // Each machine makes 1/P of the offers, and sends (P-1)/P of those to other machines;
    // it receives as many as it sends.
    let own = offers / machines;
    let sent = own * (machines - 1.0) / machines;
    let work = own * costs.compute_us * 1e-6;
    match gbit {
        None => work,
        Some(gbit) => {
            let wire = sent * costs.bytes * 8.0 / (gbit * 1e9);
            let rounds = if machines > 1.0 {
                ROUNDS * round_growth() * ROUND_TRIP_SECS
            } else {
                0.0
            };
            work + sent * crossing_us.max(0.0) * 1e-6 + wire + rounds
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

fn table(costs: &Costs) {
    println!(
        "per offer: compute {:.3} µs, crossing {:.3} µs (from {:.3} to {:.3}), {:.0} bytes on the wire",
        costs.compute_us,
        costs.crossing_us,
        costs.crossing_low_us,
        costs.crossing_high_us,
        costs.bytes
    );
    println!(
        "the job: {:.0} times the offers of the shown graph, {:.2} times for the extra rounds",
        SCALE,
        round_growth()
    );
    print!("{:>8}", "machines");
    for (_, name, _) in LINES {
        print!(" {name:>16}");
    }
    println!();
    for p in MACHINES {
        print!("{p:>8}");
        for (gbit, _, _) in LINES {
            print!(" {:>14.2} s", predict(costs, costs.crossing_us, p, gbit));
        }
        println!();
    }
    for (gbit, name, _) in &LINES[1..] {
        let wire = costs.bytes * 8.0 / (gbit.unwrap_or(f64::INFINITY) * 1e9);
        println!("  on the wire at {name}: {:.3} µs per offer", wire * 1e6);
    }
    // Where each network's time goes beyond the work: read apart, the crossing (the least
    // certain cost, with its range) and the wire (a matter of arithmetic).
    let sent = |p: f64| OFFERS * SCALE * round_growth() / p * (p - 1.0) / p;
    let one = predict(costs, costs.crossing_us, 1.0, None);
    println!("at 4 machines, beyond the work: the crossing (its range), and the wire; at 64, the speedup (its range)");
    for (gbit, name, _) in &LINES[1..] {
        let gbit = gbit.unwrap_or(f64::INFINITY);
        let crossing = |us: f64| sent(4.0) * us.max(0.0) * 1e-6;
        let speedup = |us: f64| one / predict(costs, us, 64.0, Some(gbit));
        println!(
            "  {name:>10}: crossing {:.2} s ({:.2} to {:.2}), wire {:.2} s; 64 machines {:.1}x ({:.1}x to {:.1}x)",
            crossing(costs.crossing_us),
            crossing(costs.crossing_low_us),
            crossing(costs.crossing_high_us),
            sent(4.0) * costs.bytes * 8.0 / (gbit * 1e9),
            speedup(costs.crossing_us),
            speedup(costs.crossing_high_us),
            speedup(costs.crossing_low_us),
        );
    }
    println!(
        "{:.0} rounds, each one round trip of {:.0} µs: {:.3} ms",
        ROUNDS * round_growth(),
        ROUND_TRIP_SECS * 1e6,
        ROUNDS * round_growth() * ROUND_TRIP_SECS * 1e3
    );
    println!(
        "one thread, union-find on the whole graph: {:.3} s (measured)",
        costs.union_find_secs
    );
    let beat: Vec<String> = LINES
        .iter()
        .map(|(gbit, name, _)| {
            match MACHINES
                .iter()
                .find(|p| predict(costs, costs.crossing_us, **p, *gbit) < costs.union_find_secs)
            {
                Some(p) => format!("{name}: {p}"),
                None => format!("{name}: none up to 64"),
            }
        })
        .collect();
    println!("machines needed to beat one thread: {}", beat.join("; "));
    println!(
        "  even with perfect scaling and no network cost: {:.0} machines",
        (predict(costs, 0.0, 1.0, None) / costs.union_find_secs).ceil()
    );
}

fn svg(costs: &Costs) -> String {
    let predict = |crossing: f64, p: f64, gbit: Option<f64>| predict(costs, crossing, p, gbit);
    let mut all: Vec<f64> = MACHINES
        .iter()
        .flat_map(|p| {
            LINES.iter().flat_map(move |(g, _, _)| {
                [
                    predict(costs.crossing_low_us, *p, *g),
                    predict(costs.crossing_high_us, *p, *g),
                ]
            })
        })
        .collect();
    all.push(costs.union_find_secs);
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
    // The band of each network: the crossing cost's range, from the fastest and slowest runs.
    for (gbit, _, colour) in &LINES[1..] {
        let high: Vec<String> = MACHINES
            .iter()
            .map(|p| {
                format!(
                    "{:.1},{:.1}",
                    x(*p),
                    y(predict(costs.crossing_high_us, *p, *gbit))
                )
            })
            .collect();
        let low: Vec<String> = MACHINES
            .iter()
            .rev()
            .map(|p| {
                format!(
                    "{:.1},{:.1}",
                    x(*p),
                    y(predict(costs.crossing_low_us, *p, *gbit))
                )
            })
            .collect();
        let _ = writeln!(
            s,
            r#"<polygon points="{} {}" fill="{colour}" fill-opacity="0.15" stroke="none"/>"#,
            high.join(" "),
            low.join(" ")
        );
    }
    // One thread, union-find: a horizontal line, the time to beat.
    let uf = y(costs.union_find_secs);
    let _ = writeln!(
        s,
        r##"<line x1="{LEFT}" y1="{uf:.1}" x2="{:.1}" y2="{uf:.1}" stroke="#1b7837" stroke-width="2" stroke-dasharray="2 3"/>"##,
        LEFT + plot_w
    );
    // One line per network, with its points.
    for (i, (gbit, name, colour)) in LINES.iter().enumerate() {
        let points: Vec<String> = MACHINES
            .iter()
            .map(|p| {
                format!(
                    "{:.1},{:.1}",
                    x(*p),
                    y(predict(costs.crossing_us, *p, *gbit))
                )
            })
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
                y(predict(costs.crossing_us, p, *gbit))
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
    let ly = TOP + 20.0 + LINES.len() as f64 * 22.0;
    let lx = LEFT + plot_w + 16.0;
    let _ = writeln!(
        s,
        r##"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="#1b7837" stroke-width="2" stroke-dasharray="2 3"/><text x="{}" y="{}" font-size="12">1 thread, union-find</text>"##,
        lx + 22.0,
        lx + 28.0,
        ly + 4.0
    );
    let _ = writeln!(
        s,
        r#"<text x="{lx}" y="{}" font-size="11">shaded: the crossing</text><text x="{lx}" y="{}" font-size="11">cost's range</text>"#,
        ly + 30.0,
        ly + 44.0
    );
    s.push_str("</svg>\n");
    s
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let mut costs = SHOWN;
    let mut as_table = false;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let name = arg.to_string_lossy().into_owned();
        let field = match name.as_str() {
            "--help" | "-h" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--table" => {
                as_table = true;
                continue;
            }
            "--compute-us" => &mut costs.compute_us,
            "--crossing-us" => &mut costs.crossing_us,
            "--crossing-low-us" => &mut costs.crossing_low_us,
            "--crossing-high-us" => &mut costs.crossing_high_us,
            "--bytes" => &mut costs.bytes,
            "--union-find-s" => &mut costs.union_find_secs,
            _ => return refuse(&format!("unexpected argument `{name}`")),
        };
        let value = args.next().map(|v| v.to_string_lossy().into_owned());
        match value.as_deref().map(str::parse::<f64>) {
            Some(Ok(v)) if v.is_finite() && (v > 0.0 || name.starts_with("--crossing")) => {
                *field = v
            }
            _ => {
                return refuse(&format!(
                    "{name} takes a number (above 0, but for a crossing)"
                ))
            }
        }
    }
    if as_table {
        table(&costs);
    } else {
        print!("{}", svg(&costs));
    }
    ExitCode::SUCCESS
}

fn refuse(problem: &str) -> ExitCode {
    eprintln!("error: {problem} (try --help)");
    ExitCode::from(2)
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
