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

use crate::cluster::{clusters, Cluster};
use crate::error::Error;
use crate::lsh::{candidate_pairs, LshParams};
use crate::natural;
use crate::normalize::NormalizeOptions;
use crate::passages::{
    find_passages, DocUnits, Link, Occurrence, PassageCluster, PassageKind, PassageOptions,
};
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
    /// The reposted-passage stage; `None` skips it (whole-document clusters
    /// only).
    pub passages: Option<PassageOptions>,
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
            passages: Some(PassageOptions::default()),
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
    /// The passage stage's options, if it runs.
    pub passages: Option<PassageOptions>,
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
            passages,
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
        if let Some(p) = &passages {
            if !(p.min_similarity > 0.0 && p.min_similarity <= 1.0) {
                return invalid(format!(
                    "--passage-similarity must be in (0, 1], got {}",
                    p.min_similarity
                ));
            }
            if p.min_containment.is_some_and(|c| !(0.0..=1.0).contains(&c)) {
                return invalid(format!(
                    "--min-containment must be in [0, 1], got {}",
                    p.min_containment.unwrap_or_default()
                ));
            }
            if !(p.min_significance >= 0.0 && p.min_significance.is_finite()) {
                return invalid(format!(
                    "--min-significance must be a number ≥ 0, got {}",
                    p.min_significance
                ));
            }
            if p.min_words == 0 {
                return invalid("--min-passage-words must be at least 1".into());
            }
            if p.units.min_words == 0 || p.units.max_words < p.units.min_words {
                return invalid(format!(
                    "--unit-min-words must be between 1 and {} (the paragraph window)",
                    p.units.max_words
                ));
            }
            if p.boilerplate_min_docs.is_some_and(|n| n < 2) {
                return invalid(
                    "--boilerplate-min-docs must be at least 2 (text in one document is not repeated)"
                        .into(),
                );
            }
        }
        Ok(Scanner {
            params: Params {
                threshold,
                shingle,
                num_perm,
                lsh,
                verify,
                normalize,
                passages,
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
        result.inputs = paths.iter().map(|p| display_path(p.as_ref())).collect();
        Ok(result)
    }

    /// Scans documents already in memory (ids should be unique; repeats are
    /// skipped with a warning, as for files).
    pub fn scan_documents(&self, documents: Vec<Document>) -> ScanResult {
        self.run(&MemorySource(documents), Vec::new())
    }

    fn run(&self, source: &dyn Source, mut warnings: Vec<Warning>) -> ScanResult {
        let params = &self.params;
        let files = self.read_pass(source);
        let mut records = keep_new_ids(source, files, &mut warnings);
        // Exact duplicates (same normalized word sequence) collapse onto
        // their first copy before LSH: a story syndicated 10,000 times is one
        // LSH entry, not 50 million candidate pairs.
        let (rep_of, reps, signatures) = representatives(&mut records);

        // LSH over representatives, then verification.
        let candidates: Vec<(u32, u32)> = candidate_pairs(&signatures, params.lsh)
            .into_iter()
            .map(|(a, b)| (reps[a as usize], reps[b as usize]))
            .collect();
        let verified = self.verify(
            source,
            &records,
            (&reps, signatures),
            &candidates,
            &mut warnings,
        );
        let verified = expand_exact_duplicates(&rep_of, verified);
        let doc_clusters = clusters(records.len(), &verified);

        // Passages, with near-duplicate clusters as families.
        let passage_units = records
            .iter()
            .map(|r| r.units.as_ref().map_or(0, |u| u.units.len()))
            .sum();
        let (passage_clusters, links, boilerplate_min_docs) = match &params.passages {
            None => (Vec::new(), Vec::new(), None),
            Some(opts) => {
                let (clusters, links, min_docs) =
                    self.passages(source, &mut records, &doc_clusters, opts, &mut warnings);
                (clusters, links, Some(min_docs))
            }
        };

        let stats = Stats {
            files: source.len(),
            skipped_unsupported: 0,
            documents: records.len(),
            candidate_pairs: candidates.len(),
            verified_pairs: verified.len(),
            passage_units,
        };
        ScanResult {
            inputs: Vec::new(),
            params: params.clone(),
            clusters: named_clusters(&records, doc_clusters),
            passage_clusters,
            links,
            boilerplate_min_docs,
            warnings,
            stats,
        }
    }

    /// Pass 1: reads, tokenizes, shingles and sketches every document;
    /// keeps signatures (and, for the passage stage, words and units) but
    /// not the text. Per file, in input order: its records and warnings.
    fn read_pass(&self, source: &dyn Source) -> Vec<(Vec<Record>, Vec<Warning>)> {
        let params = &self.params;
        let sketcher = Sketcher::new(params.num_perm);
        let unit_opts = params.passages.as_ref().map(|p| p.units);
        self.start("reading", source.len());
        let files = (0..source.len())
            .into_par_iter()
            .map(|file| {
                let read = source.read(file);
                let records = read
                    .documents
                    .into_par_iter()
                    .enumerate()
                    .map_init(Scratch::default, |scratch, (pos, doc)| {
                        let hashes = scratch.shingles(&doc.text, params);
                        let signature = sketcher.sketch(hashes);
                        let content = hashes.iter().fold(0x9e37_79b9_7f4a_7c15u64, |acc, &h| {
                            (acc ^ h)
                                .wrapping_mul(0xbf58_476d_1ce4_e5b9)
                                .rotate_left(29)
                        });
                        let units = unit_opts.map(|opts| {
                            let words = scratch.words.clone();
                            DocUnits::new(&doc.text, words, opts)
                        });
                        Record {
                            signature,
                            content,
                            units,
                            text_hash: xxh3_64(doc.text.as_bytes()),
                            text_len: doc.text.len() as u32,
                            title: shown_title(&doc),
                            id: doc.id,
                            line: doc.line,
                            file: file as u32,
                            pos: pos as u32,
                        }
                    })
                    .collect();
                self.advance();
                (records, read.warnings)
            })
            .collect();
        self.finish();
        files
    }

    /// Pair verification of `candidates` (document indices): by the
    /// representatives' signatures (`reps[k]` holds `signatures[k]`) when
    /// estimating, else by exact Jaccard over shingle sets re-read from the
    /// source (pass 2).
    fn verify(
        &self,
        source: &dyn Source,
        records: &[Record],
        (reps, signatures): (&[u32], Vec<Signature>),
        candidates: &[(u32, u32)],
        warnings: &mut Vec<Warning>,
    ) -> Vec<VerifiedPair> {
        let params = &self.params;
        match params.verify {
            VerifyMode::Estimate => {
                let mut sig_of: AHashMap<u32, &Signature> = AHashMap::new();
                for (k, &i) in reps.iter().enumerate() {
                    sig_of.insert(i, &signatures[k]);
                }
                verify_estimate(candidates, |i| sig_of[&i], params.threshold)
            }
            VerifyMode::Exact => {
                drop(signatures);
                let mut needed = vec![false; records.len()];
                for &(a, b) in candidates {
                    needed[a as usize] = true;
                    needed[b as usize] = true;
                }
                let sets = self.reload(source, records, &needed, warnings, |doc| {
                    let mut scratch = Scratch::default();
                    ShingleSet::from_hashes(scratch.shingles(&doc.text, params).to_vec())
                });
                verify_exact(candidates, |i| sets[i as usize].as_ref(), params.threshold)
            }
        }
    }

    /// The passage stage over `records` (their units taken), with the
    /// near-duplicate `doc_clusters` as families; its clusters and links
    /// named, and the boilerplate frequency used.
    fn passages(
        &self,
        source: &dyn Source,
        records: &mut [Record],
        doc_clusters: &[Cluster],
        opts: &PassageOptions,
        warnings: &mut Vec<Warning>,
    ) -> (Vec<PassageClusterOut>, Vec<LinkOut>, usize) {
        let mut family: Vec<u32> = (0..records.len() as u32).collect();
        for c in doc_clusters {
            for &m in &c.members {
                family[m as usize] = c.members[0];
            }
        }
        let docs: Vec<DocUnits> = records
            .iter_mut()
            .map(|r| r.units.take().unwrap_or_default())
            .collect();
        let found = find_passages(&docs, &family, opts);
        drop(docs);
        let (clusters, links) = self.name_passages(
            source,
            records,
            &family,
            found.clusters,
            found.links,
            warnings,
        );
        (clusters, links, found.boilerplate_min_docs)
    }

    /// Pass 2: re-reads each file holding a document with `needed[i]` once
    /// and computes `f(document)` for those documents. Indexed like
    /// `records`; `None` for documents not needed or no longer readable as
    /// they were in pass 1 (a `changed` warning says so).
    fn reload<T: Send>(
        &self,
        source: &dyn Source,
        records: &[Record],
        needed: &[bool],
        warnings: &mut Vec<Warning>,
        f: impl Fn(&Document) -> T + Sync,
    ) -> Vec<Option<T>> {
        let mut by_file: AHashMap<u32, Vec<usize>> = AHashMap::new();
        for (i, record) in records.iter().enumerate() {
            if needed[i] {
                by_file.entry(record.file).or_default().push(i);
            }
        }
        let mut files: Vec<(u32, Vec<usize>)> = by_file.into_iter().collect();
        files.sort_unstable_by_key(|(file, _)| *file);

        self.start("verifying", files.len());
        let reloaded: Vec<Reloaded<T>> = files
            .par_iter()
            .map(|(file, wanted)| {
                let read = source.read(*file as usize);
                let mut values = Vec::with_capacity(wanted.len());
                let mut changed = Vec::new();
                for &i in wanted {
                    let record = &records[i];
                    match read.documents.get(record.pos as usize) {
                        Some(doc)
                            if doc.id == record.id
                                && xxh3_64(doc.text.as_bytes()) == record.text_hash =>
                        {
                            values.push((i, f(doc)));
                        }
                        _ => changed.push(Warning {
                            path: source.path(record.file as usize),
                            line: record.line,
                            kind: WarningKind::Changed,
                            message: format!(
                                "\"{}\" changed or vanished during the scan; its results are incomplete",
                                record.id
                            ),
                        }),
                    }
                }
                self.advance();
                (values, changed)
            })
            .collect();
        self.finish();

        let mut out: Vec<Option<T>> = (0..records.len()).map(|_| None).collect();
        for (file_values, file_warnings) in reloaded {
            warnings.extend(file_warnings);
            for (i, value) in file_values {
                out[i] = Some(value);
            }
        }
        out
    }

    /// Turns the passage stage's findings (by document index) into named,
    /// ordered results with quotes, re-reading the texts it quotes.
    fn name_passages(
        &self,
        source: &dyn Source,
        records: &[Record],
        family: &[u32],
        found_clusters: Vec<PassageCluster>,
        found_links: Vec<Link>,
        warnings: &mut Vec<Warning>,
    ) -> (Vec<PassageClusterOut>, Vec<LinkOut>) {
        // Only quoted texts are re-read: each cluster's representative
        // occurrence and the `a` side (smaller id) of each shared region.
        let id = |doc: u32| records[doc as usize].id.as_str();
        let mut needed = vec![false; records.len()];
        for c in &found_clusters {
            if let Some(r) = representative(c, id) {
                needed[r.doc as usize] = true;
            }
        }
        for l in &found_links {
            let a_first = natural::cmp(id(l.a), id(l.b)).is_le();
            needed[if a_first { l.a } else { l.b } as usize] = true;
        }
        let texts = self.reload(source, records, &needed, warnings, |doc| doc.text.clone());
        let quote = |doc: u32, span: &std::ops::Range<u32>| -> String {
            texts[doc as usize]
                .as_ref()
                .and_then(|t| t.get(span.start as usize..span.end as usize))
                .unwrap_or_default()
                .to_owned()
        };
        let clusters: Vec<PassageClusterOut> = found_clusters
            .into_iter()
            .enumerate()
            .map(|(cid, c)| {
                let quoted = representative(&c, id).map(|r| quote(r.doc, &r.span));
                named_cluster(cid, &c, id, quoted.unwrap_or_default())
            })
            .collect();
        let mut links: Vec<LinkOut> = found_links
            .iter()
            .map(|l| named_link(l, records, family, quote))
            .collect();
        links.sort_by(link_order);
        (clusters, links)
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

/// Pass 2's yield for one file: values by record index, and warnings for
/// documents that changed.
type Reloaded<T> = (Vec<(usize, T)>, Vec<Warning>);

/// What pass 1 keeps of a document.
struct Record {
    id: String,
    line: Option<u64>,
    /// Which file of the source it came from, and its position among that
    /// file's documents: how pass 2 finds it again.
    file: u32,
    pos: u32,
    text_hash: u64,
    text_len: u32,
    /// The title shown beside the id ([`shown_title`]).
    title: Box<str>,
    /// Fingerprint of the shingle sequence: equal for exact duplicates
    /// after normalization (in-memory only, never persisted).
    content: u64,
    /// `None` when the document has no words. Moved out after pass 1.
    signature: Option<Signature>,
    /// Words and units for the passage stage (when it runs). Moved out
    /// when the stage starts.
    units: Option<DocUnits>,
}

/// Per-thread buffers for tokenizing and shingling.
#[derive(Default)]
struct Scratch {
    tokenizer: Option<Tokenizer>,
    words: Vec<Word>,
    hashes: Vec<u64>,
}

impl Scratch {
    /// The shingle hashes of `text` (with repeats), valid until the next
    /// call; `self.words` holds its words meanwhile.
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

/// Where documents come from: files that can be read, and read again in
/// pass 2.
trait Source: Sync {
    fn len(&self) -> usize;
    fn read(&self, file: usize) -> FileRead;
    /// How warnings name the file.
    fn path(&self, file: usize) -> String;
}

struct FileSource<'a> {
    files: &'a [SourceFile],
    opts: &'a ReadOptions,
}

impl Source for FileSource<'_> {
    fn len(&self) -> usize {
        self.files.len()
    }
    fn read(&self, file: usize) -> FileRead {
        read_file(&self.files[file], self.opts)
    }
    fn path(&self, file: usize) -> String {
        display_path(&self.files[file].path)
    }
}

/// In-memory documents: each document is its own "file".
struct MemorySource(Vec<Document>);

impl Source for MemorySource {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn read(&self, file: usize) -> FileRead {
        FileRead {
            documents: vec![self.0[file].clone()],
            warnings: Vec::new(),
        }
    }
    fn path(&self, file: usize) -> String {
        self.0[file].id.clone()
    }
}

/// Exact-duplicate groups larger than this are reported as a star around
/// their first member instead of every pair (which would be quadratic).
const MAX_EXPANDED_GROUP: usize = 64;

/// Turns pairs verified between representatives into pairs between
/// documents: every pair inside an exact-duplicate group (Jaccard 1), and a
/// verified pair between two groups for every pair of their members —
/// except that a group of more than [`MAX_EXPANDED_GROUP`] members takes
/// part through its representative only (plus a star of 1.0 pairs to it).
fn expand_exact_duplicates(rep_of: &[u32], verified: Vec<VerifiedPair>) -> Vec<VerifiedPair> {
    let mut members: AHashMap<u32, Vec<u32>> = AHashMap::new();
    // Groups with more than one member; a representative is its group's
    // first document, so it comes first.
    for (i, &r) in rep_of.iter().enumerate() {
        if r != i as u32 {
            members.entry(r).or_insert_with(|| vec![r]).push(i as u32);
        }
    }
    let expanded = |rep: u32| -> Vec<u32> {
        match members.get(&rep) {
            Some(m) if m.len() <= MAX_EXPANDED_GROUP => m.clone(),
            _ => vec![rep],
        }
    };
    let mut out: Vec<VerifiedPair> = Vec::with_capacity(verified.len());
    let mut groups: Vec<(&u32, &Vec<u32>)> = members.iter().collect();
    groups.sort_unstable_by_key(|(r, _)| **r);
    for (&rep, m) in groups {
        if m.len() <= MAX_EXPANDED_GROUP {
            for (k, &a) in m.iter().enumerate() {
                for &b in &m[k + 1..] {
                    out.push(VerifiedPair {
                        a: a.min(b),
                        b: a.max(b),
                        jaccard: 1.0,
                    });
                }
            }
        } else {
            for &b in &m[1..] {
                out.push(VerifiedPair {
                    a: rep.min(b),
                    b: rep.max(b),
                    jaccard: 1.0,
                });
            }
        }
    }
    for p in verified {
        for &a in &expanded(p.a) {
            for &b in &expanded(p.b) {
                out.push(VerifiedPair {
                    a: a.min(b),
                    b: a.max(b),
                    jaccard: p.jaccard,
                });
            }
        }
    }
    out
}

/// Total bytes covered by possibly overlapping spans.
fn covered_bytes(spans: impl Iterator<Item = (u32, u32)>) -> u64 {
    let mut spans: Vec<(u32, u32)> = spans.collect();
    spans.sort_unstable();
    let (mut total, mut reach) = (0u64, 0u32);
    for (start, end) in spans {
        let start = start.max(reach);
        if end > start {
            total += (end - start) as u64;
            reach = end;
        }
    }
    total
}

/// Longest title shown, in characters; longer ones are cut with "…".
const TITLE_CHARS: usize = 100;

/// The title shown beside a document's id: its own (a JSONL title field,
/// an HTML `<title>`), else the first line of its text (a wire story's
/// headline, a text file's first line); whitespace collapsed, at most
/// [`TITLE_CHARS`] characters.
fn shown_title(doc: &Document) -> Box<str> {
    let source = doc
        .title
        .as_deref()
        .or_else(|| doc.text.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("");
    let flat = source.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(TITLE_CHARS) {
        Some((cut, _)) => format!("{}…", &flat[..cut]).into(),
        None => flat.into(),
    }
}

/// Clusters by id: members sorted, pairs as (smaller id, larger id) sorted,
/// clusters largest first and then by first member.
fn named_clusters(records: &[Record], doc_clusters: Vec<Cluster>) -> Vec<DuplicateCluster> {
    let mut out: Vec<DuplicateCluster> = doc_clusters
        .into_iter()
        .map(|c| {
            let id = |i: u32| records[i as usize].id.clone();
            let mut members: Vec<String> = c.members.into_iter().map(id).collect();
            members.sort_unstable_by(|x, y| natural::cmp(x, y));
            let mut pairs: Vec<DuplicatePair> = c
                .pairs
                .into_iter()
                .map(|p| {
                    let (a, b) = (id(p.a), id(p.b));
                    let (a, b) = if natural::cmp(&a, &b).is_le() {
                        (a, b)
                    } else {
                        (b, a)
                    };
                    DuplicatePair {
                        a,
                        b,
                        jaccard: p.jaccard,
                    }
                })
                .collect();
            pairs.sort_unstable_by(|x, y| {
                natural::cmp(&x.a, &y.a).then_with(|| natural::cmp(&x.b, &y.b))
            });
            DuplicateCluster { members, pairs }
        })
        .collect();
    out.sort_by(|x, y| {
        y.members
            .len()
            .cmp(&x.members.len())
            .then_with(|| natural::cmp(&x.members[0], &y.members[0]))
    });
    out
}

/// The occurrence a passage cluster is quoted by: its longest (the first
/// in id order among equals) — a fragment aligned inside a longer run can
/// be a few words, the passage itself is not.
fn representative<'r>(c: &PassageCluster, id: impl Fn(u32) -> &'r str) -> Option<Occurrence> {
    c.occurrences
        .iter()
        .min_by(|x, y| {
            (y.span.len().cmp(&x.span.len()))
                .then_with(|| natural::cmp(id(x.doc), id(y.doc)))
                .then_with(|| x.span.start.cmp(&y.span.start))
        })
        .cloned()
}

/// Cluster `cid` with its occurrences named (`id`) and in id order.
fn named_cluster<'r>(
    cid: usize,
    c: &PassageCluster,
    id: impl Fn(u32) -> &'r str,
    quote: String,
) -> PassageClusterOut {
    let mut occurrences: Vec<(&str, &Occurrence)> =
        c.occurrences.iter().map(|o| (id(o.doc), o)).collect();
    occurrences
        .sort_by(|x, y| natural::cmp(x.0, y.0).then_with(|| x.1.span.start.cmp(&y.1.span.start)));
    let mut docs: Vec<&str> = occurrences.iter().map(|o| o.0).collect();
    docs.dedup();
    PassageClusterOut {
        id: cid,
        kind: c.kind,
        documents: docs.len(),
        quote,
        occurrences: occurrences
            .iter()
            .map(|(doc, o)| OccurrenceOut {
                doc: (*doc).to_owned(),
                start: o.span.start,
                end: o.span.end,
                similarity: o.similarity,
            })
            .collect(),
    }
}

/// Link `l` named, with `a` the id that sorts first (its sides swapped
/// when needed), its regions quoted from `a` and its coverage measured.
fn named_link(
    l: &Link,
    records: &[Record],
    family: &[u32],
    quote: impl Fn(u32, &std::ops::Range<u32>) -> String,
) -> LinkOut {
    let id = |doc: u32| records[doc as usize].id.as_str();
    let swap = natural::cmp(id(l.a), id(l.b)).is_gt();
    let (a, b) = if swap { (l.b, l.a) } else { (l.a, l.b) };
    let mut shared: Vec<SharedOut> = l
        .shared
        .iter()
        .map(|s| {
            let (sa, sb) = if swap {
                (&s.b_span, &s.a_span)
            } else {
                (&s.a_span, &s.b_span)
            };
            SharedOut {
                cluster: s.clusters[0] as usize,
                clusters: s.clusters.iter().map(|&c| c as usize).collect(),
                a_span: (sa.start, sa.end),
                b_span: (sb.start, sb.end),
                similarity: s.similarity,
                significance: s.significance,
                quote: quote(a, sa),
            }
        })
        .collect();
    shared.sort_by_key(|s| (s.a_span, s.b_span));
    let covered_a = covered_bytes(shared.iter().map(|s| s.a_span));
    let covered_b = covered_bytes(shared.iter().map(|s| s.b_span));
    let (len_a, len_b) = (records[a as usize].text_len, records[b as usize].text_len);
    let (containment_a, containment_b) = if swap {
        (l.containment_b, l.containment_a)
    } else {
        (l.containment_a, l.containment_b)
    };
    LinkOut {
        a: id(a).to_owned(),
        b: id(b).to_owned(),
        a_title: records[a as usize].title.to_string(),
        b_title: records[b as usize].title.to_string(),
        score: (covered_a + covered_b) as f64 / (len_a as u64 + len_b as u64).max(1) as f64,
        a_coverage: covered_a as f64 / len_a.max(1) as f64,
        b_coverage: covered_b as f64 / len_b.max(1) as f64,
        near_duplicate: family[a as usize] == family[b as usize],
        containment_a,
        containment_b,
        significance: l.significance,
        shared,
    }
}

/// The order links are listed in: links between different stories first,
/// then those between near-duplicates (reported as clusters already, and
/// otherwise on top: a whole story shares more than any passage); each
/// most significant first — what a reader should see first is what is
/// distinctive, not what is short and formulaic (a headline or a two-line
/// market report covers its whole story).
fn link_order(x: &LinkOut, y: &LinkOut) -> std::cmp::Ordering {
    x.near_duplicate
        .cmp(&y.near_duplicate)
        .then_with(|| y.significance.total_cmp(&x.significance))
        .then_with(|| y.score.total_cmp(&x.score))
        .then_with(|| natural::cmp(&x.a, &y.a))
        .then_with(|| natural::cmp(&x.b, &y.b))
}

/// The records of documents with words and an id not seen before, in
/// input order; the others are warnings (and `files`' own warnings are
/// added to `warnings` in order).
fn keep_new_ids(
    source: &dyn Source,
    files: Vec<(Vec<Record>, Vec<Warning>)>,
    warnings: &mut Vec<Warning>,
) -> Vec<Record> {
    let mut records: Vec<Record> = Vec::new();
    let mut first_seen: AHashMap<String, usize> = AHashMap::new();
    for (file_records, file_warnings) in files {
        warnings.extend(file_warnings);
        for record in file_records {
            let where_ = |r: &Record| (source.path(r.file as usize), r.line);
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
    records
}

/// Each record's representative (its first exact duplicate: the same
/// normalized word sequence), the representatives ascending, and their
/// signatures in that order (taken: every record's is dropped).
fn representatives(records: &mut [Record]) -> (Vec<u32>, Vec<u32>, Vec<Signature>) {
    let mut rep_of: Vec<u32> = (0..records.len() as u32).collect();
    {
        let mut first: AHashMap<u64, u32> = AHashMap::new();
        for (i, r) in records.iter().enumerate() {
            rep_of[i] = *first.entry(r.content).or_insert(i as u32);
        }
    }
    let reps: Vec<u32> = (0..records.len() as u32)
        .filter(|&i| rep_of[i as usize] == i)
        .collect();
    let signatures: Vec<Signature> = reps
        .iter()
        .filter_map(|&i| records[i as usize].signature.take())
        .collect();
    for r in records.iter_mut() {
        r.signature = None;
    }
    (rep_of, reps, signatures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, text: &str) -> Document {
        Document {
            id: id.into(),
            text: text.into(),
            line: None,
            title: None,
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

    /// A near-duplicate pair shares more text than any two stories do, yet
    /// its link comes after theirs: it is reported as a cluster already.
    #[test]
    fn links_between_stories_come_before_links_between_near_duplicates() {
        let long = "the minister said on tuesday that the two countries would expand \
                    their military cooperation and hold joint exercises next year while \
                    officials in both capitals prepared a treaty on trade and energy that \
                    diplomats expect to be signed before the summer recess of parliament";
        let passage = "rights activists have accused moscow of legitimizing the junta that \
                       seized power in a coup by continuing bilateral visits and arms deals";
        let scanner = Scanner::new(ScanOptions::default()).unwrap();
        let result = scanner.scan_documents(vec![
            doc("a", long),
            doc("b", &format!("{long} today")),
            doc(
                "c",
                &format!("football scores were announced. {passage}. the end."),
            ),
            doc(
                "d",
                &format!("weather in spring was mild. {passage}. nothing else."),
            ),
        ]);
        let order: Vec<(&str, &str, bool)> = result
            .links
            .iter()
            .map(|l| (l.a.as_str(), l.b.as_str(), l.near_duplicate))
            .collect();
        assert_eq!(order, [("c", "d", false), ("a", "b", true)]);
        assert!(result.links[1].significance > result.links[0].significance);
    }
}
