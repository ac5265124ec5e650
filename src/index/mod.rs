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
//! | `units` | paragraph fingerprint or shape → change in its number of documents | boilerplate by frequency, templates by shape |
//! | `segments`, `blocks` | immutable sorted runs of band, anchor and paragraph-count postings (`segment.rs`) | bulk loads without a B-tree insert per posting |
//! | `meta` | `params` → JSON, `next_key` | refuse incompatible parameters; document keys are never reused |
//!
//! Single admits insert postings into the `bands`, `anchors` and `units`
//! B-trees; `index build` writes each batch's postings as one segment and
//! merges them when it ends. A lookup reads both. Document keys grow
//! monotonically, so a posting left in a segment by a removed or replaced
//! article names no document and is skipped (and dropped by the next
//! merge).
//!
//! Concurrency and durability come from redb: readers (checks) see a
//! consistent snapshot and never wait for the writer; admits run one write
//! transaction at a time, and the verdict of an admit is computed inside
//! its transaction, so two admits of the same text cannot both be `new`.
//! A commit is durable when it returns (fsync), so an acknowledged admit
//! survives `kill -9`, and a killed `index build` leaves whole batches.

mod bulk;
mod fingerprint;
mod judge;
mod params;
mod segment;
mod tables;
mod tally;
mod verdict;

use std::path::Path;
use std::sync::Arc;

use ahash::AHashMap;
use rayon::prelude::*;
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata};

use crate::boilerplate::KnownBoilerplate;
use crate::error::Error;
use crate::passages::{
    auto_boilerplate_min_docs, is_template_fill, PassageOptions, PassageProbe,
    MIN_TEMPLATE_FAMILIES,
};
use crate::read::Document;
use crate::shingle::ShingleSet;

use fingerprint::{
    fingerprint_text, keep_units, keys_of_text, shingle_set, words_and_units, Fingerprint, Keys,
};
use segment::{BlockCache, Kind};
use tables::{
    decode_record, insert, insert_sorted, is_live, live_keys, open_read_tables, open_write_tables,
    post, posting, read_stored, remove_key, runs_of, unindexed_from, Runs, Tables, ANCHORS, BANDS,
    DOCS, IDS, META, TEXTS, UNINDEXED, UNITS,
};
use tally::TALLY;

pub use params::{IndexParams, Policy};
pub use verdict::{DuplicateOf, IndexStats, PassageMatch, Verdict, VerdictKind};

/// Version of the on-disk layout; bumped when tables or encodings change,
/// or what is stored in them (9: paragraph shapes are counted beside
/// paragraph fingerprints, for templates; 8: paragraphs no longer end at
/// every line break).
const FORMAT_VERSION: u32 = 9;

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

/// An anchor in more documents than this is a stock phrase, not a pointer
/// to a source: it is not used to pick passage candidates (as the passage
/// stage of `scan` ignores anchors of 100+ families). Without the cap, a
/// phrase in tens of thousands of articles cost a check that many
/// postings. A segment does not store the postings of such an anchor,
/// only a [`SATURATED`] marker in their place (see [`segment`]).
const MAX_ANCHOR_DOCS: usize = 1000;

/// The document key of a segment's marker posting for an anchor it holds
/// in more than [`MAX_ANCHOR_DOCS`] documents; never a real document key
/// (see [`tables::check_capacity`]).
const SATURATED: u64 = u32::MAX as u64;

/// Most candidate documents aligned for passages per check (those sharing
/// the most anchors).
const MAX_PASSAGE_CANDIDATES: usize = 8;

/// A batch of articles fingerprinted by [`Index::prepare`], ready for
/// [`Index::store`].
pub struct PreparedBatch {
    ids: Vec<String>,
    /// Per article: its keys and its text, compressed.
    prepared: Vec<(Keys, Vec<u8>)>,
}

/// Bytes of postings a bulk load ([`Index::admit_batches`]) holds in
/// memory before writing them as a segment: 8 per posting, about 1.1 KB
/// per article at the default parameters, so the postings of about 1.9
/// million articles. A larger load writes several segments and merges
/// them (reading them back).
pub const BULK_MEMORY: usize = 2 << 30;

/// The page cache of an opened index unless told otherwise (redb's
/// default).
pub const DEFAULT_CACHE_BYTES: usize = 1 << 30;

/// An open index: the gate's durable record of admitted articles.
///
/// ```
/// use reprint::index::{Index, IndexParams, Policy, VerdictKind};
/// use reprint::read::Document;
///
/// let dir = tempfile::tempdir()?;
/// let index = Index::create(&dir.path().join("news.redb"), IndexParams::new(0.8, 5, 128, None, true))?;
/// let story = "Russian Defence Minister Sergei Shoigu told visiting junta leader Senior \
///              General Min Aung Hlaing that Moscow is committed to strengthening military \
///              ties with Myanmar, his ministry said on Tuesday.";
/// let doc = |id: &str, text: &str| Document { id: id.into(), text: text.into(), line: None, title: None, date: None, source: None };
/// assert_eq!(index.admit(&doc("a", story), Policy::default())?.kind, VerdictKind::New);
/// // The same story again is a duplicate of the admitted one; a check never admits.
/// let verdict = index.check(&doc("b", &story.to_uppercase()))?;
/// assert_eq!(verdict.kind, VerdictKind::Duplicate);
/// assert_eq!(index.len()?, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Index {
    db: Database,
    params: IndexParams,
    path: std::path::PathBuf,
    /// Paragraphs never reported as reposted, besides frequent ones.
    known: KnownBoilerplate,
    /// Verdicts match only admitted articles dated at most this many
    /// seconds from the judged one ([`Index::set_window`]).
    window: Option<u64>,
    /// Decoded posting blocks read by checks.
    blocks: Arc<BlockCache>,
}

/// What to do with a damaged index file.
const REBUILD: &str =
    "restore it from a backup or rebuild it with `reprint index build` from the original articles";

fn db_err(path: &Path, e: impl Into<redb::Error>) -> Error {
    let message = match e.into() {
        redb::Error::UpgradeRequired(v) => format!(
            "written by an older reprint (redb file format {v}); \
             rebuild it with `reprint index build`"
        ),
        redb::Error::Corrupted(why) => format!("the file is damaged ({why}); {REBUILD}"),
        e => e.to_string(),
    };
    Error::Index {
        path: path.to_path_buf(),
        message,
    }
}

/// The error for a file that holds no index parameters.
fn not_an_index(path: &Path) -> Error {
    Error::Index {
        path: path.to_path_buf(),
        message: "not a reprint index (no parameters); build one with `reprint index build`, \
                  or name another file"
            .into(),
    }
}

/// Creates a new index file at `path` with `params` and every table, by
/// way of `<path>.partial` renamed into place (see [`Index::create`]).
fn create_file(path: &Path, params: &IndexParams) -> Result<(), Error> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let io = |source| Error::Io {
        path: partial.clone(),
        source,
    };
    // A leftover of a creation killed before: never an index.
    match std::fs::remove_file(&partial) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
        _ => {}
    }
    let db = Database::create(&partial).map_err(|e| db_err(&partial, e))?;
    stored_params(&db, &partial, params)?;
    drop(db);
    std::fs::rename(&partial, path).map_err(io)?;
    // The rename itself made durable: the directory's entry is written.
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Ok(dir) = std::fs::File::open(dir.unwrap_or(Path::new("."))) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The parameters `db` (at `path`) was built with, or `None` when it has
/// none yet and is given `params`; every table is created in the same
/// transaction, so readers never meet a missing one.
fn stored_params(
    db: &Database,
    path: &Path,
    params: &IndexParams,
) -> Result<Option<String>, Error> {
    let txn = db.begin_write().map_err(|e| db_err(path, e))?;
    let stored = {
        let mut meta = txn.open_table(META).map_err(|e| db_err(path, e))?;
        let existing = meta
            .get("params")
            .map_err(|e| db_err(path, e))?
            .map(|v| v.value().to_owned());
        if existing.is_none() {
            let json = serde_json::to_string(params).unwrap_or_default();
            meta.insert("params", json.as_str())
                .map_err(|e| db_err(path, e))?;
        }
        existing
    };
    open_write_tables(&txn).map_err(|e| db_err(path, e))?;
    txn.commit().map_err(|e| db_err(path, e))?;
    Ok(stored)
}

impl Index {
    /// Opens the index at `path`, creating it with `params` if it does not
    /// exist. An existing index built with other parameters is refused
    /// with [`Error::IncompatibleIndex`] naming the differences.
    ///
    /// A new index appears whole: its file is made beside `path` (with
    /// `.partial` added to the name), given its parameters and tables,
    /// and only then renamed to `path`, so that a build killed while
    /// creating it leaves no index without parameters (the next build
    /// starts over).
    pub fn create(path: &Path, params: IndexParams) -> Result<Index, Error> {
        if !path.exists() {
            create_file(path, &params)?;
        }
        let db = Database::create(path).map_err(|e| db_err(path, e))?;
        let stored = stored_params(&db, path, &params)?;
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
        let index = Index {
            db,
            params,
            path: path.to_path_buf(),
            known: KnownBoilerplate::default(),
            window: None,
            blocks: Arc::new(BlockCache::new(DEFAULT_CACHE_BYTES / 2)),
        };
        index.index_unindexed()?;
        Ok(index)
    }

    /// Opens an existing index with the parameters it was built with. If
    /// a bulk load into it was interrupted, the articles it stored but had
    /// not indexed yet are indexed now, from their stored texts (see
    /// [`Index::admit_batches`]); [`Index::create`] does the same.
    pub fn open(path: &Path) -> Result<Index, Error> {
        Self::open_with_cache(path, DEFAULT_CACHE_BYTES)
    }

    /// [`Index::open`] with `cache_bytes` of memory for caches (default
    /// [`DEFAULT_CACHE_BYTES`]): half for redb's page cache, half for
    /// decoded posting blocks. Checks read a hundred or more blocks of
    /// postings and the texts of a few candidates each, scattered over the
    /// file; a server whose caches hold the postings (about 0.6 KB per
    /// article in redb's pages, 1.1 KB decoded, so about 2.2 KB per
    /// article of `cache_bytes`) and the
    /// often-read texts answers without system calls.
    pub fn open_with_cache(path: &Path, cache_bytes: usize) -> Result<Index, Error> {
        if !path.exists() {
            return Err(Error::NotFound(path.to_path_buf()));
        }
        // Half for redb's pages (texts, and the B-trees above posting
        // blocks), half for decoded posting blocks.
        let open = || {
            Database::builder()
                .set_cache_size(cache_bytes / 2)
                // Every page's checksum is verified before the index is
                // used: a file damaged outside reprint (a bad disk, a bad
                // copy) is refused with a message instead of read (a plain
                // open may panic on it, or answer from damaged pages). It
                // reads the whole file once: 0.06 s for an index of
                // Reuters-21578.
                .set_check_integrity_on_open(true)
                .open(path)
        };
        // The check itself can panic on some crafted files (an assertion
        // on a page address, found by fuzzing): such a file is damaged
        // too.
        let db = std::panic::catch_unwind(std::panic::AssertUnwindSafe(open))
            .map_err(|_| Error::Index {
                path: path.to_path_buf(),
                message: format!("the file is damaged (its integrity check failed); {REBUILD}"),
            })?
            .map_err(|e| db_err(path, e))?;
        let txn = db.begin_read().map_err(|e| db_err(path, e))?;
        let meta = txn.open_table(META).map_err(|e| match e {
            redb::TableError::TableDoesNotExist(_) => not_an_index(path),
            e => db_err(path, e),
        })?;
        let json = meta
            .get("params")
            .map_err(|e| db_err(path, e))?
            .map(|v| v.value().to_owned())
            .ok_or_else(|| not_an_index(path))?;
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
        let index = Index {
            db,
            params,
            path: path.to_path_buf(),
            known: KnownBoilerplate::default(),
            window: None,
            blocks: Arc::new(BlockCache::new(cache_bytes / 2)),
        };
        index.index_unindexed()?;
        Ok(index)
    }

    /// The index's parameters.
    pub fn params(&self) -> &IndexParams {
        &self.params
    }

    /// Treats paragraphs matching `known` as boilerplate in verdicts, as
    /// `scan --boilerplate` does: they are never reported as reposted
    /// passages, whatever their frequency in the index. Not stored in the
    /// index: give the same file to every command that judges. Parse it
    /// with [`IndexParams::normalize_options`].
    pub fn set_known_boilerplate(&mut self, known: KnownBoilerplate) {
        self.known = known;
    }

    /// Matches articles only against admitted ones dated at most `window`
    /// seconds before or after them (`None`: every admitted article), as
    /// `scan --window` links only stories that close: an article is
    /// judged by its date, or by the time of the check when it has none;
    /// an admitted article without a date is outside every window. The
    /// candidates are chosen first (the passage candidates sharing the
    /// most anchors), then those outside the window are passed over. Not
    /// stored in the index.
    pub fn set_window(&mut self, window: Option<u64>) {
        self.window = window;
    }

    fn err(&self, e: impl Into<redb::Error>) -> Error {
        db_err(&self.path, e)
    }

    /// The verdict for `doc` against the admitted articles, without
    /// changing the index.
    pub fn check(&self, doc: &Document) -> Result<Verdict, Error> {
        let fp = fingerprint_text(&self.params, &doc.text);
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let tables = open_read_tables(&txn, &self.blocks).map_err(|e| self.err(e))?;
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

    /// Merges the posting segments (dropping postings of removed
    /// articles) and rewrites the file without free space (after a bulk
    /// build or many removals).
    pub fn compact(&mut self) -> Result<(), Error> {
        self.merge_segments(true)?;
        // Each pass moves what it can towards the start of the file; the
        // file shrinks once nothing is left to move.
        while self.db.compact().map_err(|e| self.err(e))? {}
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
        let texts = txn.open_table(TEXTS).map_err(|e| self.err(e))?;
        Ok(self.load(&docs, &texts, key)?.map(|(_, text)| text))
    }

    /// Reads back every stored article (its record and text decode, and
    /// its id leads back to it) and returns how many there are. Opening
    /// has already verified every page's checksum; this checks what
    /// reprint itself wrote into them. An error names what is wrong.
    pub fn verify(&self) -> Result<u64, Error> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let docs = txn.open_table(DOCS).map_err(|e| self.err(e))?;
        let texts = txn.open_table(TEXTS).map_err(|e| self.err(e))?;
        let ids = txn.open_table(IDS).map_err(|e| self.err(e))?;
        let mut n = 0;
        for entry in docs.iter().map_err(|e| self.err(e))? {
            let key = entry.map_err(|e| self.err(e))?.0.value();
            let damaged = |what: String| Error::Index {
                path: self.path.clone(),
                message: format!(
                    "article {key} is damaged ({what}); rebuild the index with \
                     `reprint index build`"
                ),
            };
            let (id, _) = self
                .load(&docs, &texts, key)?
                .ok_or_else(|| damaged("no record".into()))?;
            let back = ids
                .get(id.as_str())
                .map_err(|e| self.err(e))?
                .map(|k| k.value());
            if back != Some(key) {
                return Err(damaged(format!("its id {id:?} leads to {back:?}")));
            }
            n += 1;
        }
        Ok(n)
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
            text_bytes += decode_record(v.value()).map_or(0, |r| r.len);
        }
        let texts = txn.open_table(TEXTS).map_err(|e| self.err(e))?;
        let ids = txn.open_table(IDS).map_err(|e| self.err(e))?;
        let bands = txn.open_table(BANDS).map_err(|e| self.err(e))?;
        let anchors = txn.open_table(ANCHORS).map_err(|e| self.err(e))?;
        let units = txn.open_table(UNITS).map_err(|e| self.err(e))?;
        let segments = txn.open_table(segment::SEGMENTS).map_err(|e| self.err(e))?;
        let segs = segment::list(&segments).map_err(|e| self.err(e))?;
        let blocks = segment::open_read(&txn, &segs).map_err(|e| self.err(e))?;
        let in_segments = |k: usize| segs.iter().map(|s| s.counts[k]).sum::<u64>();
        let size =
            |st: redb::TableStats| st.stored_bytes() + st.metadata_bytes() + st.fragmented_bytes();
        let table_bytes = vec![
            ("docs", size(docs.stats().map_err(|e| self.err(e))?)),
            ("texts", size(texts.stats().map_err(|e| self.err(e))?)),
            ("ids", size(ids.stats().map_err(|e| self.err(e))?)),
            ("bands", size(bands.stats().map_err(|e| self.err(e))?)),
            ("anchors", size(anchors.stats().map_err(|e| self.err(e))?)),
            ("units", size(units.stats().map_err(|e| self.err(e))?)),
            (
                "segments",
                blocks.iter().try_fold(0, |n, b| {
                    Ok::<u64, Error>(n + size(b.stats().map_err(|e| self.err(e))?))
                })? + size(segments.stats().map_err(|e| self.err(e))?),
            ),
        ];
        let file = std::fs::metadata(&self.path).ok();
        Ok(IndexStats {
            documents: docs.len().map_err(|e| self.err(e))?,
            band_entries: bands.len().map_err(|e| self.err(e))? + in_segments(0),
            anchor_entries: anchors.len().map_err(|e| self.err(e))? + in_segments(1),
            paragraphs: units.len().map_err(|e| self.err(e))? + in_segments(2),
            segments: segs.len() as u64,
            text_bytes,
            file_bytes: file.as_ref().map_or(0, |m| m.len()),
            disk_bytes: file.as_ref().map_or(0, disk_bytes),
            table_bytes,
            params: self.params.clone(),
        })
    }
}

/// The bytes a file occupies on disk.
#[cfg(unix)]
fn disk_bytes(m: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    // `blocks` counts 512-byte units whatever the file system's block size.
    m.blocks() * 512
}

/// The bytes a file occupies on disk: its length where the platform does
/// not say.
#[cfg(not(unix))]
fn disk_bytes(m: &std::fs::Metadata) -> u64 {
    m.len()
}

#[cfg(test)]
mod tests {
    use super::fingerprint::fingerprint_text;
    use super::*;
    use xxhash_rust::xxh3::xxh3_64;

    fn doc(id: &str, seed: u64) -> Document {
        let paragraph = |p: u64| {
            (0..120)
                .map(|i| {
                    // Words of letters only: a word with a digit is a
                    // number, and paragraphs of numbers share one shape.
                    let n = xxh3_64(&[seed, p, i].map(u64::to_le_bytes).concat()) % 5000;
                    let letters: String = n
                        .to_string()
                        .bytes()
                        .map(|d| char::from(b'a' + d - b'0'))
                        .collect();
                    format!("w{letters}")
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        Document {
            id: id.into(),
            text: (0..3).map(paragraph).collect::<Vec<_>>().join("\n\n"),
            line: None,
            title: None,
            date: None,
            source: None,
        }
    }

    fn index() -> (tempfile::TempDir, Index) {
        let dir = tempfile::tempdir().unwrap();
        let params = IndexParams::new(0.8, 5, 128, None, true);
        let index = Index::create(&dir.path().join("i.redb"), params).unwrap();
        (dir, index)
    }

    fn duplicates(index: &Index, d: &Document) -> Vec<String> {
        let v = index.check(d).unwrap();
        v.duplicate_of.into_iter().map(|d| d.id).collect()
    }

    #[test]
    fn bulk_batches_are_found_in_segments_and_merge_into_one() {
        let (_dir, index) = index();
        assert_eq!(
            index
                .admit_batch(&[doc("a", 1), doc("b", 2)], false)
                .unwrap(),
            2
        );
        assert_eq!(index.admit_batch(&[doc("c", 3)], false).unwrap(), 1);
        assert_eq!(index.stats().unwrap().segments, 2);
        for (id, seed) in [("a", 1), ("b", 2), ("c", 3)] {
            assert_eq!(duplicates(&index, &doc("probe", seed)), vec![id]);
        }
        let before = index.stats().unwrap();
        assert_eq!(index.merge_segments(false).unwrap(), 2);
        let after = index.stats().unwrap();
        assert_eq!(after.segments, 1);
        assert_eq!(after.band_entries, before.band_entries);
        assert_eq!(after.anchor_entries, before.anchor_entries);
        assert_eq!(after.paragraphs, before.paragraphs);
        for (id, seed) in [("a", 1), ("b", 2), ("c", 3)] {
            assert_eq!(duplicates(&index, &doc("probe", seed)), vec![id]);
        }
        assert!(duplicates(&index, &doc("probe", 4)).is_empty());
    }

    /// Every entry of every segment (postings, paragraph counts), in
    /// block order, whatever the blocks.
    fn entries(index: &Index) -> Vec<u64> {
        let txn = index.db.begin_read().unwrap();
        let segs = segment::list(&txn.open_table(segment::SEGMENTS).unwrap()).unwrap();
        let mut out = Vec::new();
        for t in segment::open_read(&txn, &segs).unwrap() {
            for e in t.iter().unwrap() {
                let (_, v) = e.unwrap();
                out.extend_from_slice(&segment::decode_block(v.value()));
            }
        }
        out
    }

    /// The units B-tree (paragraph count changes outside segments).
    fn unit_btree(index: &Index) -> Vec<(u32, i64)> {
        let txn = index.db.begin_read().unwrap();
        let units = txn.open_table(UNITS).unwrap();
        units
            .iter()
            .unwrap()
            .map(|e| {
                let (k, v) = e.unwrap();
                (k.value(), v.value())
            })
            .collect()
    }

    /// `n` batches of four articles: `d<batch><article>`, seeds 0, 1, 2, …
    fn batches(n: u64) -> Vec<Vec<Document>> {
        (0..n)
            .map(|b| {
                (0..4)
                    .map(|i| doc(&format!("d{b}{i}"), b * 4 + i))
                    .collect()
            })
            .collect()
    }

    /// An index of `batches` stored one by one (a segment each), then
    /// merged from the file; with the number of segments merged.
    fn stored_one_by_one(batches: &[Vec<Document>]) -> (tempfile::TempDir, Index, usize) {
        let (dir, index) = index();
        for b in batches {
            index.admit_batch(b, false).unwrap();
        }
        let merged = index.merge_segments(false).unwrap();
        (dir, index, merged)
    }

    /// Stores `batches` as a bulk load does, then stops before writing the
    /// postings it holds (as a killed process would).
    fn interrupted_load(index: &Index, batches: &[Vec<Document>], replace: bool) {
        for b in batches {
            index.store_runs(&index.prepare(b), replace, true).unwrap();
        }
    }

    #[test]
    fn an_interrupted_bulk_load_is_indexed_when_the_index_opens() {
        let batches = batches(2);
        let (dir, index) = index();
        interrupted_load(&index, &batches, false);
        // Stored, durable, not yet findable.
        assert_eq!(index.len().unwrap(), 8);
        assert!(duplicates(&index, &doc("probe", 5)).is_empty());
        drop(index);
        let index = Index::open(&dir.path().join("i.redb")).unwrap();
        let (_d2, by_file, _) = stored_one_by_one(&batches);
        assert_eq!(index.stats().unwrap().segments, 1);
        assert_eq!(entries(&index), entries(&by_file));
        for (id, seed) in [("d00", 0), ("d13", 7)] {
            assert_eq!(duplicates(&index, &doc("probe", seed)), vec![id]);
        }
        // Opening again finds nothing left to do.
        drop(index);
        let index = Index::open(&dir.path().join("i.redb")).unwrap();
        assert_eq!(index.stats().unwrap().segments, 1);
    }

    #[test]
    fn an_article_admitted_alone_during_an_interrupted_load_is_indexed_once() {
        let (dir, index) = index();
        interrupted_load(&index, &[vec![doc("a", 1), doc("b", 2)]], false);
        index.admit(&doc("c", 3), Policy::default()).unwrap();
        drop(index);
        let index = Index::open(&dir.path().join("i.redb")).unwrap();
        let bands = index.params().bands as u64;
        assert_eq!(index.stats().unwrap().band_entries, 3 * bands);
        assert_eq!(duplicates(&index, &doc("probe", 3)), vec!["c"]);
        assert_eq!(duplicates(&index, &doc("probe", 1)), vec!["a"]);
    }

    #[test]
    fn an_article_replaced_within_a_bulk_load_is_counted_once() {
        let with_shared = |id: &str, seed: u64| Document {
            text: format!("{}\n\n{}", doc(id, seed).text, doc("shared", 77).text),
            ..doc(id, seed)
        };
        let batches = vec![
            vec![with_shared("a", 1), doc("b", 2)],
            vec![with_shared("a", 3)],
        ];
        let (_d1, want) = index();
        want.admit_batch(&[doc("b", 2), with_shared("a", 3)], false)
            .unwrap();
        // Whole, then interrupted and finished on open.
        let (_d2, whole) = index();
        whole
            .admit_batches(batches.clone().into_iter(), true)
            .unwrap();
        let (dir, cut) = index();
        interrupted_load(&cut, &batches, true);
        drop(cut);
        let cut = Index::open(&dir.path().join("i.redb")).unwrap();
        for got in [&whole, &cut] {
            assert_eq!(
                got.stats().unwrap().paragraphs,
                want.stats().unwrap().paragraphs
            );
            assert!(unit_btree(got).is_empty(), "{:?}", unit_btree(got));
            assert_eq!(duplicates(got, &with_shared("probe", 3)), vec!["a"]);
            assert!(duplicates(got, &with_shared("probe", 1)).is_empty());
        }
    }

    #[test]
    fn a_bulk_load_writes_from_memory_what_batches_stored_one_by_one_merge_into() {
        let batches = batches(3);
        let (_d1, bulk) = index();
        assert_eq!(
            bulk.admit_batches(batches.clone().into_iter(), false)
                .unwrap(),
            12
        );
        let (_d2, by_file, merged) = stored_one_by_one(&batches);
        assert_eq!(merged, 3);
        assert_eq!(bulk.stats().unwrap().segments, 1);
        assert!(!entries(&bulk).is_empty());
        assert_eq!(entries(&bulk), entries(&by_file));
        let (a, b) = (bulk.stats().unwrap(), by_file.stats().unwrap());
        assert_eq!(
            (a.band_entries, a.anchor_entries, a.paragraphs),
            (b.band_entries, b.anchor_entries, b.paragraphs)
        );
        // A second load adds a segment: the two are merged.
        let more = vec![vec![doc("e", 50)], vec![doc("f", 51)]];
        assert_eq!(bulk.admit_batches(more.into_iter(), false).unwrap(), 2);
        assert_eq!(bulk.stats().unwrap().segments, 1);
        for (id, seed) in [("d00", 0), ("d23", 11), ("e", 50), ("f", 51)] {
            assert_eq!(duplicates(&bulk, &doc("probe", seed)), vec![id]);
        }
    }

    #[test]
    fn removed_articles_leave_segments_without_answering_and_keys_are_not_reused() {
        let (_dir, index) = index();
        index
            .admit_batch(&[doc("a", 1), doc("b", 2)], false)
            .unwrap();
        assert_eq!(index.remove(&["b".into()]).unwrap(), Vec::<String>::new());
        assert!(duplicates(&index, &doc("probe", 2)).is_empty());
        // A new article after the removal gets a new key: the postings
        // `b` left in the segment do not point at it.
        index.admit_batch(&[doc("c", 3)], false).unwrap();
        assert!(duplicates(&index, &doc("probe", 2)).is_empty());
        assert_eq!(duplicates(&index, &doc("probe", 3)), vec!["c"]);
        // Re-admitting `b` answers once, not once per stale posting.
        index.admit(&doc("b", 2), Policy::default()).unwrap();
        assert_eq!(duplicates(&index, &doc("probe", 2)), vec!["b"]);
        // A forced merge drops what the removal left behind.
        let bands_per_doc = index.params().bands as u64;
        index.merge_segments(true).unwrap();
        let s = index.stats().unwrap();
        assert_eq!(s.documents, 3);
        assert_eq!(s.band_entries, 3 * bands_per_doc);
    }

    /// Document id → its text group, and the number of groups.
    fn groups(index: &Index) -> (Vec<(String, u64)>, u64) {
        let txn = index.db.begin_read().unwrap();
        let docs = txn.open_table(DOCS).unwrap();
        let of: Vec<(String, u64)> = docs
            .iter()
            .unwrap()
            .map(|e| {
                let (_, v) = e.unwrap();
                let r = decode_record(v.value()).unwrap();
                (r.id.to_owned(), r.group)
            })
            .collect();
        (of, txn.open_table(TEXTS).unwrap().len().unwrap())
    }

    #[test]
    fn batch_texts_share_groups_and_a_group_goes_with_its_last_document() {
        let (_dir, index) = index();
        let docs: Vec<Document> = (0..40).map(|i| doc(&format!("d{i}"), i)).collect();
        index.admit_batch(&docs, false).unwrap();
        let (of, n) = groups(&index);
        assert!(n > 1 && n < 40, "{n} groups for 40 texts");
        for d in &docs {
            assert_eq!(index.get(&d.id).unwrap().as_deref(), Some(d.text.as_str()));
        }
        // Remove the first group's documents one by one: the group stays
        // (and its other texts read back) until the last of them goes.
        let first: Vec<String> = of
            .iter()
            .filter(|(_, g)| *g == of[0].1)
            .map(|(id, _)| id.clone())
            .collect();
        assert!(first.len() > 1);
        for (k, id) in first.iter().enumerate() {
            assert!(index.remove(std::slice::from_ref(id)).unwrap().is_empty());
            let left = groups(&index).1;
            if k + 1 < first.len() {
                assert_eq!(left, n);
                let next = &first[k + 1];
                let text = &docs.iter().find(|d| &d.id == next).unwrap().text;
                assert_eq!(index.get(next).unwrap().as_ref(), Some(text));
            } else {
                assert_eq!(left, n - 1);
            }
        }
        // A single admit's text is a group of its own, gone with it.
        index.admit(&doc("single", 99), Policy::default()).unwrap();
        assert_eq!(groups(&index).1, n);
        index.remove(&["single".into()]).unwrap();
        assert_eq!(groups(&index).1, n - 1);
        for d in docs.iter().filter(|d| !first.contains(&d.id)) {
            assert_eq!(index.get(&d.id).unwrap().as_deref(), Some(d.text.as_str()));
        }
    }

    #[test]
    fn paragraph_counts_add_segments_and_btree_and_go_down_on_removal() {
        let (_dir, index) = index();
        let shared = doc("x", 9).text;
        let with_shared = |id: &str, seed: u64| Document {
            text: format!("{}\n\n{}", doc(id, seed).text, shared),
            ..doc(id, seed)
        };
        index
            .admit_batch(&[with_shared("a", 1), with_shared("b", 2)], false)
            .unwrap();
        index
            .admit(&with_shared("c", 3), Policy::default())
            .unwrap();
        let count = |index: &Index| {
            let fps = fingerprint_text(index.params(), &shared).unit_fps;
            let txn = index.db.begin_read().unwrap();
            let t = open_read_tables(&txn, &index.blocks).unwrap();
            t.paragraph_count(post(fps[0])).unwrap()
        };
        assert_eq!(count(&index), 3);
        index.remove(&["a".into()]).unwrap();
        assert_eq!(count(&index), 2);
        index.merge_segments(true).unwrap();
        assert_eq!(count(&index), 2);
    }
}
