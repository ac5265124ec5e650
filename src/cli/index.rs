//! `reprint index build | stats | remove | verify`: building and
//! inspecting the gate's durable index.

use std::io::{self, IsTerminal};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use reprint::index::{Index, IndexParams};
use reprint::lsh::LshParams;
use reprint::read::{discover, read_file_chunks};
use reprint::report::index_stats_json;
use reprint::{Progress, ScanOptions, Scanner};

use super::output::Bar;
use crate::*;

pub(crate) fn index_params(a: &FingerprintArgs) -> Result<IndexParams> {
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

pub(crate) fn build(args: BuildArgs) -> Result<()> {
    let started = Instant::now();
    let params = index_params(&args.params)?;
    let read_opts = args.fields.read_options(args.max_file_size);
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

pub(crate) fn stats(path: &Path, format: StatsFormat) -> Result<()> {
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

pub(crate) fn remove(path: &Path, ids: &[String]) -> Result<ExitCode> {
    let missing = Index::open(path)?.remove(ids)?;
    for id in &missing {
        eprintln!("reprint: warning: {id}: not in the index");
    }
    Ok(ExitCode::SUCCESS)
}

/// `index verify`: opening checks every page's checksum; then every stored
/// article is read back.
pub(crate) fn verify(path: &Path) -> Result<ExitCode> {
    let n = Index::open(path)?.verify()?;
    println!(
        "{}: sound: every page's checksum and {n} stored articles verified",
        reprint::read::terminal_safe(&path.display().to_string())
    );
    Ok(ExitCode::SUCCESS)
}
