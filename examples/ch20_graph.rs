//! Connected components of a generated graph on differential dataflow: the same answer from
//! one worker, two worker threads and two processes; then updates of a few edges, answered
//! incrementally, against recomputing from scratch.

mod ch20_common;

use std::cell::Cell;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Instant;

use cpu_time::ProcessTime;

use differential_dataflow::input::{Input, InputSession};
use differential_dataflow::operators::Iterate;
use differential_dataflow::{Hashable, VecCollection};
use serde::{Deserialize, Serialize};
use timely::dataflow::operators::probe::Handle;
use timely::worker::Worker;

use ch20_common::cli;
use ch20_common::cluster::{self, Setup};

const USAGE: &str = "\
usage: ch20_graph [--nodes N] [--edges M] [--repeats R] [--update K] [--rounds R]
       ch20_graph [--nodes N] [--edges M] [--repeats R] --only union-find

Finds the connected components of a random graph of N nodes and M edges (default 20000 and
20000; the same graph on every run) with differential dataflow, on 1 worker, 2 worker
threads and 2 processes on 127.0.0.1, R times each (default 5), and checks that all three
find the same components as a plain union-find on one thread, which is timed too.

With --update K, runs on 1 worker instead: after the first computation, R rounds (default 5)
each remove K edges and add K new ones, and each round's answer, updated incrementally, is
checked against, and timed against, a computation from scratch of the same graph.

With --only union-find, times only the union-find, R times, on a graph of any size.

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
    let (offers, rounds, crossed) = (
        work.offers.clone(),
        work.rounds.clone(),
        work.crossed.clone(),
    );
    let (index, peers) = (work.index, work.peers);
    start.clone().iterate(|scope, labels| {
        let edges = edges.enter(scope);
        let start = start.enter(scope);
        labels
            .join_map(edges, |_node, label, neighbour| (*neighbour, *label))
            // Count the offers and the rounds; `reduce` sends an offer to the worker that
            // owns its node, by differential's hash of the node, modulo the workers.
            .inspect(move |((node, _), time, diff)| {
                let n = diff.unsigned_abs() as u64;
                offers.set(offers.get() + n);
                if node.hashed() % peers != index {
                    crossed.set(crossed.get() + n);
                }
                rounds.set(rounds.get().max(time.inner));
            })
            .concat(start)
            // The candidates come sorted: the first is the smallest.
            .reduce(|_node, candidates, out| out.push((*candidates[0].0, 1)))
    })
}

/// How much work a worker did: label offers it made, those that went to another worker,
/// and the last round it saw; and which worker it is, of how many.
#[derive(Clone, Default)]
struct Work {
    offers: Rc<Cell<u64>>,
    crossed: Rc<Cell<u64>>,
    rounds: Rc<Cell<u64>>,
    index: u64,
    peers: u64,
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
    let work = Work {
        index: worker.index() as u64,
        peers: worker.peers() as u64,
        ..Work::default()
    };
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
/// to the end, and returns what this worker saw.
fn first_computation(
    worker: &mut Worker,
    c: &mut Components,
    nodes: u32,
    edges: &[Edge],
) -> Summary {
    let (index, peers) = (worker.index(), worker.peers());
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
    worker.step_or_park_while(None, || c.probe.less_than(c.edges.time()));
    c.seen.get()
}
// ANCHOR_END: load

#[derive(Clone, Copy, Serialize, Deserialize)]
struct Size {
    nodes: u32,
    edges: u32,
    repeats: u32,
    update: u32,
    rounds: u32,
}

/// What one worker reports of one run of the first job. `cpu_secs` is the CPU time of the
/// worker's whole process, timely's network threads included.
#[derive(Clone, Copy, Serialize, Deserialize)]
struct Once {
    summary: Summary,
    secs: f64,
    cpu_secs: f64,
    offers: u64,
    crossed: u64,
    rounds: u64,
}

/// The first job: compute the components once to warm up, then `repeats` times, each in a
/// fresh dataflow on the same workers.
fn once(worker: &mut Worker, size: Size) -> Vec<Once> {
    let edges = random_edges(size.nodes, size.edges);
    let mut runs = Vec::new();
    for run in 0..=size.repeats {
        // Both clocks cover the same thing: building the dataflow and the computation.
        let (start, cpu) = (Instant::now(), ProcessTime::now());
        let mut c = dataflow(worker);
        let summary = first_computation(worker, &mut c, size.nodes, &edges);
        runs.push(Once {
            summary,
            secs: start.elapsed().as_secs_f64(),
            cpu_secs: cpu.elapsed().as_secs_f64(),
            offers: c.work.offers.get(),
            crossed: c.work.crossed.get(),
            rounds: c.work.rounds.get(),
        });
        finish(worker, c);
        if run == 0 {
            runs.clear(); // the warm-up
        }
    }
    runs
}

/// Closes a dataflow's inputs and steps until it has finished, so that the worker drops it.
fn finish(worker: &mut Worker, c: Components) {
    let Components {
        nodes,
        edges,
        probe,
        ..
    } = c;
    drop((nodes, edges));
    worker.step_or_park_while(None, || !probe.done());
}

// ANCHOR: baseline
/// The baseline on one thread, with no dataflow: union-find. Each edge joins the trees of
/// its two ends, the smaller root becoming the parent, so every root is the smallest node
/// of its component: the same labels as label propagation, and the same summary.
fn union_find(nodes: u32, edges: &[Edge]) -> Summary {
    let mut parent: Vec<Node> = (0..nodes).collect();
    fn root(parent: &mut [Node], mut n: Node) -> Node {
        while parent[n as usize] != n {
            // Path halving: point every other node on the way at its grandparent.
            let grandparent = parent[parent[n as usize] as usize];
            parent[n as usize] = grandparent;
            n = grandparent;
        }
        n
    }
    for &(a, b) in edges {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        parent[ra.max(rb) as usize] = ra.min(rb);
    }
    let mut summary = Summary::default();
    for n in 0..nodes {
        let label = root(&mut parent, n);
        summary.add(n, label, 1);
    }
    summary
}
// ANCHOR_END: baseline

/// Times the union-find `repeats` times: its summary, and the seconds of each run.
fn timed_union_find(nodes: u32, edges: &[Edge], repeats: u32) -> (Summary, Vec<f64>) {
    let mut summary = Summary::default();
    let mut secs = Vec::new();
    for _ in 0..repeats {
        let start = Instant::now();
        summary = union_find(nodes, edges);
        secs.push(start.elapsed().as_secs_f64());
    }
    (summary, secs)
}

#[derive(Clone, Copy, Default, Serialize, Deserialize)]
struct Round {
    incremental: Summary,
    incremental_secs: f64,
    scratch: Summary,
    scratch_secs: f64,
    union_find: Summary,
    union_find_secs: f64,
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
        worker.step_or_park_while(None, || c.probe.less_than(c.edges.time()));
        let incremental_secs = start.elapsed().as_secs_f64();
        let incremental = c.seen.get();

        let start = Instant::now();
        let mut fresh = dataflow(worker);
        let scratch = first_computation(worker, &mut fresh, size.nodes, &edges);
        let scratch_secs = start.elapsed().as_secs_f64();
        // Closing its inputs lets the fresh dataflow finish, and the worker drops it.
        finish(worker, fresh);
        // And the baseline: union-find on one thread, from scratch too.
        let start = Instant::now();
        let baseline = union_find(size.nodes, &edges);
        let union_find_secs = start.elapsed().as_secs_f64();

        rounds.push(Round {
            incremental,
            incremental_secs,
            scratch,
            scratch_secs,
            union_find: baseline,
            union_find_secs,
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
        repeats: 5,
        update: 0,
        rounds: 5,
    };
    let mut only_union_find = false;
    let read = args.each_option(|name, value| {
        match name {
            "--repeats" => size.repeats = cli::number(name, value, 3, 100)?,
            "--only" if value == "union-find" => only_union_find = true,
            "--only" => return Err(format!("--only takes `union-find`, not `{value}`")),
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
    let result = if only_union_find {
        baseline(size);
        Ok(())
    } else if size.update == 0 {
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
    println!(
        "each time: the median of {} runs after a warm-up, then the fastest and the slowest",
        size.repeats
    );
    println!("machine: {} cores", num_cpus::get());
    let mut answers = Vec::new();
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    let mut all_crossed = 0;
    for setup in [Setup::One, Setup::Threads(2), Setup::Processes(2)] {
        let parts = cluster::run(setup, forward, move |worker: &mut Worker| {
            once(worker, size)
        })?;
        // Every run of every worker must find the same answer; the workers' parts add up.
        let totals: Vec<Summary> = (0..size.repeats as usize)
            .map(|r| {
                parts
                    .iter()
                    .fold(Summary::default(), |sum, runs| sum.plus(runs[r].summary))
            })
            .collect();
        if totals.windows(2).any(|pair| pair[0] != pair[1]) {
            return Err(format!("{setup}: two runs found different components"));
        }
        // The workers finish a run together; the slowest one's time is the run's. The CPU
        // time is the sum over processes (each worker of one process measures all of it).
        let secs: Vec<f64> = (0..totals.len())
            .map(|r| parts.iter().map(|w| w[r].secs).fold(0.0, f64::max))
            .collect();
        let processes = if let Setup::Processes(_) = setup {
            parts.len()
        } else {
            1
        };
        let cpu_secs: Vec<f64> = (0..totals.len())
            .map(|r| parts[..processes].iter().map(|w| w[r].cpu_secs).sum())
            .collect();
        let last = parts.iter().map(|w| w[w.len() - 1]);
        let offers: u64 = last.clone().map(|run| run.offers).sum();
        let crossed: u64 = last.clone().map(|run| run.crossed).sum();
        let rounds = last.map(|run| run.rounds).max().unwrap_or(0);
        println!(
            "{:<12} {} components, label checksum {:016x}, {}",
            format!("{setup}:"),
            totals[0].components,
            totals[0].checksum,
            spread(&secs),
        );
        // The count of offers varies by a few in ten thousand between configurations, since
        // differential dataflow does not always cancel an offer and its retraction before
        // sending them; so it is printed as a measurement, in millions.
        // CPU time over time: how many cores the configuration kept busy. Waiting workers
        // park, so a value near 1 with two workers means they did not run at once.
        println!(
            "{:<12} {:.3} million label offers, in {rounds} rounds; CPU time {}; {:.2} cores busy",
            "",
            offers as f64 / 1e6,
            spread(&cpu_secs),
            median(cpu_secs.clone()) / median(secs.clone()),
        );
        answers.push(totals[0]);
        wall.push(median(secs));
        cpu.push(cpu_secs);
        all_crossed = crossed;
    }
    // The COST baseline: the same answer on one thread, without a dataflow.
    let edges = random_edges(size.nodes, size.edges);
    let (summary, secs) = timed_union_find(size.nodes, &edges, size.repeats);
    println!(
        "{:<12} {} components, label checksum {:016x}, {}",
        "union-find:",
        summary.components,
        summary.checksum,
        spread(&secs),
    );
    answers.push(summary);
    let same = answers.windows(2).all(|pair| pair[0] == pair[1]);
    println!(
        "the same components and labels from all four: {}",
        if same { "yes" } else { "NO" }
    );
    // What crossing between processes cost: the processes' extra CPU time over the threads',
    // for the offers that crossed to the other worker (counted by the exchange's own rule).
    let (threads, processes) = (&cpu[1], &cpu[2]);
    let extra = median(processes.clone()) - median(threads.clone());
    let noise = range(threads).max(range(processes));
    let crossed = all_crossed as f64;
    let fold = |f: fn(f64, f64) -> f64, start| move |v: &Vec<f64>| v.iter().cloned().fold(start, f);
    let (min, max) = (fold(f64::min, f64::MAX), fold(f64::max, 0.0));
    println!(
        "CPU time of 2 processes minus 2 threads: {extra:.3} s, {:.1} times the wider range",
        extra.abs() / noise,
    );
    println!(
        "  for {:.3} million offers that crossed (counted): {:.3} µs each (from {:.3} to {:.3} µs \
         between the fastest and slowest runs)",
        crossed / 1e6,
        extra / crossed * 1e6,
        (min(processes) - max(threads)) / crossed * 1e6,
        (max(processes) - min(threads)) / crossed * 1e6,
    );
    println!(
        "1 worker against union-find on one thread: {:.1}x the time",
        wall[0] / median(secs)
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
    let union_find = median(rounds.iter().map(|r| r.union_find_secs).collect());
    all_agree &= rounds.iter().all(|r| r.union_find == r.scratch);
    println!(
        "median of {}: updated in {updated:.4} s, from scratch {scratch:.4} s ({:.1}x)",
        rounds.len(),
        scratch / updated
    );
    println!(
        "              union-find from scratch on one thread {union_find:.6} s ({:.1}x the update's speed)",
        updated / union_find
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

/// The fastest and the slowest of some runs: how far apart they are is the noise.
fn range(secs: &[f64]) -> f64 {
    let (low, high) = secs
        .iter()
        .fold((f64::MAX, 0.0f64), |(l, h), s| (l.min(*s), h.max(*s)));
    high - low
}

/// "0.421 s (0.415 to 0.440)": the median, then the fastest and the slowest run; in
/// milliseconds below a tenth of a second.
fn spread(secs: &[f64]) -> String {
    let (low, high) = secs
        .iter()
        .fold((f64::MAX, 0.0f64), |(l, h), s| (l.min(*s), h.max(*s)));
    let mid = median(secs.to_vec());
    if high < 0.1 {
        let ms = 1e3;
        format!("{:.3} ms ({:.3} to {:.3})", mid * ms, low * ms, high * ms)
    } else {
        format!("{mid:.3} s ({low:.3} to {high:.3})")
    }
}

/// `--only union-find`: the baseline alone, at any size.
fn baseline(size: Size) {
    println!(
        "graph: {} nodes, {} random edges; union-find on one thread, {} runs",
        size.nodes, size.edges, size.repeats
    );
    let edges = random_edges(size.nodes, size.edges);
    let (summary, secs) = timed_union_find(size.nodes, &edges, size.repeats);
    println!(
        "{} components; union-find {}",
        summary.components,
        spread(&secs)
    );
}
