//! `reprint scan` and `reprint report`: a scan run as the options ask,
//! written as text, JSON or JSONL, or as the HTML report.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use reprint::boilerplate::KnownBoilerplate;
use reprint::lsh::LshParams;
use reprint::normalize::NormalizeOptions;
use reprint::passages::{PassageOptions, Rewrites};
use reprint::read::load_texts;
use reprint::report::{summary_line, write_report, write_text, ReportFormat};
use reprint::units::UnitOptions;
use reprint::verify::VerifyMode;
use reprint::{ScanOptions, ScanResult, Scanner};

use super::output::{write_atomically, Bar, Timings};
use crate::*;

/// Runs the scan `args` ask for, printing warnings unless quiet.
pub(crate) fn run_scan(paths: &[PathBuf], args: &ScanArgs) -> Result<ScanResult> {
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
        read: args.fields.read_options(args.max_file_size),
        links: reprint::LinkFilter {
            window: args.window,
            across_sources_only: args.across_sources_only,
        },
        passages,
    };
    let mut scanner = Scanner::new(options)?;
    let mut bar = (!args.quiet && io::stderr().is_terminal()).then(Bar::new);
    let timings = args.timings.then(|| Arc::new(Timings::new(bar.take())));
    if let Some(t) = &timings {
        scanner = scanner.with_progress(t.clone());
    } else if let Some(bar) = bar {
        scanner = scanner.with_progress(Arc::new(bar));
    }
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        pool = pool.num_threads(n.into());
    }
    let pool = pool.build().context("cannot start worker threads")?;
    let result = pool.install(|| scanner.scan_paths(paths))?;

    let mut stderr = io::stderr().lock();
    if !args.quiet {
        for warning in &result.warnings {
            writeln!(stderr, "reprint: warning: {warning}")?;
        }
    }
    if let Some(t) = &timings {
        t.write(pool.current_num_threads(), &mut stderr)?;
    }
    Ok(result)
}

pub(crate) fn scan(cmd: ScanCmd) -> Result<()> {
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

pub(crate) fn report(cmd: ReportCmd) -> Result<()> {
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
    let opts = cmd.scan.fields.read_options(cmd.scan.max_file_size);
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
