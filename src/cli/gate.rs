//! `reprint check` and `reprint gate`: verdicts for one article or a
//! JSONL stream of them, from the index.

use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use reprint::index::{Index, VerdictKind};
use reprint::read::{
    discover, parse_line, read_file, Document, Format, MissingId, ReadOptions, SourceFile,
    DEFAULT_MAX_FILE_SIZE,
};
use reprint::report::{stream_error_json, verdict_json};

use crate::*;

/// Reads JSONL articles from `input`, calling `each` with a document or an
/// error line for every line, in order; a line longer than `max_line`
/// bytes is an error line, skipped without being held in memory.
pub(crate) fn for_each_line(
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
            Some(Ok((doc, warning))) => {
                if let Some(w) = warning {
                    eprintln!("reprint: warning: {w}");
                }
                each(Ok(doc), line_no)?
            }
            Some(Err(w)) => each(Err(w.message), line_no)?,
        }
    }
    Ok(())
}

/// Reads the next line of `input` (without its newline) into `line`:
/// `Some(true)` when whole, `Some(false)` when it was longer than `limit`
/// (the rest is read and dropped), `None` at the end of the input.
pub(crate) fn next_line(
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

pub(crate) fn check(args: CheckArgs) -> Result<ExitCode> {
    anyhow::ensure!(
        args.max_line > 0,
        "--max-line 0 would refuse every line; give a size such as 8MiB"
    );
    let index = args.judge.open(&args.index)?;
    let opts = ReadOptions {
        missing_id: MissingId::Content,
        ..args.fields.read_options(DEFAULT_MAX_FILE_SIZE)
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
            // A WARC archive holds many pages: a verdict for each, as for
            // the lines of a JSONL file.
            if file.format == Format::Warc {
                let mut out = io::stdout().lock();
                for doc in &got.documents {
                    writeln!(out, "{}", verdict_json(&index.check(doc)?))?;
                }
                out.flush()?;
                return Ok(ExitCode::SUCCESS);
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
            date: None,
            source: None,
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
pub(crate) fn one_verdict(index: &Index, doc: &Document) -> Result<ExitCode> {
    let v = index.check(doc)?;
    println!("{}", verdict_json(&v));
    Ok(ExitCode::from(match v.kind {
        VerdictKind::New => 0,
        VerdictKind::Duplicate => 1,
        VerdictKind::Reposts => 3,
    }))
}

pub(crate) fn gate(args: GateArgs) -> Result<()> {
    anyhow::ensure!(
        args.max_line > 0,
        "--max-line 0 would refuse every line; give a size such as 8MiB"
    );
    let index = args.judge.open(&args.index)?;
    let policy = args.policy.policy();
    let opts = ReadOptions {
        missing_id: MissingId::Content,
        ..args.fields.read_options(DEFAULT_MAX_FILE_SIZE)
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
