//! Passages: documents' units → reposted-passage clusters and links
//! between the stories that share them.
//!
//! Input: every document's words and units ([`crate::units`]), and which
//! near-duplicate family (whole-document cluster) each document belongs
//! to. Output: [`PassageFindings`] by document index; [`crate::scan`]
//! names and orders them.
//!
//! The stage, in order:
//! 1. **Boilerplate.** Units whose normalized text (fingerprint) occurs in
//!    at least `boilerplate_min_docs` different families, or that match a
//!    known boilerplate line, are boilerplate: reported as boilerplate
//!    clusters, never compared, never linking stories. Frequency counts
//!    *families*, so a wire story syndicated as 30 near-identical copies
//!    does not turn its own paragraphs into boilerplate.
//! 2. **Candidates by anchors.** Every window of `anchor_words` words in a
//!    unit is an anchor; an inverted index (a sorted list of (anchor,
//!    unit)) gives, per pair of units in different documents, the number of
//!    anchors they share — an exact count, not an estimate. Anchors found
//!    in `boilerplate_min_docs` families or more are too common to mean
//!    reuse and are skipped. Pairs sharing at least `min_shared_anchors`
//!    anchors are candidates. (Chosen over per-paragraph MinHash: a
//!    sentence reused inside a longer paragraph has low Jaccard but a
//!    high anchor count; see ARCHITECTURE.md.)
//! 3. **Verification by alignment.** Each candidate is aligned
//!    ([`crate::align`]); the alignment must have similarity ≥
//!    `min_similarity`. It is tightened to the reused words.
//! 4. **Runs.** Per document pair, alignments of consecutive units in both
//!    documents merge into one run (a reposted run of paragraphs is one
//!    span). Runs shorter than `min_words` words on either side are
//!    dropped (a shared phrase is not a reposted passage).
//! 5. **Clusters.** Union-find over the units of surviving alignments:
//!    every occurrence of one passage across the corpus in one cluster.
//! 6. **Links.** Document pairs with at least one run.

use std::ops::Range;

use ahash::AHashMap;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::align::{similarity, Aligner};
use crate::boilerplate::{fingerprint, KnownBoilerplate};
use crate::cluster::{find, union};
use crate::containment::{containment, Trigrams};
use crate::tokenize::Word;
use crate::units::{Unit, UnitOptions};

/// Seed of the anchor hash.
const ANCHOR_SEED: u64 = 0x7265_7072_696e_7405; // "reprint" + 0x05

/// Members of one near-duplicate family are aligned with each other only
/// when the family is at most this large: beyond it (wire copy syndicated
/// everywhere) pairwise alignment of identical copies is quadratic noise.
const MAX_FAMILY_ALIGN: usize = 32;

/// An anchor found in this many families or more is not used to pair
/// units: a 4-word phrase that common ("according to the latest") says
/// nothing about reuse, and enumerating its pairs is quadratic. A passage
/// reposted this widely is still found through its rarer anchors only if
/// it has some; measured on a 110,000-article news-like corpus, without
/// the cap the pair list outgrew 24 GB.
const MAX_ANCHOR_FAMILIES: usize = 100;

/// Anchors two documents must share to be compared by containment alone
/// (`PassageOptions::min_containment`): one shared phrase is chance, two
/// already pass every heavily rewritten answer of Clough & Stevenson's
/// corpus but one.
pub const MIN_CONTAINMENT_ANCHORS: u32 = 2;

/// Below this many units the stage runs on the calling thread.
const PARALLEL_UNITS: usize = 512;

/// Options of the passage stage.
#[derive(Debug, Clone, PartialEq)]
pub struct PassageOptions {
    /// How documents are cut into units.
    pub units: UnitOptions,
    /// Words per anchor.
    pub anchor_words: usize,
    /// Anchors two units must share to be aligned.
    pub min_shared_anchors: usize,
    /// Minimum similarity of an alignment.
    pub min_similarity: f64,
    /// Minimum reused words (on each side) for a passage.
    pub min_words: usize,
    /// Two aligned regions of a document pair that overlap or lie at most
    /// this many words apart in both documents merge into one: a reused
    /// passage interrupted by a line too short to be a unit, by words the
    /// alignment left out, or found twice (text repeated in one document),
    /// is one passage. Default 40 words, about two sentences: on PAN 2013
    /// 20 words left 4.5% more detections per case, 100 joined text that
    /// was not reused into spans.
    pub merge_gap: usize,
    /// Also link documents without a shared passage when this share of
    /// one's words lies inside word trigrams the other has
    /// ([`crate::containment`]); candidates are the pairs sharing at least
    /// [`MIN_CONTAINMENT_ANCHORS`] anchors. `None`: links come from
    /// passages only (every link still reports its containment).
    pub min_containment: Option<f64>,
    /// Text in at least this many families is boilerplate; `None` chooses
    /// [`auto_boilerplate_min_docs`] from the corpus size.
    pub boilerplate_min_docs: Option<usize>,
    /// Known boilerplate lines.
    pub known_boilerplate: KnownBoilerplate,
}

impl Default for PassageOptions {
    fn default() -> Self {
        PassageOptions {
            units: UnitOptions::default(),
            anchor_words: 4,
            min_shared_anchors: 3,
            min_similarity: 0.7,
            min_words: 15,
            merge_gap: 40,
            min_containment: None,
            boilerplate_min_docs: None,
            known_boilerplate: KnownBoilerplate::default(),
        }
    }
}

/// The default boilerplate document frequency for a corpus of `docs`
/// documents: `max(25, 0.5% of docs)`.
///
/// Site chrome is on every article of a site, so its frequency is the
/// site's article count; a reposted wire paragraph appears in a handful to
/// a couple of dozen stories. 25 keeps a paragraph reposted 6 (or 20)
/// times as reuse in any corpus; 0.5% keeps a paragraph syndicated to a
/// few hundred outlets of a million-article corpus as reuse too, while a
/// site with 0.5% of the corpus has its chrome recognised.
pub fn auto_boilerplate_min_docs(docs: usize) -> usize {
    25.max(docs.div_ceil(200))
}

/// What the passage stage needs of one document.
#[derive(Debug, Clone, Default)]
pub struct DocUnits {
    /// The document's words.
    pub words: Vec<Word>,
    /// Its units.
    pub units: Vec<Unit>,
}

/// One occurrence of a passage: a byte span of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    /// Document index.
    pub doc: u32,
    /// Byte span in the document's text.
    pub span: Range<u32>,
    /// Best alignment similarity of this occurrence with another (1.0 for
    /// boilerplate, which matches exactly or by a known line).
    pub similarity: f64,
}

/// A passage and every place it occurs.
#[derive(Debug, Clone, PartialEq)]
pub struct PassageCluster {
    /// Site chrome rather than reuse.
    pub boilerplate: bool,
    /// Occurrences, by document index then position.
    pub occurrences: Vec<Occurrence>,
}

/// One reused region shared by a linked pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    /// Passage clusters of the region's units, ascending (several when a
    /// run of paragraphs was reposted together).
    pub clusters: Vec<u32>,
    /// Byte span in document `a`.
    pub a_span: Range<u32>,
    /// Byte span in document `b`.
    pub b_span: Range<u32>,
    /// Similarity of the aligned region.
    pub similarity: f64,
}

/// Two documents that share reposted text.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// Document index (`a < b`).
    pub a: u32,
    /// Document index.
    pub b: u32,
    /// The shared regions, in `a`'s order (empty for a link by
    /// containment alone).
    pub shared: Vec<Shared>,
    /// Share of `a`'s words inside word trigrams that `b` has too
    /// ([`crate::containment`]).
    pub containment_a: f64,
    /// Share of `b`'s words inside word trigrams that `a` has too.
    pub containment_b: f64,
}

/// Everything the passage stage found, by document index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassageFindings {
    /// Reuse clusters first (by first occurrence), then boilerplate ones
    /// (largest first). A cluster's id is its index here.
    pub clusters: Vec<PassageCluster>,
    /// Linked document pairs, ascending by `(a, b)`.
    pub links: Vec<Link>,
    /// The boilerplate frequency used.
    pub boilerplate_min_docs: usize,
}

/// A unit, globally numbered.
#[derive(Debug, Clone, Copy)]
struct UnitRef {
    doc: u32,
    /// Index of the unit within its document.
    index: u32,
    unit: Unit,
}

/// An alignment of two units, by document word indices.
#[derive(Debug, Clone)]
struct UnitPair {
    ua: u32,
    ub: u32,
    a: Range<u32>,
    b: Range<u32>,
    matches: u32,
}

/// One document prepared for alignment against others, one at a time: the
/// gate's form of the passage stage, which aligns an incoming article
/// with each of its candidates.
///
/// [`PassageProbe::shared_with`] returns exactly the shared regions that
/// [`find_passages`] reports for the pair `[probe, other]` (two families,
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
        let mut hashes = Vec::new();
        for (v, unit) in other.units.iter().enumerate() {
            unit_hashes(other, unit, &mut hashes);
            mine.clear();
            mine.extend(window_anchors(&hashes, self.opts.anchor_words));
            // A unit repeating an anchor counts it once.
            mine.sort_unstable();
            mine.dedup();
            for a in &mine {
                for &u in self.anchors.get(a).into_iter().flatten() {
                    hits.push((u64::from(u) << 32) | u64::from(na + v as u32));
                }
            }
        }
        if hits.is_empty() {
            return Vec::new();
        }
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
        merge_runs(&units, aligned, &self.opts)
            .into_iter()
            .map(|run| SharedRegion {
                a_span: byte_span(self.doc, run.a.clone()),
                b_span: byte_span(other, run.b.clone()),
                similarity: similarity(run.matches as usize, run.a.len(), run.b.len()),
            })
            .collect()
    }
}

/// Every unit of `docs`, numbered globally in document order.
fn unit_refs<D: std::borrow::Borrow<DocUnits>>(docs: &[D]) -> Vec<UnitRef> {
    docs.iter()
        .enumerate()
        .flat_map(|(d, doc)| {
            doc.borrow()
                .units
                .iter()
                .enumerate()
                .map(move |(i, &unit)| UnitRef {
                    doc: d as u32,
                    index: i as u32,
                    unit,
                })
        })
        .collect()
}

/// Replaces `out` with the word hashes of `unit` of `doc`.
fn unit_hashes(doc: &DocUnits, unit: &Unit, out: &mut Vec<u64>) {
    out.clear();
    out.extend(
        doc.words[unit.start as usize..unit.end as usize]
            .iter()
            .map(|w| w.hash),
    );
}

/// The anchors of one unit's word hashes: one per window of `n` words (the
/// whole unit when shorter).
fn window_anchors(hashes: &[u64], n: usize) -> impl Iterator<Item = u64> + '_ {
    let window = n.max(1).min(hashes.len());
    (0..=hashes.len() - window).map(move |i| anchor_hash(&hashes[i..i + window]))
}

/// Aligns units `ua` and `ub`; `None` unless the alignment reaches
/// `min_similarity`.
fn align_units<D: std::borrow::Borrow<DocUnits>>(
    aligner: &mut Aligner,
    docs: &[D],
    units: &[UnitRef],
    ua: u32,
    ub: u32,
    min_similarity: f64,
) -> Option<UnitPair> {
    let (ra, rb) = (&units[ua as usize], &units[ub as usize]);
    let hashes_of = |u: &UnitRef| -> Vec<u64> {
        docs[u.doc as usize].borrow().words[u.unit.start as usize..u.unit.end as usize]
            .iter()
            .map(|w| w.hash)
            .collect()
    };
    let al = aligner.align(&hashes_of(ra), &hashes_of(rb))?;
    if al.similarity() < min_similarity {
        return None;
    }
    let offset =
        |u: &UnitRef, r: Range<usize>| u.unit.start + r.start as u32..u.unit.start + r.end as u32;
    Some(UnitPair {
        ua,
        ub,
        a: offset(ra, al.a),
        b: offset(rb, al.b),
        matches: al.matches as u32,
    })
}

/// Runs the passage stage. `family[d]` is document `d`'s near-duplicate
/// family id (equal ids = same whole-document cluster).
pub fn find_passages(docs: &[DocUnits], family: &[u32], opts: &PassageOptions) -> PassageFindings {
    let min_docs = opts
        .boilerplate_min_docs
        .unwrap_or_else(|| auto_boilerplate_min_docs(docs.len()))
        .max(2);
    let mut family_size: AHashMap<u32, usize> = AHashMap::new();
    for &f in family {
        *family_size.entry(f).or_default() += 1;
    }

    let units = unit_refs(docs);
    let hashes_of = |u: &UnitRef| -> Vec<u64> {
        docs[u.doc as usize].words[u.unit.start as usize..u.unit.end as usize]
            .iter()
            .map(|w| w.hash)
            .collect()
    };

    // 1. Boilerplate, by fingerprint frequency and by known lines.
    // Small inputs (the gate aligns one article against one candidate) run
    // on the calling thread: waking the pool costs more than the work.
    let parallel = units.len() >= PARALLEL_UNITS;
    let fingerprint_of = |u: &UnitRef| fingerprint(hashes_of(u));
    let fingerprints: Vec<u64> = if parallel {
        units.par_iter().map(fingerprint_of).collect()
    } else {
        units.iter().map(fingerprint_of).collect()
    };
    let mut boilerplate = vec![false; units.len()];
    let mut boilerplate_groups: Vec<Vec<u32>> = Vec::new();
    {
        let mut by_fp: Vec<(u64, u32)> = fingerprints
            .iter()
            .enumerate()
            .map(|(u, &fp)| (fp, u as u32))
            .collect();
        by_fp.sort_unstable();
        for group in by_fp.chunk_by(|x, y| x.0 == y.0) {
            let families =
                distinct_families(group.iter().map(|&(_, u)| units[u as usize].doc), family);
            if families >= min_docs {
                let members: Vec<u32> = group.iter().map(|&(_, u)| u).collect();
                for &u in &members {
                    boilerplate[u as usize] = true;
                }
                boilerplate_groups.push(members);
            }
        }
    }
    if !opts.known_boilerplate.is_empty() {
        let mut by_line: std::collections::BTreeMap<usize, Vec<u32>> = Default::default();
        for (u, unit) in units.iter().enumerate() {
            if boilerplate[u] {
                continue;
            }
            if let Some(line) = opts
                .known_boilerplate
                .matches(&hashes_of(unit), fingerprints[u])
            {
                boilerplate[u] = true;
                by_line.entry(line).or_default().push(u as u32);
            }
        }
        boilerplate_groups.extend(by_line.into_values());
    }

    // 2. Anchors → candidate unit pairs with their shared-anchor counts.
    // Each (anchor, unit) is packed into one u64 — the anchor hash's high
    // bits above the unit id — so the inverted index is one sort of u64s.
    // Truncating the anchor hash to (64 − unit bits) bits can make two
    // anchors collide; at ≥ 40 bits that is a handful of spurious shared
    // anchors in millions, which the shared-anchor minimum and the
    // alignment absorb.
    let unit_bits = (u32::BITS - (units.len().max(2) as u32 - 1).leading_zeros()).max(1);
    let unit_mask = (1u64 << unit_bits) - 1;
    let unit_anchors = |(u, unit): (usize, &UnitRef)| -> Vec<u64> {
        let hashes = hashes_of(unit);
        window_anchors(&hashes, opts.anchor_words)
            .map(|a| (a << unit_bits) | u as u64)
            .collect()
    };
    let mut anchors: Vec<u64> = if parallel {
        units
            .par_iter()
            .enumerate()
            .filter(|(u, _)| !boilerplate[*u])
            .flat_map_iter(unit_anchors)
            .collect()
    } else {
        units
            .iter()
            .enumerate()
            .filter(|(u, _)| !boilerplate[*u])
            .flat_map(unit_anchors)
            .collect()
    };
    if parallel {
        anchors.par_sort_unstable();
    } else {
        anchors.sort_unstable();
    }
    // A unit repeating an anchor counts it once.
    anchors.dedup();
    // Groups of one anchor's units that can pair them: not boilerplate-
    // or stock-phrase-common (families ≤ postings, so only long lists can
    // be too common; pairs grow with the square of the list). Each group
    // is reordered by (family, unit) and cut into runs of one family, so
    // that a unit of a family too large to align within skips its own
    // family's run whole (10,000 syndicated copies share every anchor).
    let unit_of = |key: u64| (key & unit_mask) as u32;
    let doc_of = |u: u32| units[u as usize].doc;
    let family_of = |u: u32| family[doc_of(u) as usize];
    let limit = min_docs.min(MAX_ANCHOR_FAMILIES);
    let same_anchor = |x: &u64, y: &u64| x >> unit_bits == y >> unit_bits;
    let mut groups: Vec<Range<usize>> = Vec::new();
    let mut at = 0;
    for group in anchors.chunk_by(same_anchor) {
        let range = at..at + group.len();
        at = range.end;
        let too_common = group.len() >= limit
            && distinct_families(group.iter().map(|&k| doc_of(unit_of(k))), family) >= limit;
        if group.len() > 1 && !too_common {
            groups.push(range);
        }
    }
    // Runs of one family: `family_runs[g]` indexes `runs_of` for group `g`.
    let mut runs_of: Vec<Range<usize>> = Vec::new();
    let mut family_runs: Vec<Range<u32>> = Vec::with_capacity(groups.len());
    for g in &groups {
        let members = &mut anchors[g.clone()];
        members.sort_unstable_by_key(|&k| (family_of(unit_of(k)), unit_of(k)));
        let first = runs_of.len() as u32;
        let mut start = g.start;
        for run in members.chunk_by(|a, b| family_of(unit_of(*a)) == family_of(unit_of(*b))) {
            runs_of.push(start..start + run.len());
            start += run.len();
        }
        family_runs.push(first..runs_of.len() as u32);
    }
    // Each unit's groups, to count per unit `x` the anchors it shares with
    // every later unit `y` in a tally, rather than listing a (pair,
    // anchor) entry for every shared anchor and sorting them all (8 bytes
    // per pair and anchor: most of the memory of a scan of overlapping
    // text).
    let mut by_unit: Vec<(u32, u32)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, r)| {
            anchors[r.clone()]
                .iter()
                .map(move |&k| (unit_of(k), g as u32))
        })
        .collect();
    if parallel {
        by_unit.par_sort_unstable();
    } else {
        by_unit.sort_unstable();
    }
    // Units `x` < `y` in different documents pair; within one family only
    // if the family is small enough to align its members.
    let candidates_of = |tally: &mut PairTally, of_x: &[(u32, u32)]| -> Vec<(u32, u32)> {
        let x = of_x[0].0;
        let fx = family_of(x);
        for &(_, g) in of_x {
            for run in &runs_of
                [family_runs[g as usize].start as usize..family_runs[g as usize].end as usize]
            {
                let members = &anchors[run.clone()];
                let f = family_of(unit_of(members[0]));
                if f == fx && family_size[&f] > MAX_FAMILY_ALIGN {
                    continue;
                }
                // A run is in unit order: the later units follow `x`.
                let after = members.partition_point(|&k| unit_of(k) <= x);
                for &k in &members[after..] {
                    let y = unit_of(k);
                    if doc_of(y) != doc_of(x) {
                        tally.add(y);
                    }
                }
            }
        }
        tally.take(opts.min_shared_anchors, x)
    };
    let candidates: Vec<(u32, u32)> = if parallel {
        by_unit
            .par_chunk_by(|a, b| a.0 == b.0)
            .map_init(|| PairTally::new(units.len()), candidates_of)
            .flatten_iter()
            .collect()
    } else {
        let mut tally = PairTally::new(units.len());
        by_unit
            .chunk_by(|a, b| a.0 == b.0)
            .flat_map(|of_x| candidates_of(&mut tally, of_x))
            .collect()
    };
    let containment_candidates = if opts.min_containment.is_some() {
        doc_pairs_sharing_anchors(&by_unit, &groups, &anchors, &|k| unit_of(k), &doc_of)
    } else {
        Vec::new()
    };
    drop(by_unit);
    drop(runs_of);
    drop(family_runs);
    drop(groups);
    drop(anchors);

    // 3. Align each candidate, and 4. merge the alignments of each
    // document pair into runs — one document at a time (with every later
    // one), so that only runs are kept: nearly every candidate aligns (a
    // few shared words are a perfect local alignment), and holding every
    // alignment until the end took gigabytes on overlapping text.
    let runs_of_doc = |aligner: &mut Aligner, of_doc: &[(u32, u32)]| -> Vec<Run> {
        let mut of_doc = of_doc.to_vec();
        of_doc.sort_unstable_by_key(|&(x, y)| (doc_of(y), x, y));
        let mut runs = Vec::new();
        for with_doc in of_doc.chunk_by(|a, b| doc_of(a.1) == doc_of(b.1)) {
            let aligned: Vec<UnitPair> = with_doc
                .iter()
                .filter_map(|&(x, y)| align_units(aligner, docs, &units, x, y, opts.min_similarity))
                .collect();
            runs.extend(merge_runs(&units, aligned, opts));
        }
        runs
    };
    // Candidates are in unit order, so each document's are together.
    let same_doc = |a: &(u32, u32), b: &(u32, u32)| doc_of(a.0) == doc_of(b.0);
    let runs: Vec<Run> = if parallel {
        candidates
            .par_chunk_by(same_doc)
            .map_init(Aligner::default, runs_of_doc)
            .flatten_iter()
            .collect()
    } else {
        let mut aligner = Aligner::default();
        candidates
            .chunk_by(same_doc)
            .flat_map(|of_doc| runs_of_doc(&mut aligner, of_doc))
            .collect()
    };
    drop(candidates);

    // 5. Clusters over units of surviving alignments.
    let mut parent: Vec<u32> = (0..units.len() as u32).collect();
    for run in &runs {
        for p in &run.pairs {
            union(&mut parent, p.ua, p.ub);
        }
    }
    // Occurrence per unit: the union of its aligned word ranges, with its
    // best similarity.
    let mut occurrence: AHashMap<u32, (Range<u32>, f64)> = AHashMap::new();
    for run in &runs {
        for p in &run.pairs {
            let sim = similarity(p.matches as usize, p.a.len(), p.b.len());
            for (u, r) in [(p.ua, &p.a), (p.ub, &p.b)] {
                let e = occurrence.entry(u).or_insert((r.clone(), sim));
                e.0 = e.0.start.min(r.start)..e.0.end.max(r.end);
                e.1 = e.1.max(sim);
            }
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
    let byte_span = |doc: u32, words: Range<u32>| -> Range<u32> {
        let w = &docs[doc as usize].words;
        w[words.start as usize].start..w[words.end as usize - 1].end
    };
    let mut cluster_of_unit: AHashMap<u32, u32> = AHashMap::new();
    let mut clusters: Vec<PassageCluster> =
        Vec::with_capacity(reuse.len() + boilerplate_groups.len());
    for members in &reuse {
        let id = clusters.len() as u32;
        let occurrences = members
            .iter()
            .map(|&u| {
                cluster_of_unit.insert(u, id);
                let (words, sim) = occurrence[&u].clone();
                let doc = units[u as usize].doc;
                Occurrence {
                    doc,
                    span: byte_span(doc, words),
                    similarity: sim,
                }
            })
            .collect();
        clusters.push(PassageCluster {
            boilerplate: false,
            occurrences,
        });
    }
    boilerplate_groups.sort_by(|x, y| y.len().cmp(&x.len()).then(x[0].cmp(&y[0])));
    for members in boilerplate_groups {
        let occurrences = members
            .iter()
            .map(|&u| {
                let unit = &units[u as usize];
                Occurrence {
                    doc: unit.doc,
                    span: byte_span(unit.doc, unit.unit.start..unit.unit.end),
                    similarity: 1.0,
                }
            })
            .collect();
        clusters.push(PassageCluster {
            boilerplate: true,
            occurrences,
        });
    }

    // 6. Links.
    let mut links: Vec<Link> = Vec::new();
    for run in runs {
        let shared = Shared {
            clusters: {
                let mut ids: Vec<u32> = run.pairs.iter().map(|p| cluster_of_unit[&p.ua]).collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            },
            a_span: byte_span(run.doc_a, run.a.clone()),
            b_span: byte_span(run.doc_b, run.b.clone()),
            similarity: similarity(run.matches as usize, run.a.len(), run.b.len()),
        };
        match links.last_mut() {
            Some(link) if link.a == run.doc_a && link.b == run.doc_b => link.shared.push(shared),
            _ => links.push(Link {
                a: run.doc_a,
                b: run.doc_b,
                shared: vec![shared],
                containment_a: 0.0,
                containment_b: 0.0,
            }),
        }
    }
    // 7. Containment of every link, and links by containment alone.
    // Units are numbered in document order: a document's are one range.
    let (units, boilerplate) = (&units, &boilerplate);
    let compared = |d: u32| {
        let range = units.partition_point(|r| r.doc < d)..units.partition_point(|r| r.doc <= d);
        range.filter(|&u| !boilerplate[u]).map(|u| &units[u].unit)
    };
    add_containment(
        &mut links,
        containment_candidates,
        opts.min_containment,
        docs.len(),
        &|d| Trigrams::new(&docs[d as usize], compared(d)),
    );
    PassageFindings {
        clusters,
        links,
        boilerplate_min_docs: min_docs,
    }
}

/// Document pairs `(x, y)`, `x < y`, sharing at least
/// [`MIN_CONTAINMENT_ANCHORS`] of the anchors in `groups` (each anchor
/// counted once per pair), ascending. `by_unit` lists each unit's groups,
/// sorted by unit; `anchors` holds the groups' keys.
fn doc_pairs_sharing_anchors(
    by_unit: &[(u32, u32)],
    groups: &[Range<usize>],
    anchors: &[u64],
    unit_of: &dyn Fn(u64) -> u32,
    doc_of: &dyn Fn(u32) -> u32,
) -> Vec<(u32, u32)> {
    let mut counts: AHashMap<u32, (u32, u32)> = AHashMap::new();
    let mut out = Vec::new();
    // Units are numbered in document order, so a document's units are one
    // stretch of `by_unit`.
    let mut at = 0;
    while at < by_unit.len() {
        let x = doc_of(by_unit[at].0);
        let mut mine: Vec<u32> = Vec::new();
        while at < by_unit.len() && doc_of(by_unit[at].0) == x {
            mine.push(by_unit[at].1);
            at += 1;
        }
        mine.sort_unstable();
        mine.dedup();
        counts.clear();
        for &g in &mine {
            for &k in &anchors[groups[g as usize].clone()] {
                let y = doc_of(unit_of(k));
                let e = counts.entry(y).or_insert((0, u32::MAX));
                if y > x && e.1 != g {
                    *e = (e.0 + 1, g);
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

/// Fills in every link's containment and, with `min` set, adds a link
/// for each of `candidates` whose containment reaches `min` in either
/// direction; `trigrams(d)` gives document `d`'s trigrams. Links stay
/// ascending by `(a, b)`.
fn add_containment(
    links: &mut Vec<Link>,
    candidates: Vec<(u32, u32)>,
    min: Option<f64>,
    docs: usize,
    trigrams: &(dyn Fn(u32) -> Trigrams + Sync),
) {
    let mut needed = vec![false; docs];
    for &(a, b) in links
        .iter()
        .map(|l| (l.a, l.b))
        .collect::<Vec<_>>()
        .iter()
        .chain(&candidates)
    {
        needed[a as usize] = true;
        needed[b as usize] = true;
    }
    let sets: Vec<Trigrams> = needed
        .par_iter()
        .enumerate()
        .map(|(d, &n)| {
            if n {
                trigrams(d as u32)
            } else {
                Trigrams::default()
            }
        })
        .collect();
    for l in links.iter_mut() {
        (l.containment_a, l.containment_b) = containment(&sets[l.a as usize], &sets[l.b as usize]);
    }
    let Some(min) = min else { return };
    let linked: ahash::AHashSet<(u32, u32)> = links.iter().map(|l| (l.a, l.b)).collect();
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
            })
        })
        .collect();
    links.extend(added);
    links.sort_by_key(|l| (l.a, l.b));
}

/// The stable hash of one anchor (a window of word hashes).
#[inline]
pub fn anchor_hash(words: &[u64]) -> u64 {
    // The default window (4 words) hashed from a buffer of its own size:
    // the same bytes, so the same hash, without zeroing and slicing the
    // 128-byte one (the hot path of winnowing and of this stage).
    if let [a, b, c, d] = *words {
        let mut bytes = [0u8; 32];
        for (chunk, w) in bytes.chunks_exact_mut(8).zip([a, b, c, d]) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        return xxh3_64_with_seed(&bytes, ANCHOR_SEED);
    }
    let mut bytes = [0u8; 8 * 16];
    let n = words.len().min(16);
    for (chunk, w) in bytes.chunks_exact_mut(8).zip(&words[..n]) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    xxh3_64_with_seed(&bytes[..n * 8], ANCHOR_SEED)
}

fn distinct_families(docs: impl Iterator<Item = u32>, family: &[u32]) -> usize {
    let mut fams: Vec<u32> = docs.map(|d| family[d as usize]).collect();
    fams.sort_unstable();
    fams.dedup();
    fams.len()
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

/// A run of consecutive aligned units between two documents.
#[derive(Clone)]
struct Run {
    doc_a: u32,
    doc_b: u32,
    a: Range<u32>,
    b: Range<u32>,
    matches: u32,
    pairs: Vec<UnitPair>,
}

impl Run {
    /// Takes in `other`, a region of the same pair that overlaps this one
    /// or lies close to it: the run covers both, its matches are theirs
    /// (at most the shorter side, as overlapping regions count some
    /// twice).
    fn absorb(&mut self, other: Run) {
        self.a = self.a.start.min(other.a.start)..self.a.end.max(other.a.end);
        self.b = self.b.start.min(other.b.start)..self.b.end.max(other.b.end);
        self.matches = (self.matches + other.matches).min(self.a.len().min(self.b.len()) as u32);
        self.pairs.extend(other.pairs);
    }
}

/// Merges alignments of consecutive units (in both documents) into runs —
/// as long as the merged region keeps `min_similarity` — and keeps runs
/// with at least `min_words` aligned words on each side. Output
/// is sorted by `(doc_a, doc_b, a.start)`.
fn merge_runs(units: &[UnitRef], mut aligned: Vec<UnitPair>, opts: &PassageOptions) -> Vec<Run> {
    let (min_words, min_similarity) = (opts.min_words, opts.min_similarity);
    let gap = opts.merge_gap as u32;
    // The units break ties: the order is total, whatever order the
    // alignments come in.
    aligned.sort_unstable_by_key(|p| {
        let (a, b) = (&units[p.ua as usize], &units[p.ub as usize]);
        (a.doc, b.doc, p.a.start, p.b.start, p.ua, p.ub)
    });
    let mut runs: Vec<Run> = Vec::new();
    for p in aligned {
        let (ua, ub) = (units[p.ua as usize], units[p.ub as usize]);
        if let Some(run) = runs.last_mut() {
            let last = run
                .pairs
                .last()
                .map(|l| (units[l.ua as usize], units[l.ub as usize]));
            if let Some((la, lb)) = last {
                let same_docs = run.doc_a == ua.doc && run.doc_b == ub.doc;
                // The next region starts after the run in both documents,
                // in the same or the next unit on each side (one long
                // paragraph can hold several short ones of the other
                // document), or within `merge_gap` words of it (across a
                // skipped short line or a stretch the alignment left out).
                let after = p.a.start >= run.a.end && p.b.start >= run.b.end;
                let next = |u: UnitRef, l: UnitRef| u.index == l.index || u.index == l.index + 1;
                let close = p.a.start - run.a.end.min(p.a.start) <= gap
                    && p.b.start - run.b.end.min(p.b.start) <= gap;
                let adjacent = after && ((next(ua, la) && next(ub, lb)) || close);
                // Merging must not dilute the run with unaligned text
                // between the two regions.
                let keeps_similarity = || {
                    similarity(
                        (run.matches + p.matches) as usize,
                        (p.a.end - run.a.start) as usize,
                        (run.b.end.max(p.b.end) - run.b.start) as usize,
                    ) >= min_similarity
                };
                if same_docs && adjacent && keeps_similarity() {
                    run.a.end = p.a.end;
                    run.b.end = run.b.end.max(p.b.end);
                    run.matches += p.matches;
                    run.pairs.push(p);
                    continue;
                }
            }
        }
        runs.push(Run {
            doc_a: ua.doc,
            doc_b: ub.doc,
            a: p.a.clone(),
            b: p.b.clone(),
            matches: p.matches,
            pairs: vec![p],
        });
    }
    let mut runs = merge_close_runs(runs, gap);
    runs.retain(|r| r.a.len().min(r.b.len()) >= min_words);
    runs
}

/// How many earlier runs (in `a` order) a run is compared with when
/// merging close runs: bounds the work on a pair with thousands of
/// regions (text repeated many times in both documents).
const MERGE_LOOKBACK: usize = 64;

/// Merges runs of one document pair that overlap or lie within `gap`
/// words of each other in both documents, until none do: the same
/// passage found twice (text repeated in one document aligns with each
/// copy in the other), or in pieces whose order the alignment could not
/// join, is one region. Input and output sorted by `(doc_a, doc_b,
/// a.start)`.
fn merge_close_runs(runs: Vec<Run>, gap: u32) -> Vec<Run> {
    let close = |x: &Range<u32>, y: &Range<u32>| {
        x.start <= y.end.saturating_add(gap) && y.start <= x.end.saturating_add(gap)
    };
    let mut out: Vec<Run> = Vec::with_capacity(runs.len());
    for pair in runs.chunk_by(|x, y| (x.doc_a, x.doc_b) == (y.doc_a, y.doc_b)) {
        let mut merged: Vec<Run> = Vec::with_capacity(pair.len());
        let mut pending: Vec<Run> = pair.to_vec();
        loop {
            pending.sort_by_key(|r| (r.a.start, r.b.start));
            let before = pending.len();
            for run in pending.drain(..) {
                let from = merged.len().saturating_sub(MERGE_LOOKBACK);
                let into = merged[from..]
                    .iter()
                    .rposition(|m| close(&m.a, &run.a) && close(&m.b, &run.b));
                match into {
                    Some(i) => merged[from + i].absorb(run),
                    None => merged.push(run),
                }
            }
            if merged.len() == before {
                break;
            }
            pending = std::mem::take(&mut merged);
        }
        out.append(&mut merged);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::NormalizeOptions;
    use crate::tokenize::Tokenizer;

    fn doc(text: &str) -> DocUnits {
        let mut words = Vec::new();
        Tokenizer::new(NormalizeOptions::default()).words(text, &mut words);
        let units = crate::units::units(text, &words, UnitOptions::default());
        DocUnits { words, units }
    }

    const WIRE: &str = "Defence ties between the two countries have grown in recent years with \
                        Moscow providing army training and university scholarships to thousands \
                        of soldiers, as well as selling arms to a military blacklisted by several \
                        Western countries.";

    #[test]
    fn a_reposted_paragraph_links_two_stories_with_tight_spans() {
        let a = format!("A story about a football match that ended in a draw after extra time.\n\n{WIRE}\n\nThe end of the story comes with a final remark about the weather.");
        let b = format!("Another article about elections in a faraway country with many parties.\nIn other news: {WIRE} Officials declined to comment further on the matter.");
        let docs = [doc(&a), doc(&b)];
        let found = find_passages(&docs, &[0, 1], &PassageOptions::default());
        assert_eq!(found.links.len(), 1);
        let shared = &found.links[0].shared;
        assert_eq!(shared.len(), 1);
        let s = &shared[0];
        assert_eq!(
            &a[s.a_span.start as usize..s.a_span.end as usize],
            WIRE.trim_end_matches('.')
        );
        assert_eq!(
            &b[s.b_span.start as usize..s.b_span.end as usize],
            WIRE.trim_end_matches('.')
        );
        assert_eq!(s.similarity, 1.0);
        assert_eq!(found.clusters.len(), 1);
        assert_eq!(found.clusters[0].occurrences.len(), 2);
    }

    #[test]
    fn frequent_text_is_boilerplate_and_links_nothing() {
        let chrome = "Share your experiences, suggestions, and any issues you've encountered on our site. We're here to listen.";
        let docs: Vec<DocUnits> = (0..4)
            .map(|i| doc(&format!("Story number {i} is about something entirely different from the others, word{i} word{i}x word{i}y.\n\n{chrome}")))
            .collect();
        let opts = PassageOptions {
            boilerplate_min_docs: Some(3),
            ..PassageOptions::default()
        };
        let found = find_passages(&docs, &[0, 1, 2, 3], &opts);
        assert!(found.links.is_empty());
        assert_eq!(found.clusters.len(), 1);
        assert!(found.clusters[0].boilerplate);
        assert_eq!(found.clusters[0].occurrences.len(), 4);
    }

    #[test]
    fn a_reposted_run_of_paragraphs_is_one_span() {
        let paras = [
            "The first reposted paragraph talks about the harbour strike and the union demands in detail today.",
            "The second reposted paragraph explains how shipping lines diverted vessels to smaller coastal ports.",
            "The third reposted paragraph quotes the transport ministry urging both sides to resume negotiations.",
        ];
        let run = paras.join("\n\n");
        let a = format!("An opening paragraph that only the first story has, about something else.\n\n{run}\n\nA closing line.");
        let b = format!("{run}\n\nA different ending paragraph written by the second outlet for its own readers.");
        let found = find_passages(&[doc(&a), doc(&b)], &[0, 1], &PassageOptions::default());
        let shared = &found.links[0].shared;
        assert_eq!(shared.len(), 1, "{shared:?}");
        let s = &shared[0];
        assert_eq!(s.clusters.len(), 3);
        let expected = run.trim_end_matches('.');
        assert_eq!(&a[s.a_span.start as usize..s.a_span.end as usize], expected);
        assert_eq!(&b[s.b_span.start as usize..s.b_span.end as usize], expected);
    }

    /// Why anchors and not per-paragraph sketches: on the seeds, the
    /// caption reused inside a long paragraph has a low paragraph-level
    /// Jaccard (what MinHash estimates) but many shared anchors.
    #[test]
    fn reuse_inside_a_paragraph_has_low_jaccard_but_many_anchors() {
        let a = include_str!("../data/000_85676adcdf0feb57.txt");
        let b = include_str!("../data/004_d7de4594d4d3c26f.txt");
        let unit_with = |text: &str, needle: &str| -> Vec<u64> {
            let d = doc(text);
            let start = text.find(needle).unwrap() as u32;
            let u = d
                .units
                .iter()
                .find(|u| {
                    let (s, e) = (
                        d.words[u.start as usize].start,
                        d.words[u.end as usize - 1].end,
                    );
                    s <= start && start < e
                })
                .unwrap();
            d.words[u.start as usize..u.end as usize]
                .iter()
                .map(|w| w.hash)
                .collect()
        };
        let caption = "commander-in-chief";
        let (ua, ub) = (unit_with(a, caption), unit_with(b, caption));
        let anchors = |h: &[u64]| -> std::collections::BTreeSet<u64> {
            h.windows(4).map(anchor_hash).collect()
        };
        let (aa, ab) = (anchors(&ua), anchors(&ub));
        let shared = aa.intersection(&ab).count();
        let jaccard = shared as f64 / (aa.len() + ab.len() - shared) as f64;
        assert!(jaccard < 0.4, "paragraph Jaccard {jaccard}");
        assert!(shared >= 30, "shared anchors {shared}");
    }

    /// The anchor hash is stored in indexes: it is xxh3 (seed
    /// `ANCHOR_SEED`) of the window's word hashes as little-endian bytes,
    /// whatever path computes it.
    #[test]
    fn anchor_hash_is_xxh3_of_the_little_endian_words() {
        for n in 1..=6u64 {
            let words: Vec<u64> = (1..=n)
                .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
                .collect();
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            assert_eq!(
                anchor_hash(&words),
                xxh3_64_with_seed(&bytes, ANCHOR_SEED),
                "{n} words"
            );
        }
    }

    proptest::proptest! {
        /// The gate's pairwise form finds exactly what the passage stage
        /// finds for the pair: texts drawn from a small vocabulary, with
        /// paragraphs copied between them and words edited.
        #[test]
        fn a_probe_finds_what_the_stage_finds_for_the_pair(
            a in proptest::collection::vec(proptest::collection::vec(0u8..40, 6..60), 1..8),
            b in proptest::collection::vec(proptest::collection::vec(0u8..40, 6..60), 1..8),
            copies in proptest::collection::vec((0usize..8, 0usize..8, 0usize..60, 0u8..40), 0..6),
        ) {
            let mut b = b;
            for &(from, to, at, word) in &copies {
                let mut para = a[from % a.len()].clone();
                let at = at % para.len();
                para[at] = word;
                let to = to % (b.len() + 1);
                b.insert(to, para);
            }
            let text = |paras: &[Vec<u8>]| -> String {
                paras
                    .iter()
                    .map(|p| p.iter().map(|w| format!("w{w}")).collect::<Vec<_>>().join(" "))
                    .collect::<Vec<_>>()
                    .join("\n\n")
            };
            let (ta, tb) = (text(&a), text(&b));
            let docs = [doc(&ta), doc(&tb)];
            let opts = PassageOptions {
                boilerplate_min_docs: Some(usize::MAX),
                ..PassageOptions::default()
            };
            let want: Vec<SharedRegion> = find_passages(&docs, &[0, 1], &opts)
                .links
                .into_iter()
                .flat_map(|l| l.shared)
                .map(|s| SharedRegion {
                    a_span: s.a_span,
                    b_span: s.b_span,
                    similarity: s.similarity,
                })
                .collect();
            let got = PassageProbe::new(&docs[0], &opts).shared_with(&docs[1]);
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn boilerplate_frequency_default() {
        assert_eq!(auto_boilerplate_min_docs(10), 25);
        assert_eq!(auto_boilerplate_min_docs(10_000), 50);
        assert_eq!(auto_boilerplate_min_docs(1_000_000), 5000);
    }
}
