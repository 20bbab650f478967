//! Connected components of a generated graph on differential dataflow: the same answer from
//! one worker, two worker threads and two processes; then updates of a few edges, answered
//! incrementally, against recomputing from scratch.

mod ch20_common;

use std::cell::Cell;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Instant;

use differential_dataflow::input::{Input, InputSession};
use differential_dataflow::operators::Iterate;
use differential_dataflow::VecCollection;
use serde::{Deserialize, Serialize};
use timely::dataflow::operators::probe::Handle;
use timely::worker::Worker;

use ch20_common::cli;
use ch20_common::cluster::{self, Setup};

const USAGE: &str = "\
usage: ch20_graph [--nodes N] [--edges M] [--update K] [--rounds R]

Finds the connected components of a random graph of N nodes and M edges (default 20000 and
20000; the same graph on every run) with differential dataflow, on 1 worker, 2 worker
threads and 2 processes on 127.0.0.1, and checks that all three find the same components.

With --update K, runs on 1 worker instead: after the first computation, R rounds (default 5)
each remove K edges and add K new ones, and each round's answer, updated incrementally, is
checked against, and timed against, a computation from scratch of the same graph.

A copy started with --process-index I --hosts ADDR,ADDR is process I of a cluster.
";

type Node = u32;
type Edge = (Node, Node);

// ANCHOR: generate
/// A small, seeded generator (SplitMix64): every worker, in every process, draws the same
/// numbers, so every worker can build the same graph and keep its share of it.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n)) as u32
    }
}

/// M random edges between N nodes: the same list on every run and in every worker.
fn random_edges(nodes: u32, edges: u32) -> Vec<Edge> {
    let mut random = Random(20);
    (0..edges)
        .map(|_| (random.below(nodes), random.below(nodes)))
        .collect()
}
// ANCHOR_END: generate

// ANCHOR: components
/// Labels every node with the smallest node of its component. Each round, every node offers
/// its label to its neighbours and keeps the smallest label it has seen, until none changes.
fn components<'s>(
    edges: VecCollection<'s, u32, Edge>,
    nodes: VecCollection<'s, u32, Node>,
    work: &Work,
) -> VecCollection<'s, u32, (Node, Node)> {
    // The graph is undirected: each edge carries labels both ways.
    let edges = edges.clone().concat(edges.map(|(a, b)| (b, a)));
    let start = nodes.map(|n| (n, n));
    let (offers, rounds) = (work.offers.clone(), work.rounds.clone());
    start.clone().iterate(|scope, labels| {
        let edges = edges.enter(scope);
        let start = start.enter(scope);
        labels
            .join_map(edges, |_node, label, neighbour| (*neighbour, *label))
            // Count the offers, which go to the neighbour's worker, and the rounds.
            .inspect(move |(_, time, diff)| {
                offers.set(offers.get() + diff.unsigned_abs() as u64);
                rounds.set(rounds.get().max(time.inner));
            })
            .concat(start)
            // The candidates come sorted: the first is the smallest.
            .reduce(|_node, candidates, out| out.push((*candidates[0].0, 1)))
    })
}

/// How much work a worker did: label offers it made, and the last round it saw.
#[derive(Clone, Default)]
struct Work {
    offers: Rc<Cell<u64>>,
    rounds: Rc<Cell<u64>>,
}
// ANCHOR_END: components

// ANCHOR: summary
/// What a worker saw of the answer: the number of components (the nodes that are their own
/// label) and a checksum of every (node, label) pair. Both are sums, so the workers' parts
/// add up to the whole, and an update's changes (+1 for a new pair, -1 for a retracted one)
/// keep them current.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug, Serialize, Deserialize)]
struct Summary {
    components: i64,
    checksum: u64,
}

impl Summary {
    fn add(&mut self, node: Node, label: Node, diff: isize) {
        if node == label {
            self.components += diff as i64;
        }
        let pair = Random((u64::from(node) << 32) | u64::from(label)).next();
        self.checksum = self.checksum.wrapping_add(pair.wrapping_mul(diff as u64));
    }

    fn plus(self, other: Summary) -> Summary {
        Summary {
            components: self.components + other.components,
            checksum: self.checksum.wrapping_add(other.checksum),
        }
    }
}

/// One worker's inputs and what it sees of the output.
struct Components {
    nodes: InputSession<u32, Node, isize>,
    edges: InputSession<u32, Edge, isize>,
    probe: Handle<u32>,
    seen: Rc<Cell<Summary>>,
    work: Work,
}

fn dataflow(worker: &mut Worker) -> Components {
    let seen = Rc::new(Cell::new(Summary::default()));
    let probe = Handle::new();
    let work = Work::default();
    let (nodes, edges) = worker.dataflow::<u32, _, _>(|scope| {
        let (nodes, node_collection) = scope.new_collection();
        let (edges, edge_collection) = scope.new_collection();
        let seen = seen.clone();
        components(edge_collection, node_collection, &work)
            .inspect(move |((node, label), _epoch, diff)| {
                let mut summary = seen.get();
                summary.add(*node, *label, *diff);
                seen.set(summary);
            })
            .probe_with(&probe);
        (nodes, edges)
    });
    Components {
        nodes,
        edges,
        probe,
        seen,
        work,
    }
}
// ANCHOR_END: summary

// ANCHOR: load
/// Loads worker `index`'s share of the graph (every `peers`-th node and edge), runs epoch 0
/// to the end, and returns what this worker saw and the time it took.
fn first_computation(
    worker: &mut Worker,
    c: &mut Components,
    nodes: u32,
    edges: &[Edge],
) -> (Summary, f64) {
    let (index, peers) = (worker.index(), worker.peers());
    let start = Instant::now();
    for n in (0..nodes).filter(|n| *n as usize % peers == index) {
        c.nodes.insert(n);
    }
    for (_, edge) in edges.iter().enumerate().filter(|(i, _)| i % peers == index) {
        c.edges.insert(*edge);
    }
    c.nodes.advance_to(1);
    c.edges.advance_to(1);
    c.nodes.flush();
    c.edges.flush();
    // The probe's frontier passes epoch 0 when every worker has finished it: all of the
    // epoch's labels have reached `inspect`, here and everywhere.
    worker.step_while(|| c.probe.less_than(c.edges.time()));
    (c.seen.get(), start.elapsed().as_secs_f64())
}
// ANCHOR_END: load

#[derive(Clone, Copy, Serialize, Deserialize)]
struct Size {
    nodes: u32,
    edges: u32,
    update: u32,
    rounds: u32,
}

/// What one worker reports of the first job.
#[derive(Clone, Copy, Serialize, Deserialize)]
struct Once {
    summary: Summary,
    secs: f64,
    offers: u64,
    rounds: u64,
}

/// The first job: compute the components once.
fn once(worker: &mut Worker, size: Size) -> Once {
    let edges = random_edges(size.nodes, size.edges);
    let mut c = dataflow(worker);
    let (summary, secs) = first_computation(worker, &mut c, size.nodes, &edges);
    Once {
        summary,
        secs,
        offers: c.work.offers.get(),
        rounds: c.work.rounds.get(),
    }
}

#[derive(Clone, Copy, Default, Serialize, Deserialize)]
struct Round {
    incremental: Summary,
    incremental_secs: f64,
    scratch: Summary,
    scratch_secs: f64,
}

// ANCHOR: update
/// The second job: compute once, then `rounds` times remove `update` edges, add as many new
/// ones, and let the dataflow update its answer; each time, compute the same graph again
/// from scratch in a new dataflow, for the time and for the check.
fn updates(worker: &mut Worker, size: Size) -> Vec<Round> {
    let (index, peers) = (worker.index(), worker.peers());
    let mut edges = random_edges(size.nodes, size.edges);
    let mut c = dataflow(worker);
    first_computation(worker, &mut c, size.nodes, &edges);
    let mut random = Random(21);
    let mut rounds = Vec::new();
    for epoch in 1..=size.rounds {
        let start = Instant::now();
        for j in 0..size.update as usize {
            let at = random.below(edges.len() as u32) as usize;
            let new = (random.below(size.nodes), random.below(size.nodes));
            let old = std::mem::replace(&mut edges[at], new);
            if j % peers == index {
                c.edges.remove(old);
                c.edges.insert(new);
            }
        }
        c.edges.advance_to(epoch + 1);
        c.edges.flush();
        c.nodes.advance_to(epoch + 1);
        c.nodes.flush();
        worker.step_while(|| c.probe.less_than(c.edges.time()));
        let incremental_secs = start.elapsed().as_secs_f64();
        let incremental = c.seen.get();

        let start = Instant::now();
        let mut fresh = dataflow(worker);
        first_computation(worker, &mut fresh, size.nodes, &edges);
        let scratch_secs = start.elapsed().as_secs_f64();
        let scratch = fresh.seen.get();
        // Closing its inputs lets the fresh dataflow finish, and the worker drops it.
        let Components {
            nodes,
            edges,
            probe,
            ..
        } = fresh;
        drop((nodes, edges));
        worker.step_while(|| !probe.done());

        rounds.push(Round {
            incremental,
            incremental_secs,
            scratch,
            scratch_secs,
        });
    }
    rounds
}
// ANCHOR_END: update

fn main() -> ExitCode {
    let args = match cli::parse(USAGE) {
        Ok(args) => args,
        Err(status) => return status,
    };
    let mut size = Size {
        nodes: 20_000,
        edges: 20_000,
        update: 0,
        rounds: 5,
    };
    let read = args.each_option(|name, value| {
        match name {
            "--nodes" => size.nodes = cli::number(name, value, 1, 50_000_000)?,
            "--edges" => size.edges = cli::number(name, value, 1, 50_000_000)?,
            "--update" => size.update = cli::number(name, value, 1, 1_000_000)?,
            "--rounds" => size.rounds = cli::number(name, value, 1, 100)?,
            _ => return Err(format!("unexpected option `{name}`")),
        }
        Ok(())
    });
    if let Err(status) = read {
        return status;
    }
    if let Some(place) = &args.place {
        // A copy started by `cluster::run`: one process of the cluster.
        return cluster::serve(place, move |worker: &mut Worker| once(worker, size));
    }
    let result = if size.update == 0 {
        configurations(size, &args.forward())
    } else {
        incremental(size)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: configurations
fn configurations(size: Size, forward: &[String]) -> Result<(), String> {
    println!(
        "graph: {} nodes, {} random edges; connected components by label propagation",
        size.nodes, size.edges
    );
    let mut answers = Vec::new();
    for setup in [Setup::One, Setup::Threads(2), Setup::Processes(2)] {
        let parts = cluster::run(setup, forward, move |worker: &mut Worker| {
            once(worker, size)
        })?;
        let total = parts
            .iter()
            .fold(Summary::default(), |sum, part| sum.plus(part.summary));
        // The workers finish epoch 0 together; the slowest one's time is the run's.
        let secs = parts.iter().map(|part| part.secs).fold(0.0, f64::max);
        let offers: u64 = parts.iter().map(|part| part.offers).sum();
        let rounds = parts.iter().map(|part| part.rounds).max().unwrap_or(0);
        println!(
            "{:<12} {} components, label checksum {:016x}, {secs:.3} s",
            format!("{setup}:"),
            total.components,
            total.checksum
        );
        // The count of offers varies by a few in ten thousand between configurations, since
        // differential dataflow does not always cancel an offer and its retraction before
        // sending them; so it is printed as a measurement, in millions.
        println!(
            "{:<12} {:.3} million label offers, in {rounds} rounds",
            "",
            offers as f64 / 1e6
        );
        answers.push(total);
    }
    let same = answers.windows(2).all(|pair| pair[0] == pair[1]);
    println!(
        "the same components and labels from all three: {}",
        if same { "yes" } else { "NO" }
    );
    if same {
        Ok(())
    } else {
        Err("the configurations disagree".into())
    }
}
// ANCHOR_END: configurations

// ANCHOR: incremental
fn incremental(size: Size) -> Result<(), String> {
    println!(
        "graph: {} nodes, {} random edges; {} rounds, each removes {} edges and adds {}",
        size.nodes, size.edges, size.rounds, size.update, size.update
    );
    let rounds = cluster::run(Setup::One, &[], move |worker: &mut Worker| {
        updates(worker, size)
    })?
    .remove(0);
    let mut all_agree = true;
    for (i, round) in rounds.iter().enumerate() {
        let agree = round.incremental == round.scratch;
        all_agree &= agree;
        println!(
            "round {}: {} components; updated in {:.4} s, from scratch {:.4} s; same labels: {}",
            i + 1,
            round.incremental.components,
            round.incremental_secs,
            round.scratch_secs,
            if agree { "yes" } else { "NO" }
        );
    }
    let updated = median(rounds.iter().map(|r| r.incremental_secs).collect());
    let scratch = median(rounds.iter().map(|r| r.scratch_secs).collect());
    println!(
        "median of {}: updated in {updated:.4} s, from scratch {scratch:.4} s ({:.1}x)",
        rounds.len(),
        scratch / updated
    );
    if all_agree {
        Ok(())
    } else {
        Err("an updated answer differs from the one computed from scratch".into())
    }
}

fn median(mut secs: Vec<f64>) -> f64 {
    secs.sort_by(f64::total_cmp);
    secs[secs.len() / 2]
}
// ANCHOR_END: incremental
