//! Step 2, candidates: non-boilerplate units → the unit pairs worth
//! aligning (and, for containment, the document pairs worth comparing).
//!
//! Every window of `anchor_words` words in a unit is an anchor; an
//! inverted index (a sorted list of (anchor, unit)) gives, per pair of
//! units in different documents, the number of anchors they share — an
//! exact count, not an estimate. Anchors found in `min_docs` families or
//! more (and never in more than [`MAX_ANCHOR_FAMILIES`]) are too common to
//! mean reuse and are skipped. An anchor in fewer than
//! [`CLIQUE_FAMILIES`] families pairs every two of its units; one in more
//! pairs each of its units only with the units of its first
//! [`HUB_FAMILIES`] families (a family is numbered by its first
//! document: the earliest), and those with every unit ([`hub_families`]).
//! Pairs sharing at least `min_shared_anchors` anchors are candidates.

use std::ops::Range;

use ahash::AHashMap;
use rayon::prelude::*;

use super::stage::Stage;
use super::{window_anchors, MIN_CONTAINMENT_ANCHORS};

/// An anchor found in this many families or more is not used to pair
/// units: a 4-word phrase that common ("according to the latest") says
/// nothing about reuse, and enumerating its pairs is quadratic. A passage
/// reposted this widely is still found through its rarer anchors only if
/// it has some; measured on a 110,000-article news-like corpus, without
/// the cap the pair list outgrew 24 GB.
pub const MAX_ANCHOR_FAMILIES: usize = 100;

/// An anchor found in fewer families pairs every two of its units: the
/// boilerplate frequency of a corpus of under 5,000 documents
/// ([`super::auto_boilerplate_min_docs`]), so that small corpora pair
/// every anchor they use this way.
pub const CLIQUE_FAMILIES: usize = 25;

/// An anchor found in [`CLIQUE_FAMILIES`] families or more pairs each of
/// its units with the units of its first this many families (the
/// earliest) only, and those with every unit: a passage reposted that
/// widely is found in every story that carries it, each aligned with the
/// earliest copies (where it came from), and clustered through them,
/// without aligning every two of its copies. Pairing every two units of
/// an anchor in `f` families costs `f²`; a corpus whose boilerplate
/// frequency grows with its size let that cost grow with the square of
/// the corpus (on Markov text made from the BBC corpus, 3.1 times the
/// passage stage's time for twice the articles at 20,000; 2.2 to 2.3
/// with hubs).
pub const HUB_FAMILIES: usize = 2;

// Rare anchors pair every two of their documents.
const _: () = assert!(super::RARE_ANCHOR_FAMILIES < CLIQUE_FAMILIES);

/// How many of an anchor's first families (by number) are hubs, for an
/// anchor found in `families` families: every one below
/// [`CLIQUE_FAMILIES`], else [`HUB_FAMILIES`]. Two units holding the
/// anchor pair when either is in a hub family.
pub fn hub_families(families: usize) -> usize {
    if families < CLIQUE_FAMILIES {
        families
    } else {
        HUB_FAMILIES
    }
}

/// Bits of a unit number in a corpus of `units` units (at least 1). The
/// index packs an anchor and a unit into one `u64`, the anchor's hash
/// shifted above the unit number, so anchors are told apart by their
/// hash's low `64 − unit_bits` bits ([`anchor_key`]). Truncating can make
/// two anchors collide; at ≥ 40 bits that is a handful of spurious shared
/// anchors in millions, which the shared-anchor minimum and the alignment
/// absorb.
pub fn unit_bits(units: usize) -> u32 {
    (u32::BITS - (units.max(2) as u32 - 1).leading_zeros()).max(1)
}

/// The key by which the index groups anchor hash `anchor` in a corpus
/// whose unit numbers take `unit_bits` bits.
pub fn anchor_key(anchor: u64, unit_bits: u32) -> u64 {
    (anchor << unit_bits) >> unit_bits
}

/// Whether an anchor held by `units` distinct units pairs them: it must
/// be in two units or more, and not in `min(min_docs, MAX_ANCHOR_FAMILIES)`
/// families or more (boilerplate- or stock-phrase-common; `families`
/// counts them, and is called only for a list that long).
pub fn pairs_units(units: usize, families: impl FnOnce() -> usize, min_docs: usize) -> bool {
    let limit = min_docs.min(MAX_ANCHOR_FAMILIES);
    units >= 2 && !(units >= limit && families() >= limit)
}

/// The inverted index of anchors, grouped for pairing.
pub(super) struct AnchorIndex {
    /// The units of every usable anchor (found in two units or more, and
    /// not too common), as (unit, document), one anchor after another,
    /// each anchor's by family and then unit: pairing reads an anchor's
    /// units as slices, without looking up each one's document elsewhere
    /// (the pairing loops visit a common anchor's units once per unit, and
    /// were bound by those look-ups).
    members: Vec<(u32, u32)>,
    /// Runs of one family among the members: (members, family). A unit of
    /// a family too large to align within skips its own family's run
    /// whole (10,000 syndicated copies share every anchor).
    runs: Vec<(Range<u32>, u32)>,
    /// Each usable anchor's runs (a range of `runs`).
    groups: Vec<Range<u32>>,
    /// (unit, group) for every member of every group, sorted: each unit's
    /// groups.
    by_unit: Vec<(u32, u32)>,
}

impl AnchorIndex {
    /// Indexes the anchors of the units not flagged in `skip`.
    pub fn new(st: &Stage, skip: &[bool]) -> Self {
        // (anchor, unit) packed into one u64 — the anchor hash's high
        // bits above the unit id — so the index is one sort of u64s.
        // Truncating the anchor hash to (64 − unit bits) bits can make two
        // anchors collide; at ≥ 40 bits that is a handful of spurious
        // shared anchors in millions, which the shared-anchor minimum and
        // the alignment absorb.
        let unit_bits = unit_bits(st.units.len());
        // Every unit's keys written into one list of the exact size, each
        // into its own stretch: collecting them through growing vectors
        // spent more on page faults and copies than on hashing.
        let n = st.opts.anchor_words;
        let sizes = st.units.iter().enumerate().map(|(u, unit)| {
            let len = (unit.unit.end - unit.unit.start) as usize;
            if skip[u] || len == 0 {
                0
            } else {
                len - n.max(1).min(len) + 1
            }
        });
        let mut keys = vec![0u64; sizes.clone().sum()];
        let mut stretches: Vec<(usize, &mut [u64])> = Vec::with_capacity(st.units.len());
        let mut rest = keys.as_mut_slice();
        for (u, size) in sizes.enumerate() {
            let (stretch, tail) = std::mem::take(&mut rest).split_at_mut(size);
            if size > 0 {
                stretches.push((u, stretch));
            }
            rest = tail;
        }
        let fill = |hashes: &mut Vec<u64>, (u, stretch): (usize, &mut [u64])| {
            let unit = &st.units[u];
            hashes.clear();
            hashes.extend(
                st.docs[unit.doc as usize].words[unit.unit.start as usize..unit.unit.end as usize]
                    .iter()
                    .map(|w| w.hash),
            );
            for (key, a) in stretch.iter_mut().zip(window_anchors(hashes, n)) {
                *key = (a << unit_bits) | u as u64;
            }
        };
        if st.parallel {
            stretches.into_par_iter().for_each_init(Vec::new, fill);
        } else {
            let mut hashes = Vec::new();
            stretches.into_iter().for_each(|s| fill(&mut hashes, s));
        }
        // Only anchors held twice or more can pair units: the others are
        // dropped as the keys are sorted.
        let mut keys = crate::sorted::sort_repeated(keys, unit_bits, st.parallel);
        // A unit repeating an anchor counts it once.
        keys.dedup();
        let mut index = AnchorIndex {
            members: Vec::new(),
            runs: Vec::new(),
            groups: Vec::new(),
            by_unit: Vec::new(),
        };
        index.group(st, &keys, unit_bits);
        index
    }

    /// Group `g`'s runs, in family order: (members, family).
    fn group_runs(&self, g: u32) -> &[(Range<u32>, u32)] {
        let r = &self.groups[g as usize];
        &self.runs[r.start as usize..r.end as usize]
    }

    /// Group `g`'s runs: each family's members, (unit, document) in unit
    /// order, with the family.
    fn runs_of(&self, g: u32) -> impl Iterator<Item = (&[(u32, u32)], u32)> + '_ {
        self.group_runs(g)
            .iter()
            .map(|(m, f)| (&self.members[m.start as usize..m.end as usize], *f))
    }

    /// How many of group `g`'s runs a unit of family `f` (one of the
    /// group's) pairs with: all when `f` is a hub family of the group
    /// ([`hub_families`]), else the hubs'. Runs are in family order.
    fn partner_runs(&self, g: u32, f: u32) -> usize {
        let (all, hubs) = (self.group_runs(g).len(), self.hub_runs(g));
        // Every family of a small group is a hub: no need to look.
        if hubs.len() == all || hubs.iter().any(|&(_, hf)| hf == f) {
            all
        } else {
            hubs.len()
        }
    }

    /// Asks the processor for group `g`'s runs that every unit of the
    /// group reads: its hub families' ([`hub_families`]). Reads only the
    /// group's range (asked for earlier).
    fn prefetch_runs(&self, g: u32) {
        crate::prefetch::slice(self.hub_runs(g));
    }

    /// Asks the processor for the members of group `g`'s hub runs (most
    /// units of a large group read two families' of it, and asking for
    /// all its members cost 1% of a scan of 20,000 Markov articles).
    /// Reads the runs' bounds: ask for them first ([`Self::prefetch_runs`]).
    fn prefetch_members(&self, g: u32) {
        let runs = self.hub_runs(g);
        if let (Some(first), Some(last)) = (runs.first(), runs.last()) {
            crate::prefetch::slice(&self.members[first.0.start as usize..last.0.end as usize]);
        }
    }

    /// Group `g`'s runs of its hub families.
    fn hub_runs(&self, g: u32) -> &[(Range<u32>, u32)] {
        let runs = self.group_runs(g);
        &runs[..hub_families(runs.len())]
    }

    /// Groups of one anchor's units that can pair them: found in two
    /// units or more, and not boilerplate- or stock-phrase-common
    /// (families ≤ postings, so only long lists can be too common; pairs
    /// grow with the square of the list), cut into runs of one family;
    /// then each unit's groups.
    fn group(&mut self, st: &Stage, keys: &[u64], unit_bits: u32) {
        let unit_of = |k: u64| (k & ((1u64 << unit_bits) - 1)) as u32;
        let mut members: Vec<(u32, u32, u32)> = Vec::new();
        for group in keys.chunk_by(|x, y| x >> unit_bits == y >> unit_bits) {
            // Families are counted only for long lists (families ≤
            // units): the rule needs them only there.
            let families = || st.distinct_families(group.iter().map(|&k| st.doc_of(unit_of(k))));
            if !pairs_units(group.len(), families, st.min_docs) {
                continue;
            }
            members.clear();
            members.extend(group.iter().map(|&k| {
                let (u, d) = (unit_of(k), st.doc_of(unit_of(k)));
                (st.family[d as usize], u, d)
            }));
            members.sort_unstable();
            let first_run = self.runs.len() as u32;
            for run in members.chunk_by(|x, y| x.0 == y.0) {
                let start = self.members.len() as u32;
                self.members.extend(run.iter().map(|&(_, u, d)| (u, d)));
                self.runs.push((start..self.members.len() as u32, run[0].0));
            }
            self.groups.push(first_run..self.runs.len() as u32);
        }
        // Counting per unit `x` the anchors it shares with every later
        // unit `y` in a tally, rather than listing a (pair, anchor) entry
        // for every shared anchor and sorting them all (8 bytes per pair
        // and anchor: most of the memory of a scan of overlapping text).
        // A counting sort on the unit: groups are visited in ascending
        // order and hold a unit once, so each unit's groups come out
        // ascending — the order a sort of the (unit, group) pairs gives,
        // in two passes over the members instead of a sort of them.
        let mut at = vec![0u32; st.units.len() + 1];
        for &(u, _) in &self.members {
            at[u as usize + 1] += 1;
        }
        crate::sorted::running_sums(&mut at);
        let mut by_unit = vec![(0, 0); self.members.len()];
        for g in 0..self.groups.len() as u32 {
            for (members, _) in self.runs_of(g) {
                for &(u, _) in members {
                    let slot = &mut at[u as usize];
                    by_unit[*slot as usize] = (u, g);
                    *slot += 1;
                }
            }
        }
        self.by_unit = by_unit;
    }
}

/// The unit pairs `(x, y)`, `x < y`, in different documents, sharing at
/// least `min_shared_anchors` anchors; within one family only if the
/// family is small enough to align its members. Ascending.
pub(super) fn unit_candidates(st: &Stage, index: &AnchorIndex) -> Vec<(u32, u32)> {
    let candidates_of = |tally: &mut PairTally, of_x: &[(u32, u32)]| -> Vec<(u32, u32)> {
        let x = of_x[0].0;
        let dx = st.doc_of(x);
        let fx = st.family[dx as usize];
        let own_family_too_large = !st.aligns_within(fx);
        for (t, &(_, g)) in of_x.iter().enumerate() {
            // The anchors' postings lie anywhere in the index, each found
            // through the one before: ask for the group six anchors ahead,
            // the runs of the one four ahead (its group asked for before),
            // the members of the one two ahead (its runs asked for).
            if let Some(&(_, next)) = of_x.get(t + 6) {
                crate::prefetch::slice(std::slice::from_ref(&index.groups[next as usize]));
            }
            if let Some(&(_, next)) = of_x.get(t + 4) {
                index.prefetch_runs(next);
            }
            if let Some(&(_, next)) = of_x.get(t + 2) {
                index.prefetch_members(next);
            }
            let partners = index.partner_runs(g, fx);
            for (members, f) in index.runs_of(g).take(partners) {
                if f == fx && own_family_too_large {
                    continue;
                }
                // A run is in unit order: the later units follow `x`.
                let after = members.partition_point(|&(u, _)| u <= x);
                for &(y, dy) in &members[after..] {
                    if dy != dx {
                        tally.add(y);
                    }
                }
            }
        }
        tally.take(st.opts.min_shared_anchors, x)
    };
    if st.parallel {
        index
            .by_unit
            .par_chunk_by(|a, b| a.0 == b.0)
            .map_init(|| PairTally::new(st.units.len()), candidates_of)
            .flatten_iter()
            .collect()
    } else {
        let mut tally = PairTally::new(st.units.len());
        index
            .by_unit
            .chunk_by(|a, b| a.0 == b.0)
            .flat_map(|of_x| candidates_of(&mut tally, of_x))
            .collect()
    }
}

/// Document pairs `(x, y)`, `x < y`, sharing at least
/// [`MIN_CONTAINMENT_ANCHORS`] of the index's anchors (each anchor
/// counted once per pair); within one family only if the family is small
/// enough to align its members. Ascending.
pub(super) fn doc_candidates(st: &Stage, index: &AnchorIndex) -> Vec<(u32, u32)> {
    let by_unit = &index.by_unit;
    let mut counts: AHashMap<u32, (u32, u32)> = AHashMap::new();
    let mut out = Vec::new();
    // A document's units are one stretch of `by_unit`.
    let mut at = 0;
    while at < by_unit.len() {
        let x = st.doc_of(by_unit[at].0);
        let mut mine: Vec<u32> = Vec::new();
        while at < by_unit.len() && st.doc_of(by_unit[at].0) == x {
            mine.push(by_unit[at].1);
            at += 1;
        }
        mine.sort_unstable();
        mine.dedup();
        counts.clear();
        let fx = st.family[x as usize];
        let own_family_too_large = !st.aligns_within(fx);
        for &g in &mine {
            let partners = index.partner_runs(g, fx);
            for (members, f) in index.runs_of(g).take(partners) {
                if f == fx && own_family_too_large {
                    continue;
                }
                for &(_, y) in members {
                    let e = counts.entry(y).or_insert((0, u32::MAX));
                    if y > x && e.1 != g {
                        *e = (e.0 + 1, g);
                    }
                }
            }
        }
        let mut found: Vec<(u32, u32)> = counts
            .iter()
            .filter(|(_, &(n, _))| n >= MIN_CONTAINMENT_ANCHORS)
            .map(|(&y, _)| (x, y))
            .collect();
        found.sort_unstable();
        out.extend(found);
    }
    out
}

/// Document pairs `(x, y)`, `x < y`, sharing at least
/// [`MIN_CONTAINMENT_ANCHORS`] anchors found in at most `max_families`
/// families, as [`doc_candidates`] counts them. Each such anchor lists
/// its pairs (there are few: its documents are in few families) and the
/// lists are counted in one sort, so the pass reads the index in order.
pub(super) fn rare_doc_candidates(
    st: &Stage,
    index: &AnchorIndex,
    max_families: usize,
) -> Vec<(u32, u32)> {
    // Per worker: the pairs listed, and one group's documents family by
    // family (where each family's documents end, and whether the family
    // is compared within), kept from group to group.
    type Lists = (Vec<u64>, Vec<u32>, Vec<(usize, bool)>);
    let list_pairs = |(mut out, mut docs, mut ends): Lists, g: usize| -> Lists {
        let runs = &index.groups[g];
        if (runs.end - runs.start) as usize > max_families {
            return (out, docs, ends);
        }
        // Each family's documents, once each (a run is in unit order, so
        // in document order).
        docs.clear();
        ends.clear();
        for (members, f) in index.runs_of(g as u32) {
            let from = docs.len();
            for &(_, d) in members {
                if docs.len() == from || docs[docs.len() - 1] != d {
                    docs.push(d);
                }
            }
            ends.push((docs.len(), st.aligns_within(f)));
        }
        let pair = |x: u32, y: u32| (u64::from(x.min(y)) << 32) | u64::from(x.max(y));
        let mut start = 0;
        for &(end, within) in &ends {
            let (family, later) = (&docs[start..end], &docs[end..]);
            for (k, &x) in family.iter().enumerate() {
                if within {
                    out.extend(family[k + 1..].iter().map(|&y| pair(x, y)));
                }
                out.extend(later.iter().map(|&y| pair(x, y)));
            }
            start = end;
        }
        (out, docs, ends)
    };
    let groups = 0..index.groups.len();
    let pairs: Vec<u64> = if st.parallel {
        let mut v: Vec<u64> = groups
            .into_par_iter()
            .fold(Lists::default, list_pairs)
            .map(|(out, _, _)| out)
            .reduce(Vec::new, |mut a, mut b| {
                a.append(&mut b);
                a
            });
        v.par_sort_unstable();
        v
    } else {
        let (mut v, _, _) = groups.fold(Lists::default(), list_pairs);
        v.sort_unstable();
        v
    };
    pairs
        .chunk_by(|a, b| a == b)
        .filter(|run| run.len() >= MIN_CONTAINMENT_ANCHORS as usize)
        .map(|run| ((run[0] >> 32) as u32, run[0] as u32))
        .collect()
}

/// Shared-anchor counts of one unit with later units: a count per unit,
/// and the units counted, so that forgetting them costs what counting
/// them did.
struct PairTally {
    counts: Vec<u32>,
    touched: Vec<u32>,
}

impl PairTally {
    fn new(units: usize) -> Self {
        PairTally {
            counts: vec![0; units],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, y: u32) {
        let c = &mut self.counts[y as usize];
        if *c == 0 {
            self.touched.push(y);
        }
        *c += 1;
    }

    /// The pairs `(x, y)` counted at least `min` times, `y` ascending;
    /// forgets every count.
    fn take(&mut self, min: usize, x: u32) -> Vec<(u32, u32)> {
        let mut out: Vec<(u32, u32)> = Vec::new();
        for &y in &self.touched {
            if self.counts[y as usize] as usize >= min {
                out.push((x, y));
            }
            self.counts[y as usize] = 0;
        }
        self.touched.clear();
        out.sort_unstable();
        out
    }
}
