//! Step 2, candidates: non-boilerplate units → the unit pairs worth
//! aligning (and, for containment, the document pairs worth comparing).
//!
//! Every window of `anchor_words` words in a unit is an anchor; an
//! inverted index (a sorted list of (anchor, unit)) gives, per pair of
//! units in different documents, the number of anchors they share — an
//! exact count, not an estimate. Anchors found in `min_docs` families or
//! more (and never in more than [`MAX_ANCHOR_FAMILIES`]) are too common to
//! mean reuse and are skipped. Pairs sharing at least
//! `min_shared_anchors` anchors are candidates.

use std::ops::Range;

use ahash::AHashMap;
use rayon::prelude::*;

use super::stage::Stage;
use super::{window_anchors, UnitRef, MIN_CONTAINMENT_ANCHORS};

/// An anchor found in this many families or more is not used to pair
/// units: a 4-word phrase that common ("according to the latest") says
/// nothing about reuse, and enumerating its pairs is quadratic. A passage
/// reposted this widely is still found through its rarer anchors only if
/// it has some; measured on a 110,000-article news-like corpus, without
/// the cap the pair list outgrew 24 GB.
const MAX_ANCHOR_FAMILIES: usize = 100;

/// The inverted index of anchors, grouped for pairing.
pub(super) struct AnchorIndex {
    /// (anchor, unit) packed into one u64 — the anchor hash's high bits
    /// above the unit id — so the index is one sort of u64s. Truncating
    /// the anchor hash to (64 − unit bits) bits can make two anchors
    /// collide; at ≥ 40 bits that is a handful of spurious shared anchors
    /// in millions, which the shared-anchor minimum and the alignment
    /// absorb.
    keys: Vec<u64>,
    unit_mask: u64,
    /// Each usable anchor's keys (a range of `keys`), reordered by
    /// (family, unit).
    groups: Vec<Range<usize>>,
    /// Runs of one family within groups: `family_runs[g]` indexes
    /// `runs_of` for group `g`, so that a unit of a family too large to
    /// align within skips its own family's run whole (10,000 syndicated
    /// copies share every anchor).
    runs_of: Vec<Range<usize>>,
    family_runs: Vec<Range<u32>>,
    /// (unit, group) for every key of every group, sorted: each unit's
    /// groups.
    by_unit: Vec<(u32, u32)>,
}

impl AnchorIndex {
    /// Indexes the anchors of the units not flagged in `skip`.
    pub fn new(st: &Stage, skip: &[bool]) -> Self {
        let unit_bits = (u32::BITS - (st.units.len().max(2) as u32 - 1).leading_zeros()).max(1);
        let unit_mask = (1u64 << unit_bits) - 1;
        let unit_anchors = |(u, unit): (usize, &UnitRef)| -> Vec<u64> {
            let hashes = st.hashes(unit);
            window_anchors(&hashes, st.opts.anchor_words)
                .map(|a| (a << unit_bits) | u as u64)
                .collect()
        };
        let mut keys: Vec<u64> = if st.parallel {
            let mut keys: Vec<u64> = st
                .units
                .par_iter()
                .enumerate()
                .filter(|(u, _)| !skip[*u])
                .flat_map_iter(unit_anchors)
                .collect();
            keys.par_sort_unstable();
            keys
        } else {
            let mut keys: Vec<u64> = st
                .units
                .iter()
                .enumerate()
                .filter(|(u, _)| !skip[*u])
                .flat_map(unit_anchors)
                .collect();
            keys.sort_unstable();
            keys
        };
        // A unit repeating an anchor counts it once.
        keys.dedup();
        let mut index = AnchorIndex {
            keys,
            unit_mask,
            groups: Vec::new(),
            runs_of: Vec::new(),
            family_runs: Vec::new(),
            by_unit: Vec::new(),
        };
        index.group(st, unit_bits);
        index
    }

    fn unit_of(&self, key: u64) -> u32 {
        (key & self.unit_mask) as u32
    }

    /// Group `g`'s keys, one slice per family (in unit order).
    fn family_members(&self, g: u32) -> impl Iterator<Item = &[u64]> + '_ {
        let runs = &self.family_runs[g as usize];
        self.runs_of[runs.start as usize..runs.end as usize]
            .iter()
            .map(|run| &self.keys[run.clone()])
    }

    /// Groups of one anchor's units that can pair them: not boilerplate-
    /// or stock-phrase-common (families ≤ postings, so only long lists
    /// can be too common; pairs grow with the square of the list), cut
    /// into runs of one family; then each unit's groups.
    fn group(&mut self, st: &Stage, unit_bits: u32) {
        let limit = st.min_docs.min(MAX_ANCHOR_FAMILIES);
        let mut at = 0;
        for group in self.keys.chunk_by(|x, y| x >> unit_bits == y >> unit_bits) {
            let range = at..at + group.len();
            at = range.end;
            let too_common = group.len() >= limit
                && st.distinct_families(group.iter().map(|&k| st.doc_of(self.unit_of(k)))) >= limit;
            if group.len() > 1 && !too_common {
                self.groups.push(range);
            }
        }
        let mask = self.unit_mask;
        let unit_of = |k: u64| (k & mask) as u32;
        for g in &self.groups {
            let members = &mut self.keys[g.clone()];
            members.sort_unstable_by_key(|&k| (st.family_of(unit_of(k)), unit_of(k)));
            let first = self.runs_of.len() as u32;
            let mut start = g.start;
            for run in
                members.chunk_by(|a, b| st.family_of(unit_of(*a)) == st.family_of(unit_of(*b)))
            {
                self.runs_of.push(start..start + run.len());
                start += run.len();
            }
            self.family_runs.push(first..self.runs_of.len() as u32);
        }
        // Counting per unit `x` the anchors it shares with every later
        // unit `y` in a tally, rather than listing a (pair, anchor) entry
        // for every shared anchor and sorting them all (8 bytes per pair
        // and anchor: most of the memory of a scan of overlapping text).
        let keys = &self.keys;
        self.by_unit = self
            .groups
            .iter()
            .enumerate()
            .flat_map(|(g, r)| keys[r.clone()].iter().map(move |&k| (unit_of(k), g as u32)))
            .collect();
        if st.parallel {
            self.by_unit.par_sort_unstable();
        } else {
            self.by_unit.sort_unstable();
        }
    }
}

/// The unit pairs `(x, y)`, `x < y`, in different documents, sharing at
/// least `min_shared_anchors` anchors; within one family only if the
/// family is small enough to align its members. Ascending.
pub(super) fn unit_candidates(st: &Stage, index: &AnchorIndex) -> Vec<(u32, u32)> {
    let candidates_of = |tally: &mut PairTally, of_x: &[(u32, u32)]| -> Vec<(u32, u32)> {
        let x = of_x[0].0;
        let fx = st.family_of(x);
        for &(_, g) in of_x {
            let runs = &index.family_runs[g as usize];
            for run in &index.runs_of[runs.start as usize..runs.end as usize] {
                let members = &index.keys[run.clone()];
                let f = st.family_of(index.unit_of(members[0]));
                if f == fx && !st.aligns_within(f) {
                    continue;
                }
                // A run is in unit order: the later units follow `x`.
                let after = members.partition_point(|&k| index.unit_of(k) <= x);
                for &k in &members[after..] {
                    let y = index.unit_of(k);
                    if st.doc_of(y) != st.doc_of(x) {
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
        for &g in &mine {
            for members in index.family_members(g) {
                let f = st.family_of(index.unit_of(members[0]));
                if f == fx && !st.aligns_within(f) {
                    continue;
                }
                for &k in members {
                    let y = st.doc_of(index.unit_of(k));
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
    let pairs_of = |g: usize| -> Vec<u64> {
        if index.family_runs[g].len() > max_families {
            return Vec::new();
        }
        // Each family's documents, once each (a run is in unit order).
        let families: Vec<(bool, Vec<u32>)> = index
            .family_members(g as u32)
            .map(|members| {
                let f = st.family_of(index.unit_of(members[0]));
                let mut docs: Vec<u32> = members
                    .iter()
                    .map(|&k| st.doc_of(index.unit_of(k)))
                    .collect();
                docs.dedup();
                (st.aligns_within(f), docs)
            })
            .collect();
        let pair = |x: u32, y: u32| (u64::from(x.min(y)) << 32) | u64::from(x.max(y));
        let mut out = Vec::new();
        for (i, (within, docs)) in families.iter().enumerate() {
            if *within {
                for (k, &x) in docs.iter().enumerate() {
                    out.extend(docs[k + 1..].iter().map(|&y| pair(x, y)));
                }
            }
            for (_, others) in &families[i + 1..] {
                for &x in docs {
                    out.extend(others.iter().map(|&y| pair(x, y)));
                }
            }
        }
        out
    };
    let groups = 0..index.groups.len();
    let pairs: Vec<u64> = if st.parallel {
        let mut v: Vec<u64> = groups.into_par_iter().flat_map_iter(pairs_of).collect();
        v.par_sort_unstable();
        v
    } else {
        let mut v: Vec<u64> = groups.flat_map(pairs_of).collect();
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
