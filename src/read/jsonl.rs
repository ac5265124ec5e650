//! JSONL input: one article per line, an object with an id, a text and
//! optionally a title, a date and a source (field names from
//! [`ReadOptions`]). A line that is not a usable object is a warning and is
//! skipped; a date that is not one is a warning and the article is kept.

use rayon::prelude::*;

use super::{
    content_id, meta, parse_date, Document, FileRead, MissingId, ReadOptions, SourceFile, Warning,
    WarningKind,
};

/// Reads lines of a JSONL file, the first of them line `first_line`.
/// Lines are parsed in parallel (a large feed is one file) and collected
/// in file order.
pub(super) fn read_jsonl(
    out: &mut FileRead,
    file: &SourceFile,
    text: &str,
    first_line: u64,
    opts: &ReadOptions,
) {
    let lines: Vec<(u64, &str)> = (first_line..).zip(split_lines(text)).collect();
    parse_lines(out, file, &lines, opts);
}

/// [`read_jsonl`] for the 1-based line numbers `wanted` (sorted) only:
/// the other lines are passed over unparsed.
pub(super) fn read_jsonl_lines(
    out: &mut FileRead,
    file: &SourceFile,
    text: &str,
    wanted: &[u64],
    opts: &ReadOptions,
) {
    let mut wanted = wanted.iter().copied().peekable();
    let mut lines = Vec::new();
    for (line_no, raw) in (1..).zip(split_lines(text)) {
        while wanted.next_if(|&w| w < line_no).is_some() {}
        if wanted.peek().is_none() {
            break;
        }
        if wanted.next_if_eq(&line_no).is_some() {
            lines.push((line_no, raw));
        }
    }
    parse_lines(out, file, &lines, opts);
}

/// Parses numbered lines in parallel; their documents and warnings are
/// added to `out` in order.
fn parse_lines(out: &mut FileRead, file: &SourceFile, lines: &[(u64, &str)], opts: &ReadOptions) {
    let parsed: Vec<Option<LineRead>> = lines
        .par_iter()
        .map(|&(line_no, raw)| parse_line(file, line_no, raw.trim(), opts))
        .collect();
    for line in parsed.into_iter().flatten() {
        match line {
            Ok((doc, warning)) => {
                out.documents.push(doc);
                out.warnings.extend(warning);
            }
            Err(warning) => out.warnings.push(warning),
        }
    }
}

/// The lines of `text` split at `\n` (as `str::split`, a last empty line
/// included), found with SIMD `memchr`.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut at = 0;
    memchr::memchr_iter(b'\n', text.as_bytes())
        .chain(std::iter::once(text.len()))
        .map(move |end| {
            let line = &text[at..end];
            at = end + 1;
            line
        })
}

/// What one JSONL line gives: a document, with a warning about a
/// metadata field it could not use (the document is kept without it), or
/// a warning alone (the line is skipped).
pub type LineRead = Result<(Document, Option<Warning>), Warning>;

/// One JSONL line of `file`, or `None` for a blank line. `line_no` is
/// 1-based; `line` has no line terminator. Used for files and for streams
/// (`reprint gate`, `reprint check -`).
pub fn parse_line(
    file: &SourceFile,
    line_no: u64,
    line: &str,
    opts: &ReadOptions,
) -> Option<LineRead> {
    if line.is_empty() {
        return None;
    }
    let warn = |kind, msg: String| Some(Err(Warning::new(&file.path, Some(line_no), kind, msg)));
    let value: serde_json::Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            // serde's message ends in "at line 1 column N", where "line 1"
            // means the JSONL line itself: keep only the column.
            let msg = e.to_string();
            let what = msg.split(" at line ").next().unwrap_or(&msg);
            return warn(
                WarningKind::MalformedLine,
                format!(
                    "malformed JSON ({what}, column {}); line skipped",
                    e.column()
                ),
            );
        }
    };
    let serde_json::Value::Object(mut object) = value else {
        return warn(
            WarningKind::MalformedLine,
            "not a JSON object; line skipped".into(),
        );
    };
    // Move the text out of the parsed line rather than copying it.
    let text = match object.remove(&opts.text_field) {
        Some(serde_json::Value::String(text)) => text,
        _ => {
            return warn(
                WarningKind::MalformedLine,
                format!(
                    "no string field \"{}\" (set --text-field); line skipped",
                    opts.text_field
                ),
            )
        }
    };
    if text.trim().is_empty() {
        return warn(WarningKind::Empty, "empty text; line skipped".into());
    }
    let id = match object.remove(&opts.id_field) {
        Some(serde_json::Value::String(s)) => s,
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => match opts.missing_id {
            MissingId::FileLine => format!("{}:{}", file.id, line_no),
            MissingId::Content => content_id(&text),
        },
    };
    let mut string = |field: &str| match object.remove(field) {
        Some(serde_json::Value::String(t)) if !t.trim().is_empty() => Some(t),
        _ => None,
    };
    let title = string(&opts.title_field);
    let source = string(&opts.source_field);
    // No date field: undated, quietly (most feeds have none). A field
    // that is there but no date — null, a number, text that does not
    // parse — is a warning: the feed meant to date the story.
    let date_value = object.remove(&opts.date_field);
    let parsed = match &date_value {
        Some(serde_json::Value::String(d)) => parse_date(d),
        _ => None,
    };
    let warning = match (&date_value, parsed) {
        (Some(v), None) => {
            let shown = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            let msg = meta::bad_date(&opts.date_field, &shown);
            Some(Warning::new(
                &file.path,
                Some(line_no),
                WarningKind::BadField,
                msg,
            ))
        }
        _ => None,
    };
    let date = parsed;
    let doc = Document {
        id,
        text,
        line: Some(line_no),
        title,
        date,
        source,
    };
    Some(Ok((doc, warning)))
}
