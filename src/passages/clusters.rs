//! Steps 5 to 7, clusters and links: runs → passage clusters (every
//! occurrence of one passage across the corpus), the links between the
//! documents that share them, and each link's containment.

use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;

use std::ops::Range;

use super::runs::{Run, UnitPair};
use super::stage::Stage;
use super::{Link, Occurrence, PassageCluster, PassageKind, Shared};
use crate::align::similarity;
use crate::cluster::{find, union};
use crate::containment::{containment, Trigrams};

/// Passage clusters from the runs' aligned unit pairs: reuse clusters (by
/// first occurrence), then `boilerplate` groups as boilerplate clusters
/// and `templates` as template clusters (each largest first). Also returns the cluster of each unit pair, in the
/// order of `runs` and their pairs.
///
/// The nodes joined are *occurrences*, not units: one unit's aligned word
/// ranges that overlap by at least half the shorter are one occurrence;
/// ranges apart are different passages of one paragraph. Joining whole
/// units chained different sentences into one cluster wherever a
/// paragraph shared one sentence with a story and another with a third
/// (South Korean and Taiwanese trade figures in one Reuters cluster).
pub(super) fn passage_clusters(
    st: &Stage,
    runs: &[Run],
    boilerplate: Vec<Vec<u32>>,
    templates: Vec<Vec<u32>>,
) -> (Vec<PassageCluster>, Vec<u32>) {
    let (pairs, owner) = kept_pairs(st, runs);
    let (node_of, nodes) = occurrence_nodes(&pairs);
    let mut parent: Vec<u32> = (0..nodes.len() as u32).collect();
    for ends in node_of.chunks_exact(2) {
        union(&mut parent, ends[0], ends[1]);
    }
    let mut reuse: Vec<Vec<u32>> = Vec::new();
    let mut cluster_of_root: AHashMap<u32, usize> = AHashMap::new();
    for n in 0..nodes.len() as u32 {
        let root = find(&mut parent, n);
        let k = *cluster_of_root.entry(root).or_insert_with(|| {
            reuse.push(Vec::new());
            reuse.len() - 1
        });
        reuse[k].push(n);
    }
    let mut cluster_of_node = vec![0u32; nodes.len()];
    let mut clusters: Vec<PassageCluster> = Vec::with_capacity(reuse.len() + boilerplate.len());
    for members in &reuse {
        let id = clusters.len() as u32;
        let occurrences = members
            .iter()
            .map(|&n| {
                cluster_of_node[n as usize] = id;
                let node = &nodes[n as usize];
                let doc = st.doc_of(node.unit);
                Occurrence {
                    doc,
                    span: st.byte_span(doc, node.words.clone()),
                    similarity: node.similarity,
                }
            })
            .collect();
        clusters.push(PassageCluster {
            kind: PassageKind::Reuse,
            occurrences,
        });
    }
    let cluster_of_pair = owner
        .into_iter()
        .map(|k| cluster_of_node[node_of[2 * k] as usize])
        .collect();
    for (kind, mut groups) in [
        (PassageKind::Boilerplate, boilerplate),
        (PassageKind::Template, templates),
    ] {
        groups.sort_by(|x, y| y.len().cmp(&x.len()).then(x[0].cmp(&y[0])));
        clusters.extend(
            groups
                .into_iter()
                .map(|members| whole_units(st, kind, &members)),
        );
    }
    (clusters, cluster_of_pair)
}

/// A cluster of whole units (boilerplate, templates): each unit one
/// occurrence, matching exactly.
fn whole_units(st: &Stage, kind: PassageKind, members: &[u32]) -> PassageCluster {
    let occurrences = members
        .iter()
        .map(|&u| {
            let unit = &st.units[u as usize];
            Occurrence {
                doc: unit.doc,
                span: st.byte_span(unit.doc, unit.unit.start..unit.unit.end),
                similarity: 1.0,
            }
        })
        .collect();
    PassageCluster { kind, occurrences }
}

/// The unit pairs of `runs` that make occurrences, and for every pair (in
/// the order of `runs` and their pairs) the kept pair whose cluster it
/// joins. A pair that covers part of a unit and is shorter than
/// `min_words` on a side, in a run that has a longer pair, is the run's
/// ragged edge (the first words of a paragraph the passage runs into): it
/// joins the run's longest pair instead of making a passage of a few
/// words. A short paragraph reposted whole stays a passage of its own.
fn kept_pairs<'r>(st: &Stage, runs: &'r [Run]) -> (Vec<&'r UnitPair>, Vec<usize>) {
    let min_words = st.opts.min_words;
    let whole = |u: u32, words: &Range<u32>| {
        let unit = &st.units[u as usize].unit;
        unit.start == words.start && unit.end == words.end
    };
    let short = |p: &UnitPair| {
        p.a.len().min(p.b.len()) < min_words && !(whole(p.ua, &p.a) && whole(p.ub, &p.b))
    };
    let mut kept = Vec::new();
    let mut owner = Vec::new();
    for run in runs {
        let pairs = &run.pairs;
        let len = |i: usize| pairs[i].a.len().min(pairs[i].b.len());
        let owners = run_owners(pairs.len(), len, |i| short(&pairs[i]));
        let mut kept_at = vec![0; pairs.len()];
        for (i, p) in pairs.iter().enumerate() {
            if owners[i] == i {
                kept_at[i] = kept.len();
                kept.push(p);
            }
        }
        owner.extend(owners.iter().map(|&o| kept_at[o]));
    }
    (kept, owner)
}

/// For each of a run's `n` unit pairs (`len(i)`: pair `i`'s shorter
/// side; `short(i)`: shorter than `min_words` on a side and not two
/// whole units), the pair whose occurrence it joins: itself, or — for a
/// short pair in a run whose longest pair is not short, the run's ragged
/// edge — the longest (the first of the longest).
pub(crate) fn run_owners(
    n: usize,
    len: impl Fn(usize) -> usize,
    short: impl Fn(usize) -> bool,
) -> Vec<usize> {
    let longest = (0..n)
        .max_by_key(|&i| (len(i), std::cmp::Reverse(i)))
        .unwrap_or(0);
    // A run whose longest pair is short has no edge to trim.
    let ragged = n > 0 && !short(longest);
    (0..n)
        .map(|i| if ragged && short(i) { longest } else { i })
        .collect()
}

/// One occurrence of a passage: aligned word ranges of one unit that
/// overlap, with their best similarity.
struct Node {
    unit: u32,
    words: Range<u32>,
    similarity: f64,
}

/// The occurrence nodes of `pairs`' two sides, in unit and word order,
/// and the node of each side (`2 · pair + side`).
fn occurrence_nodes(pairs: &[&UnitPair]) -> (Vec<u32>, Vec<Node>) {
    let mut ends: Vec<(u32, Range<u32>, f64, usize)> = Vec::with_capacity(2 * pairs.len());
    for (i, p) in pairs.iter().enumerate() {
        let sim = similarity(p.matches as usize, p.a.len(), p.b.len());
        ends.push((p.ua, p.a.clone(), sim, 2 * i));
        ends.push((p.ub, p.b.clone(), sim, 2 * i + 1));
    }
    ends.sort_unstable_by_key(|e| (e.0, e.1.start, e.1.end, e.3));
    let mut node_of = vec![0u32; ends.len()];
    let mut nodes: Vec<Node> = Vec::new();
    let mut of_unit: Vec<(Range<u32>, f64)> = Vec::new();
    for unit_ends in ends.chunk_by(|x, y| x.0 == y.0) {
        of_unit.clear();
        of_unit.extend(unit_ends.iter().map(|e| (e.1.clone(), e.2)));
        let (node_of_end, unit_nodes) = unit_occurrences(&of_unit);
        for (e, n) in unit_ends.iter().zip(node_of_end) {
            node_of[e.3] = nodes.len() as u32 + n;
        }
        let unit = unit_ends[0].0;
        nodes.extend(unit_nodes.into_iter().map(|(words, similarity)| Node {
            unit,
            words,
            similarity,
        }));
    }
    (node_of, nodes)
}

/// The occurrences of one unit from the aligned word ranges that fall in
/// it (`ends`: range and similarity, sorted by start, then end, then the
/// order of their pairs): each range joins the last occurrence when they
/// overlap by at least half the shorter (the occurrence grows to cover
/// it, and keeps the best similarity), else starts one. Returns each
/// range's occurrence and the occurrences (range, similarity), in order.
pub(crate) fn unit_occurrences(ends: &[(Range<u32>, f64)]) -> (Vec<u32>, Vec<(Range<u32>, f64)>) {
    let mut node_of = Vec::with_capacity(ends.len());
    let mut nodes: Vec<(Range<u32>, f64)> = Vec::new();
    for (words, sim) in ends {
        match nodes.last_mut() {
            Some((n, s)) if same_occurrence(n, words) => {
                *n = n.start.min(words.start)..n.end.max(words.end);
                *s = s.max(*sim);
            }
            _ => nodes.push((words.clone(), *sim)),
        }
        node_of.push(nodes.len() as u32 - 1);
    }
    (node_of, nodes)
}

/// Whether two word ranges of one unit are one occurrence: they overlap
/// by at least half the shorter.
fn same_occurrence(x: &Range<u32>, y: &Range<u32>) -> bool {
    let overlap = x.end.min(y.end).saturating_sub(x.start.max(y.start));
    2 * overlap >= x.len().min(y.len()) as u32
}

/// Document pairs with at least one run, ascending by `(a, b)`; runs come
/// sorted by `(doc_a, doc_b, a.start)`. Containment is filled in later.
pub(super) fn links(
    st: &Stage,
    runs: Vec<Run>,
    weights: &[f64],
    cluster_of_pair: &[u32],
) -> Vec<Link> {
    let mut links: Vec<Link> = Vec::new();
    let mut next_pair = 0;
    for (run, &significance) in runs.into_iter().zip(weights) {
        let clusters: Vec<u32> = cluster_of_pair[next_pair..next_pair + run.pairs.len()].to_vec();
        next_pair += run.pairs.len();
        let (a, b) = (&st.docs[run.doc_a as usize], &st.docs[run.doc_b as usize]);
        let shared = shared_region(
            a,
            b,
            (run.a.clone(), run.b.clone(), run.matches),
            clusters,
            significance,
        );
        match links.last_mut() {
            Some(link) if link.a == run.doc_a && link.b == run.doc_b => {
                link.significance += significance;
                link.shared.push(shared);
            }
            _ => links.push(Link {
                a: run.doc_a,
                b: run.doc_b,
                shared: vec![shared],
                containment_a: 0.0,
                containment_b: 0.0,
                significance,
            }),
        }
    }
    links
}

/// A region documents `a` and `b` share (`region`: word ranges and equal
/// words) as a link reports it: byte spans, similarity, significance, and
/// the passage clusters of its alignments (`clusters`, any order).
pub(crate) fn shared_region(
    a: &super::DocUnits,
    b: &super::DocUnits,
    region: (Range<u32>, Range<u32>, u32),
    mut clusters: Vec<u32>,
    significance: f64,
) -> Shared {
    let (ra, rb, matches) = region;
    clusters.sort_unstable();
    clusters.dedup();
    let span = |doc: &super::DocUnits, w: &Range<u32>| {
        doc.words[w.start as usize].start..doc.words[w.end as usize - 1].end
    };
    Shared {
        clusters,
        a_span: span(a, &ra),
        b_span: span(b, &rb),
        similarity: similarity(matches as usize, ra.len(), rb.len()),
        significance,
    }
}

/// A document's trigrams over its units not flagged in `skip` (its own
/// flags, in unit order): what containment compares.
pub(crate) fn kept_trigrams(doc: &super::DocUnits, skip: &[bool]) -> Trigrams {
    let units = doc
        .units
        .iter()
        .zip(skip)
        .filter(|(_, &s)| !s)
        .map(|(u, _)| u);
    Trigrams::new(doc, units)
}

/// Fills in every link's containment (over each document's units not in
/// `boilerplate`) and, with `min_containment` set, adds a link for each
/// of `candidates` whose containment reaches it in either direction.
/// Links stay ascending by `(a, b)`.
pub(super) fn add_containment(
    st: &Stage,
    links: &mut Vec<Link>,
    candidates: Vec<(u32, u32)>,
    boilerplate: &[bool],
) {
    let mut needed = vec![false; st.docs.len()];
    let pairs = links
        .iter()
        .map(|l| (l.a, l.b))
        .chain(candidates.iter().copied());
    for (a, b) in pairs {
        needed[a as usize] = true;
        needed[b as usize] = true;
    }
    let trigrams = |d: usize| kept_trigrams(&st.docs[d], &boilerplate[st.units_of(d as u32)]);
    let sets: Vec<Trigrams> = needed
        .par_iter()
        .enumerate()
        .map(|(d, &n)| if n { trigrams(d) } else { Trigrams::default() })
        .collect();
    // The links' documents lie anywhere in the list: each link asks for
    // the trigrams of the link two ahead.
    for k in 0..links.len() {
        if let Some(next) = links.get(k + 2) {
            sets[next.a as usize].prefetch();
            sets[next.b as usize].prefetch();
        }
        let l = &mut links[k];
        (l.containment_a, l.containment_b) = containment(&sets[l.a as usize], &sets[l.b as usize]);
    }
    let Some(min) = st.opts.min_containment else {
        return;
    };
    let linked: AHashSet<(u32, u32)> = links.iter().map(|l| (l.a, l.b)).collect();
    let added: Vec<Link> = candidates
        .into_par_iter()
        .filter(|p| !linked.contains(p))
        .filter_map(|(a, b)| {
            let (ca, cb) = containment(&sets[a as usize], &sets[b as usize]);
            (ca.max(cb) >= min).then_some(Link {
                a,
                b,
                shared: Vec::new(),
                containment_a: ca,
                containment_b: cb,
                significance: 0.0,
            })
        })
        .collect();
    links.extend(added);
    links.sort_by_key(|l| (l.a, l.b));
}
