// Chapter 7: the figure of the reduction in rounds. Prints an SVG drawing of the tree in
// which Listing 7-4's rounds sum 0 to 19: the twenty numbers on top, one row per round,
// each sum joined to the two numbers it adds, and 190 at the bottom.
// The book's `src/img/ch07-rounds.svg` is this program's output.
//
// Run it with `cargo run --release --example ch07_plot_rounds > rounds.svg`.

use std::fmt::Write;
use std::io::Write as _;
use std::process::ExitCode;

const USAGE: &str = "\
Prints an SVG figure of the sum of 0 to 19 in rounds of pairwise additions.

usage: ch07_plot_rounds > rounds.svg
";

const COUNT: u64 = 20;
const LEFT: f64 = 96.0;
const SPACING: f64 = 34.0;
const TOP: f64 = 44.0;
const ROW: f64 = 62.0;
const RADIUS: f64 = 14.0;

const INK: &str = "#222222";
const EDGE: &str = "#777777";
const LEAF: &str = "#dde7f3";
const SUM: &str = "#fbe3cf";
const CARRIED: &str = "#ffffff";

/// A number in the tree, where it is drawn, and the numbers it was made from.
#[derive(Clone, Copy)]
struct Node {
    value: u64,
    x: f64,
    children: Option<(usize, usize)>,
    carried: Option<usize>,
}

/// The rows of the tree: the numbers, then each round's result, paired as the rounds
/// pair them (neighbours, with an odd number out carried to the next round).
fn rows() -> Vec<Vec<Node>> {
    let leaves = (0..COUNT)
        .map(|value| Node {
            value,
            x: LEFT + SPACING * value as f64,
            children: None,
            carried: None,
        })
        .collect();
    let mut rows: Vec<Vec<Node>> = vec![leaves];
    while rows.last().is_some_and(|row| row.len() > 1) {
        let previous = rows.last().expect("at least one row");
        let next = (0..previous.len().div_ceil(2))
            .map(|place| {
                let left = 2 * place;
                if left + 1 < previous.len() {
                    let (a, b) = (previous[left], previous[left + 1]);
                    Node {
                        value: a.value + b.value,
                        x: (a.x + b.x) / 2.0,
                        children: Some((left, left + 1)),
                        carried: None,
                    }
                } else {
                    Node {
                        carried: Some(left),
                        children: None,
                        ..previous[left]
                    }
                }
            })
            .collect();
        rows.push(next);
    }
    rows
}

fn svg() -> String {
    let rows = rows();
    let width = 2.0 * LEFT + SPACING * (COUNT - 1) as f64 - 40.0;
    let height = TOP + ROW * (rows.len() - 1) as f64 + 60.0;
    let y_of = |row: usize| TOP + ROW * row as f64;
    let mut s = String::new();
    // `write!` into a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        s,
        "<title>The sum of 0 to 19 in five rounds of pairwise additions</title>"
    );
    let _ = writeln!(
        s,
        r##"<rect x="0.5" y="0.5" width="{}" height="{}" rx="14" fill="#ffffff" stroke="#cccccc"/>"##,
        width - 1.0,
        height - 1.0
    );
    // Edges first, so that the circles are drawn over their ends.
    for (row, nodes) in rows.iter().enumerate().skip(1) {
        for node in nodes {
            let (y, y_above) = (y_of(row), y_of(row - 1));
            let from: Vec<usize> = match (node.children, node.carried) {
                (Some((a, b)), _) => vec![a, b],
                (None, Some(a)) => vec![a],
                (None, None) => vec![],
            };
            let dash = if node.carried.is_some() {
                r#" stroke-dasharray="4 3""#
            } else {
                ""
            };
            for child in from {
                let _ = writeln!(
                    s,
                    r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{EDGE}" stroke-width="1.5"{dash}/>"#,
                    rows[row - 1][child].x,
                    y_above,
                    node.x,
                    y
                );
            }
        }
    }
    for (row, nodes) in rows.iter().enumerate() {
        let y = y_of(row);
        let label = if row == 0 {
            "numbers".to_string()
        } else {
            format!("round {row}")
        };
        let _ = writeln!(
            s,
            r#"<text x="14" y="{:.1}" fill="{INK}" font-size="13">{label}</text>"#,
            y + 4.5
        );
        for node in nodes {
            let fill = match (row, node.carried) {
                (0, _) => LEAF,
                (_, Some(_)) => CARRIED,
                _ => SUM,
            };
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{y:.1}" r="{RADIUS}" fill="{fill}" stroke="{INK}"/>"#,
                node.x
            );
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{INK}">{}</text>"#,
                node.x,
                y + 4.0,
                node.value
            );
        }
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" fill="{INK}" font-size="12">solid: two numbers added by one thread; dashed: a number without a partner, carried to the next round</text>"#,
        LEFT - 40.0,
        height - 16.0
    );
    s.push_str("</svg>\n");
    s
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let mut out = std::io::stdout().lock();
    // A closed pipe is the reader's choice, not an error of this program.
    let _ = out.write_all(svg().as_bytes());
    ExitCode::SUCCESS
}

// The command line, the same in every program of the book that takes no arguments:
// `--help` prints the usage, anything else is refused with exit status 2.
fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    quiet_on_closed_pipe();
    match std::env::args_os().nth(1) {
        None => Ok(()),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                other.to_string_lossy()
            );
            Err(ExitCode::from(2))
        }
    }
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
/// Only that panic: a failed write to a socket, a file or a child still panics as usual.
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
