//! Steps 5 to 7, clusters and links: runs → passage clusters (every
//! occurrence of one passage across the corpus), the links between the
//! documents that share them, and each link's containment.

use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;

use super::runs::Run;
use super::stage::Stage;
use super::{Link, Occurrence, PassageCluster, Shared};
use crate::align::similarity;
use crate::cluster::{find, union};
use crate::containment::{containment, Trigrams};

/// Union-find over the units of surviving alignments: reuse clusters
/// (by first unit), then `boilerplate` groups as boilerplate clusters
/// (largest first). Also returns each aligned unit's cluster id.
pub(super) fn passage_clusters(
    st: &Stage,
    runs: &[Run],
    mut boilerplate: Vec<Vec<u32>>,
) -> (Vec<PassageCluster>, AHashMap<u32, u32>) {
    let mut parent: Vec<u32> = (0..st.units.len() as u32).collect();
    for p in runs.iter().flat_map(|r| &r.pairs) {
        union(&mut parent, p.ua, p.ub);
    }
    // Occurrence per unit: the union of its aligned word ranges, with its
    // best similarity.
    let mut occurrence: AHashMap<u32, (std::ops::Range<u32>, f64)> = AHashMap::new();
    for p in runs.iter().flat_map(|r| &r.pairs) {
        let sim = similarity(p.matches as usize, p.a.len(), p.b.len());
        for (u, r) in [(p.ua, &p.a), (p.ub, &p.b)] {
            let e = occurrence.entry(u).or_insert((r.clone(), sim));
            e.0 = e.0.start.min(r.start)..e.0.end.max(r.end);
            e.1 = e.1.max(sim);
        }
    }
    let mut by_root: AHashMap<u32, Vec<u32>> = AHashMap::new();
    let mut occurring: Vec<u32> = occurrence.keys().copied().collect();
    occurring.sort_unstable();
    for u in occurring {
        by_root.entry(find(&mut parent, u)).or_default().push(u);
    }
    let mut reuse: Vec<Vec<u32>> = by_root.into_values().collect();
    reuse.sort_unstable_by_key(|members| members[0]);

    let mut cluster_of_unit: AHashMap<u32, u32> = AHashMap::new();
    let mut clusters: Vec<PassageCluster> = Vec::with_capacity(reuse.len() + boilerplate.len());
    for members in &reuse {
        let id = clusters.len() as u32;
        let occurrences = members
            .iter()
            .map(|&u| {
                cluster_of_unit.insert(u, id);
                let (words, sim) = occurrence[&u].clone();
                let doc = st.doc_of(u);
                Occurrence {
                    doc,
                    span: st.byte_span(doc, words),
                    similarity: sim,
                }
            })
            .collect();
        clusters.push(PassageCluster {
            boilerplate: false,
            occurrences,
        });
    }
    boilerplate.sort_by(|x, y| y.len().cmp(&x.len()).then(x[0].cmp(&y[0])));
    for members in boilerplate {
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
        clusters.push(PassageCluster {
            boilerplate: true,
            occurrences,
        });
    }
    (clusters, cluster_of_unit)
}

/// Document pairs with at least one run, ascending by `(a, b)`; runs come
/// sorted by `(doc_a, doc_b, a.start)`. Containment is filled in later.
pub(super) fn links(
    st: &Stage,
    runs: Vec<Run>,
    weights: &[f64],
    cluster_of_unit: &AHashMap<u32, u32>,
) -> Vec<Link> {
    let mut links: Vec<Link> = Vec::new();
    for (run, &significance) in runs.into_iter().zip(weights) {
        let mut clusters: Vec<u32> = run.pairs.iter().map(|p| cluster_of_unit[&p.ua]).collect();
        clusters.sort_unstable();
        clusters.dedup();
        let shared = Shared {
            clusters,
            a_span: st.byte_span(run.doc_a, run.a.clone()),
            b_span: st.byte_span(run.doc_b, run.b.clone()),
            similarity: similarity(run.matches as usize, run.a.len(), run.b.len()),
            significance,
        };
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
    let trigrams = |d: usize| {
        let units = st.units_of(d as u32).filter(|&u| !boilerplate[u]);
        Trigrams::new(&st.docs[d], units.map(|u| &st.units[u].unit))
    };
    let sets: Vec<Trigrams> = needed
        .par_iter()
        .enumerate()
        .map(|(d, &n)| if n { trigrams(d) } else { Trigrams::default() })
        .collect();
    for l in links.iter_mut() {
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
