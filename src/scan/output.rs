//! What a scan returns: counts, near-duplicate pairs and clusters, passage
//! clusters and links, named by document id (the pipeline's own types
//! number documents; `naming.rs` turns those numbers into ids).

use crate::passages::PassageKind;
use crate::provenance::{Direction, FirstSeen};
use crate::read::{Timestamp, Warning};

use super::Params;

/// Counts describing a finished scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Files (or in-memory documents) read.
    pub files: usize,
    /// Files inside directories skipped for an unsupported extension.
    pub skipped_unsupported: usize,
    /// Documents that entered the pipeline (read, non-empty, unique id).
    pub documents: usize,
    /// Candidate pairs from LSH.
    pub candidate_pairs: usize,
    /// Pairs that passed verification.
    pub verified_pairs: usize,
    /// Passage units compared by the passage stage.
    pub passage_units: usize,
}

/// Two near-duplicate documents.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicatePair {
    /// The id that sorts first ([`crate::natural`] order).
    pub a: String,
    /// The other id.
    pub b: String,
    /// Their Jaccard similarity (exact unless verification was `estimate`).
    pub jaccard: f64,
}

/// A group of near-duplicate documents.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateCluster {
    /// Member ids, sorted.
    pub members: Vec<String>,
    /// Verified pairs inside the cluster, sorted by `(a, b)`.
    pub pairs: Vec<DuplicatePair>,
}

/// Everything a scan found.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanResult {
    /// The paths scanned, as given (empty for in-memory documents); a report
    /// rendered later reads the texts from there again.
    pub inputs: Vec<String>,
    /// The parameters used.
    pub params: Params,
    /// Clusters, largest first (ties by first member id).
    pub clusters: Vec<DuplicateCluster>,
    /// Reposted-passage clusters (empty when the passage stage is off):
    /// reuse clusters first, then boilerplate, then templates; `id` is the
    /// index.
    pub passage_clusters: Vec<PassageClusterOut>,
    /// Stories linked by shared passages, strongest first.
    pub links: Vec<LinkOut>,
    /// The boilerplate document frequency used (`None`: passages off).
    pub boilerplate_min_docs: Option<usize>,
    /// Problems with individual files or lines, in input order.
    pub warnings: Vec<Warning>,
    /// Counts.
    pub stats: Stats,
}

/// One occurrence of a passage. Offsets are bytes into the document's
/// text as read (after lossy UTF-8 decoding; for JSONL the text field; for
/// HTML the extracted text), start inclusive, end exclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct OccurrenceOut {
    /// Document id.
    pub doc: String,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
    /// Best alignment similarity with another occurrence.
    pub similarity: f64,
    /// The document's date, when it has one.
    pub date: Option<Timestamp>,
    /// Seconds since the cluster's first appearance ([`PassageClusterOut::first`]),
    /// when the document is dated.
    pub lag: Option<i64>,
}

/// A reposted passage (or a boilerplate or template one) and its
/// occurrences.
#[derive(Debug, Clone, PartialEq)]
pub struct PassageClusterOut {
    /// Its position in [`ScanResult::passage_clusters`].
    pub id: usize,
    /// Reuse, site chrome or a formula filled with other figures.
    pub kind: PassageKind,
    /// Occurrences, by document id then offset.
    pub occurrences: Vec<OccurrenceOut>,
    /// Number of distinct documents it occurs in.
    pub documents: usize,
    /// The text of the first occurrence.
    pub quote: String,
    /// Where it appeared first: its earliest dated occurrence (`None`
    /// when no occurrence is dated; see [`crate::provenance`]).
    pub first: Option<FirstSeen>,
}

/// A region shared by two linked stories.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedOut {
    /// The passage cluster of the region (the first, when a run of
    /// paragraphs spans several).
    pub cluster: usize,
    /// All passage clusters of the region.
    pub clusters: Vec<usize>,
    /// Byte span in document `a`.
    pub a_span: (u32, u32),
    /// Byte span in document `b`.
    pub b_span: (u32, u32),
    /// Similarity of the aligned region.
    pub similarity: f64,
    /// How rare the region's shared word sequences are in the corpus
    /// ([`crate::passages::Shared::significance`]).
    pub significance: f64,
    /// The text of the region in `a`.
    pub quote: String,
}

/// Two stories that share reposted text.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkOut {
    /// The id that sorts first ([`crate::natural`] order).
    pub a: String,
    /// The other id.
    pub b: String,
    /// `a`'s title: its own (JSONL title field, HTML `<title>`) or its
    /// text's first line.
    pub a_title: String,
    /// `b`'s title.
    pub b_title: String,
    /// `a`'s date, when it has one.
    pub a_date: Option<Timestamp>,
    /// `b`'s date.
    pub b_date: Option<Timestamp>,
    /// `a`'s source, when it has one.
    pub a_source: Option<String>,
    /// `b`'s source.
    pub b_source: Option<String>,
    /// From the earlier story to the later, when both are dated and their
    /// dates differ.
    pub direction: Option<Direction>,
    /// Seconds between the two stories' dates, when both are dated.
    pub lag: Option<i64>,
    /// Share of the pair's text that is reused: covered bytes of both
    /// documents over their total length.
    pub score: f64,
    /// Share of `a`'s text covered by the shared regions.
    pub a_coverage: f64,
    /// Share of `b`'s text covered by the shared regions.
    pub b_coverage: f64,
    /// The two documents are also whole-document near-duplicates (in one
    /// cluster).
    pub near_duplicate: bool,
    /// Share of `a`'s words inside word trigrams that `b` has too (see
    /// [`crate::containment`]): high for a story rewritten from `b`
    /// even where no passage aligns.
    pub containment_a: f64,
    /// Share of `b`'s words inside word trigrams that `a` has too.
    pub containment_b: f64,
    /// The sum of the shared regions' significance; links are listed
    /// most significant first, those between near-duplicates last.
    pub significance: f64,
    /// The shared regions, in `a`'s order.
    pub shared: Vec<SharedOut>,
}
