//! The `reprint` command line: a thin clap layer over the library.
//!
//! Exit codes: 0 success; 2 an error (bad option, missing path, output
//! that cannot be written), with a one-line message on stderr and nothing
//! written to the output.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use reprint::boilerplate::KnownBoilerplate;
use reprint::index::{Index, IndexParams, Policy, VerdictKind};
use reprint::lsh::LshParams;
use reprint::normalize::NormalizeOptions;
use reprint::passages::{PassageOptions, Rewrites};
use reprint::read::{
    discover, load_texts, parse_line, read_file, read_file_chunks, Document, Format, MissingId,
    ReadOptions, SourceFile,
};
use reprint::report::{
    index_stats_json, stream_error_json, summary_line, verdict_json, write_report, write_text,
    ReportFormat,
};
use reprint::serve::ServeOptions;
use reprint::units::UnitOptions;
use reprint::verify::VerifyMode;
use reprint::{Progress, ScanOptions, ScanResult, Scanner};

// Scans allocate a string per document and per parsed JSON line from
// several threads; mimalloc's thread-local heaps cut that cost (measured
// with benches/compare.py).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "reprint",
    version,
    about = "Find near-duplicate news articles and reposted passages"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files and directories for near-duplicate articles.
    Scan(ScanCmd),
    /// Scan like `scan` and write a self-contained HTML report: linked
    /// stories side by side with their shared passages highlighted,
    /// near-duplicate clusters, boilerplate.
    Report(ReportCmd),
    /// Build, inspect or edit a durable index of admitted articles.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Verdict for one article (a file, or stdin), or for each line of a
    /// JSONL file or stream; never modifies the index. Exit code for one
    /// article: 0 new, 1 duplicate, 3 reposts, 2 error.
    Check(CheckArgs),
    /// The pipeline gate: JSONL articles on stdin, one JSON verdict per line
    /// on stdout in input order; admits the articles that pass.
    Gate(GateArgs),
    /// The gate as an HTTP/JSON service: POST /check, POST /admit,
    /// GET /documents/{id}, GET /health, GET /metrics.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// The index file (must exist: create it with `reprint index build`).
    index: PathBuf,
    /// Address to listen on (loopback by default; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:7878")]
    addr: std::net::SocketAddr,
    /// File holding a bearer token that every route but /health and
    /// /metrics requires.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// With --token-file: /check, /documents and /stats answer without the
    /// token; only /admit requires it.
    #[arg(long, requires = "token_file")]
    open_reads: bool,
    /// Largest request body (413 beyond).
    #[arg(long, default_value = "8MiB", value_parser = parse_size)]
    max_body: u64,
    /// Seconds a connection may take to send a request's headers, from its
    /// opening or its last response (then it is closed; also the idle
    /// timeout of keep-alive connections).
    #[arg(long, value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds a request may take, body included (408 beyond).
    #[arg(long, value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    request_timeout: u64,
    /// Connections served at once; more wait until one closes.
    #[arg(long, value_name = "N", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(flatten)]
    fields: FieldArgs,
    #[command(flatten)]
    judge: JudgeArgs,
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Bulk-load articles (same inputs as `scan`) into INDEX, creating it;
    /// batched transactions, so an interrupted build keeps whole batches.
    Build(BuildArgs),
    /// Counts and parameters of INDEX.
    Stats {
        /// The index file.
        index: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = StatsFormat::Text)]
        format: StatsFormat,
    },
    /// Check INDEX: every page's checksum, and every stored article read
    /// back. Exit 0 when sound, 2 with what is damaged.
    Verify {
        /// The index file.
        index: PathBuf,
    },
    /// Rewrite INDEX without free space (after a bulk build or removals).
    Compact {
        /// The index file.
        index: PathBuf,
    },
    /// Remove articles by id.
    Remove {
        /// The index file.
        index: PathBuf,
        /// Ids to remove.
        #[arg(required = true)]
        ids: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum StatsFormat {
    Text,
    Json,
}

/// How articles are fingerprinted (for an index: must match how it was
/// built).
#[derive(clap::Args)]
struct FingerprintArgs {
    /// Jaccard similarity of word shingles at or above which two articles
    /// are near-duplicates, in (0, 1].
    #[arg(long, default_value_t = 0.8)]
    threshold: f64,
    /// Words per shingle.
    #[arg(long, default_value_t = 5)]
    shingle: usize,
    /// MinHash signature length.
    #[arg(long, default_value_t = 128)]
    num_perm: usize,
    /// LSH bands (with --rows; default: chosen from the threshold).
    #[arg(long, requires = "rows")]
    bands: Option<usize>,
    /// LSH rows per band (with --bands).
    #[arg(long, requires = "bands")]
    rows: Option<usize>,
    /// Do not fold British spellings to American ones.
    #[arg(long)]
    no_fold_spelling: bool,
}

/// What the gate admits (`gate`, `serve`).
#[derive(clap::Args)]
struct PolicyArgs {
    /// Admit near-duplicates too (default: rejected).
    #[arg(long)]
    admit_duplicates: bool,
    /// Reject articles that repost passages (default: admitted, flagged).
    #[arg(long)]
    reject_reposts: bool,
    /// Replace an admitted article when its id comes with other text.
    #[arg(long)]
    replace: bool,
}

impl PolicyArgs {
    fn policy(&self) -> Policy {
        Policy {
            admit_duplicates: self.admit_duplicates,
            reject_reposts: self.reject_reposts,
            replace: self.replace,
        }
    }
}

/// How the commands that judge against an index open it.
#[derive(clap::Args, Clone)]
struct JudgeArgs {
    /// A file of known boilerplate paragraphs, one per line (a line ending
    /// in `*` is a prefix); repeatable. Never reported as reposted, as in
    /// `scan --boilerplate`.
    #[arg(long, value_name = "FILE")]
    boilerplate: Vec<PathBuf>,
    /// Memory for the index's caches, half for redb's pages and half for
    /// decoded postings (a server over a large index answers faster when
    /// the postings fit: give it about 4 KB per article).
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = parse_size)]
    cache: u64,
}

impl JudgeArgs {
    /// Opens the index at `path` with this cache and boilerplate.
    fn open(&self, path: &Path) -> Result<Index> {
        let cache = usize::try_from(self.cache).unwrap_or(usize::MAX);
        let mut index = Index::open_with_cache(path, cache)?;
        let mut known = KnownBoilerplate::default();
        for file in &self.boilerplate {
            known.extend(KnownBoilerplate::from_file(
                file,
                index.params().normalize_options(),
            )?);
        }
        index.set_known_boilerplate(known);
        Ok(index)
    }
}

/// JSON field names of articles (JSONL input, stdin streams, HTTP bodies).
#[derive(clap::Args)]
struct FieldArgs {
    /// JSON field holding the article id.
    #[arg(long, default_value = "id")]
    id_field: String,
    /// JSON field holding the article text.
    #[arg(long, default_value = "text")]
    text_field: String,
    /// JSON field holding the article's title, shown beside its id (when
    /// absent: an HTML page's <title>, else the text's first line).
    #[arg(long, default_value = "title")]
    title_field: String,
}

#[derive(clap::Args)]
struct BuildArgs {
    /// The index file (created if missing).
    index: PathBuf,
    /// Files or directories to load.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    params: FingerprintArgs,
    /// Articles per transaction.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    batch: u32,
    /// Replace articles whose id is already admitted with other text.
    #[arg(long)]
    replace: bool,
    #[command(flatten)]
    fields: FieldArgs,
    /// Skip files larger than this.
    #[arg(long, default_value = "64MiB", value_parser = parse_size)]
    max_file_size: u64,
    /// No progress bar, warnings or summary.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The index file.
    index: PathBuf,
    /// An article file (.txt/.md/.html), a JSONL file, or - for stdin (JSONL
    /// when it starts with `{`, else one article).
    #[arg(default_value = "-")]
    input: PathBuf,
    #[command(flatten)]
    fields: FieldArgs,
    #[command(flatten)]
    judge: JudgeArgs,
    /// Longest JSONL line: a longer one gets an error line and is skipped
    /// without being held in memory.
    #[arg(long, default_value = "8MiB", value_parser = parse_size)]
    max_line: u64,
}

#[derive(clap::Args)]
struct GateArgs {
    /// The index file (must exist: create it with `reprint index build`).
    index: PathBuf,
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(flatten)]
    fields: FieldArgs,
    #[command(flatten)]
    judge: JudgeArgs,
    /// Longest input line: a longer one gets an error line and is skipped
    /// without being held in memory.
    #[arg(long, default_value = "8MiB", value_parser = parse_size)]
    max_line: u64,
}

#[derive(clap::Args)]
struct ScanArgs {
    #[command(flatten)]
    params: FingerprintArgs,
    /// How candidate pairs are confirmed: exact shingle-set Jaccard, or the
    /// MinHash estimate.
    #[arg(long, value_enum, default_value_t = VerifyArg::Exact)]
    verify: VerifyArg,
    /// Worker threads, 1 to 256 (default: one per core). More threads than
    /// cores only add switching; thousands took a minute to start.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
    /// No progress bar, warnings or summary on stderr.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    fields: FieldArgs,
    /// Skip files larger than this (bytes, or with K/M/G, KiB/MiB/GiB).
    #[arg(long, default_value = "64MiB", value_parser = parse_size)]
    max_file_size: u64,
    /// Find reposted passages shared between stories (off: whole-document
    /// clusters only).
    #[arg(long, value_enum, default_value_t = Switch::On)]
    passages: Switch,
    /// A file of known boilerplate paragraphs, one per line (a line ending
    /// in `*` is a prefix); repeatable.
    #[arg(long, value_name = "FILE")]
    boilerplate: Vec<PathBuf>,
    /// Text occurring in at least this many documents is boilerplate
    /// (default: max(25, 0.5% of the documents)).
    #[arg(long, value_name = "N")]
    boilerplate_min_docs: Option<usize>,
    /// Fewest reused words that make a passage.
    #[arg(long, value_name = "N", default_value_t = 15)]
    min_passage_words: usize,
    /// Lowest word-alignment similarity of a reposted passage, in (0, 1].
    #[arg(long, value_name = "F", default_value_t = 0.7)]
    passage_similarity: f64,
    /// Paragraphs with fewer words are not compared (bylines, buttons).
    #[arg(long, value_name = "N", default_value_t = 8)]
    unit_min_words: usize,
    /// Also link stories that share no passage when this share of one's
    /// words lies in word trigrams the other has (rewrites), in [0, 1].
    #[arg(long, value_name = "F")]
    min_containment: Option<f64>,
    /// Which story pairs are searched for reworded passages (sentences
    /// sharing their words in any order): those already sharing a passage
    /// (linked); those and pairs sharing two rare phrases, found in at
    /// most 5 story families (rare); every pair sharing two phrases (all:
    /// slower, and on wire copy mostly formulaic items); or none.
    #[arg(long, value_enum, default_value_t = RewritesArg::Rare)]
    rewrites: RewritesArg,
    /// Drop links whose significance (how rare the shared word sequences are in
    /// the corpus: the sum of their inverse document frequencies) is
    /// below S; 0 keeps every link.
    #[arg(long, value_name = "S", default_value_t = 0.0)]
    min_significance: f64,
}

#[derive(Clone, Copy, ValueEnum)]
enum RewritesArg {
    Off,
    Linked,
    Rare,
    All,
}

#[derive(clap::Args)]
struct ScanCmd {
    /// Files or directories (scanned recursively) of .txt, .md, .jsonl,
    /// .ndjson, .html or .htm files.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    scan: ScanArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Text output: show only the N largest near-duplicate clusters and
    /// the N most significant links (the summary still counts all).
    #[arg(long, value_name = "N")]
    top: Option<usize>,
}

#[derive(clap::Args)]
struct ReportCmd {
    /// Files or directories to scan (as for `scan`).
    #[arg(
        value_name = "PATH",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    paths: Vec<PathBuf>,
    /// Render a saved `scan --format json` report instead of scanning; the
    /// documents are read again from the paths it names.
    #[arg(long, value_name = "SCAN_JSON")]
    from: Option<PathBuf>,
    #[command(flatten)]
    scan: ScanArgs,
    /// The HTML file to write (atomically).
    #[arg(short, long, value_name = "FILE", required = true)]
    output: PathBuf,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Switch {
    On,
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
enum VerifyArg {
    Exact,
    Estimate,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Jsonl,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Scan(cmd) => scan(cmd).map(|()| ExitCode::SUCCESS),
        Command::Report(cmd) => report(cmd).map(|()| ExitCode::SUCCESS),
        Command::Index(IndexCommand::Build(args)) => build(args).map(|()| ExitCode::SUCCESS),
        Command::Index(IndexCommand::Stats { index, format }) => {
            stats(&index, format).map(|()| ExitCode::SUCCESS)
        }
        Command::Index(IndexCommand::Remove { index, ids }) => remove(&index, &ids),
        Command::Index(IndexCommand::Verify { index }) => verify(&index),
        Command::Index(IndexCommand::Compact { index }) => Index::open(&index)
            .and_then(|mut i| i.compact())
            .map(|()| ExitCode::SUCCESS)
            .map_err(Into::into),
        Command::Check(args) => check(args),
        Command::Gate(args) => gate(args).map(|()| ExitCode::SUCCESS),
        Command::Serve(args) => serve(args).map(|()| ExitCode::SUCCESS),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`reprint scan … | head`) is not an error.
            if let Some(io_err) = err.downcast_ref::<io::Error>() {
                if io_err.kind() == io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            eprintln!("reprint: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs the scan `args` ask for, printing warnings unless quiet.
fn run_scan(paths: &[PathBuf], args: &ScanArgs) -> Result<ScanResult> {
    let normalize = NormalizeOptions {
        fold_spelling: !args.params.no_fold_spelling,
    };
    let passages = match args.passages {
        Switch::Off => None,
        Switch::On => {
            let mut known = KnownBoilerplate::default();
            for path in &args.boilerplate {
                known.extend(KnownBoilerplate::from_file(path, normalize)?);
            }
            Some(PassageOptions {
                min_words: args.min_passage_words,
                min_similarity: args.passage_similarity,
                min_containment: args.min_containment,
                rewrites: match args.rewrites {
                    RewritesArg::Off => Rewrites::Off,
                    RewritesArg::Linked => Rewrites::Linked,
                    RewritesArg::Rare => Rewrites::Rare,
                    RewritesArg::All => Rewrites::All,
                },
                min_significance: args.min_significance,
                boilerplate_min_docs: args.boilerplate_min_docs,
                known_boilerplate: known,
                units: UnitOptions {
                    min_words: args.unit_min_words,
                    ..UnitOptions::default()
                },
                ..PassageOptions::default()
            })
        }
    };
    let options = ScanOptions {
        threshold: args.params.threshold,
        shingle: args.params.shingle,
        num_perm: args.params.num_perm,
        lsh: args
            .params
            .bands
            .zip(args.params.rows)
            .map(|(bands, rows)| LshParams { bands, rows }),
        verify: match args.verify {
            VerifyArg::Exact => VerifyMode::Exact,
            VerifyArg::Estimate => VerifyMode::Estimate,
        },
        normalize,
        read: ReadOptions {
            id_field: args.fields.id_field.clone(),
            text_field: args.fields.text_field.clone(),
            title_field: args.fields.title_field.clone(),
            max_file_size: args.max_file_size,
            missing_id: MissingId::FileLine,
        },
        passages,
    };
    let mut scanner = Scanner::new(options)?;
    if !args.quiet && io::stderr().is_terminal() {
        scanner = scanner.with_progress(Arc::new(Bar::new()));
    }
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        pool = pool.num_threads(n.into());
    }
    let pool = pool.build().context("cannot start worker threads")?;
    let result = pool.install(|| scanner.scan_paths(paths))?;

    if !args.quiet {
        let mut stderr = io::stderr().lock();
        for warning in &result.warnings {
            writeln!(stderr, "reprint: warning: {warning}")?;
        }
    }
    Ok(result)
}

fn scan(cmd: ScanCmd) -> Result<()> {
    if cmd.top.is_some() && !matches!(cmd.format, FormatArg::Text) {
        bail!("--top applies to the text output only (--format text)");
    }
    let started = Instant::now();
    let result = run_scan(&cmd.paths, &cmd.scan)?;
    let format = match cmd.format {
        FormatArg::Text => ReportFormat::Text,
        FormatArg::Json => ReportFormat::Json,
        FormatArg::Jsonl => ReportFormat::Jsonl,
    };
    let write = |w: &mut dyn Write| match format {
        ReportFormat::Text => write_text(&result, cmd.top, w),
        _ => write_report(&result, format, w),
    };
    match &cmd.output {
        Some(path) => write_atomically(path, write)?,
        None => {
            let mut stdout = io::BufWriter::new(io::stdout().lock());
            write(&mut stdout)?;
            stdout.flush()?;
        }
    }
    // The text report already ends with the summary; don't repeat it on the
    // same terminal.
    let summary_shown = cmd.output.is_none() && matches!(format, ReportFormat::Text);
    if !cmd.scan.quiet && !summary_shown {
        eprintln!(
            "reprint: {} ({:.2} s)",
            summary_line(&result),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn report(cmd: ReportCmd) -> Result<()> {
    let started = Instant::now();
    let (result, paths) = match &cmd.from {
        Some(json) => {
            let text = std::fs::read_to_string(json)
                .with_context(|| format!("cannot read {}", json.display()))?;
            let result = reprint::report::parse_json(&text)
                .with_context(|| format!("{}", json.display()))?;
            let paths: Vec<PathBuf> = result.inputs.iter().map(PathBuf::from).collect();
            anyhow::ensure!(
                !paths.is_empty(),
                "{}: the report names no input paths to read the documents from",
                json.display()
            );
            (result, paths)
        }
        None => (run_scan(&cmd.paths, &cmd.scan)?, cmd.paths.clone()),
    };
    // The page shows linked stories side by side and cluster members as
    // diffs: read those texts again.
    let wanted = reprint::html::wanted_texts(&result);
    let opts = ReadOptions {
        id_field: cmd.scan.fields.id_field.clone(),
        text_field: cmd.scan.fields.text_field.clone(),
        title_field: cmd.scan.fields.title_field.clone(),
        max_file_size: cmd.scan.max_file_size,
        missing_id: MissingId::FileLine,
    };
    let texts = load_texts(&paths, &opts, &wanted)?;
    write_atomically(&cmd.output, |w| {
        reprint::html::write_html(&result, &texts, w).map_err(io::Error::other)
    })?;
    if !cmd.scan.quiet {
        eprintln!(
            "reprint: {} → {} ({:.2} s)",
            summary_line(&result),
            cmd.output.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn index_params(a: &FingerprintArgs) -> Result<IndexParams> {
    // Validate like `scan` does, so the same values are refused the same way.
    Scanner::new(ScanOptions {
        threshold: a.threshold,
        shingle: a.shingle,
        num_perm: a.num_perm,
        lsh: a
            .bands
            .zip(a.rows)
            .map(|(bands, rows)| LshParams { bands, rows }),
        ..ScanOptions::default()
    })?;
    Ok(IndexParams::new(
        a.threshold,
        a.shingle,
        a.num_perm,
        a.bands
            .zip(a.rows)
            .map(|(bands, rows)| LshParams { bands, rows }),
        !a.no_fold_spelling,
    ))
}

fn build(args: BuildArgs) -> Result<()> {
    let started = Instant::now();
    let params = index_params(&args.params)?;
    let read_opts = ReadOptions {
        id_field: args.fields.id_field,
        text_field: args.fields.text_field,
        title_field: args.fields.title_field,
        max_file_size: args.max_file_size,
        missing_id: MissingId::FileLine,
    };
    let found = discover(&args.paths)?;
    let index = Index::create(&args.index, params)?;
    let bar = (!args.quiet && io::stderr().is_terminal()).then(Bar::new);
    if let Some(b) = &bar {
        b.start("indexing", found.files.len() as u64);
    }
    let mut warnings = found.warnings;
    let mut seen: ahash::AHashSet<String> = ahash::AHashSet::new();
    let mut read = 0usize;
    // Reading runs on its own thread inside `admit_batches`, overlapped
    // with fingerprinting and writing.
    let stored = {
        let size = args.batch as usize;
        let read_opts = &read_opts;
        // Each file's documents a batch's worth at a time (a large JSONL
        // feed is not parsed whole before the first batch starts).
        let mut chunks = found.files.iter().flat_map(|file| {
            read_file_chunks(file, read_opts, size).map(move |chunk| (file, chunk))
        });
        // The file being drained and its chunk's remaining documents.
        let mut current: Option<&reprint::read::SourceFile> = None;
        let mut pending = Vec::new().into_iter();
        let (warnings, seen, read, bar) = (&mut warnings, &mut seen, &mut read, &bar);
        let batches = std::iter::from_fn(move || {
            let mut batch = Vec::with_capacity(size);
            while batch.len() < size {
                let (Some(file), Some(doc)) = (current, pending.next()) else {
                    let Some((file, got)) = chunks.next() else {
                        return (!batch.is_empty()).then_some(batch);
                    };
                    warnings.extend(got.warnings);
                    if let Some(b) = bar {
                        if !current.is_some_and(|c| std::ptr::eq(c, file)) {
                            b.advance(1);
                        }
                    }
                    current = Some(file);
                    pending = got.documents.into_iter();
                    continue;
                };
                if !seen.insert(doc.id.clone()) {
                    warnings.push(reprint::read::Warning {
                        path: file.path.display().to_string(),
                        line: doc.line,
                        kind: reprint::read::WarningKind::DuplicateId,
                        message: format!("duplicate id \"{}\" in the input; skipped", doc.id),
                    });
                    continue;
                }
                *read += 1;
                batch.push(doc);
            }
            Some(batch)
        });
        index.admit_batches(batches, args.replace)?
    };
    if let Some(b) = &bar {
        b.finish();
    }
    if !args.quiet {
        for w in &warnings {
            eprintln!("reprint: warning: {w}");
        }
        eprintln!(
            "reprint: {read} documents read, {stored} stored in {} ({} already there); {} warnings ({:.2} s)",
            args.index.display(),
            read - stored,
            warnings.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn stats(path: &Path, format: StatsFormat) -> Result<()> {
    let s = Index::open(path)?.stats()?;
    match format {
        StatsFormat::Json => println!("{}", index_stats_json(&s)),
        StatsFormat::Text => {
            let per_doc = |bytes: u64| bytes as f64 / s.documents.max(1) as f64;
            println!("{}", path.display());
            println!("  documents         {}", s.documents);
            println!("  band entries      {}", s.band_entries);
            println!("  passage anchors   {}", s.anchor_entries);
            println!("  paragraphs        {}", s.paragraphs);
            println!("  posting segments  {}", s.segments);
            println!("  stored text       {} bytes (compressed)", s.text_bytes);
            println!(
                "  file              {} bytes ({:.0} per document, {:.0} without text)",
                s.file_bytes,
                per_doc(s.file_bytes),
                per_doc(s.file_bytes.saturating_sub(s.text_bytes))
            );
            println!(
                "  on disk           {} bytes ({:.0} per document, {:.0} without text)",
                s.disk_bytes,
                per_doc(s.disk_bytes),
                per_doc(s.disk_bytes.saturating_sub(s.text_bytes))
            );
            let p = &s.params;
            println!(
                "  parameters        threshold {}, {}-word shingles, {} values ({} bands × {} rows), fold spelling {}, {}",
                p.threshold, p.shingle, p.num_perm, p.bands, p.rows, p.fold_spelling, p.hash
            );
        }
    }
    Ok(())
}

fn remove(path: &Path, ids: &[String]) -> Result<ExitCode> {
    let missing = Index::open(path)?.remove(ids)?;
    for id in &missing {
        eprintln!("reprint: warning: {id}: not in the index");
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads JSONL articles from `input`, calling `each` with a document or an
/// error line for every line, in order; a line longer than `max_line`
/// bytes is an error line, skipped without being held in memory.
fn for_each_line(
    mut input: impl io::BufRead,
    label: &Path,
    opts: &ReadOptions,
    max_line: u64,
    mut each: impl FnMut(Result<Document, String>, u64) -> Result<()>,
) -> Result<()> {
    let file = SourceFile {
        path: label.to_path_buf(),
        id: label.display().to_string(),
        format: Format::Jsonl,
    };
    let limit = usize::try_from(max_line).unwrap_or(usize::MAX);
    let mut bytes = Vec::new();
    let mut line_no = 0u64;
    loop {
        let whole = next_line(&mut input, limit, &mut bytes)
            .with_context(|| format!("cannot read {}", label.display()))?;
        let Some(whole) = whole else { break };
        line_no += 1;
        if !whole {
            each(
                Err(format!(
                    "the line is longer than --max-line ({max_line} bytes): skipped"
                )),
                line_no,
            )?;
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        // A blank line gets its error line too: one line out per line in
        // keeps the output in step with the input.
        match parse_line(&file, line_no, text.trim(), opts) {
            None => each(Err("blank line: no article".into()), line_no)?,
            Some(Ok(doc)) => each(Ok(doc), line_no)?,
            Some(Err(w)) => each(Err(w.message), line_no)?,
        }
    }
    Ok(())
}

/// Reads the next line of `input` (without its newline) into `line`:
/// `Some(true)` when whole, `Some(false)` when it was longer than `limit`
/// (the rest is read and dropped), `None` at the end of the input.
fn next_line(
    input: &mut impl io::BufRead,
    limit: usize,
    line: &mut Vec<u8>,
) -> io::Result<Option<bool>> {
    line.clear();
    let (mut any, mut whole) = (false, true);
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(any.then_some(whole));
        }
        any = true;
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(at) => (at, true),
            None => (chunk.len(), false),
        };
        if whole && line.len() + take <= limit {
            line.extend_from_slice(&chunk[..take]);
        } else {
            (whole, *line) = (false, Vec::new());
        }
        input.consume(take + usize::from(done));
        if done {
            return Ok(Some(whole));
        }
    }
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    anyhow::ensure!(
        args.max_line > 0,
        "--max-line 0 would refuse every line; give a size such as 8MiB"
    );
    let index = args.judge.open(&args.index)?;
    let opts = ReadOptions {
        id_field: args.fields.id_field,
        text_field: args.fields.text_field,
        missing_id: MissingId::Content,
        ..ReadOptions::default()
    };
    let stdin_input = args.input.as_os_str() == "-";
    let (bytes, is_jsonl) = if stdin_input {
        let mut buf = Vec::new();
        io::stdin()
            .read_to_end(&mut buf)
            .context("cannot read stdin")?;
        let jsonl = buf.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        (buf, jsonl)
    } else {
        let found = discover(std::slice::from_ref(&args.input))?;
        let file = found
            .files
            .first()
            .with_context(|| format!("{}: not a file", args.input.display()))?;
        let jsonl = file.format == Format::Jsonl;
        if !jsonl {
            let got = read_file(file, &opts);
            for w in &got.warnings {
                eprintln!("reprint: warning: {w}");
            }
            let doc = got
                .documents
                .into_iter()
                .next()
                .with_context(|| format!("{}: no article to check", args.input.display()))?;
            return one_verdict(&index, &doc);
        }
        let bytes = std::fs::read(&args.input)
            .with_context(|| format!("cannot read {}", args.input.display()))?;
        (bytes, true)
    };
    if !is_jsonl {
        let doc = Document {
            id: "-".into(),
            text: String::from_utf8_lossy(&bytes).into_owned(),
            line: None,
            title: None,
        };
        return one_verdict(&index, &doc);
    }
    let mut out = io::stdout().lock();
    for_each_line(
        &bytes[..],
        &args.input,
        &opts,
        args.max_line,
        |doc, line| {
            let text = match doc {
                Ok(doc) => verdict_json(&index.check(&doc)?),
                Err(message) => stream_error_json(line, &message),
            };
            writeln!(out, "{text}")?;
            Ok(())
        },
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Prints one verdict; the exit code tells a shell what it was.
fn one_verdict(index: &Index, doc: &Document) -> Result<ExitCode> {
    let v = index.check(doc)?;
    println!("{}", verdict_json(&v));
    Ok(ExitCode::from(match v.kind {
        VerdictKind::New => 0,
        VerdictKind::Duplicate => 1,
        VerdictKind::Reposts => 3,
    }))
}

fn gate(args: GateArgs) -> Result<()> {
    anyhow::ensure!(
        args.max_line > 0,
        "--max-line 0 would refuse every line; give a size such as 8MiB"
    );
    let index = args.judge.open(&args.index)?;
    let policy = args.policy.policy();
    let opts = ReadOptions {
        id_field: args.fields.id_field,
        text_field: args.fields.text_field,
        missing_id: MissingId::Content,
        ..ReadOptions::default()
    };
    let mut out = io::stdout().lock();
    for_each_line(
        io::stdin().lock(),
        Path::new("-"),
        &opts,
        args.max_line,
        |doc, line| {
            let text = match doc {
                Ok(doc) => match index.admit(&doc, policy) {
                    Ok(v) => verdict_json(&v),
                    // A conflicting id is this line's problem, not the stream's.
                    Err(e @ reprint::Error::IdConflict { .. }) => {
                        stream_error_json(line, &e.to_string())
                    }
                    Err(e) => return Err(e.into()),
                },
                Err(message) => stream_error_json(line, &message),
            };
            // One line out per article, flushed at once: the caller may be
            // waiting for it before sending the next.
            writeln!(out, "{text}")?;
            out.flush()?;
            Ok(())
        },
    )
}

fn serve(args: ServeArgs) -> Result<()> {
    anyhow::ensure!(
        args.max_body > 0,
        "--max-body 0 would refuse every request; give a size such as 8MiB"
    );
    let token = match &args.token_file {
        Some(path) => {
            // A token is short: read a little past the limit to tell, so a
            // device given by mistake (/dev/zero) is not read forever.
            const MAX_TOKEN: u64 = 4096;
            let mut bytes = Vec::new();
            std::fs::File::open(path)
                .and_then(|f| f.take(MAX_TOKEN + 1).read_to_end(&mut bytes))
                .with_context(|| format!("cannot read the token file {}", path.display()))?;
            anyhow::ensure!(
                bytes.len() as u64 <= MAX_TOKEN,
                "{}: a token file is at most {MAX_TOKEN} bytes; is this the right file?",
                path.display()
            );
            let t = String::from_utf8(bytes)
                .with_context(|| format!("{}: the token is not UTF-8", path.display()))?;
            let t = t.trim().to_owned();
            anyhow::ensure!(!t.is_empty(), "{}: the token file is empty", path.display());
            Some(t)
        }
        None => None,
    };
    let index = args.judge.open(&args.index)?;
    // A file-size limit (`ulimit -f`) reached while the index grows is then
    // an I/O error (EFBIG), which the service recovers from like a full
    // disk, instead of a signal that kills it.
    // SAFETY: setting a signal's disposition to "ignore" before any other
    // thread of ours runs; no handler code is involved.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    if !args.addr.ip().is_loopback() && token.is_none() {
        eprintln!(
            "reprint: warning: listening on {} without --token-file: anyone who can reach it can admit articles",
            args.addr
        );
    }
    let opts = ServeOptions {
        addr: args.addr,
        token,
        open_reads: args.open_reads,
        header_timeout: std::time::Duration::from_secs(args.header_timeout),
        request_timeout: std::time::Duration::from_secs(args.request_timeout),
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        max_body: usize::try_from(args.max_body).unwrap_or(usize::MAX),
        policy: args.policy.policy(),
        fields: ReadOptions {
            id_field: args.fields.id_field,
            text_field: args.fields.text_field,
            ..ReadOptions::default()
        },
    };
    let reopen: reprint::serve::Reopen = {
        let (judge, path) = (args.judge.clone(), args.index.clone());
        Box::new(move || {
            // The library's error as it is (it names the file already).
            judge.open(&path).map_err(|e| {
                e.downcast::<reprint::Error>()
                    .unwrap_or_else(|e| reprint::Error::Index {
                        path: path.clone(),
                        message: format!("{e:#}"),
                    })
            })
        })
    };
    reprint::serve::serve(index, reopen, opts, |addr| {
        eprintln!("reprint: listening on http://{addr}");
    })?;
    Ok(())
}

/// `index verify`: opening checks every page's checksum; then every stored
/// article is read back.
fn verify(path: &Path) -> Result<ExitCode> {
    let n = Index::open(path)?.verify()?;
    println!(
        "{}: sound: every page's checksum and {n} stored articles verified",
        reprint::read::terminal_safe(&path.display().to_string())
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes to a temporary file beside `path` and renames it into place, so
/// a failed or interrupted run never leaves a half-written report.
///
/// Paths that exist but are not regular files (`/dev/null`, a FIFO) are
/// written in place: renaming over them would replace the device node.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    let shown = path.display();
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot write {shown}"))?;
        let mut w = io::BufWriter::new(file);
        write(&mut w).with_context(|| format!("cannot write {shown}"))?;
        w.flush().with_context(|| format!("cannot write {shown}"))?;
        return Ok(());
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Reports are for sharing: readable by others, as a plain `>` would
    // make them (tempfile's default is owner-only).
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir).with_context(|| {
        format!(
            "cannot write {shown}: cannot create a file in {}",
            dir.display()
        )
    })?;
    {
        let mut w = io::BufWriter::new(tmp.as_file_mut());
        write(&mut w).with_context(|| format!("cannot write {shown}"))?;
        w.flush().with_context(|| format!("cannot write {shown}"))?;
    }
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot write {shown}"))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {shown}"))?;
    Ok(())
}

/// Parses sizes like `1000`, `64MiB`, `64M`, `2G`, `500k`.
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a size (examples: 1000, 64MiB, 2G)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit '{other}' (use K, M or G)")),
    };
    n.checked_mul(factor)
        .ok_or_else(|| format!("'{s}' is too large"))
}

/// An indicatif progress bar on stderr, one stage at a time.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        // Hidden until the first stage starts, so no empty bar is drawn.
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} files ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Bar(bar)
    }
}

impl Progress for Bar {
    fn start(&self, stage: &'static str, total: u64) {
        self.0.set_message(stage);
        self.0.set_length(total);
        self.0.set_position(0);
        self.0.reset_eta();
        self.0.set_draw_target(ProgressDrawTarget::stderr());
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
        self.0.set_draw_target(ProgressDrawTarget::hidden());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reprint::read::DEFAULT_MAX_FILE_SIZE;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("64MiB"), Ok(DEFAULT_MAX_FILE_SIZE));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }
}
