//! What the gate answers for one article, and what it says of the index.

use super::IndexParams;

/// The kind of verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictKind {
    /// Neither a near-duplicate nor reposting passages.
    New,
    /// A near-duplicate of an admitted article.
    Duplicate,
    /// Reposts passages of admitted articles.
    Reposts,
}

impl VerdictKind {
    /// The name in verdict JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::New => "new",
            VerdictKind::Duplicate => "duplicate",
            VerdictKind::Reposts => "reposts",
        }
    }
}

/// An admitted article this one is a near-duplicate of.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateOf {
    /// Its id.
    pub id: String,
    /// Exact Jaccard similarity.
    pub jaccard: f64,
}

/// A passage this article shares with an admitted one.
#[derive(Debug, Clone, PartialEq)]
pub struct PassageMatch {
    /// The admitted article's id.
    pub id: String,
    /// Byte span in this article.
    pub span: (u32, u32),
    /// Byte span in the admitted article.
    pub other_span: (u32, u32),
    /// Alignment similarity.
    pub similarity: f64,
    /// What the passage says, by the rarity of its shared word sequences
    /// among the admitted articles (as `scan`'s link significance,
    /// estimated from the anchors the index keeps).
    pub significance: f64,
}

/// The gate's answer for one article.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The article's id.
    pub id: String,
    /// New, duplicate or reposts.
    pub kind: VerdictKind,
    /// Whether the article is (now) in the index.
    pub admitted: bool,
    /// Near-duplicates among admitted articles, most similar first.
    pub duplicate_of: Vec<DuplicateOf>,
    /// Shared passages, by position in this article.
    pub passages: Vec<PassageMatch>,
}

/// Counts describing an index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexStats {
    /// Admitted documents.
    pub documents: u64,
    /// Stored band entries.
    pub band_entries: u64,
    /// Stored passage anchors.
    pub anchor_entries: u64,
    /// Paragraph-count entries: distinct paragraph fingerprints and
    /// paragraph shapes (templates), except
    /// that one counted in several segments, or in a segment and the
    /// B-tree, is counted once in each.
    pub paragraphs: u64,
    /// Posting segments (one after a build or `compact`).
    pub segments: u64,
    /// Bytes of compressed text stored.
    pub text_bytes: u64,
    /// Size of the index file (redb grows it in large steps, so this is
    /// an upper bound).
    pub file_bytes: u64,
    /// What the file occupies on disk: its allocated blocks, less than
    /// `file_bytes` where redb grew the file without writing its tail (on
    /// platforms that do not say, `file_bytes`).
    pub disk_bytes: u64,
    /// Bytes the tables use: stored data, B-tree metadata and
    /// fragmentation, per table (`docs`, `ids`, `bands`, `anchors`, `units`,
    /// and `segments` for the segments' blocks and descriptors).
    pub table_bytes: Vec<(&'static str, u64)>,
    /// The parameters.
    pub params: IndexParams,
}
