//! The `reprint` command line: a thin clap layer over the library.
//!
//! Exit codes: 0 success; 2 an error (bad option, missing path, output
//! that cannot be written), with a one-line message on stderr and nothing
//! written to the output.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use reprint::boilerplate::KnownBoilerplate;
use reprint::lsh::LshParams;
use reprint::normalize::NormalizeOptions;
use reprint::passages::PassageOptions;
use reprint::read::ReadOptions;
use reprint::report::{summary_line, write_report, ReportFormat};
use reprint::units::UnitOptions;
use reprint::verify::VerifyMode;
use reprint::{Progress, ScanOptions, Scanner};

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
    Scan(ScanArgs),
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files or directories (scanned recursively) of .txt, .md, .jsonl,
    /// .ndjson, .html or .htm files.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
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
    /// How candidate pairs are confirmed: exact shingle-set Jaccard, or the
    /// MinHash estimate.
    #[arg(long, value_enum, default_value_t = VerifyArg::Exact)]
    verify: VerifyArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// No progress bar, warnings or summary on stderr.
    #[arg(short, long)]
    quiet: bool,
    /// Do not fold British spellings to American ones.
    #[arg(long)]
    no_fold_spelling: bool,
    /// JSONL field holding the article id.
    #[arg(long, default_value = "id")]
    id_field: String,
    /// JSONL field holding the article text.
    #[arg(long, default_value = "text")]
    text_field: String,
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
        Command::Scan(args) => scan(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
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

fn scan(args: ScanArgs) -> Result<()> {
    let started = Instant::now();
    let normalize = NormalizeOptions {
        fold_spelling: !args.no_fold_spelling,
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
        threshold: args.threshold,
        shingle: args.shingle,
        num_perm: args.num_perm,
        lsh: args
            .bands
            .zip(args.rows)
            .map(|(bands, rows)| LshParams { bands, rows }),
        verify: match args.verify {
            VerifyArg::Exact => VerifyMode::Exact,
            VerifyArg::Estimate => VerifyMode::Estimate,
        },
        normalize,
        read: ReadOptions {
            id_field: args.id_field,
            text_field: args.text_field,
            max_file_size: args.max_file_size,
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
    let result = pool.install(|| scanner.scan_paths(&args.paths))?;

    if !args.quiet {
        let mut stderr = io::stderr().lock();
        for warning in &result.warnings {
            writeln!(stderr, "reprint: warning: {warning}")?;
        }
    }
    let format = match args.format {
        FormatArg::Text => ReportFormat::Text,
        FormatArg::Json => ReportFormat::Json,
        FormatArg::Jsonl => ReportFormat::Jsonl,
    };
    match &args.output {
        Some(path) => write_atomically(path, |w| write_report(&result, format, w))?,
        None => {
            let mut stdout = io::BufWriter::new(io::stdout().lock());
            write_report(&result, format, &mut stdout)?;
            stdout.flush()?;
        }
    }
    // The text report already ends with the summary; don't repeat it on the
    // same terminal.
    let summary_shown = args.output.is_none() && matches!(format, ReportFormat::Text);
    if !args.quiet && !summary_shown {
        eprintln!(
            "reprint: {} ({:.2} s)",
            summary_line(&result),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
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
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| {
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
