//! The one masking rule for output that changes from run to run.
//!
//! Applied in the same way to the output a page shows and to a fresh run, line by line:
//!
//! 1. every number with a fractional part (`0.512`, `1.93`, `-0.02`) becomes `#`, its sign
//!    included: a measured value may come out on either side of zero;
//! 2. the rest of a line after the label `machine:` becomes `#`;
//! 3. a path into the standard library's sources, as rustc prints it
//!    (`/rustc/<commit>/library/std/src/thread/scoped.rs:203:34`), becomes `/rustc/#`:
//!    it names the toolchain, not the listing;
//! 4. runs of spaces become one space, and trailing spaces go.
//!
//! Whole numbers stay, so counts and results are still compared exactly. CONTRIBUTING.md
//! describes the rule to authors; change both together.

/// The label of a line describing the computer a run was made on.
pub const MACHINE_LABEL: &str = "machine:";

/// Masks one whole output, line by line. Trailing empty lines are dropped.
pub fn mask(output: &str) -> String {
    let mut masked: Vec<String> = output.lines().map(mask_line).collect();
    while masked.last().is_some_and(|l| l.is_empty()) {
        masked.pop();
    }
    masked.join("\n")
}

/// Masks one line.
pub fn mask_line(line: &str) -> String {
    let line = match line.find(MACHINE_LABEL) {
        Some(at) => format!("{} #", &line[..at + MACHINE_LABEL.len()]),
        None => line.to_owned(),
    };
    squeeze_spaces(&mask_fractions(&mask_std_paths(&line)))
}

/// rustc's path to the standard library sources: `/rustc/` up to the next space.
const STD_SOURCES: &str = "/rustc/";

fn mask_std_paths(line: &str) -> String {
    match line.find(STD_SOURCES) {
        Some(at) => {
            let end = line[at..].find(' ').map_or(line.len(), |n| at + n);
            format!("{}{STD_SOURCES}#{}", &line[..at], &line[end..])
        }
        None => line.to_owned(),
    }
}

/// Cleans whitespace only: what `exact` blocks are compared with.
pub fn normalize(output: &str) -> String {
    let mut lines: Vec<String> = output.lines().map(squeeze_spaces).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

fn mask_fractions(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let has_fraction =
                i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit();
            if has_fraction {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                // A minus sign right before the number belongs to it, unless it joins two
                // words or numbers (`x-1.5` is a subtraction, `- 1.5` a list item).
                let signed = start > 0
                    && chars[start - 1] == '-'
                    && (start == 1 || !chars[start - 2].is_alphanumeric());
                if signed {
                    out.pop();
                }
                out.push('#');
            } else {
                out.extend(&chars[start..i]);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn squeeze_spaces(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut previous_space = false;
    for c in line.trim_end().chars() {
        let space = c == ' ' || c == '\t';
        if !(space && previous_space) {
            out.push(if space { ' ' } else { c });
        }
        previous_space = space;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_masked_integers_kept() {
        assert_eq!(
            mask_line("16 primes in 0.512 s (1.93x faster)"),
            "16 primes in # s (#x faster)"
        );
        assert_eq!(mask_line("last: 10000000000453."), "last: 10000000000453.");
        assert_eq!(mask_line("v1.2.3"), "v#.3");
        assert_eq!(mask_line("e = -0.021 (was 0.4)"), "e = # (was #)");
        assert_eq!(mask_line("x-1.5 and - 2.5"), "x-# and - #");
    }

    #[test]
    fn machine_lines_and_spaces() {
        assert_eq!(mask_line("machine: 2 logical cores, Xeon"), "machine: #");
        assert_eq!(mask_line("   1    0.51   "), " 1 #");
        assert_eq!(mask("a\n\n\n"), "a");
        assert_eq!(
            mask_line("  --> /rustc/59807616e1fa/library/std/src/thread/scoped.rs:203:34"),
            " --> /rustc/#"
        );
    }
}
