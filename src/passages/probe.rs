//! The gate's form of the passage stage: one document aligned against
//! others, one at a time.

use std::ops::Range;

use ahash::AHashMap;

use super::rewrites::{bag_regions, region_run};
use super::runs::{align_units, merge_runs, with_rewrites, UnitPair};
use super::{
    unit_hashes, unit_refs, window_anchors, DocUnits, PassageOptions, Rewrites,
    MIN_CONTAINMENT_ANCHORS,
};
use crate::align::{similarity, Aligner};

/// One document prepared for alignment against others, one at a time: the
/// gate's form of the passage stage, which aligns an incoming article
/// with each of its candidates.
///
/// [`PassageProbe::shared_with`] returns exactly the shared regions that
/// [`super::find_passages`] reports for the pair `[probe, other]` (two families,
/// no boilerplate detection, no known boilerplate lines), without
/// recomputing the probe's anchors for every candidate. A test checks the
/// two agree.
pub struct PassageProbe<'a> {
    doc: &'a DocUnits,
    /// The probe's units by anchor (each unit once per anchor).
    anchors: AHashMap<u64, Vec<u32>>,
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
            opts: opts.clone(),
            aligner: Aligner::default(),
        }
    }

    /// The regions the probe shares with `other`, in the probe's order.
    pub fn shared_with(&mut self, other: &DocUnits) -> Vec<SharedRegion> {
        let na = self.doc.units.len() as u32;
        // Shared-anchor counts per (probe unit, other unit), packed as
        // `find_passages` numbers units: the probe's first, then other's.
        let mut hits: Vec<u64> = Vec::new();
        let mut mine: Vec<u64> = Vec::new();
        // The distinct anchors the two share, counted only when every pair
        // is searched for rewrites (`Rewrites::All` needs a minimum).
        let count_shared = self.opts.rewrites == Rewrites::All;
        let mut shared: Vec<u64> = Vec::new();
        let mut hashes = Vec::new();
        for (v, unit) in other.units.iter().enumerate() {
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
                for &u in units {
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
        let aligned: Vec<UnitPair> = hits
            .chunk_by(|x, y| x == y)
            .filter(|run| run.len() >= self.opts.min_shared_anchors)
            .filter_map(|run| {
                let (ua, ub) = ((run[0] >> 32) as u32, run[0] as u32);
                align_units(
                    &mut self.aligner,
                    &docs,
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
            Rewrites::All => shared.len() >= MIN_CONTAINMENT_ANCHORS as usize,
        };
        let rewritten = if rewrite {
            let nb = other.units.len() as u32;
            let (ga, gb): (Vec<u32>, Vec<u32>) = ((0..na).collect(), (na..na + nb).collect());
            bag_regions(
                self.doc,
                &self.doc.units,
                other,
                &other.units,
                self.opts.min_words,
            )
            .into_iter()
            .filter_map(|r| region_run(0, &self.doc.units, &ga, 1, &other.units, &gb, r))
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
