//! What every step of [`super::find_passages`] reads: the documents, their
//! families, the options, and every unit numbered globally.

use std::ops::Range;

use ahash::AHashMap;

use super::{
    auto_boilerplate_min_docs, unit_refs, DocUnits, PassageOptions, UnitRef, MAX_FAMILY_ALIGN,
};

/// Below this many units the stage runs on the calling thread.
const PARALLEL_UNITS: usize = 512;

/// The stage's read-only inputs, prepared once.
pub(super) struct Stage<'a> {
    pub docs: &'a [DocUnits],
    /// `family[d]`: document `d`'s near-duplicate family.
    pub family: &'a [u32],
    pub opts: &'a PassageOptions,
    /// Every unit, numbered in document order (a document's units are
    /// one range).
    pub units: Vec<UnitRef>,
    /// Documents per family.
    pub family_size: AHashMap<u32, usize>,
    /// Families a text must occur in to be boilerplate.
    pub min_docs: usize,
    /// Large inputs run on rayon's pool; small ones (the gate aligns one
    /// article against one candidate) on the calling thread, where waking
    /// the pool costs more than the work.
    pub parallel: bool,
}

impl<'a> Stage<'a> {
    pub fn new(docs: &'a [DocUnits], family: &'a [u32], opts: &'a PassageOptions) -> Self {
        let min_docs = opts
            .boilerplate_min_docs
            .unwrap_or_else(|| auto_boilerplate_min_docs(docs.len()))
            .max(2);
        let mut family_size: AHashMap<u32, usize> = AHashMap::new();
        for &f in family {
            *family_size.entry(f).or_default() += 1;
        }
        let units = unit_refs(docs);
        Stage {
            docs,
            family,
            opts,
            parallel: units.len() >= PARALLEL_UNITS,
            units,
            family_size,
            min_docs,
        }
    }

    /// The word hashes of a unit.
    pub fn hashes(&self, u: &UnitRef) -> Vec<u64> {
        self.docs[u.doc as usize].words[u.unit.start as usize..u.unit.end as usize]
            .iter()
            .map(|w| w.hash)
            .collect()
    }

    /// The document of unit `u`.
    pub fn doc_of(&self, u: u32) -> u32 {
        self.units[u as usize].doc
    }

    /// The byte span of words `words` of document `doc`.
    pub fn byte_span(&self, doc: u32, words: Range<u32>) -> Range<u32> {
        let w = &self.docs[doc as usize].words;
        w[words.start as usize].start..w[words.end as usize - 1].end
    }

    /// The units of document `d` (indices into `units`).
    pub fn units_of(&self, d: u32) -> Range<usize> {
        self.units.partition_point(|r| r.doc < d)..self.units.partition_point(|r| r.doc <= d)
    }

    /// Whether the members of family `f` are compared with each other:
    /// not when the family is larger than [`MAX_FAMILY_ALIGN`] (10,000
    /// syndicated copies share every anchor; aligning them pairwise is
    /// quadratic noise). Every candidate search asks this.
    pub fn aligns_within(&self, f: u32) -> bool {
        self.family_size.get(&f).map_or(true, |&n| aligns_within(n))
    }

    /// How many distinct families the documents of `docs` belong to.
    pub fn distinct_families(&self, docs: impl Iterator<Item = u32>) -> usize {
        let mut fams: Vec<u32> = docs.map(|d| self.family[d as usize]).collect();
        fams.sort_unstable();
        fams.dedup();
        fams.len()
    }
}

/// Whether the members of a family of `size` documents are compared with
/// each other: not above [`MAX_FAMILY_ALIGN`].
pub fn aligns_within(size: usize) -> bool {
    size <= MAX_FAMILY_ALIGN
}
