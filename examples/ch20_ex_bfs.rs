//! Chapter 20, exercise: breadth-first search on differential dataflow, the distance of
//! every node from node 0, checked against a plain sequential search.

mod ch20_common;

use std::cell::Cell;
use std::collections::VecDeque;
use std::process::ExitCode;
use std::rc::Rc;

use differential_dataflow::input::Input;
use differential_dataflow::operators::Iterate;
use differential_dataflow::VecCollection;
use serde::{Deserialize, Serialize};
use timely::dataflow::operators::probe::Handle;
use timely::worker::Worker;

use ch20_common::cli;
use ch20_common::cluster::{self, Setup};

const USAGE: &str = "\
usage: ch20_ex_bfs [--nodes N] [--edges M]

Finds the distance, in edges, of every node from node 0 in a random graph of N nodes and M
edges (default 20000 and 40000), with differential dataflow on 1 worker and on 2 worker
threads, and checks both against a plain breadth-first search.
";

type Node = u32;

/// The same seeded generator as `ch20_graph` (SplitMix64).
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

fn random_edges(nodes: u32, edges: u32) -> Vec<(Node, Node)> {
    let mut random = Random(20);
    (0..edges)
        .map(|_| (random.below(nodes), random.below(nodes)))
        .collect()
}

// ANCHOR: solution
/// Every reachable node with its distance from a root: in each round, every node offers its
/// distance plus one to its neighbours, and keeps the smallest distance it has been offered.
fn distances<'s>(
    edges: VecCollection<'s, u32, (Node, Node)>,
    roots: VecCollection<'s, u32, Node>,
) -> VecCollection<'s, u32, (Node, u32)> {
    let edges = edges.clone().concat(edges.map(|(a, b)| (b, a)));
    let start = roots.map(|root| (root, 0));
    start.clone().iterate(|scope, reached| {
        let edges = edges.enter(scope);
        let start = start.enter(scope);
        reached
            .join_map(edges, |_node, distance, neighbour| {
                (*neighbour, distance + 1)
            })
            .concat(start)
            .reduce(|_node, offers, out| out.push((*offers[0].0, 1)))
    })
}
// ANCHOR_END: solution

/// What a worker saw: how many nodes were reached, the sum of their distances, the largest.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug, Serialize, Deserialize)]
struct Reach {
    reached: i64,
    sum: i64,
    farthest: u32,
}

fn job(worker: &mut Worker, nodes: u32, edges: u32) -> Reach {
    let (index, peers) = (worker.index(), worker.peers());
    let seen = Rc::new(Cell::new(Reach::default()));
    let probe = Handle::new();
    let (mut root_input, mut edge_input) = worker.dataflow::<u32, _, _>(|scope| {
        let (root_input, roots) = scope.new_collection();
        let (edge_input, edges) = scope.new_collection();
        let seen = seen.clone();
        // Consolidated, so that the largest distance is taken over the final answer only.
        distances(edges, roots)
            .consolidate()
            .inspect(move |((_node, distance), _time, diff)| {
                let mut reach = seen.get();
                reach.reached += *diff as i64;
                reach.sum += *diff as i64 * i64::from(*distance);
                reach.farthest = reach.farthest.max(*distance);
                seen.set(reach);
            })
            .probe_with(&probe);
        (root_input, edge_input)
    });
    if index == 0 {
        root_input.insert(0);
    }
    for (_, edge) in random_edges(nodes, edges)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % peers == index)
    {
        edge_input.insert(edge);
    }
    root_input.advance_to(1);
    edge_input.advance_to(1);
    root_input.flush();
    edge_input.flush();
    worker.step_or_park_while(None, || probe.less_than(edge_input.time()));
    seen.get()
}

/// The same answer, the plain way: a queue, and a distance for each node.
fn sequential(nodes: u32, edges: u32) -> Reach {
    let mut neighbours = vec![Vec::new(); nodes as usize];
    for (a, b) in random_edges(nodes, edges) {
        neighbours[a as usize].push(b);
        neighbours[b as usize].push(a);
    }
    let mut distance = vec![u32::MAX; nodes as usize];
    let mut queue = VecDeque::from([0]);
    distance[0] = 0;
    let mut reach = Reach::default();
    while let Some(node) = queue.pop_front() {
        let d = distance[node as usize];
        reach.reached += 1;
        reach.sum += i64::from(d);
        reach.farthest = reach.farthest.max(d);
        for &next in &neighbours[node as usize] {
            if distance[next as usize] == u32::MAX {
                distance[next as usize] = d + 1;
                queue.push_back(next);
            }
        }
    }
    reach
}

fn main() -> ExitCode {
    let args = match cli::parse(USAGE) {
        Ok(args) => args,
        Err(status) => return status,
    };
    let (mut nodes, mut edges) = (20_000, 40_000);
    let read = args.each_option(|name, value| {
        match name {
            "--nodes" => nodes = cli::number(name, value, 1, 10_000_000)?,
            "--edges" => edges = cli::number(name, value, 1, 10_000_000)?,
            _ => return Err(format!("unexpected option `{name}`")),
        }
        Ok(())
    });
    if let Err(status) = read {
        return status;
    }
    let work = move |worker: &mut Worker| job(worker, nodes, edges);
    if let Some(place) = &args.place {
        return cluster::serve(place, work);
    }
    println!("graph: {nodes} nodes, {edges} random edges; distances from node 0");
    let mut answers = Vec::new();
    for setup in [Setup::One, Setup::Threads(2)] {
        let parts = match cluster::run(setup, &args.forward(), work) {
            Ok(parts) => parts,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let reach = parts.iter().fold(Reach::default(), |all, part| Reach {
            reached: all.reached + part.reached,
            sum: all.sum + part.sum,
            farthest: all.farthest.max(part.farthest),
        });
        answers.push((format!("{setup}:"), reach));
    }
    answers.push(("a plain search:".into(), sequential(nodes, edges)));
    for (name, reach) in &answers {
        println!(
            "{name:<16} {} nodes reached, sum of distances {}, farthest {} edges away",
            reach.reached, reach.sum, reach.farthest
        );
    }
    let agree = answers.windows(2).all(|pair| pair[0].1 == pair[1].1);
    println!("all three agree: {}", if agree { "yes" } else { "NO" });
    if agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
