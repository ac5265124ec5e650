//! `reprint extract`: what reprint reads from each input, as JSONL or
//! text — the documents a scan compares, with their ids and metadata.

use std::io::{self, Write};

use anyhow::{Context, Result};
use reprint::read::{discover, read_file, Document};
use serde::Serialize;

use crate::{ExtractCmd, ExtractFormat};

/// Reads `cmd.paths` as `scan` reads them and prints every document in
/// input order; warnings go to stderr (unless quiet), as the scan's do.
pub(crate) fn extract(cmd: ExtractCmd) -> Result<()> {
    let opts = cmd.fields.read_options(cmd.max_file_size);
    let found = discover(&cmd.paths)?;
    let mut warnings = found.warnings;
    let mut out = io::BufWriter::new(io::stdout().lock());
    for file in &found.files {
        let read = read_file(file, &opts);
        warnings.extend(read.warnings);
        for doc in &read.documents {
            match cmd.format {
                ExtractFormat::Jsonl => {
                    serde_json::to_writer(&mut out, &record(doc))?;
                    writeln!(out)?;
                }
                ExtractFormat::Text => write_text(&mut out, doc)?,
            }
        }
    }
    out.flush().context("cannot write to stdout")?;
    if !cmd.quiet {
        let mut stderr = io::stderr().lock();
        for w in &warnings {
            writeln!(stderr, "reprint: warning: {w}")?;
        }
    }
    Ok(())
}

/// One JSONL line: the fields `scan` reads from JSONL input (default
/// names), so that the output can be scanned again as it is; a field not
/// known is left out (the reader warns about a `null` date).
#[derive(Serialize)]
struct Record<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    text: &'a str,
}

fn record(doc: &Document) -> Record<'_> {
    Record {
        id: &doc.id,
        title: doc.title.as_deref(),
        date: doc.date.map(|d| d.to_string()),
        source: doc.source.as_deref(),
        text: &doc.text,
    }
}

/// A document as text: a header line (`== id`, then title, date and
/// source where known), the text, a blank line.
fn write_text(out: &mut impl Write, doc: &Document) -> io::Result<()> {
    let safe = reprint::read::terminal_safe;
    write!(out, "== {}", safe(&doc.id))?;
    for field in [
        doc.title.clone(),
        doc.date.map(|d| d.to_string()),
        doc.source.clone(),
    ]
    .into_iter()
    .flatten()
    {
        write!(out, " | {}", safe(&field))?;
    }
    writeln!(out)?;
    writeln!(out, "{}\n", doc.text)
}
