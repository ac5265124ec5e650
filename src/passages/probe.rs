//! The gate's form of the passage stage: one document aligned against
//! others, one at a time.

use std::ops::Range;

use ahash::AHashMap;

use super::frequent::{story_before, tail_of, Tail, BODY_WORDS};
use super::rewrites::{bag_regions, region_run};
use super::runs::{align_units, merge_runs, with_rewrites, UnitPair, UnitWords};
use super::{
    unit_hashes, unit_refs, window_anchors, DocUnits, PassageOptions, Rewrites,
    MIN_CONTAINMENT_ANCHORS,
};
use crate::align::{similarity, Aligner};
use crate::boilerplate::fingerprint;
use crate::units::Unit;

/// One document prepared for alignment against others, one at a time: the
/// gate's form of the passage stage, which aligns an incoming article
/// with each of its candidates.
///
/// [`PassageProbe::shared_with`] returns exactly the shared regions that
/// [`super::find_passages`] reports for the pair `[probe, other]` (two families,
/// no frequency boilerplate, no known boilerplate lines; chrome by
/// position as the stage finds it for two documents: a unit both hold
/// in their tails, `frequent::tail_of`), without recomputing the probe's
/// anchors for every candidate. A test checks the two agree.
pub struct PassageProbe<'a> {
    doc: &'a DocUnits,
    /// The probe's units by anchor (each unit once per anchor).
    anchors: AHashMap<u64, Vec<u32>>,
    /// Each of the probe's units as its fingerprint and place
    /// ([`unit_fingerprints`]).
    fingerprints: Vec<UnitPlace>,
    opts: PassageOptions,
    aligner: Aligner,
}

/// A region shared by a probe and another document (see [`PassageProbe`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SharedRegion {
    /// Byte span in the probe's text.
    pub a_span: Range<u32>,
    /// Byte span in the other document's text.
    pub b_span: Range<u32>,
    /// Similarity of the aligned region.
    pub similarity: f64,
}

impl<'a> PassageProbe<'a> {
    /// Prepares `doc`; `opts.boilerplate_min_docs` and
    /// `opts.known_boilerplate` are not used (leave out boilerplate units
    /// before calling, as the gate does).
    pub fn new(doc: &'a DocUnits, opts: &PassageOptions) -> Self {
        let mut anchors: AHashMap<u64, Vec<u32>> = AHashMap::new();
        let mut hashes = Vec::new();
        for (u, unit) in doc.units.iter().enumerate() {
            unit_hashes(doc, unit, &mut hashes);
            for a in window_anchors(&hashes, opts.anchor_words) {
                let units = anchors.entry(a).or_default();
                // Units are visited in order: a repeat is the last one.
                if units.last() != Some(&(u as u32)) {
                    units.push(u as u32);
                }
            }
        }
        PassageProbe {
            doc,
            anchors,
            fingerprints: unit_fingerprints(doc),
            opts: opts.clone(),
            aligner: Aligner::default(),
        }
    }

    /// The regions the probe shares with `other`, in the probe's order.
    pub fn shared_with(&mut self, other: &DocUnits) -> Vec<SharedRegion> {
        let na = self.doc.units.len() as u32;
        let (chrome_a, chrome_b) = pair_chrome(&self.fingerprints, &unit_fingerprints(other));
        // Shared-anchor counts per (probe unit, other unit), packed as
        // `find_passages` numbers units: the probe's first, then other's.
        let mut hits: Vec<u64> = Vec::new();
        let mut mine: Vec<u64> = Vec::new();
        // The distinct anchors the two share, counted only when pairs
        // without an aligned passage are searched for rewrites (they need
        // a minimum; between two documents every anchor is rare).
        let count_shared = matches!(self.opts.rewrites, Rewrites::Rare | Rewrites::All);
        let mut shared: Vec<u64> = Vec::new();
        let mut hashes = Vec::new();
        for (v, unit) in other.units.iter().enumerate() {
            if chrome_b[v] {
                continue;
            }
            unit_hashes(other, unit, &mut hashes);
            mine.clear();
            mine.extend(window_anchors(&hashes, self.opts.anchor_words));
            // A unit repeating an anchor counts it once.
            mine.sort_unstable();
            mine.dedup();
            for a in &mine {
                let Some(units) = self.anchors.get(a) else {
                    continue;
                };
                if count_shared {
                    shared.push(*a);
                }
                for &u in units.iter().filter(|&&u| !chrome_a[u as usize]) {
                    hits.push((u64::from(u) << 32) | u64::from(na + v as u32));
                }
            }
        }
        if hits.is_empty() {
            return Vec::new();
        }
        shared.sort_unstable();
        shared.dedup();
        hits.sort_unstable();
        let docs = [self.doc, other];
        let units = unit_refs(&docs);
        let pairs: Vec<(u32, u32)> = hits
            .chunk_by(|x, y| x == y)
            .filter(|run| run.len() >= self.opts.min_shared_anchors)
            .map(|run| ((run[0] >> 32) as u32, run[0] as u32))
            .collect();
        let words = UnitWords::new(&docs, &units, &pairs, false);
        let aligned: Vec<UnitPair> = pairs
            .iter()
            .filter_map(|&(ua, ub)| {
                align_units(
                    &mut self.aligner,
                    &words,
                    &units,
                    ua,
                    ub,
                    self.opts.min_similarity,
                )
            })
            .collect();
        let byte_span = |doc: &DocUnits, words: Range<u32>| -> Range<u32> {
            doc.words[words.start as usize].start..doc.words[words.end as usize - 1].end
        };
        let runs = merge_runs(&docs, &units, aligned, &self.opts);
        let rewrite = match self.opts.rewrites {
            Rewrites::Off => false,
            Rewrites::Linked => !runs.is_empty(),
            Rewrites::Rare | Rewrites::All => shared.len() >= MIN_CONTAINMENT_ANCHORS as usize,
        };
        let rewritten = if rewrite {
            let kept = |d: &DocUnits, chrome: &[bool], first: u32| -> (Vec<Unit>, Vec<u32>) {
                d.units
                    .iter()
                    .zip(first..)
                    .zip(chrome)
                    .filter(|(_, &c)| !c)
                    .map(|((u, g), _)| (*u, g))
                    .unzip()
            };
            let (ua, ga) = kept(self.doc, &chrome_a, 0);
            let (ub, gb) = kept(other, &chrome_b, na);
            bag_regions(self.doc, &ua, other, &ub, self.opts.min_words)
                .into_iter()
                .filter_map(|r| region_run(0, &ua, &ga, 1, &ub, &gb, r))
                .collect()
        } else {
            Vec::new()
        };
        with_rewrites(&docs, runs, rewritten, &self.opts)
            .into_iter()
            .map(|run| SharedRegion {
                a_span: byte_span(self.doc, run.a.clone()),
                b_span: byte_span(other, run.b.clone()),
                similarity: similarity(run.matches as usize, run.a.len(), run.b.len()),
            })
            .collect()
    }
}

/// Each of `doc`'s units as its fingerprint, whether it is long
/// ([`BODY_WORDS`]) and where it lies ([`tail_of`]).
fn unit_fingerprints(doc: &DocUnits) -> Vec<UnitPlace> {
    let mut hashes = Vec::new();
    doc.units
        .iter()
        .zip(tail_of(&doc.units))
        .map(|(unit, tail)| {
            unit_hashes(doc, unit, &mut hashes);
            UnitPlace {
                fp: fingerprint(hashes.iter().copied()),
                long: unit.len() >= BODY_WORDS,
                tail,
            }
        })
        .collect()
}

/// A unit's text and place, as chrome by position reads them.
#[derive(Debug, Clone, Copy)]
struct UnitPlace {
    fp: u64,
    long: bool,
    tail: Tail,
}

/// Which units of two documents are chrome by position between them, as
/// the stage decides for two documents ([`super::frequent`]): a text both
/// hold word for word and only in their tails, and, when one occurrence
/// lies past a body's end only ([`Tail::PastBody`]), not at the end of
/// one story both hold ([`story_before`]).
fn pair_chrome(a: &[UnitPlace], b: &[UnitPlace]) -> (Vec<bool>, Vec<bool>) {
    let at = |d: &[UnitPlace], f: u64| -> Vec<usize> {
        (0..d.len()).filter(|&i| d[i].fp == f).collect()
    };
    let (ua, ub) = (
        |k: usize| (a[k].fp, a[k].long),
        |k: usize| (b[k].fp, b[k].long),
    );
    let chrome_text = |f: u64| -> bool {
        let (ia, ib) = (at(a, f), at(b, f));
        let tails = || {
            ia.iter()
                .map(|&i| a[i].tail)
                .chain(ib.iter().map(|&j| b[j].tail))
        };
        if ia.is_empty() || ib.is_empty() || tails().any(|t| t == Tail::No) {
            return false;
        }
        tails().all(|t| t == Tail::PastLongUnits)
            || !ia
                .iter()
                .filter_map(|&i| story_before(ua, i))
                .any(|key| ib.iter().any(|&j| story_before(ub, j) == Some(key)))
    };
    let chrome = |places: &[UnitPlace]| -> Vec<bool> {
        places
            .iter()
            .map(|p| p.tail != Tail::No && chrome_text(p.fp))
            .collect()
    };
    (chrome(a), chrome(b))
}
