//! Index: a durable record of admitted articles (redb, an embedded ACID
//! store) and the verdicts the ingestion gate gives against it.
//!
//! Every article is fingerprinted exactly as `scan` does (same tokenizer,
//! shingles, signature and bands for the same parameters), so the gate and
//! a scan agree. What is stored, per article:
//!
//! | table | key → value | why |
//! |---|---|---|
//! | `docs` | doc key → id, content hash, LZ4-compressed text | exact verification and passage alignment against admitted text |
//! | `ids` | id → doc key | lookups, idempotent re-admission |
//! | `bands` | band key → doc keys (multimap) | near-duplicate candidates (LSH) |
//! | `anchors` | winnowed passage anchor → doc keys (multimap) | reposted-passage candidates |
//! | `units` | paragraph fingerprint → number of documents | boilerplate by frequency |
//! | `meta` | `params` → JSON | refuse to open with incompatible parameters |
//!
//! Concurrency and durability come from redb: readers (checks) see a
//! consistent snapshot and never wait for the writer; admits run one write
//! transaction at a time, and the verdict of an admit is computed inside
//! its transaction, so two admits of the same text cannot both be `new`.
//! A commit is durable when it returns (fsync), so an acknowledged admit
//! survives `kill -9`, and a killed `index build` leaves whole batches.

use std::path::Path;

use ahash::AHashMap;
use rayon::prelude::*;
use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::boilerplate::fingerprint;
use crate::error::Error;
use crate::lsh::{band_key, LshParams};
use crate::normalize::NormalizeOptions;
use crate::passages::{
    anchor_hash, auto_boilerplate_min_docs, find_passages, DocUnits, PassageOptions,
};
use crate::read::Document;
use crate::shingle::{shingle_hashes, ShingleSet};
use crate::sketch::{Signature, Sketcher};
use crate::tokenize::{Tokenizer, Word};
use crate::units::{units, Unit};

const META: TableDefinition<&str, &str> = TableDefinition::new("meta");
const DOCS: TableDefinition<u64, &[u8]> = TableDefinition::new("docs");
const IDS: TableDefinition<&str, u64> = TableDefinition::new("ids");
/// Postings: high 32 bits of a band key or anchor, then the document key,
/// packed in a `u64` (see [`posting`]) → ().
/// A plain table of fixed-width keys costs a fraction of a multimap entry;
/// two keys sharing their high half only add a candidate, which is then
/// verified exactly.
const BANDS: TableDefinition<u64, ()> = TableDefinition::new("bands");
const ANCHORS: TableDefinition<u64, ()> = TableDefinition::new("anchors");

/// A posting: the high half of a band key or anchor above a document key,
/// as one `u64` (one integer comparison per B-tree step).
fn posting(h: u64, key: u64) -> u64 {
    (u64::from(post(h)) << 32) | u64::from(key32(key))
}

/// All postings of `h`.
fn postings_of(h: u64) -> std::ops::RangeInclusive<u64> {
    let base = u64::from(post(h)) << 32;
    base..=base | u64::from(u32::MAX)
}
/// High 32 bits of a paragraph fingerprint → number of documents with it.
const UNITS: TableDefinition<u32, u32> = TableDefinition::new("units");

/// The posting-key half of a 64-bit band key, anchor or fingerprint.
fn post(h: u64) -> u32 {
    (h >> 32) as u32
}

/// A document key as stored in postings.
fn key32(key: u64) -> u32 {
    // Keys are sequential from 0; `check_capacity` refuses to go past u32::MAX.
    key as u32
}

/// Refuses document keys that postings could not hold.
// See `open_write_tables`.
#[allow(clippy::result_large_err)]
fn check_capacity(last_key: u64) -> Result<(), redb::Error> {
    if last_key > u64::from(u32::MAX) {
        return Err(redb::Error::Corrupted(format!(
            "the index is full ({} documents)",
            u32::MAX
        )));
    }
    Ok(())
}

/// Version of the on-disk layout; bumped when tables or encodings change.
const FORMAT_VERSION: u32 = 3;

/// Winnowing window over a paragraph's anchors: the smallest anchor of every
/// run of this many is stored, which guarantees a shared anchor for any
/// verbatim run of `WINNOW + anchor_words − 1` words while storing about
/// 2/(WINNOW+1) of them. Chosen by measurement (`tests/gate.rs`,
/// `gate_finds_planted_reposts`, and `benches/gate.rs`): window 8 with 4
/// smallest per paragraph found every planted repost at 2.1 KB of anchors
/// per article; window 12 with 2 smallest finds 97.8% at 1.4 KB, which
/// keeps the index within 2 KB per article besides the stored text.
const WINNOW: usize = 12;

/// Smallest anchors stored per paragraph, besides the winnowed ones.
const BOTTOM_K: usize = 2;

/// Most candidate documents aligned for passages per check (those sharing
/// the most anchors).
const MAX_PASSAGE_CANDIDATES: usize = 8;

/// The parameters an index is built with. Stored in the index; opening it
/// with different ones is refused, because signatures, band keys and
/// anchors would not be comparable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexParams {
    /// On-disk layout version.
    pub format: u32,
    /// Word and shingle hash.
    pub hash: String,
    /// Jaccard threshold of a near-duplicate.
    pub threshold: f64,
    /// Words per shingle.
    pub shingle: usize,
    /// Signature values.
    pub num_perm: usize,
    /// LSH bands.
    pub bands: usize,
    /// LSH rows per band.
    pub rows: usize,
    /// British → American spelling folding.
    pub fold_spelling: bool,
    /// Words per passage anchor.
    pub anchor_words: usize,
}

impl IndexParams {
    /// The parameters `scan` would use for these options.
    pub fn new(
        threshold: f64,
        shingle: usize,
        num_perm: usize,
        lsh: Option<LshParams>,
        fold_spelling: bool,
    ) -> Self {
        let lsh = lsh.unwrap_or_else(|| LshParams::optimal(threshold, num_perm));
        IndexParams {
            format: FORMAT_VERSION,
            hash: "xxh3-64".into(),
            threshold,
            shingle,
            num_perm,
            bands: lsh.bands,
            rows: lsh.rows,
            fold_spelling,
            anchor_words: PassageOptions::default().anchor_words,
        }
    }

    fn lsh(&self) -> LshParams {
        LshParams {
            bands: self.bands,
            rows: self.rows,
        }
    }

    fn normalize(&self) -> NormalizeOptions {
        NormalizeOptions {
            fold_spelling: self.fold_spelling,
        }
    }

    /// The differences between two parameter sets, for the refusal message.
    fn differences(&self, other: &IndexParams) -> Vec<String> {
        let (a, b) = (
            serde_json::to_value(self).unwrap_or_default(),
            serde_json::to_value(other).unwrap_or_default(),
        );
        let mut out = Vec::new();
        if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
            for (k, v) in a {
                if b.get(k) != Some(v) {
                    out.push(format!(
                        "{k}: index has {}, asked for {v}",
                        b.get(k).cloned().unwrap_or_default()
                    ));
                }
            }
        }
        out
    }
}

/// What the gate does with an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// Admit near-duplicates too (default: they are rejected).
    pub admit_duplicates: bool,
    /// Reject articles that repost passages (default: admitted, flagged).
    pub reject_reposts: bool,
    /// Replace an admitted article when the same id comes with different
    /// text (default: an error).
    pub replace: bool,
}

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
    /// Distinct paragraph fingerprints.
    pub paragraphs: u64,
    /// Bytes of compressed text stored.
    pub text_bytes: u64,
    /// Size of the index file (redb grows it in large steps, so this is
    /// an upper bound).
    pub file_bytes: u64,
    /// Bytes the tables use: stored data, B-tree metadata and
    /// fragmentation, per table (`docs`, `ids`, `bands`, `anchors`, `units`).
    pub table_bytes: Vec<(&'static str, u64)>,
    /// The parameters.
    pub params: IndexParams,
}

/// Everything the gate computes of one article before touching the index.
struct Fingerprint {
    content_hash: u64,
    shingles: ShingleSet,
    band_keys: Vec<u64>,
    doc: DocUnits,
    unit_fps: Vec<u64>,
    anchors: Vec<u64>,
    /// The winnowed anchors of each unit (queried only for units that are
    /// not boilerplate).
    unit_anchors: Vec<Vec<u64>>,
}

/// An open index.
pub struct Index {
    db: Database,
    params: IndexParams,
    path: std::path::PathBuf,
}

fn db_err(path: &Path, e: impl Into<redb::Error>) -> Error {
    Error::Index {
        path: path.to_path_buf(),
        message: e.into().to_string(),
    }
}

impl Index {
    /// Opens the index at `path`, creating it with `params` if it does not
    /// exist. An existing index built with other parameters is refused
    /// with [`Error::IncompatibleIndex`] naming the differences.
    pub fn create(path: &Path, params: IndexParams) -> Result<Index, Error> {
        let db = Database::create(path).map_err(|e| db_err(path, e))?;
        let txn = db.begin_write().map_err(|e| db_err(path, e))?;
        let stored = {
            let mut meta = txn.open_table(META).map_err(|e| db_err(path, e))?;
            let existing = meta
                .get("params")
                .map_err(|e| db_err(path, e))?
                .map(|v| v.value().to_owned());
            match existing {
                Some(json) => Some(json),
                None => {
                    let json = serde_json::to_string(&params).unwrap_or_default();
                    meta.insert("params", json.as_str())
                        .map_err(|e| db_err(path, e))?;
                    None
                }
            }
        };
        // Create every table now, so readers never meet a missing one.
        open_write_tables(&txn).map_err(|e| db_err(path, e))?;
        txn.commit().map_err(|e| db_err(path, e))?;
        if let Some(json) = stored {
            let existing: IndexParams = serde_json::from_str(&json).map_err(|e| Error::Index {
                path: path.to_path_buf(),
                message: format!("unreadable parameters: {e}"),
            })?;
            if existing != params {
                return Err(Error::IncompatibleIndex {
                    path: path.to_path_buf(),
                    differences: params.differences(&existing).join("; "),
                });
            }
        }
        Ok(Index {
            db,
            params,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing index with the parameters it was built with.
    pub fn open(path: &Path) -> Result<Index, Error> {
        if !path.exists() {
            return Err(Error::NotFound(path.to_path_buf()));
        }
        let db = Database::open(path).map_err(|e| db_err(path, e))?;
        let txn = db.begin_read().map_err(|e| db_err(path, e))?;
        let meta = txn.open_table(META).map_err(|e| db_err(path, e))?;
        let json = meta
            .get("params")
            .map_err(|e| db_err(path, e))?
            .map(|v| v.value().to_owned())
            .ok_or_else(|| Error::Index {
                path: path.to_path_buf(),
                message: "not a reprint index (no parameters)".into(),
            })?;
        drop(meta);
        drop(txn);
        let params: IndexParams = serde_json::from_str(&json).map_err(|e| Error::Index {
            path: path.to_path_buf(),
            message: format!("unreadable parameters: {e}"),
        })?;
        if params.format != FORMAT_VERSION {
            return Err(Error::IncompatibleIndex {
                path: path.to_path_buf(),
                differences: format!(
                    "format: index has {}, this reprint reads {FORMAT_VERSION}",
                    params.format
                ),
            });
        }
        Ok(Index {
            db,
            params,
            path: path.to_path_buf(),
        })
    }

    /// The index's parameters.
    pub fn params(&self) -> &IndexParams {
        &self.params
    }

    fn err(&self, e: impl Into<redb::Error>) -> Error {
        db_err(&self.path, e)
    }

    /// The verdict for `doc` against the admitted articles, without
    /// changing the index.
    pub fn check(&self, doc: &Document) -> Result<Verdict, Error> {
        let fp = fingerprint_text(&self.params, &doc.text);
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let tables = Tables {
            docs: txn.open_table(DOCS).map_err(|e| self.err(e))?,
            ids: txn.open_table(IDS).map_err(|e| self.err(e))?,
            bands: txn.open_table(BANDS).map_err(|e| self.err(e))?,
            anchors: txn.open_table(ANCHORS).map_err(|e| self.err(e))?,
            units: txn.open_table(UNITS).map_err(|e| self.err(e))?,
        };
        let existing = tables
            .ids
            .get(doc.id.as_str())
            .map_err(|e| self.err(e))?
            .map(|k| k.value());
        if let Some(key) = existing {
            if self.stored_hash(&tables.docs, key)? == Some(fp.content_hash) {
                let verdict = self.judge(&tables, doc, &fp, Some(key))?;
                return Ok(Verdict {
                    admitted: true,
                    ..verdict
                });
            }
        }
        self.judge(&tables, doc, &fp, None)
    }

    /// Judges `doc` and admits it if the policy says so, in one durable
    /// transaction. Re-admitting an id with the same text changes nothing
    /// and answers as for an admitted article; the same id with different
    /// text is [`Error::IdConflict`] unless `policy.replace`.
    pub fn admit(&self, doc: &Document, policy: Policy) -> Result<Verdict, Error> {
        let fp = fingerprint_text(&self.params, &doc.text);
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        if let Some(key) = self.key_of(&txn, &doc.id)? {
            let same = {
                let docs = txn.open_table(DOCS).map_err(|e| self.err(e))?;
                self.stored_hash(&docs, key)? == Some(fp.content_hash)
            };
            if same {
                let verdict = {
                    let t = open_write_tables(&txn).map_err(|e| self.err(e))?;
                    self.judge(&t, doc, &fp, Some(key))?
                };
                txn.abort().map_err(|e| self.err(e))?;
                return Ok(Verdict {
                    admitted: true,
                    ..verdict
                });
            }
            if !policy.replace {
                return Err(Error::IdConflict { id: doc.id.clone() });
            }
            remove_key(&txn, key, &self.params).map_err(|e| self.err(e))?;
        }
        let verdict = {
            let t = open_write_tables(&txn).map_err(|e| self.err(e))?;
            self.judge(&t, doc, &fp, None)?
        };
        let admit = match verdict.kind {
            VerdictKind::New => true,
            VerdictKind::Duplicate => policy.admit_duplicates,
            VerdictKind::Reposts => !policy.reject_reposts,
        };
        if admit {
            insert(&txn, doc, &fp).map_err(|e| self.err(e))?;
        }
        txn.commit().map_err(|e| self.err(e))?;
        Ok(Verdict {
            admitted: admit,
            ..verdict
        })
    }

    fn key_of(&self, txn: &redb::WriteTransaction, id: &str) -> Result<Option<u64>, Error> {
        let ids = txn.open_table(IDS).map_err(|e| self.err(e))?;
        let key = ids.get(id).map_err(|e| self.err(e))?.map(|k| k.value());
        Ok(key)
    }

    /// Admits every document without judging it (bulk load), in one
    /// transaction: all of them are stored or, if the process dies, none.
    /// Ids already stored with the same text are skipped; with different
    /// text they are an error unless `replace`. Returns how many were
    /// stored.
    pub fn admit_batch(&self, docs: &[Document], replace: bool) -> Result<usize, Error> {
        let prepared: Vec<(Fingerprint, Vec<u8>)> = docs
            .par_iter()
            .map(|d| {
                let fp = fingerprint_text(&self.params, &d.text);
                let record = encode_record(
                    &d.id,
                    fp.content_hash,
                    &lz4_flex::compress_prepend_size(d.text.as_bytes()),
                );
                (fp, record)
            })
            .collect();
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        // Decide what to store, then insert table by table in key order:
        // sorted inserts keep redb's B-trees local and are several times
        // faster than interleaved ones.
        let mut chosen: Vec<usize> = Vec::new();
        let mut in_batch: AHashMap<&str, u64> = AHashMap::new();
        for (i, (doc, (fp, _))) in docs.iter().zip(&prepared).enumerate() {
            if let Some(&hash) = in_batch.get(doc.id.as_str()) {
                if hash == fp.content_hash {
                    continue;
                }
                return Err(Error::IdConflict { id: doc.id.clone() });
            }
            in_batch.insert(&doc.id, fp.content_hash);
            if let Some(key) = self.key_of(&txn, &doc.id)? {
                let same = {
                    let docs_t = txn.open_table(DOCS).map_err(|e| self.err(e))?;
                    self.stored_hash(&docs_t, key)? == Some(fp.content_hash)
                };
                if same {
                    continue;
                }
                if !replace {
                    return Err(Error::IdConflict { id: doc.id.clone() });
                }
                remove_key(&txn, key, &self.params).map_err(|e| self.err(e))?;
            }
            chosen.push(i);
        }
        insert_sorted(&txn, docs, &prepared, &chosen).map_err(|e| self.err(e))?;
        txn.commit().map_err(|e| self.err(e))?;
        Ok(chosen.len())
    }

    /// Removes articles by id; returns the ids that were not in the index.
    pub fn remove(&self, ids: &[String]) -> Result<Vec<String>, Error> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        let mut missing = Vec::new();
        for id in ids {
            match self.key_of(&txn, id)? {
                Some(key) => remove_key(&txn, key, &self.params).map_err(|e| self.err(e))?,
                None => missing.push(id.clone()),
            }
        }
        txn.commit().map_err(|e| self.err(e))?;
        Ok(missing)
    }

    /// Rewrites the file without free space (after a bulk build or many
    /// removals).
    pub fn compact(&mut self) -> Result<(), Error> {
        self.db.compact().map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The text of an admitted article.
    pub fn get(&self, id: &str) -> Result<Option<String>, Error> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let ids = txn.open_table(IDS).map_err(|e| self.err(e))?;
        let Some(key) = ids.get(id).map_err(|e| self.err(e))?.map(|k| k.value()) else {
            return Ok(None);
        };
        let docs = txn.open_table(DOCS).map_err(|e| self.err(e))?;
        Ok(self.load(&docs, key)?.map(|(_, text)| text))
    }

    /// Number of admitted articles (cheap).
    pub fn len(&self) -> Result<u64, Error> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let docs = txn.open_table(DOCS).map_err(|e| self.err(e))?;
        docs.len().map_err(|e| self.err(e))
    }

    /// True when nothing is admitted.
    pub fn is_empty(&self) -> Result<bool, Error> {
        Ok(self.len()? == 0)
    }

    /// Counts.
    pub fn stats(&self) -> Result<IndexStats, Error> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let docs = txn.open_table(DOCS).map_err(|e| self.err(e))?;
        let mut text_bytes = 0u64;
        for entry in docs.iter().map_err(|e| self.err(e))? {
            let (_, v) = entry.map_err(|e| self.err(e))?;
            text_bytes += decode_record(v.value()).map_or(0, |r| r.compressed.len() as u64);
        }
        let ids = txn.open_table(IDS).map_err(|e| self.err(e))?;
        let bands = txn.open_table(BANDS).map_err(|e| self.err(e))?;
        let anchors = txn.open_table(ANCHORS).map_err(|e| self.err(e))?;
        let units = txn.open_table(UNITS).map_err(|e| self.err(e))?;
        let size =
            |st: redb::TableStats| st.stored_bytes() + st.metadata_bytes() + st.fragmented_bytes();
        let table_bytes = vec![
            ("docs", size(docs.stats().map_err(|e| self.err(e))?)),
            ("ids", size(ids.stats().map_err(|e| self.err(e))?)),
            ("bands", size(bands.stats().map_err(|e| self.err(e))?)),
            ("anchors", size(anchors.stats().map_err(|e| self.err(e))?)),
            ("units", size(units.stats().map_err(|e| self.err(e))?)),
        ];
        Ok(IndexStats {
            documents: docs.len().map_err(|e| self.err(e))?,
            band_entries: bands.len().map_err(|e| self.err(e))?,
            anchor_entries: anchors.len().map_err(|e| self.err(e))?,
            paragraphs: units.len().map_err(|e| self.err(e))?,
            text_bytes,
            file_bytes: std::fs::metadata(&self.path).map_or(0, |m| m.len()),
            table_bytes,
            params: self.params.clone(),
        })
    }

    fn stored_hash(
        &self,
        docs: &impl ReadableTable<u64, &'static [u8]>,
        key: u64,
    ) -> Result<Option<u64>, Error> {
        Ok(docs
            .get(key)
            .map_err(|e| self.err(e))?
            .and_then(|v| decode_record(v.value()).map(|r| r.content_hash)))
    }

    /// The verdict for `doc` against every admitted article except `skip`.
    fn judge<D, I, B, A, U>(
        &self,
        t: &Tables<D, I, B, A, U>,
        doc: &Document,
        fp: &Fingerprint,
        skip: Option<u64>,
    ) -> Result<Verdict, Error>
    where
        D: ReadableTable<u64, &'static [u8]>,
        I: ReadableTable<&'static str, u64>,
        B: ReadableTable<u64, ()>,
        A: ReadableTable<u64, ()>,
        U: ReadableTable<u32, u32>,
    {
        let p = &self.params;
        // Near-duplicates: band-key candidates, exact Jaccard on their text.
        let mut candidates: Vec<u64> = Vec::new();
        for &k in &fp.band_keys {
            for entry in t.bands.range(postings_of(k)).map_err(|e| self.err(e))? {
                candidates.push(entry.map_err(|e| self.err(e))?.0.value() & u64::from(u32::MAX));
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut duplicate_of = Vec::new();
        for key in candidates.into_iter().filter(|&k| Some(k) != skip) {
            let Some((id, text)) = self.load(&t.docs, key)? else {
                continue;
            };
            let jaccard = fp.shingles.jaccard(&shingle_set(p, &text));
            if jaccard >= p.threshold {
                duplicate_of.push(DuplicateOf { id, jaccard });
            }
        }
        duplicate_of.sort_by(|a, b| {
            b.jaccard
                .total_cmp(&a.jaccard)
                .then_with(|| a.id.cmp(&b.id))
        });
        if !duplicate_of.is_empty() {
            // A near-duplicate's passages are the whole text again: the
            // verdict is `duplicate`, with no passage list.
            return Ok(Verdict {
                id: doc.id.clone(),
                kind: VerdictKind::Duplicate,
                admitted: false,
                duplicate_of,
                passages: Vec::new(),
            });
        }

        // Passages: winnowed-anchor candidates, aligned with the passage
        // stage on the pair; boilerplate paragraphs (frequent in the index)
        // are left out on both sides.
        let min_docs =
            auto_boilerplate_min_docs(t.docs.len().map_err(|e| self.err(e))? as usize) as u32;
        let frequent = |fps: &[u64]| -> Result<Vec<bool>, Error> {
            fps.iter()
                .map(|f| {
                    Ok(t.units
                        .get(post(*f))
                        .map_err(|e| self.err(e))?
                        .map_or(0, |c| c.value())
                        >= min_docs)
                })
                .collect()
        };
        let my_frequent = frequent(&fp.unit_fps)?;
        // Query only anchors of paragraphs that are not boilerplate: chrome
        // shared with a whole site would otherwise rank every article of
        // that site above the real source, and cost thousands of postings.
        let mut query: Vec<u64> = fp
            .unit_anchors
            .iter()
            .zip(&my_frequent)
            .filter(|(_, &f)| !f)
            .flat_map(|(a, _)| a.iter().copied())
            .collect();
        query.sort_unstable();
        query.dedup();
        let mut hits: AHashMap<u64, u32> = AHashMap::new();
        for a in query {
            for entry in t.anchors.range(postings_of(a)).map_err(|e| self.err(e))? {
                let key = entry.map_err(|e| self.err(e))?.0.value() & u64::from(u32::MAX);
                if Some(key) != skip {
                    *hits.entry(key).or_default() += 1;
                }
            }
        }
        let mut ranked: Vec<(u64, u32)> = hits.into_iter().collect();
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(MAX_PASSAGE_CANDIDATES);
        let mine = DocUnits {
            words: fp.doc.words.clone(),
            units: fp.doc.units.clone(),
        };
        // The pair handed to the passage stage: this article, then each
        // candidate in turn (no copy of this article per candidate).
        let mut pair = [keep_units(mine, &my_frequent), DocUnits::default()];
        let mut passages = Vec::new();
        let opts = PassageOptions {
            boilerplate_min_docs: Some(usize::MAX),
            ..PassageOptions::default()
        };
        for (key, _) in ranked {
            let Some((id, text)) = self.load(&t.docs, key)? else {
                continue;
            };
            let (other, other_fps) = doc_units(p, &text);
            pair[1] = keep_units(other, &frequent(&other_fps)?);
            let found = find_passages(&pair, &[0, 1], &opts);
            for link in found.links {
                for s in link.shared {
                    passages.push(PassageMatch {
                        id: id.clone(),
                        span: (s.a_span.start, s.a_span.end),
                        other_span: (s.b_span.start, s.b_span.end),
                        similarity: s.similarity,
                    });
                }
            }
        }
        passages.sort_by(|a, b| (a.span, &a.id, a.other_span).cmp(&(b.span, &b.id, b.other_span)));
        let kind = if !passages.is_empty() {
            VerdictKind::Reposts
        } else {
            VerdictKind::New
        };
        Ok(Verdict {
            id: doc.id.clone(),
            kind,
            admitted: false,
            duplicate_of,
            passages,
        })
    }

    fn load(
        &self,
        docs: &impl ReadableTable<u64, &'static [u8]>,
        key: u64,
    ) -> Result<Option<(String, String)>, Error> {
        let Some(v) = docs.get(key).map_err(|e| self.err(e))? else {
            return Ok(None);
        };
        let record = decode_record(v.value()).ok_or_else(|| Error::Index {
            path: self.path.clone(),
            message: format!("corrupt record for document key {key}"),
        })?;
        let text =
            lz4_flex::decompress_size_prepended(record.compressed).map_err(|e| Error::Index {
                path: self.path.clone(),
                message: format!("corrupt text for document {}: {e}", record.id),
            })?;
        Ok(Some((
            record.id.to_owned(),
            String::from_utf8_lossy(&text).into_owned(),
        )))
    }
}

/// Everything the gate needs of one text, computed as `scan` does.
fn fingerprint_text(p: &IndexParams, text: &str) -> Fingerprint {
    let (doc, unit_fps) = doc_units(p, text);
    let mut hashes = Vec::new();
    shingle_hashes(&doc.words, p.shingle, &mut hashes);
    let band_keys = Sketcher::new(p.num_perm)
        .sketch(&hashes)
        .map(|sig: Signature| (0..p.bands).map(|b| band_key(&sig, p.lsh(), b)).collect())
        .unwrap_or_default();
    let unit_anchors: Vec<Vec<u64>> = doc
        .units
        .iter()
        .map(|u| {
            let mut a = Vec::new();
            winnow(
                &doc.words[u.start as usize..u.end as usize],
                p.anchor_words,
                &mut a,
            );
            a
        })
        .collect();
    let mut anchors: Vec<u64> = unit_anchors.iter().flatten().copied().collect();
    anchors.sort_unstable();
    anchors.dedup();
    Fingerprint {
        unit_anchors,
        content_hash: xxh3_64(text.as_bytes()),
        shingles: ShingleSet::from_hashes(hashes),
        band_keys,
        doc,
        unit_fps,
        anchors,
    }
}

/// Just the words, units and paragraph fingerprints of a text (aligning a
/// passage candidate).
fn doc_units(p: &IndexParams, text: &str) -> (DocUnits, Vec<u64>) {
    let mut words: Vec<Word> = Vec::new();
    Tokenizer::new(p.normalize()).words(text, &mut words);
    let doc_units = units(text, &words, PassageOptions::default().units);
    let fps = doc_units
        .iter()
        .map(|u| {
            fingerprint(
                words[u.start as usize..u.end as usize]
                    .iter()
                    .map(|w| w.hash),
            )
        })
        .collect();
    (
        DocUnits {
            words,
            units: doc_units,
        },
        fps,
    )
}

/// Just the shingle set of a text (verifying a near-duplicate candidate).
fn shingle_set(p: &IndexParams, text: &str) -> ShingleSet {
    let mut words: Vec<Word> = Vec::new();
    Tokenizer::new(p.normalize()).words(text, &mut words);
    ShingleSet::from_words(&words, p.shingle)
}

/// A document's units without the ones flagged.
fn keep_units(doc: DocUnits, drop: &[bool]) -> DocUnits {
    let units: Vec<Unit> = doc
        .units
        .iter()
        .zip(drop)
        .filter(|(_, &d)| !d)
        .map(|(u, _)| *u)
        .collect();
    DocUnits { units, ..doc }
}

/// Appends the winnowed anchors of one paragraph's words: of every window
/// of [`WINNOW`] consecutive anchors, the smallest.
fn winnow(words: &[Word], anchor_words: usize, out: &mut Vec<u64>) {
    let hashes: Vec<u64> = words.iter().map(|w| w.hash).collect();
    let n = anchor_words.min(hashes.len()).max(1);
    let anchors: Vec<u64> = hashes.windows(n).map(anchor_hash).collect();
    if anchors.len() <= WINNOW {
        out.extend(anchors.iter().min());
        return;
    }
    for w in anchors.windows(WINNOW) {
        if let Some(&m) = w.iter().min() {
            if out.last() != Some(&m) {
                out.push(m);
            }
        }
    }
    // Plus the paragraph's smallest anchors (a bottom-k sketch): an edited
    // copy of a whole paragraph shares about k·J of them even when no run
    // between edits is long enough for winnowing to guarantee a match.
    let mut smallest = anchors;
    smallest.sort_unstable();
    smallest.dedup();
    out.extend(smallest.into_iter().take(BOTTOM_K));
}

struct Tables<D, I, B, A, U> {
    docs: D,
    ids: I,
    bands: B,
    anchors: A,
    units: U,
}

type WriteTables<'t> = Tables<
    redb::Table<'t, u64, &'static [u8]>,
    redb::Table<'t, &'static str, u64>,
    redb::Table<'t, u64, ()>,
    redb::Table<'t, u64, ()>,
    redb::Table<'t, u32, u32>,
>;

// redb's own error type, straight from `?` on redb calls; the public API
// wraps it into `Error::Index` with the file name.
#[allow(clippy::result_large_err)]
fn open_write_tables(txn: &redb::WriteTransaction) -> Result<WriteTables<'_>, redb::Error> {
    Ok(Tables {
        docs: txn.open_table(DOCS)?,
        ids: txn.open_table(IDS)?,
        bands: txn.open_table(BANDS)?,
        anchors: txn.open_table(ANCHORS)?,
        units: txn.open_table(UNITS)?,
    })
}

// See `open_write_tables`.
#[allow(clippy::result_large_err)]
fn insert(
    txn: &redb::WriteTransaction,
    doc: &Document,
    fp: &Fingerprint,
) -> Result<(), redb::Error> {
    let mut t = open_write_tables(txn)?;
    let key = t.docs.last()?.map_or(0, |(k, _)| k.value() + 1);
    check_capacity(key)?;
    let record = encode_record(
        &doc.id,
        fp.content_hash,
        &lz4_flex::compress_prepend_size(doc.text.as_bytes()),
    );
    t.docs.insert(key, record.as_slice())?;
    t.ids.insert(doc.id.as_str(), key)?;
    for &b in &fp.band_keys {
        t.bands.insert(posting(b, key), ())?;
    }
    for &a in &fp.anchors {
        t.anchors.insert(posting(a, key), ())?;
    }
    let mut fps: Vec<u32> = fp.unit_fps.iter().map(|&f| post(f)).collect();
    fps.sort_unstable();
    fps.dedup();
    for f in fps {
        let count = t.units.get(f)?.map_or(0, |c| c.value());
        t.units.insert(f, count + 1)?;
    }
    Ok(())
}

/// Stores `docs[i]` for every `i` in `chosen`, one table at a time, keys
/// sorted.
// See `open_write_tables`.
#[allow(clippy::result_large_err)]
fn insert_sorted(
    txn: &redb::WriteTransaction,
    docs: &[Document],
    prepared: &[(Fingerprint, Vec<u8>)],
    chosen: &[usize],
) -> Result<(), redb::Error> {
    let mut t = open_write_tables(txn)?;
    let first = t.docs.last()?.map_or(0, |(k, _)| k.value() + 1);
    check_capacity(first + chosen.len() as u64)?;
    let keyed: Vec<(u64, usize)> = chosen
        .iter()
        .enumerate()
        .map(|(n, &i)| (first + n as u64, i))
        .collect();
    for &(key, i) in &keyed {
        t.docs.insert(key, prepared[i].1.as_slice())?;
    }
    let mut ids: Vec<(&str, u64)> = keyed
        .iter()
        .map(|&(k, i)| (docs[i].id.as_str(), k))
        .collect();
    ids.sort_unstable();
    for (id, key) in ids {
        t.ids.insert(id, key)?;
    }
    let mut bands: Vec<u64> = Vec::new();
    let mut anchors: Vec<u64> = Vec::new();
    let mut units: AHashMap<u32, u32> = AHashMap::new();
    for &(key, i) in &keyed {
        let fp = &prepared[i].0;
        bands.extend(fp.band_keys.iter().map(|&b| posting(b, key)));
        anchors.extend(fp.anchors.iter().map(|&a| posting(a, key)));
        let mut fps: Vec<u32> = fp.unit_fps.iter().map(|&f| post(f)).collect();
        fps.sort_unstable();
        fps.dedup();
        for f in fps {
            *units.entry(f).or_default() += 1;
        }
    }
    bands.sort_unstable();
    bands.dedup();
    for b in bands {
        t.bands.insert(b, ())?;
    }
    anchors.sort_unstable();
    anchors.dedup();
    for a in anchors {
        t.anchors.insert(a, ())?;
    }
    let mut units: Vec<(u32, u32)> = units.into_iter().collect();
    units.sort_unstable();
    for (f, n) in units {
        let count = t.units.get(f)?.map_or(0, |c| c.value());
        t.units.insert(f, count + n)?;
    }
    Ok(())
}

/// Removes document `key` and everything derived from it (recomputed from
/// its stored text).
// See `open_write_tables`.
#[allow(clippy::result_large_err)]
fn remove_key(
    txn: &redb::WriteTransaction,
    key: u64,
    params: &IndexParams,
) -> Result<(), redb::Error> {
    let mut t = open_write_tables(txn)?;
    let Some((id, text)) = ({
        let v = t.docs.get(key)?;
        v.and_then(|v| {
            let r = decode_record(v.value())?;
            let text = lz4_flex::decompress_size_prepended(r.compressed).ok()?;
            Some((r.id.to_owned(), String::from_utf8_lossy(&text).into_owned()))
        })
    }) else {
        return Ok(());
    };
    let fp = fingerprint_text(params, &text);
    for &b in &fp.band_keys {
        t.bands.remove(posting(b, key))?;
    }
    for &a in &fp.anchors {
        t.anchors.remove(posting(a, key))?;
    }
    let mut fps: Vec<u32> = fp.unit_fps.iter().map(|&f| post(f)).collect();
    fps.sort_unstable();
    fps.dedup();
    for f in fps {
        let count = t.units.get(f)?.map_or(0, |c| c.value());
        if count <= 1 {
            t.units.remove(f)?;
        } else {
            t.units.insert(f, count - 1)?;
        }
    }
    t.ids.remove(id.as_str())?;
    t.docs.remove(key)?;
    Ok(())
}

struct Record<'a> {
    id: &'a str,
    content_hash: u64,
    compressed: &'a [u8],
}

/// Record layout: content hash (u64 LE), id length (u32 LE), id (UTF-8),
/// LZ4 block with the text's length prepended.
fn encode_record(id: &str, content_hash: u64, compressed: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + id.len() + compressed.len());
    out.extend_from_slice(&content_hash.to_le_bytes());
    out.extend_from_slice(&(id.len() as u32).to_le_bytes());
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(compressed);
    out
}

fn decode_record(bytes: &[u8]) -> Option<Record<'_>> {
    let content_hash = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    let len = u32::from_le_bytes(bytes.get(8..12)?.try_into().ok()?) as usize;
    let id = std::str::from_utf8(bytes.get(12..12 + len)?).ok()?;
    Some(Record {
        id,
        content_hash,
        compressed: bytes.get(12 + len..)?,
    })
}
