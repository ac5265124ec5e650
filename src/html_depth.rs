//! Bounded HTML nesting: a page's markup → the same markup with element
//! tags nested deeper than [`MAX_DEPTH`] removed, before html5ever sees it.
//!
//! html5ever's tree builder checks "in scope" by walking the stack of open
//! elements, so a page nested N levels deep costs N² (a 1.1 MB page of
//! 100,000 nested `<div>`s did not parse in 5 minutes). Browsers bound the
//! same thing: WebKit's parser stops nesting at 512 levels. Here the tags
//! past that depth are replaced by a space, their text kept: the page
//! reads as the text it holds, in a linear pass.
//!
//! The pass is a scanner, not a parser: it counts start and end tags of
//! elements that nest (void elements, self-closing tags and elements whose
//! start tag closes an open one of their kind — `p`, `li`, `td` … — are
//! not counted), skips comments and the raw text of `script`, `style`,
//! `textarea` and `title`, and never looks inside quoted attribute values
//! for a `>`. On real pages it never reaches the bound, and then returns
//! the input unchanged.

use std::borrow::Cow;

/// Element nesting kept; deeper tags are removed (WebKit's parser bound).
pub const MAX_DEPTH: usize = 512;

/// Elements that never nest: void, or closed by the start of a sibling.
const NOT_NESTING: [&str; 30] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody",
    "thead", "tfoot", "colgroup", "caption", "rb", "rt",
];

/// Elements whose content is raw text, where `<` starts no tag.
const RAW_TEXT: [&str; 4] = ["script", "style", "textarea", "title"];

/// `html` with the tags nested past [`MAX_DEPTH`] replaced by a space, and
/// how many were.
pub fn bounded(html: &str) -> (Cow<'_, str>, usize) {
    let bytes = html.as_bytes();
    let (mut depth, mut dropped, mut copied, mut at) = (0usize, 0usize, 0usize, 0usize);
    let mut out: Option<String> = None;
    while let Some(off) = bytes[at..].iter().position(|&b| b == b'<') {
        let lt = at + off;
        if bytes[lt..].starts_with(b"<!--") {
            at = find(bytes, lt + 4, b"-->").map_or(bytes.len(), |e| e + 3);
            continue;
        }
        let Some(tag) = tag_at(bytes, lt) else {
            at = lt + 1;
            continue;
        };
        let name = &html[tag.name.clone()];
        at = tag.end;
        if !tag.closing && RAW_TEXT.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            at = raw_text_end(bytes, at, name);
            continue;
        }
        if tag.self_closing || NOT_NESTING.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            continue;
        }
        let deep = if tag.closing {
            let deep = depth > MAX_DEPTH;
            depth = depth.saturating_sub(1);
            deep
        } else {
            depth += 1;
            depth > MAX_DEPTH
        };
        if deep {
            let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
            o.push_str(&html[copied..lt]);
            o.push(' ');
            copied = tag.end;
            dropped += 1;
        }
    }
    match out {
        None => (Cow::Borrowed(html), 0),
        Some(mut o) => {
            o.push_str(&html[copied..]);
            (Cow::Owned(o), dropped)
        }
    }
}

/// A start or end tag found at `lt`.
struct Tag {
    name: std::ops::Range<usize>,
    closing: bool,
    self_closing: bool,
    /// One past its `>`.
    end: usize,
}

/// The tag starting at `bytes[lt]` (a `<`), if one does: a letter after
/// `<` or `</`, then the rest up to a `>` outside quotes.
fn tag_at(bytes: &[u8], lt: usize) -> Option<Tag> {
    let closing = bytes.get(lt + 1) == Some(&b'/');
    let start = lt + 1 + usize::from(closing);
    if !bytes.get(start)?.is_ascii_alphabetic() {
        return None;
    }
    let name_end = start
        + bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
    let mut quote = None;
    let mut i = name_end;
    while i < bytes.len() {
        match (quote, bytes[i]) {
            (Some(q), b) if b == q => quote = None,
            (None, b'"' | b'\'') => quote = Some(bytes[i]),
            (None, b'>') => {
                return Some(Tag {
                    name: start..name_end,
                    closing,
                    self_closing: bytes[i - 1] == b'/',
                    end: i + 1,
                })
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Where the raw text of element `name` that starts at `from` ends: at its
/// end tag (`</name`, any case), or at the end of the page.
fn raw_text_end(bytes: &[u8], from: usize, name: &str) -> usize {
    let mut at = from;
    while let Some(lt) = find(bytes, at, b"</") {
        let after = lt + 2;
        if bytes
            .get(after..after + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
        {
            return lt;
        }
        at = after;
    }
    bytes.len()
}

/// The first `needle` in `bytes` at or after `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_pages_are_untouched() {
        let page = "<html><head><title>a < b</title><script>if (a<b) x = '<div>';</script></head>\
                    <body><div class=\"x>y\"><p>One<p>Two<br><img src=a.png/>\
                    <!-- <div><div> --></div></body></html>";
        assert_eq!(bounded(page), (Cow::Borrowed(page), 0));
    }

    #[test]
    fn tags_past_the_bound_are_dropped_and_their_text_kept() {
        let n = MAX_DEPTH + 100;
        let page = format!("{}deep words{}", "<div>".repeat(n), "</div>".repeat(n));
        let (flat, dropped) = bounded(&page);
        assert_eq!(dropped, 200);
        assert_eq!(flat.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(flat.matches("</div>").count(), MAX_DEPTH);
        assert!(flat.contains("deep words"));
    }
}
