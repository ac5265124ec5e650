//! Passages: documents' units → reposted-passage clusters and links
//! between the stories that share them.
//!
//! Input: every document's words and units ([`crate::units`]), and which
//! near-duplicate family (whole-document cluster) each document belongs
//! to. Output: [`PassageFindings`] by document index; [`crate::scan`]
//! names and orders them.
//!
//! The stage is a sequence of steps, a module each, over one `Stage`
//! (the documents, families, options and every unit numbered globally):
//! 1. **Boilerplate** (`frequent.rs`): units frequent across families, or
//!    matching a known line, are boilerplate — reported as boilerplate
//!    clusters, never compared, never linking stories.
//!    **Templates** (`templates.rs`): paragraphs that many stories fill
//!    with their own figures are treated the same way and reported as
//!    template clusters.
//! 2. **Candidates** (`candidates.rs`): unit pairs sharing at least
//!    `min_shared_anchors` word 4-gram anchors, counted exactly from an
//!    inverted index. (Chosen over per-paragraph MinHash: a sentence
//!    reused inside a longer paragraph has low Jaccard but a high anchor
//!    count; see ARCHITECTURE.md.)
//! 3. **Alignment** and 4. **runs** (`runs.rs`): each candidate aligned
//!    ([`crate::align`]) and kept at similarity ≥ `min_similarity`,
//!    tightened to the reused words; a pair's alignments that follow,
//!    overlap or lie close to each other merge; runs shorter than
//!    `min_words` are dropped.
//!    **Rewrites** (`rewrites.rs`): the document pairs that [`Rewrites`]
//!    names are also compared sentence by sentence as bags of words, for
//!    passages reworded or shuffled beyond what alignment bridges; the
//!    regions found merge with the pair's runs. Last, a pair's runs lose
//!    their shadows: a run mostly inside a stronger one on either side
//!    (text repeated in one document matching each copy) goes.
//! 5. **Clusters** (`clusters.rs`): union-find over aligned units.
//! 6. **Significance** (`significance.rs`): each run weighed by the
//!    rarity of the word sequences (anchors) its sides share.
//! 7. **Links** and **containment** (`clusters.rs`): document pairs with
//!    a run, their significance and containment (plus links by
//!    containment alone on request); links below `min_significance` go.
//!
//! [`PassageProbe`] (`probe.rs`) is the gate's form: one document aligned
//! against others one at a time, with the same alignment and merging.

mod alike;
mod candidates;
mod clusters;
mod frequent;
mod numbers;
pub mod parts;
mod probe;
mod profile;
mod rewrites;
mod runs;
mod significance;
mod stage;
mod templates;

use std::ops::Range;

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::boilerplate::KnownBoilerplate;
use crate::tokenize::Word;
use crate::units::{Unit, UnitOptions};
pub use numbers::is_number;
pub use probe::{PassageProbe, SharedRegion};
pub(crate) use significance::{anchor_weight, shared_anchors};
use stage::Stage;
pub(crate) use templates::{is_template_fill, unit_shape, MIN_TEMPLATE_FAMILIES};

/// Seed of the anchor hash.
const ANCHOR_SEED: u64 = 0x7265_7072_696e_7405; // "reprint" + 0x05

/// Members of one near-duplicate family are aligned with each other only
/// when the family is at most this large: beyond it (wire copy syndicated
/// everywhere) pairwise alignment of identical copies is quadratic noise.
pub const MAX_FAMILY_ALIGN: usize = 32;

/// Anchors two documents must share to be compared by containment alone
/// (`PassageOptions::min_containment`): one shared phrase is chance, two
/// already pass every heavily rewritten answer of Clough & Stevenson's
/// corpus but one.
pub const MIN_CONTAINMENT_ANCHORS: u32 = 2;

/// An anchor found in at most this many families is rare: with
/// [`Rewrites::Rare`], two of them make a pair worth searching for
/// rewrites. A handful of stories may tell one event in their own words
/// around its names and figures; a phrase in more is a stock phrase of
/// the genre. Pairs found this way are few (an anchor of `f` families
/// pairs at most `f(f-1)/2` of them), so the search costs about as much
/// as for the linked pairs. (PAN 2013 with `All`'s pairs: plagdet 0.849;
/// with rare anchors of at most 2, 3, 5 families: 0.818, 0.842, 0.847.)
pub const RARE_ANCHOR_FAMILIES: usize = 5;

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
    /// Two aligned regions of a document pair that lie at most this many
    /// words apart in both documents merge into one when the merged
    /// region keeps `min_similarity` (regions that overlap or touch, or
    /// that are both passages by themselves, merge regardless), unless
    /// different figures lie between them: a reused passage interrupted by a line too short to be
    /// a unit, or found twice through text repeated in one document, is
    /// one passage. Default 40 words, about two sentences. Merging without
    /// the similarity check found more of PAN 2013's edited cases (plagdet
    /// 0.65 instead of 0.58) but stitched formulaic wire items into
    /// 2,300 extra Reuters links at similarity 0.3–0.6.
    pub merge_gap: usize,
    /// Also link documents without a shared passage when this share of
    /// one's words lies inside word trigrams the other has
    /// ([`crate::containment`]); candidates are the pairs sharing at least
    /// [`MIN_CONTAINMENT_ANCHORS`] anchors. `None`: links come from
    /// passages only (every link still reports its containment).
    pub min_containment: Option<f64>,
    /// Which document pairs are searched for rewritten passages
    /// ([`Rewrites`]).
    pub rewrites: Rewrites,
    /// Links whose significance ([`Link::significance`]) is below this are
    /// dropped; 0 keeps every link.
    pub min_significance: f64,
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
            rewrites: Rewrites::Rare,
            min_significance: 0.0,
            boilerplate_min_docs: None,
            known_boilerplate: KnownBoilerplate::default(),
        }
    }
}

/// Which document pairs the rewrite pass (`rewrites.rs`: sentences
/// compared as bags of words, for passages reworded or shuffled beyond
/// what word alignment bridges) searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rewrites {
    /// None: passages are word alignments only.
    Off,
    /// Pairs that already share a passage found by word alignment: the
    /// passage extends over sentences reworded around it, and the pair's
    /// other reworded passages are found. Adds no link.
    Linked,
    /// The linked pairs, and pairs sharing [`MIN_CONTAINMENT_ANCHORS`]
    /// rare anchors — each found in at most [`RARE_ANCHOR_FAMILIES`]
    /// families: a reworded story keeps a few of its source's distinctive
    /// phrases (names, places, figures), while stories that share only
    /// stock phrases ("said in a statement that") are not compared. Finds
    /// nearly all that `All` finds at little more than `Linked`'s cost,
    /// since a rare anchor pairs few documents.
    #[default]
    Rare,
    /// Every pair sharing [`MIN_CONTAINMENT_ANCHORS`] anchors: several
    /// times the passage stage's cost on wire copy, where it mostly adds
    /// formulaic items (the same sentences around other figures).
    All,
}

impl Rewrites {
    /// The option's name on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Rewrites::Off => "off",
            Rewrites::Linked => "linked",
            Rewrites::Rare => "rare",
            Rewrites::All => "all",
        }
    }

    /// The option named `name` ([`Rewrites::as_str`]), if any.
    pub fn named(name: &str) -> Option<Self> {
        [
            Rewrites::Off,
            Rewrites::Linked,
            Rewrites::Rare,
            Rewrites::All,
        ]
        .into_iter()
        .find(|r| r.as_str() == name)
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
    /// The first word of each sentence ([`crate::units::segment`]).
    pub sentences: Vec<u32>,
    /// The words that are numbers ([`is_number`]), by index, ascending:
    /// amounts, dates, scores — the facts that tell one instance of a
    /// formula from another.
    pub numbers: Vec<u32>,
}

impl DocUnits {
    /// The units and sentences of `text`, whose words (the tokenizer's
    /// output for it) are `words`.
    pub fn new(text: &str, words: Vec<Word>, opts: UnitOptions) -> Self {
        let numbers = numbers::numbers(text, &words);
        let crate::units::Segments { units, sentences } = crate::units::segment(text, &words, opts);
        DocUnits {
            units,
            sentences,
            numbers,
            words,
        }
    }
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

/// What a passage cluster is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassageKind {
    /// Text reposted from one story into another.
    Reuse,
    /// Site chrome: never links stories.
    Boilerplate,
    /// A formula many stories fill with their own figures (`templates.rs`):
    /// never links stories.
    Template,
}

impl PassageKind {
    /// The kind's name in reports: `reuse`, `boilerplate`, `template`.
    pub fn as_str(self) -> &'static str {
        match self {
            PassageKind::Reuse => "reuse",
            PassageKind::Boilerplate => "boilerplate",
            PassageKind::Template => "template",
        }
    }

    /// The kind named `name` ([`PassageKind::as_str`]).
    pub fn named(name: &str) -> Option<Self> {
        [Self::Reuse, Self::Boilerplate, Self::Template]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

/// A passage and every place it occurs.
#[derive(Debug, Clone, PartialEq)]
pub struct PassageCluster {
    /// Reuse, chrome or a formula.
    pub kind: PassageKind,
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
    /// How rare the region's shared anchors (word sequences) are in the corpus: the sum of
    /// their inverse family frequencies (`passages/significance.rs`).
    pub significance: f64,
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
    /// The sum of the shared regions' significance: what links are
    /// ranked by (0 for a link by containment alone).
    pub significance: f64,
}

/// Everything the passage stage found, by document index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassageFindings {
    /// Reuse clusters first (by first occurrence), then boilerplate ones
    /// (largest first), then templates (largest first). A cluster's id is
    /// its index here.
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

/// Runs the passage stage. `family[d]` is document `d`'s near-duplicate
/// family id (equal ids = same whole-document cluster).
pub fn find_passages(docs: &[DocUnits], family: &[u32], opts: &PassageOptions) -> PassageFindings {
    find_passages_timed(docs, family, opts, &mut |_, _| {})
}

/// [`find_passages`], telling `step` the wall time of each of its steps as
/// it ends (`passages/boilerplate`, `passages/templates`,
/// `passages/anchors`, `passages/document pairs`, `passages/unit pairs`,
/// `passages/alignment`, `passages/rewrites`, `passages/merge`,
/// `passages/clusters`, `passages/significance`, `passages/links`,
/// `passages/containment`): where a slow scan spends its time
/// (`reprint scan --timings`). The findings are the same.
pub fn find_passages_timed(
    docs: &[DocUnits],
    family: &[u32],
    opts: &PassageOptions,
    step: &mut dyn FnMut(&'static str, std::time::Duration),
) -> PassageFindings {
    let mut last = std::time::Instant::now();
    let mut lap = |name: &'static str| {
        step(name, last.elapsed());
        last = std::time::Instant::now();
    };
    let st = Stage::new(docs, family, opts);
    let mut boilerplate = frequent::find_boilerplate(&st);
    lap("passages/boilerplate");
    let templates = templates::find_templates(&st, &boilerplate.flags);
    // Template units are skipped as boilerplate units are: never compared.
    for &u in templates.iter().flatten() {
        boilerplate.flags[u as usize] = true;
    }
    lap("passages/templates");
    let index = candidates::AnchorIndex::new(&st, &boilerplate.flags);
    lap("passages/anchors");
    // Document pairs sharing a few anchors: compared by containment, and
    // searched for rewrites with `Rewrites::All`; with `Rewrites::Rare`,
    // those sharing rare ones.
    let doc_candidates = if opts.min_containment.is_some() || opts.rewrites == Rewrites::All {
        candidates::doc_candidates(&st, &index)
    } else {
        Vec::new()
    };
    let rare_candidates = if opts.rewrites == Rewrites::Rare {
        candidates::rare_doc_candidates(&st, &index, RARE_ANCHOR_FAMILIES)
    } else {
        Vec::new()
    };
    lap("passages/document pairs");
    let candidates = candidates::unit_candidates(&st, &index);
    drop(index);
    lap("passages/unit pairs");
    let runs = runs::align_candidates(&st, &candidates);
    drop(candidates);
    lap("passages/alignment");
    let rewrite_pairs = match opts.rewrites {
        Rewrites::Off => Vec::new(),
        Rewrites::Linked => runs::linked_pairs(&runs),
        Rewrites::Rare => {
            let mut pairs = runs::linked_pairs(&runs);
            pairs.extend(rare_candidates);
            pairs.sort_unstable();
            pairs.dedup();
            pairs
        }
        Rewrites::All => doc_candidates.clone(),
    };
    let rewritten = rewrites::rewrite_runs(&st, &rewrite_pairs, &boilerplate.flags);
    lap("passages/rewrites");
    let runs = runs::with_rewrites(st.docs, runs, rewritten, opts);
    lap("passages/merge");
    let doc_candidates = if opts.min_containment.is_some() {
        doc_candidates
    } else {
        Vec::new()
    };
    let (clusters, cluster_of_pair) =
        clusters::passage_clusters(&st, &runs, boilerplate.groups, templates);
    lap("passages/clusters");
    let weights = significance::weigh(&st, &runs);
    lap("passages/significance");
    let mut links = clusters::links(&st, runs, &weights, &cluster_of_pair);
    lap("passages/links");
    clusters::add_containment(&st, &mut links, doc_candidates, &boilerplate.flags);
    links.retain(|l| l.significance >= opts.min_significance);
    lap("passages/containment");
    PassageFindings {
        clusters,
        links,
        boilerplate_min_docs: st.min_docs,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::NormalizeOptions;
    use crate::tokenize::Tokenizer;

    /// A document's words, units and sentences, as a scan makes them
    /// (also used by the other steps' tests).
    pub(super) fn doc(text: &str) -> DocUnits {
        let mut words = Vec::new();
        Tokenizer::new(NormalizeOptions::default()).words(text, &mut words);
        DocUnits::new(text, words, UnitOptions::default())
    }

    /// The text of a byte span.
    fn span<'t>(text: &'t str, span: &Range<u32>) -> &'t str {
        &text[span.start as usize..span.end as usize]
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
        assert_eq!(span(&a, &s.a_span), WIRE.trim_end_matches('.'));
        assert_eq!(span(&b, &s.b_span), WIRE.trim_end_matches('.'));
        assert_eq!(s.similarity, 1.0);
        assert_eq!(found.clusters.len(), 1);
        assert_eq!(found.clusters[0].occurrences.len(), 2);
    }

    /// A paragraph that one story carries once and the other twice — once
    /// as is, once edited further down — is shown with its best match
    /// only: the edited copy is a shadow of the same words.
    #[test]
    fn each_stretch_is_shown_with_its_best_match() {
        let edited = WIRE
            .replace("Defence ties", "Military ties")
            .replace("army training", "military training")
            .replace("thousands of", "hundreds of");
        let a = format!("A story about a football match that ended in a draw after extra time.\n\n{WIRE}\n\nThe end of the story comes with a final remark about the weather.");
        let b = format!("Another article about elections in a faraway country with many parties.\n\n{WIRE}\n\nVoters queued for hours at polling stations across the capital on Sunday, and turnout was the highest since the first free vote, officials said. Results are due on Wednesday; the count is slow because ballots are sorted by hand in every district.\n\nAs a reminder: {edited}");
        let docs = [doc(&a), doc(&b)];
        let found = find_passages(&docs, &[0, 1], &PassageOptions::default());
        assert_eq!(found.links.len(), 1);
        let shared = &found.links[0].shared;
        assert_eq!(shared.len(), 1, "{shared:?}");
        assert_eq!(shared[0].similarity, 1.0);
        assert_eq!(
            &b[shared[0].b_span.start as usize..shared[0].b_span.end as usize],
            WIRE.trim_end_matches('.')
        );
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
        assert_eq!(found.clusters[0].kind, PassageKind::Boilerplate);
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
        assert_eq!(s.clusters.len(), 3, "{:?}", found.clusters);
        let expected = run.trim_end_matches('.');
        assert_eq!(span(&a, &s.a_span), expected);
        assert_eq!(span(&b, &s.b_span), expected);
    }

    /// Two short shared fragments with other words between them are not
    /// stitched into one passage: merging keeps the similarity threshold
    /// (formulaic wire items share such fragments around other numbers
    /// and names).
    #[test]
    fn distant_fragments_are_not_stitched_into_a_passage() {
        let a = "The selling concession is one pct while management and underwriting \
                 combined pays half a point.\n\nLead manager Union Bank of Switzerland said \
                 on Tuesday after a week of talks with investors in Zurich and Geneva.\n\n\
                 The bonds will be listed in Luxembourg in denominations of one mln yen each.";
        let b = "The selling concession is one pct while management and underwriting \
                 combined pays three quarters.\n\nLead manager Orion Royal expects strong \
                 demand from Japanese institutions for the paper issued today.\n\n\
                 The bonds will be listed in Luxembourg in denominations of one mln yen each.";
        let found = find_passages(&[doc(a), doc(b)], &[0, 1], &PassageOptions::default());
        assert!(found.links.is_empty(), "{:?}", found.links);
    }

    /// A passage with a paragraph rewritten in its middle is one passage:
    /// the two reused paragraphs are passages by themselves, so they merge
    /// across the rewritten one although the merged region falls below
    /// the similarity threshold (21 + 21 reused words over 64).
    #[test]
    fn a_passage_rewritten_in_the_middle_is_one_span() {
        let first = "Rights activists have accused Moscow of legitimizing the junta that \
                     seized power in a coup two years ago by continuing its visits.";
        let last = "Officials in the capital said the talks would continue next month with \
                    a delegation of ministers and senior army officers expected there.";
        let a = format!(
            "{first}\n\nA quiet evening followed as the cooks prepared soup and bread \
             for every guest who had travelled from the northern hills.\n\n{last}"
        );
        let b = format!(
            "{first}\n\nMarkets in Tokyo closed higher on Friday while traders watched oil \
             prices rise after the storm hit refineries along the coast.\n\n{last}"
        );
        let found = find_passages(&[doc(&a), doc(&b)], &[0, 1], &PassageOptions::default());
        assert_eq!(found.links.len(), 1, "{:?}", found.links);
        let shared = &found.links[0].shared;
        assert_eq!(shared.len(), 1, "one span, not two: {shared:?}");
        let s = &shared[0];
        assert_eq!(span(&a, &s.a_span), a.trim_end_matches('.'));
        assert_eq!(span(&b, &s.b_span), b.trim_end_matches('.'));
        assert!(s.similarity < PassageOptions::default().min_similarity);
    }

    /// The same figure between two aligned stretches does not keep them
    /// apart; another figure there does (word alignment only: the rewrite
    /// search compares sentences, not the words between runs).
    #[test]
    fn only_different_figures_keep_close_passages_apart() {
        let first = "Rights activists have accused Moscow of legitimizing the junta that \
                     seized power in a coup two years ago by continuing its visits";
        let last = "officials in the capital said the talks would continue next month with \
                    a delegation of ministers and senior army officers expected there.";
        let spans = |a_figure: &str, b_figure: &str| {
            let a = format!("{first}.\n\nSome {a_figure} people\n\nwere {last}");
            let b = format!("{first}.\n\nSome {b_figure} people\n\nwere {last}");
            let opts = PassageOptions {
                rewrites: Rewrites::Off,
                ..PassageOptions::default()
            };
            let found = find_passages(&[doc(&a), doc(&b)], &[0, 1], &opts);
            found.links.iter().map(|l| l.shared.len()).sum::<usize>()
        };
        assert_eq!(spans("1,200", "1,200"), 1);
        assert_eq!(spans("1,200", "3,400"), 2);
    }

    /// Why anchors and not per-paragraph sketches: on the seeds, the
    /// caption reused inside a long paragraph has a low paragraph-level
    /// Jaccard (what MinHash estimates) but many shared anchors.
    #[test]
    fn reuse_inside_a_paragraph_has_low_jaccard_but_many_anchors() {
        let a = include_str!("../../data/000_85676adcdf0feb57.txt");
        let b = include_str!("../../data/004_d7de4594d4d3c26f.txt");
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
