//! Scan: the whole pipeline, from paths (or in-memory documents) to
//! near-duplicate clusters. This is the entry point library users call.
//!
//! ```no_run
//! use reprint::{ScanOptions, Scanner};
//!
//! let scanner = Scanner::new(ScanOptions { threshold: 0.8, ..ScanOptions::default() })?;
//! let result = scanner.scan_paths(&["data/"])?;
//! for cluster in &result.clusters {
//!     println!("{:?}", cluster.members);
//! }
//! # Ok::<(), reprint::Error>(())
//! ```
//!
//! Two passes keep memory bounded. Pass 1 reads every document, keeps only
//! its id and signature, and drops the text. LSH then finds candidate
//! pairs; pass 2 re-reads just the files holding candidate documents and
//! rebuilds their shingle sets for exact verification. A document's text
//! hash is kept from pass 1 so a file edited between the passes is noticed
//! (and its pairs dropped with a warning) rather than verified wrongly.
//!
//! Parallelism is rayon's: the scan runs in the current rayon thread pool
//! (the binary installs one with `--threads` threads). Results never
//! depend on the number of threads.

use std::path::Path;
use std::sync::Arc;

use ahash::AHashMap;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::cluster::clusters;
use crate::error::Error;
use crate::lsh::{candidate_pairs, LshParams};
use crate::normalize::NormalizeOptions;
use crate::read::{
    discover, display_path, read_file, Document, FileRead, ReadOptions, SourceFile, Warning,
    WarningKind, MAX_FILE_SIZE_LIMIT,
};
use crate::shingle::{shingle_hashes, ShingleSet, MAX_SHINGLE};
use crate::sketch::{Signature, Sketcher, MAX_NUM_PERM};
use crate::tokenize::{Tokenizer, Word};
use crate::verify::{verify_estimate, verify_exact, VerifiedPair, VerifyMode};

/// What the user asks for. Validated by [`Scanner::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScanOptions {
    /// Jaccard similarity at or above which two documents are
    /// near-duplicates, in (0, 1]. Default 0.8.
    pub threshold: f64,
    /// Words per shingle. Default 5.
    pub shingle: usize,
    /// Signature values per document. Default 128.
    pub num_perm: usize,
    /// Bands and rows; `None` chooses them from the threshold
    /// ([`LshParams::optimal`]).
    pub lsh: Option<LshParams>,
    /// How candidates are confirmed. Default exact.
    pub verify: VerifyMode,
    /// Word normalization.
    pub normalize: NormalizeOptions,
    /// Input reading.
    pub read: ReadOptions,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threshold: 0.8,
            shingle: 5,
            num_perm: 128,
            lsh: None,
            verify: VerifyMode::Exact,
            normalize: NormalizeOptions::default(),
            read: ReadOptions::default(),
        }
    }
}

/// The parameters a scan actually ran with (options resolved and checked).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Jaccard threshold.
    pub threshold: f64,
    /// Words per shingle.
    pub shingle: usize,
    /// Signature values.
    pub num_perm: usize,
    /// LSH bands × rows.
    pub lsh: LshParams,
    /// Verification mode.
    pub verify: VerifyMode,
    /// Normalization.
    pub normalize: NormalizeOptions,
}

/// Receives progress from a running scan (the binary draws a bar with it).
/// Calls come from several threads.
pub trait Progress: Send + Sync {
    /// A stage starts with `total` units of work (files).
    fn start(&self, stage: &'static str, total: u64);
    /// `n` more units are done.
    fn advance(&self, n: u64);
    /// The stage is done.
    fn finish(&self);
}

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
}

/// Two near-duplicate documents.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicatePair {
    /// The id that sorts first.
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
    /// The parameters used.
    pub params: Params,
    /// Clusters, largest first (ties by first member id).
    pub clusters: Vec<DuplicateCluster>,
    /// Problems with individual files or lines, in input order.
    pub warnings: Vec<Warning>,
    /// Counts.
    pub stats: Stats,
}

/// Runs scans with fixed, validated parameters.
pub struct Scanner {
    params: Params,
    read: ReadOptions,
    progress: Option<Arc<dyn Progress>>,
}

impl Scanner {
    /// Checks `options` and resolves the LSH parameters.
    ///
    /// Errors with [`Error::InvalidOption`] (saying which and why) when a
    /// value cannot work: threshold outside (0, 1], shingle size or
    /// signature length out of range, bands × rows larger than the
    /// signature, a file-size limit above 4 GiB.
    pub fn new(options: ScanOptions) -> Result<Self, Error> {
        let ScanOptions {
            threshold,
            shingle,
            num_perm,
            lsh,
            verify,
            normalize,
            read,
        } = options;
        let invalid = |msg: String| Err(Error::InvalidOption(msg));
        if !(threshold > 0.0 && threshold <= 1.0) {
            return invalid(format!("--threshold must be in (0, 1], got {threshold}"));
        }
        if !(1..=MAX_SHINGLE).contains(&shingle) {
            return invalid(format!(
                "--shingle must be between 1 and {MAX_SHINGLE} words, got {shingle}"
            ));
        }
        if !(1..=MAX_NUM_PERM).contains(&num_perm) {
            return invalid(format!(
                "--num-perm must be between 1 and {MAX_NUM_PERM}, got {num_perm}"
            ));
        }
        let lsh = match lsh {
            None => LshParams::optimal(threshold, num_perm),
            Some(p) if p.bands == 0 || p.rows == 0 => {
                return invalid("--bands and --rows must be at least 1".into())
            }
            Some(p) if p.used_values() > num_perm => {
                return invalid(format!(
                    "--bands × --rows ({} × {} = {}) exceeds --num-perm ({num_perm}); lower one or raise --num-perm",
                    p.bands,
                    p.rows,
                    p.used_values()
                ))
            }
            Some(p) => p,
        };
        if read.max_file_size == 0 || read.max_file_size > MAX_FILE_SIZE_LIMIT {
            return invalid(format!(
                "--max-file-size must be between 1 byte and {MAX_FILE_SIZE_LIMIT} bytes, got {}",
                read.max_file_size
            ));
        }
        if read.id_field.is_empty() || read.text_field.is_empty() {
            return invalid("--id-field and --text-field must not be empty".into());
        }
        Ok(Scanner {
            params: Params {
                threshold,
                shingle,
                num_perm,
                lsh,
                verify,
                normalize,
            },
            read,
            progress: None,
        })
    }

    /// Reports progress to `progress` during scans.
    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// The resolved parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Scans files and directories (see [`crate::read`] for what is read).
    ///
    /// Errors only when a path does not exist or cannot be inspected;
    /// problems with individual files become warnings in the result.
    pub fn scan_paths<P: AsRef<Path>>(&self, paths: &[P]) -> Result<ScanResult, Error> {
        let found = discover(paths)?;
        let source = FileSource {
            files: &found.files,
            opts: &self.read,
        };
        let mut result = self.run(&source, found.warnings);
        result.stats.skipped_unsupported = found.skipped_unsupported;
        Ok(result)
    }

    /// Scans documents already in memory (ids should be unique; repeats are
    /// skipped with a warning, as for files).
    pub fn scan_documents(&self, documents: Vec<Document>) -> ScanResult {
        self.run(&MemorySource(documents), Vec::new())
    }

    fn run(&self, source: &dyn Source, mut warnings: Vec<Warning>) -> ScanResult {
        let params = &self.params;
        let sketcher = Sketcher::new(params.num_perm);

        // Pass 1: read, tokenize, shingle, sketch; keep signatures only.
        self.start("reading", source.len());
        let units: Vec<(Vec<Record>, Vec<Warning>)> = (0..source.len())
            .into_par_iter()
            .map(|unit| {
                let read = source.read(unit);
                let records = read
                    .documents
                    .into_par_iter()
                    .enumerate()
                    .map_init(Scratch::new, |scratch, (pos, doc)| {
                        let hashes = scratch.shingles(&doc.text, params);
                        Record {
                            signature: sketcher.sketch(hashes),
                            text_hash: xxh3_64(doc.text.as_bytes()),
                            id: doc.id,
                            line: doc.line,
                            unit: unit as u32,
                            pos: pos as u32,
                        }
                    })
                    .collect();
                self.advance();
                (records, read.warnings)
            })
            .collect();
        self.finish();

        // Keep documents with words and a new id, in input order.
        let mut records: Vec<Record> = Vec::new();
        let mut first_seen: AHashMap<String, usize> = AHashMap::new();
        for (unit_records, unit_warnings) in units {
            warnings.extend(unit_warnings);
            for record in unit_records {
                let where_ = |r: &Record| (source.path(r.unit as usize), r.line);
                if record.signature.is_none() {
                    let (path, line) = where_(&record);
                    warnings.push(Warning {
                        path,
                        line,
                        kind: WarningKind::NoWords,
                        message: "no words; skipped".into(),
                    });
                    continue;
                }
                if let Some(&first) = first_seen.get(&record.id) {
                    let (path, line) = where_(&record);
                    let (first_path, first_line) = where_(&records[first]);
                    let first_at = match first_line {
                        Some(l) => format!("{first_path}:{l}"),
                        None => first_path,
                    };
                    warnings.push(Warning {
                        path,
                        line,
                        kind: WarningKind::DuplicateId,
                        message: format!(
                            "duplicate id \"{}\" (first seen at {first_at}); skipped",
                            record.id
                        ),
                    });
                    continue;
                }
                first_seen.insert(record.id.clone(), records.len());
                records.push(record);
            }
        }
        drop(first_seen);
        let signatures: Vec<Signature> = records
            .iter_mut()
            .filter_map(|r| r.signature.take())
            .collect();

        // LSH, then verification.
        let candidates = candidate_pairs(&signatures, params.lsh);
        let verified = match params.verify {
            VerifyMode::Estimate => verify_estimate(&candidates, &signatures, params.threshold),
            VerifyMode::Exact => {
                drop(signatures);
                let sets = self.reload_sets(source, &records, &candidates, &mut warnings);
                verify_exact(&candidates, |i| sets[i as usize].as_ref(), params.threshold)
            }
        };

        let stats = Stats {
            files: source.len(),
            skipped_unsupported: 0,
            documents: records.len(),
            candidate_pairs: candidates.len(),
            verified_pairs: verified.len(),
        };
        ScanResult {
            params: params.clone(),
            clusters: named_clusters(&records, &verified),
            warnings,
            stats,
        }
    }

    /// Pass 2: rebuilds the shingle sets of the documents in `candidates`,
    /// re-reading each file that holds one once. Indexed like `records`;
    /// `None` for documents not needed or no longer readable as before.
    fn reload_sets(
        &self,
        source: &dyn Source,
        records: &[Record],
        candidates: &[(u32, u32)],
        warnings: &mut Vec<Warning>,
    ) -> Vec<Option<ShingleSet>> {
        let mut needed = vec![false; records.len()];
        for &(a, b) in candidates {
            needed[a as usize] = true;
            needed[b as usize] = true;
        }
        let mut by_unit: AHashMap<u32, Vec<usize>> = AHashMap::new();
        for (i, record) in records.iter().enumerate() {
            if needed[i] {
                by_unit.entry(record.unit).or_default().push(i);
            }
        }
        let mut units: Vec<(u32, Vec<usize>)> = by_unit.into_iter().collect();
        units.sort_unstable_by_key(|(unit, _)| *unit);

        self.start("verifying", units.len());
        let reloaded: Vec<Reloaded> = units
            .par_iter()
            .map_init(Scratch::new, |scratch, (unit, wanted)| {
                let read = source.read(*unit as usize);
                let mut sets = Vec::with_capacity(wanted.len());
                let mut changed = Vec::new();
                for &i in wanted {
                    let record = &records[i];
                    match read.documents.get(record.pos as usize) {
                        Some(doc)
                            if doc.id == record.id
                                && xxh3_64(doc.text.as_bytes()) == record.text_hash =>
                        {
                            let hashes = scratch.shingles(&doc.text, &self.params);
                            sets.push((i, ShingleSet::from_hashes(hashes.to_vec())));
                        }
                        _ => changed.push(Warning {
                            path: source.path(record.unit as usize),
                            line: record.line,
                            kind: WarningKind::Changed,
                            message: format!(
                                "\"{}\" changed or vanished during the scan; its pairs are not reported",
                                record.id
                            ),
                        }),
                    }
                }
                self.advance();
                (sets, changed)
            })
            .collect();
        self.finish();

        let mut sets: Vec<Option<ShingleSet>> = vec![None; records.len()];
        for (unit_sets, unit_warnings) in reloaded {
            warnings.extend(unit_warnings);
            for (i, set) in unit_sets {
                sets[i] = Some(set);
            }
        }
        sets
    }

    fn start(&self, stage: &'static str, total: usize) {
        if let Some(p) = &self.progress {
            p.start(stage, total as u64);
        }
    }

    fn advance(&self) {
        if let Some(p) = &self.progress {
            p.advance(1);
        }
    }

    fn finish(&self) {
        if let Some(p) = &self.progress {
            p.finish();
        }
    }
}

/// Pass 2's yield for one unit: rebuilt sets by record index, and
/// warnings for documents that changed.
type Reloaded = (Vec<(usize, ShingleSet)>, Vec<Warning>);

/// What pass 1 keeps of a document.
struct Record {
    id: String,
    line: Option<u64>,
    /// Which unit (file) of the source it came from, and its position
    /// among that unit's documents: how pass 2 finds it again.
    unit: u32,
    pos: u32,
    text_hash: u64,
    /// `None` when the document has no words. Moved out after pass 1.
    signature: Option<Signature>,
}

/// Per-thread buffers for tokenizing and shingling.
struct Scratch {
    tokenizer: Option<Tokenizer>,
    words: Vec<Word>,
    hashes: Vec<u64>,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            tokenizer: None,
            words: Vec::new(),
            hashes: Vec::new(),
        }
    }

    /// The shingle hashes of `text` (with repeats), valid until the next call.
    fn shingles(&mut self, text: &str, params: &Params) -> &[u64] {
        let tokenizer = self
            .tokenizer
            .get_or_insert_with(|| Tokenizer::new(params.normalize));
        self.words.clear();
        tokenizer.words(text, &mut self.words);
        self.hashes.clear();
        shingle_hashes(&self.words, params.shingle, &mut self.hashes);
        &self.hashes
    }
}

/// Where documents come from: units (files) that can be read, and read
/// again in pass 2.
trait Source: Sync {
    fn len(&self) -> usize;
    fn read(&self, unit: usize) -> FileRead;
    /// How warnings name the unit.
    fn path(&self, unit: usize) -> String;
}

struct FileSource<'a> {
    files: &'a [SourceFile],
    opts: &'a ReadOptions,
}

impl Source for FileSource<'_> {
    fn len(&self) -> usize {
        self.files.len()
    }
    fn read(&self, unit: usize) -> FileRead {
        read_file(&self.files[unit], self.opts)
    }
    fn path(&self, unit: usize) -> String {
        display_path(&self.files[unit].path)
    }
}

/// In-memory documents: each document is its own unit.
struct MemorySource(Vec<Document>);

impl Source for MemorySource {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn read(&self, unit: usize) -> FileRead {
        FileRead {
            documents: vec![self.0[unit].clone()],
            warnings: Vec::new(),
        }
    }
    fn path(&self, unit: usize) -> String {
        self.0[unit].id.clone()
    }
}

/// Clusters by id: members sorted, pairs as (smaller id, larger id) sorted,
/// clusters largest first and then by first member.
fn named_clusters(records: &[Record], verified: &[VerifiedPair]) -> Vec<DuplicateCluster> {
    let mut out: Vec<DuplicateCluster> = clusters(records.len(), verified)
        .into_iter()
        .map(|c| {
            let id = |i: u32| records[i as usize].id.clone();
            let mut members: Vec<String> = c.members.into_iter().map(id).collect();
            members.sort_unstable();
            let mut pairs: Vec<DuplicatePair> = c
                .pairs
                .into_iter()
                .map(|p| {
                    let (a, b) = (id(p.a), id(p.b));
                    let (a, b) = if a <= b { (a, b) } else { (b, a) };
                    DuplicatePair {
                        a,
                        b,
                        jaccard: p.jaccard,
                    }
                })
                .collect();
            pairs.sort_unstable_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
            DuplicateCluster { members, pairs }
        })
        .collect();
    out.sort_by(|x, y| {
        y.members
            .len()
            .cmp(&x.members.len())
            .then_with(|| x.members[0].cmp(&y.members[0]))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, text: &str) -> Document {
        Document {
            id: id.into(),
            text: text.into(),
            line: None,
        }
    }

    #[test]
    fn invalid_options_are_refused_with_a_reason() {
        let bad = [
            ScanOptions {
                threshold: 0.0,
                ..ScanOptions::default()
            },
            ScanOptions {
                threshold: f64::NAN,
                ..ScanOptions::default()
            },
            ScanOptions {
                shingle: 0,
                ..ScanOptions::default()
            },
            ScanOptions {
                lsh: Some(LshParams { bands: 20, rows: 7 }),
                ..ScanOptions::default()
            },
        ];
        for opts in bad {
            assert!(matches!(Scanner::new(opts), Err(Error::InvalidOption(_))));
        }
    }

    #[test]
    fn in_memory_scan_clusters_near_duplicates() {
        let story = "the minister said on tuesday that the two countries would expand \
                     their military cooperation and hold joint exercises next year";
        let scanner = Scanner::new(ScanOptions::default()).unwrap();
        let result = scanner.scan_documents(vec![
            doc("b", story),
            doc("a", &story.replace("tuesday", "Tuesday")),
            doc(
                "c",
                "an unrelated story about football scores and the weather in spring",
            ),
            doc("a", "a repeated id is skipped"),
            doc("d", "..."),
        ]);
        assert_eq!(result.clusters.len(), 1);
        assert_eq!(result.clusters[0].members, ["a", "b"]);
        assert_eq!(result.clusters[0].pairs[0].jaccard, 1.0);
        assert_eq!(result.stats.documents, 3);
        let kinds: Vec<WarningKind> = result.warnings.iter().map(|w| w.kind).collect();
        assert_eq!(kinds, [WarningKind::DuplicateId, WarningKind::NoWords]);
    }
}
