//! Figure 12-1: who eats when, tick by tick, for the lock-step philosophers of
//! `ch12_livelock`, with a fixed and with a random back-off. Prints an SVG on standard
//! output; every run prints the same one.

mod ch12_common;

use std::fmt::Write;
use std::process::ExitCode;

use ch12_common::cli::no_arguments;
use ch12_common::lockstep::{run, Backoff, Move, Run, PHILOSOPHERS};

const TICKS: usize = 40;
const CELL: usize = 15;
const LANE: usize = 22;
const LEFT: usize = 120;
const TOP: usize = 30;
const PANEL: usize = TOP + PHILOSOPHERS * LANE + 40;
const WIDTH: usize = LEFT + TICKS * CELL + 30;
const HEIGHT: usize = 2 * PANEL + 40;

const USAGE: &str = "\
usage: ch12_plot_meals

Prints, as an SVG, what each of five lock-step philosophers did in each of 40 ticks, with
a fixed back-off and with a random one.
";

fn panel(svg: &mut String, y0: usize, title: &str, run: &Run) {
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="{}" font-size="14" font-weight="bold">{title}</text>"#,
        y0 + 18
    );
    for (p, moves) in run.moves.iter().enumerate() {
        let y = y0 + TOP + p * LANE;
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" font-size="12" text-anchor="end">philosopher {p}</text>"#,
            LEFT - 8,
            y + 14
        );
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{}" x2="{}" y2="{}" stroke="#bbbbbb"/>"##,
            y + 10,
            LEFT + TICKS * CELL,
            y + 10
        );
        for (t, m) in moves.iter().take(TICKS).enumerate() {
            let x = LEFT + t * CELL;
            match m {
                Move::Ate => {
                    let _ = writeln!(
                        svg,
                        r##"<rect x="{}" y="{}" width="{}" height="16" fill="#1b7837"/>"##,
                        x + 1,
                        y + 2,
                        CELL - 2
                    );
                }
                Move::Failed => {
                    let _ = writeln!(
                        svg,
                        r##"<rect x="{}" y="{}" width="{}" height="14" fill="#ffffff" stroke="#b2182b" stroke-width="2"/>"##,
                        x + 2,
                        y + 3,
                        CELL - 4
                    );
                }
                Move::Idle => {}
            }
        }
    }
    let axis = y0 + TOP + PHILOSOPHERS * LANE + 12;
    for t in (0..=TICKS).step_by(10) {
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{axis}" font-size="11" text-anchor="middle">{t}</text>"#,
            LEFT + t * CELL
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" font-size="11" text-anchor="middle">tick</text>"#,
        LEFT + TICKS * CELL / 2,
        axis + 14
    );
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let fixed = run(TICKS, Backoff::Fixed(1));
    let random = run(TICKS, Backoff::Random { max: 2, seed: 12 });

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" fill="#1a1a1a">"##
    );
    let _ = writeln!(
        svg,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" rx="12" fill="#ffffff"/>"##
    );
    panel(&mut svg, 0, "fixed back-off of 1 tick", &fixed);
    panel(&mut svg, PANEL, "random back-off of 0 to 2 ticks", &random);
    // The legend.
    let y = 2 * PANEL + 10;
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{y}" width="13" height="16" fill="#1b7837"/><text x="{}" y="{}" font-size="12">ate</text>"##,
        LEFT + 20,
        y + 13
    );
    let _ = writeln!(
        svg,
        r##"<rect x="{}" y="{}" width="11" height="14" fill="#ffffff" stroke="#b2182b" stroke-width="2"/><text x="{}" y="{}" font-size="12">took the left fork, found the right one taken, put it down</text>"##,
        LEFT + 70,
        y + 1,
        LEFT + 90,
        y + 13
    );
    svg.push_str("</svg>\n");
    print!("{svg}");
    ExitCode::SUCCESS
}
