//! The passage stage in parts, for an engine that distributes it (the
//! Spark job, `python/reprint/spark.py`): what each document, document
//! pair or unit yields on its own, and the rules that decide a group once
//! the engine has gathered it. [`super::find_passages`] calls the same
//! functions on the same inputs, so a distributed run that groups and
//! orders as described here finds what a scan finds (a unit test per step
//! composes them and compares with the stage).
//!
//! Units are numbered in document order, then unit order; document pairs
//! `(x, y)` have `x < y`; a family is a near-duplicate cluster, numbered
//! by its first document.
//! 1. **Boilerplate.** Per document, [`unit_facts`]: each unit's
//!    fingerprint, where it lies in the document, what precedes it, the
//!    known boilerplate line it matches and its template shape. Per
//!    fingerprint held by two units or more, the rule [`is_chrome`] over
//!    each unit's [`ChromeFacts`] with the corpus's
//!    [`auto_boilerplate_min_docs`] (or the option); units not chrome
//!    that match a known line are boilerplate too, one group per line.
//! 2. **Templates.** Per shape, over the units not boilerplate, the rule
//!    [`is_template_group`].
//! 3. **Candidates.** Per unit neither, [`unit_anchor_keys`]; per anchor
//!    key, its units pair when [`pairs_units`] says so: two units of
//!    different documents, within one family only when it
//!    [`aligns_within`], and when the key is in [`CLIQUE_FAMILIES`]
//!    families or more, only when one of them is in one of its first
//!    [`hub_families`] families (the smallest numbers); a unit pair
//!    sharing `min_shared_anchors` such anchors is a candidate (documents
//!    pair the same way for the counts below). A document pair sharing
//!    [`MIN_CONTAINMENT_ANCHORS`] such anchors found in at most
//!    [`RARE_ANCHOR_FAMILIES`] families is searched for rewrites (with
//!    `Rewrites::Rare`, the default; any anchors with `Rewrites::All`).
//! 4. **Regions.** Per document pair with candidates or searched for
//!    rewrites, [`pair_runs`]: its units aligned, its rewrite regions,
//!    merged — what a pair shares depends on the pair alone.
//! 5. **Significance.** Per region, [`run_anchors`]; per family, its
//!    first document's [`document_anchors`]; the number of families
//!    holding each shared anchor weighs the region ([`significance`]).
//! 6. **Clusters.** Per region, which of its alignments make occurrences
//!    ([`run_owners`]); per unit, the occurrences its kept alignments'
//!    word ranges make ([`unit_occurrences`]; ranges ordered by start,
//!    end, then document pair, region, alignment and side); passage
//!    clusters are the connected components of occurrences joined by an
//!    alignment, numbered by their first occurrence.
//! 7. **Links.** Per document pair with regions, [`pair_link`]; its
//!    containment over the units not boilerplate or template
//!    ([`pair_containment`]).
//!
//! Clusters are numbered as the scan numbers them: reuse clusters first,
//! then boilerplate groups, then templates, each kind's groups largest
//! first (then by first unit), a group's units in order.

use std::ops::Range;

use ahash::AHashMap;

pub use super::auto_boilerplate_min_docs;
pub use super::candidates::{
    anchor_key, hub_families, pairs_units, unit_bits, CLIQUE_FAMILIES, HUB_FAMILIES,
    MAX_ANCHOR_FAMILIES,
};
pub use super::frequent::{is_chrome, story_before, tail_of, ChromeFacts, Tail, BODY_WORDS};
pub use super::stage::aligns_within;
use super::stage::Stage;
use super::templates::unit_shape;
pub use super::templates::{is_template_group, MIN_TEMPLATE_FAMILIES};
use super::{
    rewrites, runs, unit_hashes, window_anchors, DocUnits, Link, PassageOptions, Rewrites, Shared,
};
pub use super::{MAX_FAMILY_ALIGN, MIN_CONTAINMENT_ANCHORS, RARE_ANCHOR_FAMILIES};
use crate::boilerplate::fingerprint;
use crate::units::Unit;

/// What the corpus-wide steps read of one unit of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFacts {
    /// Byte span of the unit in its document's text.
    pub span: Range<u32>,
    /// Words in the unit.
    pub words: u32,
    /// Its normalized text's fingerprint: units with equal fingerprints
    /// are one text ([`crate::boilerplate::fingerprint`]).
    pub fingerprint: u64,
    /// Where it lies in its document ([`tail_of`]).
    pub tail: Tail,
    /// For a unit in its document's tail, what precedes it
    /// ([`story_before`]); `None` for the others (the rule never reads
    /// it for them) and when no long unit precedes.
    pub story: Option<u64>,
    /// The known boilerplate line it matches
    /// ([`PassageOptions::known_boilerplate`]), by index.
    pub known_line: Option<usize>,
    /// Its template shape and text hashes (`passages::templates`), for a
    /// unit of at least `min_words` words with a number to mask.
    pub shape: Option<(u64, u64)>,
}

/// The facts of each unit of `doc`, in unit order.
pub fn unit_facts(doc: &DocUnits, opts: &PassageOptions) -> Vec<UnitFacts> {
    let mut hashes = Vec::new();
    let fingerprints: Vec<u64> = doc
        .units
        .iter()
        .map(|u| {
            unit_hashes(doc, u, &mut hashes);
            fingerprint(hashes.iter().copied())
        })
        .collect();
    let tails = tail_of(&doc.units);
    let long = |k: usize| (fingerprints[k], doc.units[k].len() >= BODY_WORDS);
    doc.units
        .iter()
        .enumerate()
        .map(|(i, unit)| {
            unit_hashes(doc, unit, &mut hashes);
            let known = &opts.known_boilerplate;
            let known_line = if known.is_empty() {
                None
            } else {
                known.matches(&hashes, fingerprints[i])
            };
            let shape = if unit.len() >= opts.min_words {
                unit_shape(doc, unit)
            } else {
                None
            };
            UnitFacts {
                span: doc.words[unit.start as usize].start..doc.words[unit.end as usize - 1].end,
                words: unit.len() as u32,
                fingerprint: fingerprints[i],
                tail: tails[i],
                story: (tails[i] != Tail::No)
                    .then(|| story_before(long, i))
                    .flatten(),
                known_line,
                shape,
            }
        })
        .collect()
}

/// The distinct anchor keys ([`anchor_key`]) of `unit` of `doc`, in a
/// corpus whose unit numbers take `unit_bits` bits ([`unit_bits`] of its
/// unit count), ascending.
pub fn unit_anchor_keys(
    doc: &DocUnits,
    unit: &Unit,
    opts: &PassageOptions,
    unit_bits: u32,
) -> Vec<u64> {
    let mut hashes = Vec::new();
    unit_hashes(doc, unit, &mut hashes);
    let mut keys: Vec<u64> = window_anchors(&hashes, opts.anchor_words)
        .map(|a| anchor_key(a, unit_bits))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Which rewrite search a document pair gets (`PassageOptions::rewrites`):
/// whether it shares rare anchors ([`RARE_ANCHOR_FAMILIES`]) or any
/// anchors ([`MIN_CONTAINMENT_ANCHORS`] each, as step 2 counts them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PairAnchors {
    /// Shares rare anchors: searched with `Rewrites::Rare`.
    pub rare: bool,
    /// Shares anchors: searched with `Rewrites::All`.
    pub any: bool,
}

/// One alignment inside a region: unit `ua` of the first document and
/// `ub` of the second (numbers within each document), word ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlignedUnits {
    /// Unit of the first document.
    pub ua: u32,
    /// Unit of the second document.
    pub ub: u32,
    /// Words of the first document.
    pub a: Range<u32>,
    /// Words of the second document.
    pub b: Range<u32>,
    /// Equal words.
    pub matches: u32,
}

/// A region two documents share, by word indices of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairRun {
    /// Words of the first document.
    pub a: Range<u32>,
    /// Words of the second document.
    pub b: Range<u32>,
    /// Equal words (aligned, or shared by rewritten sentences).
    pub matches: u32,
    /// The unit alignments the region was merged from, in order.
    pub pairs: Vec<AlignedUnits>,
}

/// The regions documents `a` and `b` (the earlier first) share, as the
/// stage finds them for the pair: the unit pairs in `candidates` (unit of
/// `a`, unit of `b`; step 2) aligned and merged into runs, and — when the
/// options' rewrite search covers the pair (`anchors`, or runs found) —
/// their sentences compared as bags of words over the units not flagged
/// in `skip_a` and `skip_b` (boilerplate and templates), the regions
/// merged. In `a`'s order. [`batch_runs`] for one pair.
pub fn pair_runs(
    docs: &[DocUnits; 2],
    skip: [&[bool]; 2],
    candidates: &[(u32, u32)],
    anchors: PairAnchors,
    opts: &PassageOptions,
) -> Vec<PairRun> {
    let pair = BatchPair {
        a: 0,
        b: 1,
        candidates: candidates.to_vec(),
        anchors,
    };
    let mut runs = batch_runs(docs, &[skip[0], skip[1]], &[pair], opts);
    runs.pop().unwrap_or_default()
}

/// One document pair of a batch ([`batch_runs`]): documents `a < b`
/// (indices into the batch's documents), the unit pairs step 2 found
/// (unit of `a`, unit of `b`, numbered within each document) and the
/// anchors that decide its rewrite search.
#[derive(Debug, Clone, Default)]
pub struct BatchPair {
    /// The earlier document.
    pub a: u32,
    /// The later document.
    pub b: u32,
    /// Candidate unit pairs.
    pub candidates: Vec<(u32, u32)>,
    /// What the pair's shared anchors say.
    pub anchors: PairAnchors,
}

/// The regions of each of `pairs` over documents `docs` — for each pair,
/// exactly what [`pair_runs`] gives it alone (what a pair shares depends
/// on the pair alone) — found in one stage, so that a document in many
/// pairs is profiled for the rewrite search once, not once per pair
/// (building the profiles was most of a pair's cost). `skip[d]` flags
/// document `d`'s boilerplate and template units. Pairs must be distinct
/// and have `a < b`; returns each pair's runs, in pair order, each in
/// `a`'s order. Runs on the calling thread: a batch is one task of a
/// distributed job, which runs as many tasks as there are cores.
pub fn batch_runs(
    docs: &[DocUnits],
    skip: &[&[bool]],
    pairs: &[BatchPair],
    opts: &PassageOptions,
) -> Vec<Vec<PairRun>> {
    // Every document its own family: pairs are aligned whatever their
    // families (the engine chose them).
    let family: Vec<u32> = (0..docs.len() as u32).collect();
    let mut st = Stage::new(docs, &family, opts);
    st.parallel = false;
    let first: Vec<u32> = docs
        .iter()
        .scan(0u32, |n, d| {
            let at = *n;
            *n += d.units.len() as u32;
            Some(at)
        })
        .collect();
    let mut units: Vec<(u32, u32)> = pairs
        .iter()
        .flat_map(|p| {
            let (fa, fb) = (first[p.a as usize], first[p.b as usize]);
            p.candidates.iter().map(move |&(x, y)| (fa + x, fb + y))
        })
        .collect();
    units.sort_unstable();
    let runs = runs::align_candidates(&st, &units);
    let mut linked: Vec<(u32, u32)> = runs.iter().map(|r| (r.doc_a, r.doc_b)).collect();
    linked.sort_unstable();
    linked.dedup();
    let searched: Vec<(u32, u32)> = pairs
        .iter()
        .filter(|p| {
            let has_runs = || linked.binary_search(&(p.a, p.b)).is_ok();
            match opts.rewrites {
                Rewrites::Off => false,
                Rewrites::Linked => has_runs(),
                Rewrites::Rare => has_runs() || p.anchors.rare,
                Rewrites::All => p.anchors.any,
            }
        })
        .map(|p| (p.a, p.b))
        .collect();
    let rewritten = if searched.is_empty() {
        Vec::new()
    } else {
        let flags: Vec<bool> = skip.iter().flat_map(|s| s.iter().copied()).collect();
        rewrites::rewrite_runs(&st, &searched, &flags)
    };
    let mut found: AHashMap<(u32, u32), Vec<PairRun>> = AHashMap::new();
    for r in runs::with_rewrites(st.docs, runs, rewritten, opts) {
        let pair = (r.doc_a, r.doc_b);
        let (fa, fb) = (first[pair.0 as usize], first[pair.1 as usize]);
        let run = PairRun::of(r, |u| if u >= fb { u - fb } else { u - fa });
        found.entry(pair).or_default().push(run);
    }
    pairs
        .iter()
        .map(|p| found.remove(&(p.a, p.b)).unwrap_or_default())
        .collect()
}

impl PairRun {
    /// The stage's run `r` with its units renumbered by `local` (stage
    /// numbers to numbers within each document).
    fn of(r: runs::Run, local: impl Fn(u32) -> u32) -> Self {
        PairRun {
            a: r.a,
            b: r.b,
            matches: r.matches,
            pairs: r
                .pairs
                .into_iter()
                .map(|p| AlignedUnits {
                    ua: local(p.ua),
                    ub: local(p.ub),
                    a: p.a,
                    b: p.b,
                    matches: p.matches,
                })
                .collect(),
        }
    }
}

/// The distinct anchors both sides of `run` (of documents `a` and `b`)
/// share, ascending: what the region's significance weighs.
pub fn run_anchors(a: &DocUnits, b: &DocUnits, run: &PairRun, opts: &PassageOptions) -> Vec<u64> {
    super::shared_anchors(a, run.a.clone(), b, run.b.clone(), opts.anchor_words)
}

/// The distinct anchors of the whole of `doc`, ascending: a family holds
/// an anchor when its first document (in input order) has it.
pub fn document_anchors(doc: &DocUnits, opts: &PassageOptions) -> Vec<u64> {
    super::significance::document_anchors(doc, opts.anchor_words)
}

/// The significance of a region in a corpus of `families` families, its
/// shared anchors ([`run_anchors`], in their order) held by `dfs` of them
/// each.
pub fn significance(dfs: impl IntoIterator<Item = u32>, families: usize) -> f64 {
    super::significance::weight(dfs, families)
}

/// For each unit alignment of `run` (shared by documents `a` and `b`),
/// the alignment (by index in `run.pairs`) whose occurrence it joins:
/// itself, or the run's longest when it is a short ragged edge of the run.
pub fn run_owners(a: &DocUnits, b: &DocUnits, run: &PairRun, opts: &PassageOptions) -> Vec<u32> {
    let whole = |doc: &DocUnits, u: u32, words: &Range<u32>| {
        let unit = &doc.units[u as usize];
        unit.start == words.start && unit.end == words.end
    };
    let pairs = &run.pairs;
    let len = |i: usize| pairs[i].a.len().min(pairs[i].b.len());
    let short = |i: usize| {
        let p = &pairs[i];
        len(i) < opts.min_words && !(whole(a, p.ua, &p.a) && whole(b, p.ub, &p.b))
    };
    super::clusters::run_owners(pairs.len(), len, short)
        .into_iter()
        .map(|o| o as u32)
        .collect()
}

/// The occurrences of one unit (as `passages::clusters` forms them): `ends` are the word
/// ranges of the unit that kept alignments cover, with each alignment's
/// similarity ([`crate::align::similarity`]), sorted by start, end, then
/// the order of their alignments; returns the occurrence of each range
/// and the occurrences (word range, best similarity).
pub fn unit_occurrences(ends: &[(Range<u32>, f64)]) -> (Vec<u32>, Vec<(Range<u32>, f64)>) {
    super::clusters::unit_occurrences(ends)
}

/// The link between documents `x` and `y` (`a` and `b`, `x < y`) that
/// share `runs` (in order, [`pair_runs`]), given each region's passage
/// clusters (of its alignments) and significance: as the stage reports
/// it, containment zero (filled by [`pair_containment`]).
pub fn pair_link(
    (x, a): (u32, &DocUnits),
    (y, b): (u32, &DocUnits),
    runs: &[PairRun],
    clusters: &[Vec<u32>],
    significance: &[f64],
) -> Link {
    let shared: Vec<Shared> = runs
        .iter()
        .zip(clusters)
        .zip(significance)
        .map(|((r, c), &s)| {
            super::clusters::shared_region(
                a,
                b,
                (r.a.clone(), r.b.clone(), r.matches),
                c.clone(),
                s,
            )
        })
        .collect();
    let mut total = 0.0;
    for s in &shared {
        total += s.significance;
    }
    Link {
        a: x,
        b: y,
        shared,
        containment_a: 0.0,
        containment_b: 0.0,
        significance: total,
    }
}

/// The containment of documents `a` and `b` in each other, over their
/// units not flagged in `skip_a` and `skip_b` ([`crate::containment`]).
pub fn pair_containment(
    a: &DocUnits,
    b: &DocUnits,
    skip_a: &[bool],
    skip_b: &[bool],
) -> (f64, f64) {
    use super::clusters::kept_trigrams;
    crate::containment::containment(&kept_trigrams(a, skip_a), &kept_trigrams(b, skip_b))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::tests::doc;
    use super::super::{find_passages, PassageKind};
    use super::*;

    /// (document, span) of every unit of each group.
    type Groups = Vec<Vec<(u32, Range<u32>)>>;

    /// Boilerplate and template groups as a distributed run finds them:
    /// facts per document, then each rule over what one key gathers;
    /// ordered as the scan reports them.
    fn by_parts(docs: &[DocUnits], family: &[u32], opts: &PassageOptions) -> (Groups, Groups) {
        let facts: Vec<Vec<UnitFacts>> = docs.iter().map(|d| unit_facts(d, opts)).collect();
        let min_docs = opts
            .boilerplate_min_docs
            .unwrap_or_else(|| auto_boilerplate_min_docs(docs.len()))
            .max(2);
        let units = || {
            facts
                .iter()
                .enumerate()
                .flat_map(|(d, f)| f.iter().enumerate().map(move |(u, f)| (d, u, f)))
        };
        let mut by_fp: BTreeMap<u64, Vec<(usize, usize)>> = BTreeMap::new();
        for (d, u, f) in units() {
            by_fp.entry(f.fingerprint).or_default().push((d, u));
        }
        let mut chrome: Vec<Vec<(usize, usize)>> = by_fp
            .into_values()
            .filter(|g| {
                let group: Vec<ChromeFacts> = g
                    .iter()
                    .map(|&(d, u)| ChromeFacts {
                        family: family[d],
                        tail: facts[d][u].tail,
                        story: facts[d][u].story,
                    })
                    .collect();
                g.len() >= 2 && is_chrome(&group, min_docs)
            })
            .collect();
        let flagged =
            |chrome: &[Vec<(usize, usize)>], d, u| chrome.iter().flatten().any(|&m| m == (d, u));
        let mut by_line: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
        for (d, u, f) in units() {
            if let Some(line) = f.known_line.filter(|_| !flagged(&chrome, d, u)) {
                by_line.entry(line).or_default().push((d, u));
            }
        }
        chrome.extend(by_line.into_values());
        let mut by_shape: BTreeMap<u64, Vec<(usize, usize)>> = BTreeMap::new();
        for (d, u, f) in units() {
            if let Some((shape, _)) = f.shape.filter(|_| !flagged(&chrome, d, u)) {
                by_shape.entry(shape).or_default().push((d, u));
            }
        }
        let templates: Vec<Vec<(usize, usize)>> = by_shape
            .into_values()
            .filter(|g| {
                let fills: Vec<(u32, u64)> = g
                    .iter()
                    .map(|&(d, u)| (family[d], facts[d][u].shape.map_or(0, |s| s.1)))
                    .collect();
                is_template_group(&fills)
            })
            .collect();
        let report = |mut groups: Vec<Vec<(usize, usize)>>| -> Groups {
            groups.iter_mut().for_each(|g| g.sort_unstable());
            groups.sort_by(|x, y| y.len().cmp(&x.len()).then(x[0].cmp(&y[0])));
            groups
                .into_iter()
                .map(|g| {
                    g.into_iter()
                        .map(|(d, u)| (d as u32, facts[d][u].span.clone()))
                        .collect()
                })
                .collect()
        };
        (report(chrome), report(templates))
    }

    fn of_kind(docs: &[DocUnits], family: &[u32], opts: &PassageOptions) -> (Groups, Groups) {
        let found = find_passages(docs, family, opts);
        let kind = |k: PassageKind| -> Groups {
            found
                .clusters
                .iter()
                .filter(|c| c.kind == k)
                .map(|c| {
                    c.occurrences
                        .iter()
                        .map(|o| (o.doc, o.span.clone()))
                        .collect()
                })
                .collect()
        };
        (kind(PassageKind::Boilerplate), kind(PassageKind::Template))
    }

    /// A long paragraph of story `i`.
    fn paragraph(i: usize, k: usize) -> String {
        format!(
            "Paragraph {k} of story {i} is long enough to be part of the body of a story about \
             harbour number {i}, its cranes, its ships and the workers who unload them all night \
             under the lights of the port, as the union said on day {k}."
        )
    }

    /// Story `i`: four long paragraphs, three short lines (the first one
    /// `line`), a long pitch standing alone, a last short line.
    fn story(i: usize, line: &str) -> String {
        let body: Vec<String> = (0..4).map(|k| paragraph(i, k)).collect();
        format!(
            "{}\n\n{line}\n\nMore news from harbour {i} will follow here later today.\n\nSee our page about port {i} for all the latest news.\n\n\
             Subscribe to the Harbour Gazette and get every story about every port, every ship and \
             every strike delivered to your inbox each morning before the first ferry leaves the \
             pier at dawn.\n\nShare this story",
            body.join("\n\n")
        )
    }

    fn groups_of(texts: &[String], family: &[u32], opts: &PassageOptions) -> (Groups, Groups) {
        let docs: Vec<DocUnits> = texts.iter().map(|t| doc(t)).collect();
        let expected = of_kind(&docs, family, opts);
        assert_eq!(by_parts(&docs, family, opts), expected);
        expected
    }

    /// Chrome by frequency, by position (a line past the body of three
    /// stories) and by a known line, templates, and a line after one
    /// story sent twice that is not chrome: the parts find the groups the
    /// stage finds.
    #[test]
    fn the_parts_find_the_stage_groups() {
        let line = "Readers wrote in to complain about the strike.";
        let mut texts: Vec<String> = (0..3).map(|i| story(i, line)).collect();
        texts.extend((0..6).map(|i| {
            format!(
                "{}\n\nJapanese crushers bought {} tonnes of Canadian rapeseed in export business overnight for shipment in week {}, trade sources said",
                paragraph(20 + i, 0),
                1000 + 500 * i,
                i + 10
            )
        }));
        let family: Vec<u32> = (0..texts.len() as u32).collect();
        let mut opts = PassageOptions {
            boilerplate_min_docs: Some(4),
            ..PassageOptions::default()
        };
        let quoted = |texts: &[String], groups: &Groups| -> Vec<String> {
            groups
                .iter()
                .map(|g| {
                    let (d, span) = &g[0];
                    texts[*d as usize][span.start as usize..span.end as usize].to_string()
                })
                .collect()
        };
        let (chrome, templates) = groups_of(&texts, &family, &opts);
        // The line by its position (frequency would need 4 stories).
        let has = |groups: &[String], text: &str| {
            groups
                .iter()
                .any(|g| text.starts_with(g.as_str()) || g.starts_with(text))
        };
        let chrome_texts = quoted(&texts, &chrome);
        assert!(has(&chrome_texts, line), "{chrome_texts:?}");
        // The formula (and the stories' paragraphs: the same words around
        // other numbers).
        assert!(has(&quoted(&texts, &templates), "Japanese crushers bought"));
        // Story 0 sent again, in another family: the line after it
        // continues one story, so it is not chrome.
        texts.push(story(0, line));
        let mut family: Vec<u32> = (0..texts.len() as u32).collect();
        opts.boilerplate_min_docs = Some(5);
        let (chrome, _) = groups_of(&texts, &family, &opts);
        assert!(!has(&quoted(&texts, &chrome), line));
        // In the same family it is one story: the line is chrome again.
        family[texts.len() - 1] = 0;
        let (chrome, _) = groups_of(&texts, &family, &opts);
        assert!(
            has(&quoted(&texts, &chrome), line),
            "{:?}",
            quoted(&texts, &chrome)
        );
        // A known line.
        opts.known_boilerplate = crate::boilerplate::KnownBoilerplate::parse(
            "More news from harbour 1 will follow here later today.",
            crate::normalize::NormalizeOptions::default(),
        );
        let (chrome, _) = groups_of(&texts, &family, &opts);
        assert!(has(
            &quoted(&texts, &chrome),
            "More news from harbour 1 will follow here later today."
        ));
    }

    /// A paragraph of `n` made-up words (no digits: not a template), the
    /// same for the same `seed`.
    fn prose(seed: u64, n: usize) -> String {
        let syllables = [
            "ba", "ke", "mo", "ri", "tu", "sa", "le", "no", "pi", "du", "ga", "ve",
        ];
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut words = Vec::with_capacity(n);
        for _ in 0..n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = 2 + (x % 3) as usize;
            let word: String = (0..len)
                .map(|k| syllables[((x >> (8 * k)) % 12) as usize])
                .collect();
            words.push(word);
        }
        words.join(" ") + "."
    }

    /// Unit candidates, rare document pairs, document pairs sharing
    /// anchors.
    type Candidates = (Vec<(u32, u32)>, Vec<(u32, u32)>, Vec<(u32, u32)>);

    /// Unit candidates and rare document pairs as a distributed run finds
    /// them: each unit's anchor keys, grouped by key; units numbered in
    /// document order.
    fn candidates_by_parts(
        docs: &[DocUnits],
        family: &[u32],
        opts: &PassageOptions,
        skip: &[bool],
    ) -> Candidates {
        let min_docs = opts
            .boilerplate_min_docs
            .unwrap_or_else(|| auto_boilerplate_min_docs(docs.len()))
            .max(2);
        let units: Vec<(u32, &Unit)> = docs
            .iter()
            .enumerate()
            .flat_map(|(d, doc)| doc.units.iter().map(move |u| (d as u32, u)))
            .collect();
        let bits = unit_bits(units.len());
        let mut by_key: BTreeMap<u64, Vec<(u32, u32)>> = BTreeMap::new();
        for (g, &(d, unit)) in units.iter().enumerate() {
            if !skip[g] {
                for k in unit_anchor_keys(&docs[d as usize], unit, opts, bits) {
                    by_key.entry(k).or_default().push((g as u32, d));
                }
            }
        }
        let mut size: BTreeMap<u32, usize> = BTreeMap::new();
        for &f in family {
            *size.entry(f).or_default() += 1;
        }
        let fam = |d: u32| family[d as usize];
        let pairs_docs =
            |x: u32, y: u32| x != y && (fam(x) != fam(y) || aligns_within(size[&fam(x)]));
        let mut unit_pairs: BTreeMap<(u32, u32), usize> = BTreeMap::new();
        let mut doc_pairs: BTreeMap<(u32, u32), usize> = BTreeMap::new();
        let mut any_pairs: BTreeMap<(u32, u32), usize> = BTreeMap::new();
        for members in by_key.values() {
            let families = || {
                let mut f: Vec<u32> = members.iter().map(|m| fam(m.1)).collect();
                f.sort_unstable();
                f.dedup();
                f.len()
            };
            if !pairs_units(members.len(), families, min_docs) {
                continue;
            }
            // The hub families: the first ones by number.
            let mut fams: Vec<u32> = members.iter().map(|m| fam(m.1)).collect();
            fams.sort_unstable();
            fams.dedup();
            let hubs = &fams[..hub_families(fams.len())];
            let pairs_hub = |dx: u32, dy: u32| hubs.contains(&fam(dx)) || hubs.contains(&fam(dy));
            for (i, &(x, dx)) in members.iter().enumerate() {
                for &(y, dy) in &members[i + 1..] {
                    if pairs_docs(dx, dy) && pairs_hub(dx, dy) {
                        *unit_pairs.entry((x, y)).or_default() += 1;
                    }
                }
            }
            let mut ds: Vec<u32> = members.iter().map(|m| m.1).collect();
            ds.dedup();
            let rare = families() <= RARE_ANCHOR_FAMILIES;
            for (i, &x) in ds.iter().enumerate() {
                for &y in &ds[i + 1..] {
                    if pairs_docs(x, y) && pairs_hub(x, y) {
                        *any_pairs.entry((x, y)).or_default() += 1;
                        if rare {
                            *doc_pairs.entry((x, y)).or_default() += 1;
                        }
                    }
                }
            }
        }
        let at_least = |counts: BTreeMap<(u32, u32), usize>, min: usize| {
            counts
                .into_iter()
                .filter(|&(_, n)| n >= min)
                .map(|(p, _)| p)
                .collect()
        };
        let min = MIN_CONTAINMENT_ANCHORS as usize;
        (
            at_least(unit_pairs, opts.min_shared_anchors),
            at_least(doc_pairs, min),
            at_least(any_pairs, min),
        )
    }

    /// The stage's own candidates, and its boilerplate and template flags.
    fn stage_candidates(
        docs: &[DocUnits],
        family: &[u32],
        opts: &PassageOptions,
    ) -> (Candidates, Vec<bool>) {
        use super::super::{candidates, frequent, stage::Stage, templates};
        let st = Stage::new(docs, family, opts);
        let mut skip = frequent::find_boilerplate(&st).flags;
        for &u in templates::find_templates(&st, &skip).iter().flatten() {
            skip[u as usize] = true;
        }
        let index = candidates::AnchorIndex::new(&st, &skip);
        let units = candidates::unit_candidates(&st, &index);
        let rare = candidates::rare_doc_candidates(&st, &index, RARE_ANCHOR_FAMILIES);
        let any = candidates::doc_candidates(&st, &index);
        ((units, rare, any), skip)
    }

    /// Stories sharing paragraphs (some in many stories, some in a few),
    /// a family too large to align within, a unit repeating an anchor:
    /// the parts find the stage's candidates.
    #[test]
    fn the_parts_find_the_stage_candidates() {
        let shared: Vec<String> = (0..12).map(|k| prose(1000 + k, 40)).collect();
        let mut texts: Vec<String> = (0..40u64)
            .map(|i| {
                let own = prose(i, 35);
                let a = &shared[(i % 12) as usize];
                let b = &shared[((i * 7 + 3) % 12) as usize];
                format!("{own}\n\n{a}\n\n{b} {b}\n\n{}", prose(500 + i, 20))
            })
            .collect();
        // 34 copies of story 0: one family, too large to align within.
        let first = texts[0].clone();
        texts.extend((0..34).map(|_| first.clone()));
        let docs: Vec<DocUnits> = texts.iter().map(|t| doc(t)).collect();
        let mut family: Vec<u32> = (0..docs.len() as u32).collect();
        for f in family.iter_mut().skip(40) {
            *f = 0;
        }
        let opts = PassageOptions::default();
        let (expected, skip) = stage_candidates(&docs, &family, &opts);
        assert!(
            expected.0.len() > 100 && !expected.1.is_empty(),
            "{expected:?}"
        );
        assert_eq!(candidates_by_parts(&docs, &family, &opts, &skip), expected);
        // Every story its own family: the copies pair too.
        let family: Vec<u32> = (0..docs.len() as u32).collect();
        // (Their paragraphs in 35 families would be boilerplate.)
        let opts = PassageOptions {
            boilerplate_min_docs: Some(100),
            ..opts
        };
        let (apart, skip) = stage_candidates(&docs, &family, &opts);
        // Their paragraphs are in 35 families or more: the copies pair
        // with the stories of the first two (story 0 and the first copy),
        // not with one another.
        let firsts = first_units(&docs);
        let doc_of = |u: u32| firsts.partition_point(|&f| f <= u) - 1;
        assert!(apart
            .0
            .iter()
            .any(|&(x, y)| doc_of(x) == 0 && doc_of(y) > 40));
        assert!(apart
            .0
            .iter()
            .any(|&(x, y)| doc_of(x) == 40 && doc_of(y) > 40));
        assert!(!apart
            .0
            .iter()
            .any(|&(x, y)| doc_of(x) > 40 && doc_of(y) > 40));
        assert_eq!(candidates_by_parts(&docs, &family, &opts, &skip), apart);
    }

    /// A paragraph reposted in 30 stories (each its own family, in a
    /// corpus whose boilerplate frequency is above 30): every story is in
    /// the passage's cluster, each linked to the two earliest stories,
    /// and no two later stories are aligned with each other.
    #[test]
    fn a_paragraph_in_many_families_links_each_story_to_the_earliest() {
        let passage = prose(7, 40);
        let texts: Vec<String> = (0..30u64)
            .map(|i| {
                format!(
                    "{}\n\n{passage}\n\n{}",
                    prose(100 + i, 30),
                    prose(200 + i, 30)
                )
            })
            .collect();
        let docs: Vec<DocUnits> = texts.iter().map(|t| doc(t)).collect();
        let family: Vec<u32> = (0..docs.len() as u32).collect();
        let opts = PassageOptions {
            boilerplate_min_docs: Some(100),
            ..PassageOptions::default()
        };
        let found = super::super::find_passages(&docs, &family, &opts);
        let reuse: Vec<&super::super::PassageCluster> = found
            .clusters
            .iter()
            .filter(|c| c.kind == super::super::PassageKind::Reuse)
            .collect();
        assert_eq!(reuse.len(), 1, "{reuse:?}");
        let mut in_cluster: Vec<u32> = reuse[0].occurrences.iter().map(|o| o.doc).collect();
        in_cluster.dedup();
        assert_eq!(in_cluster, (0..30).collect::<Vec<u32>>());
        let pairs: Vec<(u32, u32)> = found.links.iter().map(|l| (l.a, l.b)).collect();
        let expected: Vec<(u32, u32)> = (1..30)
            .map(|b| (0, b))
            .chain((2..30).map(|b| (1, b)))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(pairs, expected);
    }

    /// The stage number of each document's first unit (units numbered in
    /// document order).
    fn first_units(docs: &[DocUnits]) -> Vec<u32> {
        docs.iter()
            .scan(0u32, |at, d| {
                let f = *at;
                *at += d.units.len() as u32;
                Some(f)
            })
            .collect()
    }

    type DocRuns = Vec<(u32, u32, PairRun)>;

    /// The stage's runs (steps 3 and 4 over its own candidates), by
    /// document pair, units numbered within their documents.
    fn stage_runs(docs: &[DocUnits], family: &[u32], opts: &PassageOptions) -> (DocRuns, Vec<f64>) {
        use super::super::{candidates, frequent, stage::Stage, templates};
        let st = Stage::new(docs, family, opts);
        let mut skip = frequent::find_boilerplate(&st).flags;
        for &u in templates::find_templates(&st, &skip).iter().flatten() {
            skip[u as usize] = true;
        }
        let index = candidates::AnchorIndex::new(&st, &skip);
        let rare = candidates::rare_doc_candidates(&st, &index, RARE_ANCHOR_FAMILIES);
        let any = candidates::doc_candidates(&st, &index);
        let units = candidates::unit_candidates(&st, &index);
        let aligned = runs::align_candidates(&st, &units);
        let mut pairs = match opts.rewrites {
            Rewrites::Off => Vec::new(),
            Rewrites::Linked => runs::linked_pairs(&aligned),
            Rewrites::Rare => [runs::linked_pairs(&aligned), rare].concat(),
            Rewrites::All => any,
        };
        pairs.sort_unstable();
        pairs.dedup();
        let rewritten = rewrites::rewrite_runs(&st, &pairs, &skip);
        let local = |u: u32| st.units[u as usize].index;
        let runs = runs::with_rewrites(st.docs, aligned, rewritten, opts);
        let weights = super::super::significance::weigh(&st, &runs);
        let runs: DocRuns = runs
            .into_iter()
            .map(|r| (r.doc_a, r.doc_b, PairRun::of(r, local)))
            .collect();
        (runs, weights)
    }

    /// The significance of each of `runs` as a distributed run weighs it:
    /// each family's first document's anchors, counted per anchor.
    fn weights_by_parts(
        docs: &[DocUnits],
        family: &[u32],
        opts: &PassageOptions,
        runs: &DocRuns,
    ) -> Vec<f64> {
        let mut seen = std::collections::BTreeSet::new();
        let mut df: BTreeMap<u64, u32> = BTreeMap::new();
        for (d, doc) in docs.iter().enumerate() {
            if seen.insert(family[d]) {
                for g in document_anchors(doc, opts) {
                    *df.entry(g).or_default() += 1;
                }
            }
        }
        runs.iter()
            .map(|(a, b, r)| {
                let anchors = run_anchors(&docs[*a as usize], &docs[*b as usize], r, opts);
                let dfs = anchors.iter().map(|g| df.get(g).copied().unwrap_or(0));
                significance(dfs, seen.len())
            })
            .collect()
    }

    /// The same, pair by pair through [`pair_runs`] (or, with `batch`,
    /// all pairs at once through [`batch_runs`], over only the documents
    /// they involve, renumbered), from the parts' candidates.
    fn runs_by_pairs(
        docs: &[DocUnits],
        family: &[u32],
        opts: &PassageOptions,
        batch: bool,
    ) -> DocRuns {
        let (_, skip) = stage_candidates(docs, family, opts);
        let (units, rare, any) = candidates_by_parts(docs, family, opts, &skip);
        let first = first_units(docs);
        let doc_of = |u: u32| (first.partition_point(|&f| f <= u) - 1) as u32;
        let mut by_pair: BTreeMap<(u32, u32), Vec<(u32, u32)>> = BTreeMap::new();
        for &(x, y) in &units {
            let (dx, dy) = (doc_of(x), doc_of(y));
            by_pair
                .entry((dx, dy))
                .or_default()
                .push((x - first[dx as usize], y - first[dy as usize]));
        }
        for &p in rare.iter().chain(&any) {
            by_pair.entry(p).or_default();
        }
        let skip_of = |d: u32| {
            let f = first[d as usize] as usize;
            &skip[f..f + docs[d as usize].units.len()]
        };
        let anchors = |x, y| PairAnchors {
            rare: rare.binary_search(&(x, y)).is_ok(),
            any: any.binary_search(&(x, y)).is_ok(),
        };
        if batch {
            let mut involved: Vec<u32> = by_pair.keys().flat_map(|&(x, y)| [x, y]).collect();
            involved.sort_unstable();
            involved.dedup();
            let at = |d: u32| involved.binary_search(&d).unwrap_or_default() as u32;
            let batch_docs: Vec<DocUnits> =
                involved.iter().map(|&d| docs[d as usize].clone()).collect();
            let skips: Vec<&[bool]> = involved.iter().map(|&d| skip_of(d)).collect();
            let pairs: Vec<BatchPair> = by_pair
                .iter()
                .map(|(&(x, y), candidates)| BatchPair {
                    a: at(x),
                    b: at(y),
                    candidates: candidates.clone(),
                    anchors: anchors(x, y),
                })
                .collect();
            let runs = batch_runs(&batch_docs, &skips, &pairs, opts);
            return by_pair
                .keys()
                .zip(runs)
                .flat_map(|(&(x, y), runs)| runs.into_iter().map(move |r| (x, y, r)))
                .collect();
        }
        by_pair
            .into_iter()
            .flat_map(|((x, y), candidates)| {
                let pair = [docs[x as usize].clone(), docs[y as usize].clone()];
                pair_runs(
                    &pair,
                    [skip_of(x), skip_of(y)],
                    &candidates,
                    anchors(x, y),
                    opts,
                )
                .into_iter()
                .map(move |r| (x, y, r))
            })
            .collect()
    }

    /// Stories sharing paragraphs verbatim and reworded (words in another
    /// order): pair by pair, the runs are the stage's, whatever the
    /// rewrite search, and so is their significance.
    #[test]
    fn pair_runs_are_the_stage_runs() {
        let shared: Vec<String> = (0..8).map(|k| prose(2000 + k, 40)).collect();
        let reworded = |p: &str| -> String {
            let words: Vec<&str> = p.trim_end_matches('.').split(' ').collect();
            let (head, tail) = words.split_at(words.len() / 2);
            format!("{} {}.", tail.join(" "), head.join(" "))
        };
        let texts: Vec<String> = (0..16u64)
            .map(|i| {
                let a = &shared[(i % 8) as usize];
                let b = &shared[((i * 3 + 1) % 8) as usize];
                let b = if i % 2 == 0 { reworded(b) } else { b.clone() };
                format!("{}\n\n{a}\n\n{b}\n\n{}", prose(i, 30), prose(700 + i, 25))
            })
            .collect();
        let docs: Vec<DocUnits> = texts.iter().map(|t| doc(t)).collect();
        let family: Vec<u32> = (0..docs.len() as u32).collect();
        let mut found = Vec::new();
        for rewrites in [
            Rewrites::Off,
            Rewrites::Linked,
            Rewrites::Rare,
            Rewrites::All,
        ] {
            let opts = PassageOptions {
                rewrites,
                ..PassageOptions::default()
            };
            let (expected, weights) = stage_runs(&docs, &family, &opts);
            assert!(!expected.is_empty());
            for batch in [false, true] {
                assert_eq!(
                    runs_by_pairs(&docs, &family, &opts, batch),
                    expected,
                    "{rewrites:?}, batch {batch}"
                );
            }
            assert_eq!(weights_by_parts(&docs, &family, &opts, &expected), weights);
            found.push(expected);
        }
        assert_ne!(
            found[0], found[2],
            "rewrites find regions alignment does not"
        );
    }

    /// Reuse clusters as a distributed run finds them from the runs (in
    /// document pair order): occurrences per unit, joined by their
    /// alignments, numbered by first occurrence; each as (document, byte
    /// span, similarity).
    fn clusters_by_parts(
        docs: &[DocUnits],
        opts: &PassageOptions,
        runs: &DocRuns,
    ) -> (Clusters, Vec<Vec<u32>>) {
        use crate::align::similarity;
        let first = first_units(docs);
        // (unit, words, similarity, slot) of every kept alignment's sides.
        let mut ends: Vec<(u32, Range<u32>, f64, usize)> = Vec::new();
        // Each run's alignments by the slot of the kept one they join.
        let mut slots: Vec<Vec<usize>> = Vec::new();
        for (x, y, run) in runs {
            let (a, b) = (&docs[*x as usize], &docs[*y as usize]);
            let owners = run_owners(a, b, run, opts);
            let slot_of = |o: u32| {
                let kept_before = owners[..o as usize]
                    .iter()
                    .enumerate()
                    .filter(|&(i, &k)| k as usize == i)
                    .count();
                ends.len() + 2 * kept_before
            };
            slots.push(owners.iter().map(|&o| slot_of(o)).collect());
            for (i, &o) in owners.iter().enumerate() {
                if o as usize == i {
                    let p = &run.pairs[i];
                    let sim = similarity(p.matches as usize, p.a.len(), p.b.len());
                    let slot = ends.len();
                    ends.push((first[*x as usize] + p.ua, p.a.clone(), sim, slot));
                    ends.push((first[*y as usize] + p.ub, p.b.clone(), sim, slot + 1));
                }
            }
        }
        ends.sort_by_key(|e| (e.0, e.1.start, e.1.end, e.3));
        let mut node_of = vec![0u32; ends.len()];
        let mut nodes: Vec<(u32, Range<u32>, f64)> = Vec::new();
        for unit in ends.chunk_by(|p, q| p.0 == q.0) {
            let ranges: Vec<(Range<u32>, f64)> = unit.iter().map(|e| (e.1.clone(), e.2)).collect();
            let (of, occurrences) = unit_occurrences(&ranges);
            for (e, n) in unit.iter().zip(of) {
                node_of[e.3] = nodes.len() as u32 + n;
            }
            nodes.extend(occurrences.into_iter().map(|(w, s)| (unit[0].0, w, s)));
        }
        let mut parent: Vec<u32> = (0..nodes.len() as u32).collect();
        for ends in node_of.chunks_exact(2) {
            crate::cluster::union(&mut parent, ends[0], ends[1]);
        }
        let doc_of = |u: u32| (first.partition_point(|&f| f <= u) - 1) as u32;
        let mut clusters: Vec<Vec<(u32, Range<u32>, f64)>> = Vec::new();
        let mut of_root: BTreeMap<u32, usize> = BTreeMap::new();
        for (n, (u, words, sim)) in nodes.iter().enumerate() {
            let root = crate::cluster::find(&mut parent, n as u32);
            let k = *of_root.entry(root).or_insert_with(|| {
                clusters.push(Vec::new());
                clusters.len() - 1
            });
            let d = doc_of(*u);
            let w = &docs[d as usize].words;
            let span = w[words.start as usize].start..w[words.end as usize - 1].end;
            clusters[k].push((d, span, *sim));
        }
        let run_clusters = slots
            .iter()
            .map(|s| {
                s.iter()
                    .map(|&slot| {
                        let root = crate::cluster::find(&mut parent, node_of[slot]);
                        of_root[&root] as u32
                    })
                    .collect()
            })
            .collect();
        (clusters, run_clusters)
    }

    /// (document, byte span, similarity) of each occurrence of each
    /// cluster.
    type Clusters = Vec<Vec<(u32, Range<u32>, f64)>>;

    /// The same stories: the reuse clusters from the parts are the
    /// stage's.
    #[test]
    fn the_parts_find_the_stage_clusters() {
        let shared: Vec<String> = (0..8).map(|k| prose(3000 + k, 40)).collect();
        let texts: Vec<String> = (0..16u64)
            .map(|i| {
                let a = &shared[(i % 8) as usize];
                let b = &shared[((i * 3 + 1) % 8) as usize];
                // A ragged edge: a few words of the paragraph before.
                let edge: String = prose(900 + i % 4, 12);
                format!(
                    "{}\n\n{a}\n\n{edge} {b}\n\n{}",
                    prose(i, 30),
                    prose(700 + i, 25)
                )
            })
            .collect();
        let docs: Vec<DocUnits> = texts.iter().map(|t| doc(t)).collect();
        let family: Vec<u32> = (0..docs.len() as u32).collect();
        let opts = PassageOptions::default();
        let (runs, _) = stage_runs(&docs, &family, &opts);
        let found = find_passages(&docs, &family, &opts);
        let expected: Vec<Vec<(u32, Range<u32>, f64)>> = found
            .clusters
            .iter()
            .filter(|c| c.kind == PassageKind::Reuse)
            .map(|c| {
                c.occurrences
                    .iter()
                    .map(|o| (o.doc, o.span.clone(), o.similarity))
                    .collect()
            })
            .collect();
        assert!(expected.len() >= 4, "{expected:?}");
        let (clusters, run_clusters) = clusters_by_parts(&docs, &opts, &runs);
        assert_eq!(clusters, expected);
        // Links, pair by pair.
        let (_, weights) = stage_runs(&docs, &family, &opts);
        let (_, skip) = stage_candidates(&docs, &family, &opts);
        let first = first_units(&docs);
        let skip_of = |d: u32| {
            let f = first[d as usize] as usize;
            &skip[f..f + docs[d as usize].units.len()]
        };
        let mut links = Vec::new();
        let mut at = 0;
        for pair in runs.chunk_by(|p, q| (p.0, p.1) == (q.0, q.1)) {
            let (x, y) = (pair[0].0, pair[0].1);
            let (a, b) = (&docs[x as usize], &docs[y as usize]);
            let regions: Vec<PairRun> = pair.iter().map(|r| r.2.clone()).collect();
            let n = regions.len();
            let mut link = pair_link(
                (x, a),
                (y, b),
                &regions,
                &run_clusters[at..at + n],
                &weights[at..at + n],
            );
            at += n;
            (link.containment_a, link.containment_b) =
                pair_containment(a, b, skip_of(x), skip_of(y));
            links.push(link);
        }
        assert!(links.len() >= 8);
        assert_eq!(links, found.links);
    }
}
