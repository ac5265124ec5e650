//! The `reprint` command line: a thin clap layer over the library.
//!
//! Exit codes: 0 success; 2 an error (bad option, missing path, output
//! that cannot be written), with a one-line message on stderr and nothing
//! written to the output.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

use reprint::boilerplate::KnownBoilerplate;
use reprint::index::{Index, Policy};

// Scans allocate a string per document and per parsed JSON line from
// several threads; mimalloc's thread-local heaps cut that cost (measured
// with benches/compare.py).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
use cli::gate::{check, gate};
use cli::index::{build, remove, stats, verify};
use cli::scan::{report, scan};
use cli::serve::serve;

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
    /// Print what reprint reads from files and directories: each
    /// document's id, title, date, source and text (for HTML, the
    /// article), as JSONL that `scan` reads back, or as text.
    Extract(ExtractCmd),
    /// Build, inspect or edit a durable index of admitted articles.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Verdict for one article (a file, or stdin), or for each line of a
    /// JSONL file or stream and each page of a WARC archive; never
    /// modifies the index. Exit code for one
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
struct ExtractCmd {
    /// Files or directories to read.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: ExtractFormat,
    /// Don't print warnings.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    fields: FieldArgs,
    /// Skip files larger than this.
    #[arg(long, default_value = "64MiB", value_parser = parse_size)]
    max_file_size: u64,
}

/// `extract --format`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ExtractFormat {
    /// One JSON object per document: id, title, date, source, text.
    Jsonl,
    /// Each document under a `== id | title | date | source` line.
    Text,
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
    Build(Box<BuildArgs>),
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
    /// Match only admitted articles dated at most this far from the
    /// article's date — or from now, for an undated article (e.g. 2d, 12h;
    /// units s, m, h, d, w). Undated admitted articles never match.
    #[arg(long, value_name = "DURATION", value_parser = reprint::provenance::parse_duration)]
    window: Option<u64>,
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
        index.set_window(self.window);
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
    /// JSON field holding the article's publication date (RFC 3339 or ISO
    /// 8601, e.g. 2024-05-01T08:30:00Z or 2024-05-01; without an offset,
    /// UTC). An unreadable date is a warning; the article stays undated.
    #[arg(long, default_value = "date")]
    date_field: String,
    /// JSON field naming the article's source (publisher, site, feed).
    #[arg(long, default_value = "source")]
    source_field: String,
    /// Where undated articles get a date: nowhere (`none`), or their
    /// file's modification time (`mtime`).
    #[arg(long, value_enum, default_value = "none")]
    date_from: DateFrom,
    /// What is read of an HTML page: its article (main content, without
    /// navigation, teasers, share and comment widgets, footers) or all of
    /// its visible text.
    #[arg(long, value_enum, default_value = "article")]
    html: HtmlArg,
}

/// `--html`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum HtmlArg {
    Article,
    Full,
}

/// `--date-from`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DateFrom {
    None,
    Mtime,
}

impl FieldArgs {
    /// How input files are read with these fields, skipping files larger
    /// than `max_file_size`.
    fn read_options(&self, max_file_size: u64) -> reprint::read::ReadOptions {
        reprint::read::ReadOptions {
            id_field: self.id_field.clone(),
            text_field: self.text_field.clone(),
            title_field: self.title_field.clone(),
            date_field: self.date_field.clone(),
            source_field: self.source_field.clone(),
            date_from_mtime: self.date_from == DateFrom::Mtime,
            max_file_size,
            missing_id: reprint::read::MissingId::FileLine,
            html: match self.html {
                HtmlArg::Article => reprint::read::HtmlMode::Article,
                HtmlArg::Full => reprint::read::HtmlMode::Full,
            },
        }
    }
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
    /// Print the wall time of each step of the scan (reading, LSH,
    /// verification, each step of the passage stage) on stderr, even with
    /// --quiet.
    #[arg(long)]
    timings: bool,
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
    /// Link only stories dated at most this far apart (e.g. 2d, 12h, 90m;
    /// units s, m, h, d, w). Stories without a date are linked to none.
    #[arg(long, value_name = "DURATION", value_parser = reprint::provenance::parse_duration)]
    window: Option<u64>,
    /// Leave out links between two stories of the same source (the
    /// --source-field, an HTML page's site name).
    #[arg(long)]
    across_sources_only: bool,
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
        Command::Index(IndexCommand::Build(args)) => build(*args).map(|()| ExitCode::SUCCESS),
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
        Command::Extract(cmd) => cli::extract::extract(cmd).map(|()| ExitCode::SUCCESS),
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
