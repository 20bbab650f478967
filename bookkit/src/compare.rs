//! Comparing a page's output block with a fresh run, by the guarantee the page states.

use std::collections::BTreeMap;

use crate::blocks::Order;
use crate::mask::{mask, normalize};

/// Compares `expected` (the page) with `actual` (a fresh run). Both are masked by the one rule
/// unless `exact`. On a mismatch, the message says what differs.
pub fn compare(expected: &str, actual: &str, order: Order, exact: bool) -> Result<(), String> {
    let clean = if exact { normalize } else { mask };
    let expected = clean(expected);
    let actual = clean(actual);
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    match order {
        Order::InOrder => in_order(&expected, &actual),
        Order::AnyOrder => same_lines(&expected, &actual),
        Order::Subset => subset(&expected, &actual),
        Order::PerThread => {
            same_lines(&expected, &actual)?;
            let expected_groups = groups(&expected);
            let actual_groups = groups(&actual);
            for (label, lines) in &expected_groups {
                let fresh = actual_groups.get(label).cloned().unwrap_or_default();
                in_order(lines, &fresh).map_err(|why| {
                    format!("the lines labelled `{label}` are not in the same order: {why}")
                })?;
            }
            Ok(())
        }
    }
}

/// The lines of each thread, keyed by the label before the first `:`.
fn groups<'a>(lines: &[&'a str]) -> BTreeMap<&'a str, Vec<&'a str>> {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for line in lines {
        let label = line.split_once(':').map_or("", |(label, _)| label.trim());
        groups.entry(label).or_default().push(line);
    }
    groups
}

fn in_order(expected: &[&str], actual: &[&str]) -> Result<(), String> {
    if expected == actual {
        return Ok(());
    }
    let first = expected
        .iter()
        .zip(actual)
        .position(|(e, a)| e != a)
        .unwrap_or(expected.len().min(actual.len()));
    let show = |lines: &[&str]| -> String {
        let from = first.saturating_sub(2);
        let to = (first + 3).min(lines.len());
        lines[from..to]
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let marker = if from + i == first { '>' } else { ' ' };
                format!("    {marker} {l}\n")
            })
            .collect()
    };
    Err(format!(
        "output differs at line {} of the block (after masking):\n  the page shows:\n{}  this run printed:\n{}",
        first + 1,
        show(expected),
        show(actual)
    ))
}

fn count(lines: &[&str]) -> BTreeMap<String, i64> {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for line in lines {
        *counts.entry((*line).to_owned()).or_default() += 1;
    }
    counts
}

/// Every line of `actual` is a line of `expected`, at most as often as there.
fn subset(expected: &[&str], actual: &[&str]) -> Result<(), String> {
    let allowed = count(expected);
    let extra: Vec<String> = count(actual)
        .into_iter()
        .filter(|(line, n)| *n > allowed.get(line).copied().unwrap_or(0))
        .map(|(line, n)| {
            let shown = allowed.get(&line).copied().unwrap_or(0);
            format!("    + {line} (x{n}, the page shows it x{shown})\n")
        })
        .collect();
    if extra.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "printed lines the page does not show as possible (after masking):\n{}",
            extra.concat()
        ))
    }
}

fn same_lines(expected: &[&str], actual: &[&str]) -> Result<(), String> {
    let mut difference = count(expected);
    for (line, n) in count(actual) {
        *difference.entry(line).or_default() -= n;
    }
    let missing: Vec<String> = difference
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(l, n)| format!("    - {l} (x{n})\n"))
        .collect();
    let extra: Vec<String> = difference
        .iter()
        .filter(|(_, n)| **n < 0)
        .map(|(l, n)| format!("    + {l} (x{})\n", -n))
        .collect();
    if missing.is_empty() && extra.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "not the same lines (after masking):\n  shown on the page, not printed:\n{}  printed, not on the page:\n{}",
            missing.concat(),
            extra.concat()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_masks_times() {
        assert!(compare("took 0.5 s\n", "took 0.7 s\n", Order::InOrder, false).is_ok());
        assert!(compare("took 0.5 s\n", "took 0.7 s\n", Order::InOrder, true).is_err());
        assert!(compare("16 primes\n", "15 primes\n", Order::InOrder, false).is_err());
    }

    #[test]
    fn per_thread_keeps_each_threads_order() {
        let page = "A: 2\nB: 2\nA: 1\nB: 1\ndone\n";
        assert!(compare(
            page,
            "B: 2\nA: 2\nB: 1\nA: 1\ndone\n",
            Order::PerThread,
            false
        )
        .is_ok());
        assert!(compare(
            page,
            "A: 1\nB: 2\nA: 2\nB: 1\ndone\n",
            Order::PerThread,
            false
        )
        .is_err());
        assert!(compare(
            page,
            "A: 1\nB: 2\nA: 2\nB: 1\ndone\n",
            Order::AnyOrder,
            false
        )
        .is_ok());
        assert!(compare(page, "A: 2\nB: 2\nA: 1\ndone\n", Order::AnyOrder, false).is_err());
    }

    #[test]
    fn subset_allows_lines_cut_short_but_nothing_new() {
        let page = "2 is prime\n323 is not prime\n1327 is prime\n";
        assert!(compare(page, "", Order::Subset, false).is_ok());
        assert!(compare(page, "1327 is prime\n2 is prime\n", Order::Subset, false).is_ok());
        assert!(compare(page, "4 is prime\n", Order::Subset, false).is_err());
        assert!(compare(page, "2 is prime\n2 is prime\n", Order::Subset, false).is_err());
    }
}
