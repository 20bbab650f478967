// The chapter's second dataflow: a word count over a generated text. Every worker makes its
// own share of the text's lines, splits them into words, and sends each word to the worker
// that owns it (the exchange, by a hash of the word), where it is counted.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use timely::dataflow::operators::vec::Map;
use timely::dataflow::operators::{Exchange, Input, Inspect, Probe};
use timely::dataflow::{InputHandle, ProbeHandle};
use timely::worker::Worker;

/// Words per line of the generated text.
pub const WORDS_PER_LINE: u64 = 10;

/// Lines per epoch: the input is fed, and its memory bounded, this many lines at a time.
pub const EPOCH_LINES: u64 = 10_000;

/// The most lines a program takes (100 million words): the memory stays bounded above it too,
/// but a run would last minutes.
pub const MAX_LINES: u64 = 10_000_000;

/// Line `i` of the text: its words depend on `i` alone, so the text is the same however many
/// workers share it out. Word frequencies are skewed, as in real text: a few words are
/// common, most are rare (at most 4096 different words).
pub fn line(i: u64) -> String {
    let mut state = i;
    let mut words = Vec::with_capacity(WORDS_PER_LINE as usize);
    for _ in 0..WORDS_PER_LINE {
        let r = splitmix64(&mut state);
        let bits = r % 13; // pick a range 0..2^bits, then a word in it: small ones win
        words.push(word((r >> 16) & ((1 << bits) - 1)));
    }
    words.join(" ")
}

/// Word number `k` of the vocabulary, spelt in syllables.
fn word(mut k: u64) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "vu", "we", "xa", "yo", "za", "be", "di",
        "fo",
    ];
    let mut w = String::new();
    loop {
        w.push_str(SYLLABLES[(k % 16) as usize]);
        k /= 16;
        if k == 0 {
            return w;
        }
    }
}

/// A small, well-mixed generator (SplitMix64): the same seed gives the same numbers.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a: a hash that is the same in every process and on every machine, which a key's
/// route must be (std's `RandomState` is seeded afresh in each process).
pub fn fnv1a(word: &str) -> u64 {
    word.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What one worker ends with.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Counted {
    /// The words this worker owns, with their counts, sorted.
    pub counts: Vec<(String, u64)>,
    /// Words this worker read from its own lines.
    pub read: u64,
    /// Of those, the words it sent to another worker ...
    pub sent_away: u64,
    /// ... and their size as timely's serializer (bincode) writes them: 8 bytes of length
    /// and the word's bytes. Timely adds a header to each batch of records, not counted here.
    pub bytes_away: u64,
}

// ANCHOR: wordcount
/// Counts the words of lines `0..lines` of the generated text, on every worker at once.
pub fn count_words(worker: &mut Worker, lines: u64) -> Counted {
    let (index, peers) = (worker.index() as u64, worker.peers() as u64);
    let mut input = InputHandle::new();
    let probe = ProbeHandle::new();
    let counts = Rc::new(RefCell::new(HashMap::<String, u64>::new()));
    let (read, sent_away, bytes_away) = (
        Rc::new(Cell::new(0)),
        Rc::new(Cell::new(0)),
        Rc::new(Cell::new(0)),
    );
    let (counts_in, read_in, sent_in, bytes_in) = (
        counts.clone(),
        read.clone(),
        sent_away.clone(),
        bytes_away.clone(),
    );

    worker.dataflow::<u64, _, _>(|scope| {
        scope
            .input_from(&mut input)
            .flat_map(|line: String| {
                line.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .inspect(move |word: &String| {
                // The exchange below routes a word to worker `hash % peers`: count the
                // words that leave this worker, and their bytes.
                read_in.set(read_in.get() + 1);
                if fnv1a(word) % peers != index {
                    sent_in.set(sent_in.get() + 1);
                    bytes_in.set(bytes_in.get() + 8 + word.len() as u64);
                }
            })
            .exchange(|word: &String| fnv1a(word))
            .inspect(move |word: &String| {
                *counts_in.borrow_mut().entry(word.clone()).or_insert(0) += 1;
            })
            .probe_with(&probe);
    });

    // Each worker makes its own share of the lines, every peers-th from its index, one epoch
    // of `EPOCH_LINES` lines at a time. Before it makes epoch e + 1, it waits until epoch
    // e - 1 is counted everywhere: at most two epochs' words are in memory, however long the
    // text (an input handle has no brake of its own: `send` queues whatever it is given).
    // While it waits, the worker parks its thread instead of spinning.
    for epoch in 0..lines.div_ceil(EPOCH_LINES) {
        let (from, to) = (epoch * EPOCH_LINES, ((epoch + 1) * EPOCH_LINES).min(lines));
        for i in (from..to).filter(|i| i % peers == index) {
            input.send(line(i));
        }
        input.advance_to(epoch + 1);
        worker.step_or_park_while(None, || probe.less_than(&epoch));
    }
    // Closing the input says "no more records, at any time"; when the probe's frontier is
    // empty, every worker has counted every word it will ever receive.
    input.close();
    worker.step_or_park_while(None, || !probe.done());

    let mut counts: Vec<(String, u64)> = counts.take().into_iter().collect();
    counts.sort();
    Counted {
        counts,
        read: read.get(),
        sent_away: sent_away.get(),
        bytes_away: bytes_away.get(),
    }
}
// ANCHOR_END: wordcount
