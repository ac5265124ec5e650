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
use std::time::{Duration, Instant};

use ahash::AHashMap;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::cluster::{clusters, Cluster};
use crate::error::Error;
use crate::fingerprint::Fingerprinter;
use crate::lsh::{candidate_pairs, LshParams};
use crate::natural;
use crate::normalize::NormalizeOptions;
use crate::passages::{find_passages_timed, DocUnits, Link, PassageCluster, PassageOptions};
use crate::read::{
    discover, display_path, Document, ReadOptions, Warning, WarningKind, MAX_FILE_SIZE_LIMIT,
};
use crate::shingle::MAX_SHINGLE;
use crate::sketch::{Signature, Sketcher, MAX_NUM_PERM};
use crate::verify::{verify_estimate, verify_exact, VerifiedPair, VerifyMode};

mod naming;
mod output;
mod parts;
mod source;

use naming::*;
pub use output::{
    DuplicateCluster, DuplicatePair, LinkOut, OccurrenceOut, PassageClusterOut, ScanResult,
    SharedOut, Stats,
};
pub use parts::{DocumentKeys, MAX_EXPANDED_GROUP};
use source::*;

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
    /// Which links are kept, by their stories' dates and sources.
    pub links: LinkFilter,
}

/// Which links a scan keeps, by what it knows of their two stories
/// ([`crate::provenance`]). The default keeps every link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkFilter {
    /// Only links whose stories are both dated, at most this many seconds
    /// apart (`--window`): an undated story is not within any window.
    pub window: Option<u64>,
    /// Leave out links between two stories of one source
    /// (`--across-sources-only`); a story of unknown source is taken for
    /// another source.
    pub across_sources_only: bool,
}

impl LinkFilter {
    /// Whether `link` is kept.
    pub fn keeps(&self, link: &LinkOut) -> bool {
        let in_window = match self.window {
            None => true,
            Some(w) => link.lag.is_some_and(|lag| lag.unsigned_abs() <= w),
        };
        let same_source = matches!((&link.a_source, &link.b_source), (Some(a), Some(b)) if a == b);
        in_window && !(self.across_sources_only && same_source)
    }
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
            links: LinkFilter::default(),
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
    /// Which links are kept.
    pub links: LinkFilter,
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
    /// Step `step` of the scan took `elapsed` of wall time: `read`, `lsh`,
    /// `verify`, `clusters`, each step of the passage stage
    /// (`passages/…`, [`find_passages_timed`]) and `passages/naming`, in
    /// order (the binary prints them with `--timings`). Default: ignored.
    fn step(&self, step: &'static str, elapsed: Duration) {
        let _ = (step, elapsed);
    }
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
            links,
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
            check_passage_options(p)?;
        }
        if links.window == Some(0) {
            return invalid("--window must be longer than 0 (e.g. 2d, 12h)".into());
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
                links,
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
        let mut clock = self.clock();
        let files = self.read_pass(source);
        let mut records = keep_new_ids(source, files, &mut warnings);
        // Exact duplicates (same normalized word sequence) collapse onto
        // their first copy before LSH: a story syndicated 10,000 times is one
        // LSH entry, not 50 million candidate pairs.
        let (rep_of, reps, signatures) = representatives(&mut records);
        clock.lap("read");

        // LSH over representatives, then verification.
        let candidates: Vec<(u32, u32)> = candidate_pairs(&signatures, params.lsh)
            .into_iter()
            .map(|(a, b)| (reps[a as usize], reps[b as usize]))
            .collect();
        clock.lap("lsh");
        let verified = self.verify(
            source,
            &records,
            (&reps, signatures),
            &candidates,
            &mut warnings,
        );
        let verified = expand_exact_duplicates(&rep_of, verified);
        clock.lap("verify");
        let doc_clusters = clusters(records.len(), &verified);
        clock.lap("clusters");

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
        self.start("reading", source.len());
        let files = (0..source.len())
            .into_par_iter()
            .map(|file| {
                // A JSONL feed comes in chunks of lines: its documents are
                // never all held at once.
                let (mut records, mut warnings) = (Vec::new(), Vec::new());
                for read in source.read_chunks(file) {
                    let first = records.len();
                    let chunk: Vec<Record> = read
                        .documents
                        .into_par_iter()
                        .enumerate()
                        .map(|(k, doc)| self.record(file, first + k, doc))
                        .collect();
                    records.extend(chunk);
                    warnings.extend(read.warnings);
                }
                self.advance();
                (records, warnings)
            })
            .collect();
        self.finish();
        files
    }

    /// What pass 1 keeps of `doc`, document `pos` of `file`.
    fn record(&self, file: usize, pos: usize, doc: Document) -> Record {
        let params = &self.params;
        // Each thread's fingerprinter, not one per rayon job: a directory
        // of .txt files is a job per document.
        Fingerprinter::with_local(params.normalize, params.shingle, |fp| {
            let hashes = fp.read(&doc.text);
            let signature = Sketcher::new(params.num_perm).sketch(hashes);
            let content = content_fingerprint(hashes);
            let units = params
                .passages
                .as_ref()
                .map(|p| fp.units(&doc.text, p.units));
            Record {
                signature,
                content,
                units,
                text_hash: xxh3_64(doc.text.as_bytes()),
                text_len: doc.text.len() as u32,
                title: shown_title(&doc),
                date: doc.date,
                source: doc.source.map(String::into_boxed_str),
                id: doc.id,
                line: doc.line,
                file: file as u32,
                pos: pos as u32,
            }
        })
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
                    Fingerprinter::with_local(params.normalize, params.shingle, |fp| {
                        fp.shingle_set(&doc.text)
                    })
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
        let found = find_passages_timed(&docs, &family, opts, &mut |step, elapsed| {
            if let Some(p) = &self.progress {
                p.step(step, elapsed);
            }
        });
        drop(docs);
        let mut clock = self.clock();
        let (clusters, links) = self.name_passages(
            source,
            records,
            &family,
            found.clusters,
            found.links,
            warnings,
        );
        clock.lap("passages/naming");
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
                // A JSONL document is found again by its line, and only the
                // lines wanted are parsed; any other by its position.
                let lines: Option<Vec<u64>> = wanted.iter().map(|&i| records[i].line).collect();
                let lines = lines.map(|mut lines| {
                    lines.sort_unstable();
                    lines.dedup();
                    lines
                });
                let read = match &lines {
                    Some(lines) => source.read_lines(*file as usize, lines),
                    None => source.read(*file as usize),
                };
                let found = |record: &Record| match (&lines, record.line) {
                    (Some(_), Some(line)) => read
                        .documents
                        .binary_search_by_key(&Some(line), |d| d.line)
                        .ok()
                        .map(|k| &read.documents[k]),
                    _ => read.documents.get(record.pos as usize),
                };
                let mut values = Vec::with_capacity(wanted.len());
                let mut changed = Vec::new();
                for &i in wanted {
                    let record = &records[i];
                    match found(record) {
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
                named_cluster(cid, &c, records, quoted.unwrap_or_default())
            })
            .collect();
        let mut links: Vec<LinkOut> = found_links
            .iter()
            .map(|l| named_link(l, records, family, quote))
            .filter(|l| self.params.links.keeps(l))
            .collect();
        links.sort_by(link_order);
        (clusters, links)
    }

    /// A clock for [`Progress::step`], started now.
    fn clock(&self) -> Clock<'_> {
        Clock {
            progress: self.progress.as_deref(),
            last: Instant::now(),
        }
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

/// Times a scan's steps for its [`Progress`] (nothing without one).
struct Clock<'a> {
    progress: Option<&'a dyn Progress>,
    last: Instant,
}

impl Clock<'_> {
    /// Reports the time since the last lap (or the start) as `step`.
    fn lap(&mut self, step: &'static str) {
        if let Some(p) = self.progress {
            p.step(step, self.last.elapsed());
            self.last = Instant::now();
        }
    }
}

/// Refuses passage options out of their ranges, naming the flag.
fn check_passage_options(p: &PassageOptions) -> Result<(), Error> {
    let invalid = |msg: String| Err(Error::InvalidOption(msg));
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
    Ok(())
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
/// A fingerprint of a shingle-hash sequence: equal sequences (exact
/// duplicates after normalization) give equal values. Four independent
/// lanes, so the multiplications do not wait on one another.
fn content_fingerprint(hashes: &[u64]) -> u64 {
    let mix = |acc: u64, h: u64| {
        (acc ^ h)
            .wrapping_mul(0xbf58_476d_1ce4_e5b9)
            .rotate_left(29)
    };
    let mut lanes = [0x9e37_79b9_7f4a_7c15u64, 1, 2, 3];
    let chunks = hashes.chunks_exact(4);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, &h) in lanes.iter_mut().zip(chunk) {
            *lane = mix(*lane, h);
        }
    }
    let tail = rest.iter().fold(hashes.len() as u64, |acc, &h| mix(acc, h));
    lanes.iter().fold(tail, |acc, &lane| mix(acc, lane))
}

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
pub(super) mod tests {
    use super::*;

    /// An in-memory document (also used by `parts`'s tests).
    pub(crate) fn doc(id: &str, text: &str) -> Document {
        Document {
            id: id.into(),
            text: text.into(),
            line: None,
            title: None,
            date: None,
            source: None,
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
