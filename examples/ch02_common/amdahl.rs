// The formulas of chapter 2. Every number the chapter prints or draws, from the
// worked example to the figure and the predictions beside the measurements, is
// computed by these few lines, so the page cannot disagree with itself.
//
// Processor counts are `f64` so that the figure can draw the curves smoothly
// between whole counts; the programs pass whole numbers.

// ANCHOR: amdahl
/// Amdahl's law: the speedup of a program whose serial part takes the fraction
/// `serial` (0 to 1) of its one-processor run time, when the rest is spread
/// evenly over `processors` processors.
pub fn amdahl_speedup(serial: f64, processors: f64) -> f64 {
    1.0 / (serial + (1.0 - serial) / processors)
}
// ANCHOR_END: amdahl

// ANCHOR: karp_flatt
/// The Karp-Flatt metric: the serial fraction that, put into Amdahl's law,
/// gives exactly the `speedup` measured on `processors` processors. It is
/// Amdahl's law solved for the serial fraction, so one processor (where every
/// fraction fits) has none.
pub fn karp_flatt(speedup: f64, processors: f64) -> Option<f64> {
    if processors <= 1.0 {
        return None;
    }
    Some((1.0 / speedup - 1.0 / processors) / (1.0 - 1.0 / processors))
}
// ANCHOR_END: karp_flatt

// ANCHOR: gustafson
/// Gustafson's law: the scaled speedup on `processors` processors when the
/// problem grows with them and the serial part takes the fraction `serial` of
/// the run time on all of them.
pub fn gustafson_speedup(serial: f64, processors: f64) -> f64 {
    serial + (1.0 - serial) * processors
}
// ANCHOR_END: gustafson
