//! WARC archives: a `.warc` or `.warc.gz` file → one document per HTML
//! response it holds, plus warnings.
//!
//! The format of web crawls (CC-News, the Internet Archive): records one
//! after another, each a `WARC/1.x` header block, a blank line,
//! `Content-Length` bytes of content and a blank line; a `.warc.gz` is one
//! gzip member per record (read here as one stream, which is the same
//! bytes). A `response` record holds an HTTP response; a `resource`
//! record holds a file as it was fetched. Every record whose payload is
//! HTML (`text/html`, `application/xhtml+xml`, by the HTTP or the record's
//! `Content-Type`) is read as an HTML page ([`super::html_page_with`]),
//! its id the record's `WARC-Target-URI` (else its `WARC-Record-ID`), its
//! source the page's site name, else the URI's host. Other records
//! (requests, metadata, images, redirects, error responses) are passed
//! over quietly: a crawl is mostly them.
//!
//! The file is streamed, record by record: only one record's content is
//! held at once, and a record larger than `--max-file-size` is skipped
//! (read past, not held) with a warning, so a crawl file of any size can be
//! read. HTTP chunked transfer coding and `gzip`/`deflate` content coding
//! are undone; the body is read as UTF-8 (lossily, as any file is). A
//! page with no text is passed over quietly, as script-only pages are
//! common in crawls.
//!
//! A record that cannot be used (an HTTP response that does not parse, a
//! content coding that does not decode) is skipped with a `bad_record`
//! warning naming its number and byte offset, and reading goes on. A
//! header block that does not parse, or a file that ends inside a record
//! (a truncated download), ends the file with a `bad_record` warning:
//! without the record's length there is no next record to find. The
//! documents read before are kept.
//!
//! Written here rather than with the `warc` crate: reprint needs per-record
//! size limits, warnings that say where a record is, and reading on after
//! a bad record, around a format of a few lines; `flate2` does the
//! decompression.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

use super::{
    decode_lossy, deep_html_warning, html_page_with, replace_nuls, Document, FileRead, ReadOptions,
    SourceFile, Warning, WarningKind,
};

/// Whether a path names a WARC file (`.warc`, `.warc.gz`).
pub(super) fn is_warc(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    name.ends_with(".warc") || name.ends_with(".warc.gz")
}

/// A record's WARC header fields that matter here.
#[derive(Default)]
struct Header {
    kind: String,
    uri: Option<String>,
    record_id: Option<String>,
    content_type: String,
    length: Option<u64>,
}

/// Reads a WARC file's HTML records ([module docs](self)).
pub(super) fn read_warc(file: &SourceFile, opts: &ReadOptions) -> FileRead {
    let mut out = FileRead::default();
    let opened = File::open(&file.path);
    let raw = match opened {
        Ok(f) => BufReader::new(f),
        Err(e) => {
            out.warnings.push(Warning::new(
                &file.path,
                None,
                WarningKind::Unreadable,
                format!("cannot read: {e}; skipped"),
            ));
            return out;
        }
    };
    let gz = file
        .path
        .to_string_lossy()
        .to_ascii_lowercase()
        .ends_with(".gz");
    let mut reader: Box<dyn BufRead> = if gz {
        Box::new(BufReader::new(MultiGzDecoder::new(raw)))
    } else {
        Box::new(raw)
    };
    let mut records = Records {
        reader: &mut *reader,
        offset: 0,
    };
    let mut number = 0u64;
    loop {
        number += 1;
        let at = records.offset;
        let warn = |out: &mut FileRead, msg: String| {
            out.warnings.push(Warning::new(
                &file.path,
                None,
                WarningKind::BadRecord,
                format!("record {number} (byte {at} of the archive): {msg}"),
            ));
        };
        let header = match records.header() {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) => {
                warn(&mut out, format!("{e}; the rest of the file is not read"));
                break;
            }
        };
        let Some(length) = header.length else {
            warn(
                &mut out,
                "no Content-Length; the rest of the file is not read".into(),
            );
            break;
        };
        let wanted = matches!(header.kind.as_str(), "response" | "resource");
        if !wanted || length > opts.max_file_size {
            if wanted {
                warn(
                    &mut out,
                    format!(
                        "larger than --max-file-size ({} bytes); skipped",
                        opts.max_file_size
                    ),
                );
            }
            if let Err(e) = records.skip(length) {
                warn(&mut out, format!("{e}; the rest of the file is not read"));
                break;
            }
            continue;
        }
        let content = match records.content(length) {
            Ok(c) => c,
            Err(e) => {
                warn(&mut out, format!("{e}; the rest of the file is not read"));
                break;
            }
        };
        match html_of(&header, content) {
            Ok(Some(html)) => push_page(&mut out, file, &header, html, opts, number),
            Ok(None) => {}
            Err(msg) => warn(&mut out, format!("{msg}; skipped")),
        }
    }
    out
}

/// The archive's bytes, read record by record.
struct Records<'a> {
    reader: &'a mut dyn BufRead,
    /// Bytes of the (decompressed) archive read so far.
    offset: u64,
}

impl Records<'_> {
    /// One line, without its line end; `None` at the end of the archive.
    fn line(&mut self) -> io::Result<Option<String>> {
        let mut buf = Vec::new();
        // A header line longer than this is not a WARC header.
        let n = Read::take(&mut *self.reader, 64 * 1024).read_until(b'\n', &mut buf)?;
        self.offset += n as u64;
        if n == 0 {
            return Ok(None);
        }
        if buf.last() != Some(&b'\n') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the archive ends inside a header line",
            ));
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
    }

    /// The next record's header; `None` at the end of the archive. Blank
    /// lines between records are passed over.
    fn header(&mut self) -> io::Result<Option<Header>> {
        let version = loop {
            match self.line()? {
                None => return Ok(None),
                Some(l) if l.trim().is_empty() => continue,
                Some(l) => break l,
            }
        };
        if !version.starts_with("WARC/") {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("expected a WARC/1.x header, found {:?}", clip(&version)),
            ));
        }
        let mut h = Header::default();
        loop {
            let Some(line) = self.line()? else {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the archive ends inside a record header (truncated?)",
                ));
            };
            if line.is_empty() {
                return Ok(Some(h));
            }
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "warc-type" => h.kind = value.to_ascii_lowercase(),
                "warc-target-uri" => h.uri = Some(value.trim_matches(['<', '>']).to_owned()),
                "warc-record-id" => h.record_id = Some(value.to_owned()),
                "content-type" => h.content_type = value.to_ascii_lowercase(),
                "content-length" => h.length = value.parse().ok(),
                _ => {}
            }
        }
    }

    /// A record's content of `length` bytes.
    fn content(&mut self, length: u64) -> io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        let n = Read::take(&mut *self.reader, length).read_to_end(&mut buf)?;
        self.offset += n as u64;
        if (n as u64) < length {
            return Err(truncated(n as u64, length));
        }
        Ok(buf)
    }

    /// Reads past `length` bytes of content.
    fn skip(&mut self, length: u64) -> io::Result<()> {
        let n = io::copy(&mut Read::take(&mut *self.reader, length), &mut io::sink())?;
        self.offset += n;
        if n < length {
            return Err(truncated(n, length));
        }
        Ok(())
    }
}

fn truncated(got: u64, length: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("the archive ends {got} bytes into a record of {length} (truncated?)"),
    )
}

/// At most 60 characters of `s`, for messages.
fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

fn is_html(content_type: &str) -> bool {
    content_type.contains("text/html") || content_type.contains("application/xhtml")
}

/// The HTML a record holds: `Ok(None)` when it holds none (not HTML, or an
/// HTTP response other than 200), `Err` with a reason when it cannot be
/// read.
fn html_of(header: &Header, content: Vec<u8>) -> Result<Option<Vec<u8>>, String> {
    if header.kind == "resource" {
        return Ok(is_html(&header.content_type).then_some(content));
    }
    if !header.content_type.contains("application/http") {
        return Ok(None);
    }
    let Some(split) = content.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Err("an HTTP response without the blank line after its headers".into());
    };
    let head = String::from_utf8_lossy(&content[..split]);
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or("");
    let code = status.split_whitespace().nth(1);
    if !status.starts_with("HTTP/") || code.is_none() {
        return Err(format!("not an HTTP status line: {:?}", clip(status)));
    }
    if code != Some("200") {
        return Ok(None);
    }
    let (mut html, mut chunked, mut coding) = (false, false, String::new());
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_ascii_lowercase();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => html = is_html(&value),
            "transfer-encoding" => chunked = value.contains("chunked"),
            "content-encoding" => coding = value,
            _ => {}
        }
    }
    if !html {
        return Ok(None);
    }
    let mut body = content[split + 4..].to_vec();
    if chunked {
        body = dechunk(&body).ok_or("a chunked HTTP body that does not parse")?;
    }
    decode(body, &coding).map(Some)
}

/// A body with HTTP chunked transfer coding undone.
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_field = std::str::from_utf8(&body[..end]).ok()?;
        let size_hex = size_field.split(';').next()?.trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        body = &body[end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body
            .get(size..)?
            .strip_prefix(b"\r\n")
            .unwrap_or(&body[size..]);
    }
}

/// A body with its content coding (`gzip`, `deflate`, none) undone.
fn decode(body: Vec<u8>, coding: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let result = match coding {
        "" | "identity" => return Ok(body),
        "gzip" | "x-gzip" => MultiGzDecoder::new(&body[..]).read_to_end(&mut out),
        // "deflate" is zlib-wrapped by the standard, raw by some servers.
        "deflate" => ZlibDecoder::new(&body[..])
            .read_to_end(&mut out)
            .or_else(|_| {
                out.clear();
                DeflateDecoder::new(&body[..]).read_to_end(&mut out)
            }),
        other => return Err(format!("content coding {other:?} is not read")),
    };
    result
        .map(|_| out)
        .map_err(|e| format!("its {coding} content coding does not decode: {e}"))
}

/// Adds the page `html` of record `number` as a document.
fn push_page(
    out: &mut FileRead,
    file: &SourceFile,
    header: &Header,
    html: Vec<u8>,
    opts: &ReadOptions,
    number: u64,
) {
    let (html, _) = replace_nuls(html);
    let (text, _) = decode_lossy(html);
    let page = html_page_with(&text, opts.html);
    if let Some(w) = deep_html_warning(&file.path, &format!("record {number}: "), page.flattened) {
        out.warnings.push(w);
    }
    let id = header
        .uri
        .clone()
        .or_else(|| header.record_id.clone())
        .unwrap_or_else(|| format!("{}#{number}", file.id));
    if page.text.trim().is_empty() {
        return;
    }
    out.documents.push(Document {
        id,
        text: page.text,
        line: None,
        title: page.title,
        date: page.date,
        source: page
            .site
            .or_else(|| header.uri.as_deref().and_then(super::page_meta::host)),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_joined() {
        let body = b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n";
        assert_eq!(dechunk(body).as_deref(), Some(&b"Wikipedia"[..]));
        assert_eq!(dechunk(b"zz\r\nWiki\r\n"), None);
        assert_eq!(
            dechunk(b"9\r\nWiki\r\n"),
            None,
            "a chunk longer than the body"
        );
    }

    #[test]
    fn warc_names() {
        for (name, warc) in [
            ("a.warc", true),
            ("CC-NEWS-2024.WARC.GZ", true),
            ("a.warc.txt", false),
            ("a.gz", false),
        ] {
            assert_eq!(is_warc(Path::new(name)), warc, "{name}");
        }
    }
}
