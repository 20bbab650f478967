//! Which operators survive being split between two workers? Each is applied to the
//! integers 0 to 19 twice: once from left to right, and once as two workers would do it,
//! each reducing its own piece, with the two results combined at the end.

use std::process::ExitCode;

/// Where the work is cut: the first worker takes 0 to 6, the second 7 to 19. An uneven
/// cut, as a real split often is.
const CUT: usize = 7;

// ANCHOR: split
/// Reduces `items` from left to right, and again as two pieces cut at `CUT` whose results
/// are combined with the same operator. Returns both results.
fn sequential_and_split<T: Clone>(items: &[T], op: impl Fn(T, T) -> T) -> (T, T) {
    let reduce = |piece: &[T]| {
        let mut items = piece.iter().cloned();
        let first = items.next().expect("every piece has an item");
        items.fold(first, &op)
    };
    let (left, right) = items.split_at(CUT);
    (reduce(items), op(reduce(left), reduce(right)))
}
// ANCHOR_END: split

fn show<T: std::fmt::Display + PartialEq>(name: &str, (sequential, split): (T, T)) {
    let verdict = if sequential == split {
        "same"
    } else {
        "DIFFERENT"
    };
    println!("{name:<26} {sequential:>20} {split:>20}  {verdict}");
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    // ANCHOR: operators
    let numbers: Vec<i64> = (0..20).collect();
    println!(
        "{:<26} {:>20} {:>20}",
        "operator", "in one go", "in 2 pieces"
    );
    show("a + b", sequential_and_split(&numbers, |a, b| a + b));
    show("max(a, b)", sequential_and_split(&numbers, i64::max));
    show("a - b", sequential_and_split(&numbers, |a, b| a - b));

    // A mean is not an operator on two numbers. Averaging the pieces' means weighs a
    // piece of 7 numbers as much as a piece of 13.
    let mean = |piece: &[i64]| piece.iter().sum::<i64>() as f64 / piece.len() as f64;
    let (left, right) = numbers.split_at(CUT);
    let mean_of_means = (mean(left) + mean(right)) / 2.0;
    show("mean of the pieces' means", (mean(&numbers), mean_of_means));

    // A (sum, count) pair is associative; the mean is one division at the very end.
    let pairs: Vec<(i64, i64)> = numbers.iter().map(|&n| (n, 1)).collect();
    let add_pairs = |a: (i64, i64), b: (i64, i64)| (a.0 + b.0, a.1 + b.1);
    let (sequential, split) = sequential_and_split(&pairs, add_pairs);
    let divide = |(sum, count): (i64, i64)| sum as f64 / count as f64;
    show(
        "mean from (sum, count)",
        (divide(sequential), divide(split)),
    );

    // Concatenation is associative but not commutative: pieces combined in order agree,
    // pieces combined in whichever order they finish do not.
    let letters: Vec<String> = ('a'..='t').map(String::from).collect();
    show(
        "a + b on strings",
        sequential_and_split(&letters, |a, b| a + &b),
    );
    let (sequential, split) = sequential_and_split(&letters, |a, b| a + &b);
    // Every letter is one byte, so the first CUT bytes are the left piece's result.
    let (left, right) = split.split_at(CUT);
    show(
        "same, pieces swapped",
        (sequential, format!("{right}{left}")),
    );
    // ANCHOR_END: operators
    ExitCode::SUCCESS
}

const USAGE: &str = "\
usage: ch07_splittable

Reduces the integers 0 to 19 with several operators, in one go and in two pieces,
and says which operators give the same result both ways.
";

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
