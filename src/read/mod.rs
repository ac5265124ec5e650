//! Read: paths → source files → documents, plus warnings.
//!
//! Two steps. [`discover`] walks the given paths (directories recursively,
//! hidden entries skipped, symlinks followed with loop detection, entries
//! in byte order of their names so runs are reproducible) and lists the
//! files to read. [`read_file`] turns one file into its documents.
//!
//! Neither step fails because of one bad file or line: each returns what it
//! could read together with [`Warning`]s naming the file and line. The only
//! errors are about the request itself (a path that does not exist).
//!
//! Formats, chosen by extension (case-insensitive):
//! - `.txt`, `.text`, `.md`, `.markdown`: one article per file;
//! - `.jsonl`, `.ndjson`: one article per line, an object with an id field
//!   and a text field (names configurable);
//! - `.html`, `.htm`, `.xhtml`: parsed by html5ever (through `scraper`);
//!   the article's text ([`HtmlMode::Article`], main content without the
//!   page's chrome: `read/article.rs`) or the body's whole visible text
//!   ([`HtmlMode::Full`]), block elements kept as paragraphs;
//! - `.warc`, `.warc.gz`: one HTML page per response record, streamed
//!   record by record (`read/warc.rs`).
//!
//! Inside a directory, files with other extensions are skipped and counted;
//! a file named explicitly is read as plain text whatever its extension.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::Error;

mod article;
mod discover;
mod jsonl;
mod meta;
mod page;
mod page_meta;
mod warc;
mod warning;

pub(crate) use discover::display_path;
pub use discover::{discover, Discovery};
use jsonl::read_jsonl;
pub use jsonl::{parse_line, LineRead};
pub use meta::{parse_date, Timestamp};
pub use page::{html_page, html_page_with, html_text, HtmlMode, HtmlPage};
pub use warning::{terminal_safe, Warning, WarningKind};

/// Default for [`ReadOptions::max_file_size`]: 64 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Spans are stored as `u32` offsets, so no single text may be larger.
pub const MAX_FILE_SIZE_LIMIT: u64 = u32::MAX as u64;

/// How many leading bytes are checked for NULs when deciding that a file
/// is binary (git and ripgrep look at the same prefix). One NUL does not
/// make a file binary: more than 1% of the prefix does, which images,
/// archives and UTF-16 text all exceed by far.
const BINARY_PROBE: usize = 8 * 1024;

/// How input files are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// JSONL field holding the document id (default `id`).
    pub id_field: String,
    /// JSONL field holding the document text (default `text`).
    pub text_field: String,
    /// JSONL field holding the document's title, when present (default
    /// `title`).
    pub title_field: String,
    /// JSONL field holding the document's publication date, when present
    /// (default `date`; forms: [`parse_date`]).
    pub date_field: String,
    /// JSONL field naming the document's source (publisher, site, feed),
    /// when present (default `source`).
    pub source_field: String,
    /// Date documents without a date of their own by their file's
    /// modification time (`--date-from mtime`).
    pub date_from_mtime: bool,
    /// Files larger than this many bytes are skipped with a warning.
    pub max_file_size: u64,
    /// The id of a JSONL line without one.
    pub missing_id: MissingId,
    /// What of an HTML page is read (`--html`): its article, or all its
    /// visible text.
    pub html: HtmlMode,
}

/// The id given to a JSONL document that has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingId {
    /// `<file id>:<line>`: unique within a scan, meaningful to a reader.
    #[default]
    FileLine,
    /// [`content_id`] of the text: what the gate uses, where every stream
    /// is read as `-` and `-:<line>` would repeat from one stream to the
    /// next (a later article refused as a conflict, or overwriting an
    /// unrelated one).
    Content,
}

/// An id derived from a text, stable across runs and machines:
/// `xxh3:` and the XXH3-64 (seed 0) of its UTF-8 bytes in 16 hex digits.
/// Equal texts get equal ids.
pub fn content_id(text: &str) -> String {
    format!("xxh3:{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            id_field: "id".into(),
            text_field: "text".into(),
            title_field: "title".into(),
            date_field: "date".into(),
            source_field: "source".into(),
            date_from_mtime: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            missing_id: MissingId::FileLine,
            html: HtmlMode::Article,
        }
    }
}

/// The format of a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One plain-text (or Markdown) article per file.
    Text,
    /// One JSON object per line.
    Jsonl,
    /// One HTML page per file.
    Html,
    /// A WARC archive (`.warc`, `.warc.gz`): one HTML page per response
    /// record.
    Warc,
}

impl Format {
    /// The format for a file name's extension, if it is one reprint reads.
    pub fn from_path(path: &Path) -> Option<Format> {
        if warc::is_warc(path) {
            return Some(Format::Warc);
        }
        let ext = path.extension()?.to_str()?;
        let is = |names: &[&str]| names.iter().any(|n| ext.eq_ignore_ascii_case(n));
        if is(&["txt", "text", "md", "markdown"]) {
            Some(Format::Text)
        } else if is(&["jsonl", "ndjson"]) {
            Some(Format::Jsonl)
        } else if is(&["html", "htm", "xhtml"]) {
            Some(Format::Html)
        } else {
            None
        }
    }
}

/// A file to read, found by [`discover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Where to read it.
    pub path: PathBuf,
    /// Its id: the path relative to the root it was found under, with `/`
    /// separators (or the path as given, for a file named explicitly).
    /// Plain-text and HTML documents take this id; JSONL documents use it
    /// as the fallback `<id>:<line>`.
    pub id: String,
    /// How to read it.
    pub format: Format,
}

/// One article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Unique id within a corpus.
    pub id: String,
    /// The article's text; every span reprint reports is a byte range of it.
    /// For HTML input this is the extracted visible text.
    pub text: String,
    /// 1-based line of a JSONL document in its file.
    pub line: Option<u64>,
    /// The document's own title: the JSONL title field, an HTML page's
    /// `<title>`; `None` for plain text (reports then show its first line).
    pub title: Option<String>,
    /// When it was published: the JSONL date field, an HTML page's
    /// publication time, or the file's modification time when asked
    /// ([`ReadOptions::date_from_mtime`]); `None` when unknown.
    pub date: Option<Timestamp>,
    /// Who published it: the JSONL source field, an HTML page's site name.
    pub source: Option<String>,
}

/// What [`read_file`] got out of one file.
#[derive(Debug, Default)]
pub struct FileRead {
    /// The documents, in file order.
    pub documents: Vec<Document>,
    /// Problems with the file or its lines.
    pub warnings: Vec<Warning>,
}

/// Reads one file into documents. Never fails: a file that cannot be used
/// yields no documents and a warning; a bad JSONL line yields a warning and
/// the other lines are still read.
pub fn read_file(file: &SourceFile, opts: &ReadOptions) -> FileRead {
    if file.format == Format::Warc {
        let mut out = warc::read_warc(file, opts);
        date_by_mtime(&mut out, file, opts);
        return out;
    }
    match file_text(file, opts) {
        Ok((text, out)) => documents_of(file, text, out, opts),
        Err(out) => out,
    }
}

/// The documents of `file` on the given 1-based `lines` (sorted, no
/// repeats): what [`read_file`] returns for them, without parsing the
/// file's other lines. Only JSON Lines files have lines to pick; any other
/// file is read whole. How a second pass finds a few documents again in a
/// large feed.
pub fn read_file_lines(file: &SourceFile, opts: &ReadOptions, lines: &[u64]) -> FileRead {
    if file.format != Format::Jsonl {
        return read_file(file, opts);
    }
    match file_text(file, opts) {
        Ok((text, mut out)) => {
            jsonl::read_jsonl_lines(&mut out, file, &text, lines, opts);
            date_by_mtime(&mut out, file, opts);
            out
        }
        Err(out) => out,
    }
}

/// The documents of `file`, whose `text` was read with the warnings in
/// `out`.
fn documents_of(
    file: &SourceFile,
    text: String,
    mut out: FileRead,
    opts: &ReadOptions,
) -> FileRead {
    match file.format {
        Format::Text => push_plain(&mut out, file, text, Meta::default()),
        Format::Html => {
            let page = html_page_with(&text, opts.html);
            if let Some(w) = deep_html_warning(&file.path, "", page.flattened) {
                out.warnings.push(w);
            }
            let meta = Meta {
                title: page.title,
                date: page.date,
                source: page.site,
            };
            push_plain(&mut out, file, page.text, meta);
        }
        Format::Jsonl => read_jsonl(&mut out, file, &text, 1, opts),
        // `read_file` streams WARC files record by record; none reaches here.
        Format::Warc => {}
    }
    date_by_mtime(&mut out, file, opts);
    out
}

/// The warning for a page that had `flattened` tags removed past the
/// depth bound (none when it had none); `at` names where in the file the
/// page is (a WARC record), or is empty.
fn deep_html_warning(path: &Path, at: &str, flattened: usize) -> Option<Warning> {
    (flattened > 0).then(|| {
        Warning::new(
            path,
            None,
            WarningKind::DeepHtml,
            format!(
                "{at}elements nested deeper than {} levels: {flattened} tags past that depth removed before parsing, their text kept",
                crate::html_depth::MAX_DEPTH,
            ),
        )
    })
}

/// With [`ReadOptions::date_from_mtime`], dates the documents of `out`
/// that have no date of their own by `file`'s modification time.
fn date_by_mtime(out: &mut FileRead, file: &SourceFile, opts: &ReadOptions) {
    if !opts.date_from_mtime || out.documents.iter().all(|d| d.date.is_some()) {
        return;
    }
    let modified = fs::metadata(&file.path).and_then(|m| m.modified());
    let Some(mtime) = modified.ok().and_then(|t| Timestamp::try_from(t).ok()) else {
        return;
    };
    for d in out.documents.iter_mut().filter(|d| d.date.is_none()) {
        d.date = Some(mtime);
    }
}

/// What a plain-text or HTML file says of its document besides its text.
#[derive(Default)]
struct Meta {
    title: Option<String>,
    date: Option<Timestamp>,
    source: Option<String>,
}

/// What [`read_file`] returns, in chunks and in file order: a JSONL file's
/// lines `lines` at a time (each chunk parsed in parallel), any other file
/// whole. A bulk load then starts on a large feed's first lines at once
/// and holds one chunk of its documents at a time, not the whole feed
/// (the file's bytes are read at once). The file's own warnings come with
/// the first chunk; there is always at least one chunk.
pub fn read_file_chunks<'a>(
    file: &'a SourceFile,
    opts: &'a ReadOptions,
    lines: usize,
) -> impl Iterator<Item = FileRead> + 'a {
    // A WARC file is streamed by `read_file`, never read as one text.
    let mut state = if file.format == Format::Warc {
        Chunks::Whole(Some(read_file(file, opts)))
    } else {
        match (file.format, file_text(file, opts)) {
            (Format::Jsonl, Ok((text, first))) => Chunks::Jsonl {
                text,
                at: 0,
                line: 1,
                first: Some(first),
            },
            (_, Ok((text, out))) => Chunks::Whole(Some(documents_of(file, text, out, opts))),
            (_, Err(out)) => Chunks::Whole(Some(out)),
        }
    };
    let lines = lines.max(1);
    std::iter::from_fn(move || match &mut state {
        Chunks::Whole(read) => read.take(),
        Chunks::Jsonl {
            text,
            at,
            line,
            first,
        } => {
            if *at >= text.len() && first.is_none() {
                return None;
            }
            let mut out = first.take().unwrap_or_default();
            let rest = &text[*at..];
            // Up to the `lines`-th line end, or the end of the file.
            let end = rest
                .match_indices('\n')
                .nth(lines - 1)
                .map_or(rest.len(), |(i, _)| i);
            read_jsonl(&mut out, file, &rest[..end], *line, opts);
            date_by_mtime(&mut out, file, opts);
            *line += lines as u64;
            *at += end + 1;
            Some(out)
        }
    })
}

/// The state of [`read_file_chunks`].
enum Chunks {
    /// A file read whole, until taken.
    Whole(Option<FileRead>),
    /// A JSONL file's text, the byte and line number its next chunk starts
    /// at, and the file's warnings until the first chunk takes them.
    Jsonl {
        text: String,
        at: usize,
        line: u64,
        first: Option<FileRead>,
    },
}

/// A file's text and the warnings about it (invalid UTF-8), or, when the
/// file cannot be used, what [`read_file`] returns for it.
fn file_text(file: &SourceFile, opts: &ReadOptions) -> Result<(String, FileRead), FileRead> {
    let mut out = FileRead::default();
    let warn = |out: &mut FileRead, line, kind, msg: String| {
        out.warnings.push(Warning::new(&file.path, line, kind, msg))
    };
    let bytes = match read_bounded(&file.path, opts.max_file_size) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            warn(
                &mut out,
                None,
                WarningKind::TooLarge,
                format!(
                    "larger than --max-file-size ({} bytes); skipped",
                    opts.max_file_size
                ),
            );
            return Err(out);
        }
        Err(e) => {
            warn(
                &mut out,
                None,
                WarningKind::Unreadable,
                format!("cannot read: {e}; skipped"),
            );
            return Err(out);
        }
    };
    if bytes.is_empty() {
        warn(
            &mut out,
            None,
            WarningKind::Empty,
            "empty file; skipped".into(),
        );
        return Err(out);
    }
    let probe = &bytes[..bytes.len().min(BINARY_PROBE)];
    let probe_nuls = count_nuls(probe);
    if probe_nuls * 100 > probe.len() {
        warn(
            &mut out,
            None,
            WarningKind::Binary,
            format!(
                "binary file ({probe_nuls} NUL bytes in its first {} bytes); skipped",
                probe.len()
            ),
        );
        return Err(out);
    }
    let (bytes, nuls) = replace_nuls(bytes);
    if nuls > 0 {
        warn(
            &mut out,
            None,
            WarningKind::NulBytes,
            format!("{nuls} stray NUL byte(s) read as spaces"),
        );
    }
    let (text, invalid) = decode_lossy(bytes);
    if invalid > 0 {
        warn(
            &mut out,
            None,
            WarningKind::InvalidUtf8,
            format!("invalid UTF-8: {invalid} invalid sequence(s) replaced with U+FFFD"),
        );
    }
    Ok((text, out))
}

/// Text with a few stray NUL bytes (a damaged export, a C string written
/// whole) is still text: each NUL becomes a space, one byte for one, so
/// every offset into the text stays an offset into the file. Returns the
/// bytes and how many were replaced.
fn replace_nuls(mut bytes: Vec<u8>) -> (Vec<u8>, usize) {
    // Almost every file has none: a SIMD `memchr` answers that at memory
    // speed.
    let n = count_nuls(&bytes);
    if n > 0 {
        for b in bytes.iter_mut().filter(|b| **b == 0) {
            *b = b' ';
        }
    }
    (bytes, n)
}

fn count_nuls(bytes: &[u8]) -> usize {
    if memchr::memchr(0, bytes).is_some() {
        bytes.iter().filter(|&&b| b == 0).count()
    } else {
        0
    }
}

/// Reads the file unless it is larger than `max` bytes (`Ok(None)`).
/// The size is checked on the open handle and the read is bounded, so a
/// file growing while it is read cannot exceed the limit either.
fn read_bounded(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let file = fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > max {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Ok(None);
    }
    Ok(Some(bytes))
}

/// UTF-8 decoding that never fails: invalid sequences become U+FFFD and are
/// counted.
fn decode_lossy(bytes: Vec<u8>) -> (String, usize) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, 0),
        Err(e) => {
            let bytes = e.into_bytes();
            let invalid = bytes
                .utf8_chunks()
                .filter(|c| !c.invalid().is_empty())
                .count();
            (String::from_utf8_lossy(&bytes).into_owned(), invalid)
        }
    }
}

fn push_plain(out: &mut FileRead, file: &SourceFile, text: String, meta: Meta) {
    if text.trim().is_empty() {
        out.warnings.push(Warning::new(
            &file.path,
            None,
            WarningKind::Empty,
            "no text; skipped",
        ));
        return;
    }
    out.documents.push(Document {
        id: file.id.clone(),
        text,
        line: None,
        title: meta.title,
        date: meta.date,
        source: meta.source,
    });
}

/// The texts of the documents with the given ids under `roots`, read as a
/// scan reads them (for reports that show text). Files are read in
/// parallel; documents whose ids are not wanted are dropped at once.
pub fn load_texts<P: AsRef<Path> + Sync>(
    roots: &[P],
    opts: &ReadOptions,
    wanted: &std::collections::HashSet<String>,
) -> Result<std::collections::HashMap<String, String>, Error> {
    let found = discover(roots)?;
    Ok(found
        .files
        .par_iter()
        .flat_map_iter(|f| {
            read_file(f, opts)
                .documents
                .into_iter()
                .filter(|d| wanted.contains(&d.id))
                .map(|d| (d.id, d.text))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_full_keeps_paragraphs_and_drops_invisible_parts() {
        let html = r#"<html><head><title>T</title><style>p{}</style></head>
            <body><nav><a href="/">Home</a></nav>
            <script>var x = 1;</script>
            <h1>Russia   and Myanmar</h1>
            <div><p>First <b>para</b>graph,
               with a line.</p><p>Second<br>line two</p></div>
            <footer>Share This Article</footer></body></html>"#;
        assert_eq!(
            html_page_with(html, HtmlMode::Full).text,
            "Russia and Myanmar\n\nFirst paragraph, with a line.\n\nSecond\nline two\n\nShare This Article"
        );
        // The article: the heading before it (the title) and the footer left out.
        assert_eq!(
            html_text(html),
            "First paragraph, with a line.\n\nSecond\nline two"
        );
    }

    #[test]
    fn html_without_body_tags_still_has_text() {
        assert_eq!(html_text("plain <i>words</i> here"), "plain words here");
    }

    #[test]
    fn lossy_decoding_counts_invalid_sequences() {
        let (text, invalid) = decode_lossy(b"caf\xe9 ok \xff\xfe".to_vec());
        assert_eq!(invalid, 3);
        assert!(text.starts_with("caf\u{FFFD} ok"));
    }

    proptest::proptest! {
        /// Chunks of a JSONL file, put together, are what reading it whole
        /// gives: the same documents and warnings, with the same line
        /// numbers, whatever the chunk size.
        #[test]
        fn chunks_of_a_jsonl_file_add_up_to_the_whole(
            lines in proptest::collection::vec(0u8..5, 0..30),
            chunk in 1usize..6,
            final_newline: bool,
            invalid_utf8: bool,
        ) {
            let mut bytes: Vec<u8> = Vec::new();
            for (i, kind) in lines.iter().enumerate() {
                match kind {
                    0 => bytes.extend_from_slice(b""),
                    1 => bytes.extend_from_slice(b"{\"text\": 1}"),
                    2 => bytes.extend_from_slice(b"not json\r"),
                    _ => bytes.extend(format!("{{\"id\": \"d{i}\", \"text\": \"t {i}\"}}").bytes()),
                }
                if i + 1 < lines.len() || final_newline {
                    bytes.push(b'\n');
                }
            }
            if invalid_utf8 {
                bytes.extend_from_slice(b"\xff\n");
            }
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("f.jsonl");
            std::fs::write(&path, &bytes).unwrap();
            let file = SourceFile { path, id: "f.jsonl".into(), format: Format::Jsonl };
            let opts = ReadOptions::default();
            let whole = read_file(&file, &opts);
            let mut joined = FileRead::default();
            let mut chunks = 0;
            for part in read_file_chunks(&file, &opts, chunk) {
                chunks += 1;
                joined.documents.extend(part.documents);
                joined.warnings.extend(part.warnings);
            }
            proptest::prop_assert!(chunks >= 1);
            proptest::prop_assert_eq!(joined.documents, whole.documents);
            proptest::prop_assert_eq!(joined.warnings, whole.warnings);
        }

        /// Reading chosen lines of a JSONL file gives the documents that
        /// reading it whole gives on those lines, whatever lines around
        /// them are blank or bad.
        #[test]
        fn chosen_lines_are_read_as_in_the_whole_file(
            lines in proptest::collection::vec(0u8..4, 0..30),
            chosen in proptest::collection::btree_set(1u64..35, 0..10),
        ) {
            let text: String = lines
                .iter()
                .enumerate()
                .map(|(i, kind)| match kind {
                    0 => "\n".to_owned(),
                    1 => "not json\n".to_owned(),
                    _ => format!("{{\"id\": \"d{i}\", \"text\": \"t {i}\"}}\n"),
                })
                .collect();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("f.jsonl");
            std::fs::write(&path, text).unwrap();
            let file = SourceFile { path, id: "f.jsonl".into(), format: Format::Jsonl };
            let opts = ReadOptions::default();
            let chosen: Vec<u64> = chosen.into_iter().collect();
            let some = read_file_lines(&file, &opts, &chosen);
            let expected: Vec<Document> = read_file(&file, &opts)
                .documents
                .into_iter()
                .filter(|d| d.line.is_some_and(|l| chosen.contains(&l)))
                .collect();
            proptest::prop_assert_eq!(some.documents, expected);
        }
    }

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::from_path(Path::new("a/B.TXT")), Some(Format::Text));
        assert_eq!(
            Format::from_path(Path::new("x.ndjson")),
            Some(Format::Jsonl)
        );
        assert_eq!(Format::from_path(Path::new("x.htm")), Some(Format::Html));
        assert_eq!(Format::from_path(Path::new("x.pdf")), None);
        assert_eq!(Format::from_path(Path::new("README")), None);
    }
}
