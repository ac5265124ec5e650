//! Units: a document's words → passage units (paragraphs), the pieces the
//! passage stage compares across documents.
//!
//! A unit is a paragraph: a run of words with no line break between them.
//! Blank-line and single-line-break layouts both work (scraped pages use
//! either), and because the tokenizer has already rejoined a split drop
//! cap, "R" / "ussian Defence …" starts one unit. Paragraphs shorter than
//! [`UnitOptions::min_words`] (bylines, "Share This Article", captions of
//! two words) are skipped; longer than [`UnitOptions::max_words`] are cut
//! into windows of at most that many words, so alignment cost stays bounded
//! and a reposted sentence inside a long paragraph is still found.

use crate::tokenize::Word;

/// How documents are cut into units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitOptions {
    /// Paragraphs with fewer words are skipped.
    pub min_words: usize,
    /// Paragraphs with more words are cut into windows of this many words.
    pub max_words: usize,
}

impl Default for UnitOptions {
    fn default() -> Self {
        UnitOptions {
            min_words: 8,
            max_words: 120,
        }
    }
}

/// One unit: words `start..end` (indices into the document's word list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// First word index.
    pub start: u32,
    /// One past the last word index.
    pub end: u32,
}

impl Unit {
    /// Number of words.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// Always false: units are never empty.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// The units of a document, in order. `words` must be the tokenizer's
/// output for `text`.
pub fn units(text: &str, words: &[Word], opts: UnitOptions) -> Vec<Unit> {
    let mut out = Vec::new();
    let mut para_start = 0usize;
    // Gaps between words are a byte or two: a plain loop over their bytes
    // beats `contains` (a `memchr` call) and `str` slicing (boundary
    // checks). A line break is one byte in UTF-8, never part of another
    // character.
    let bytes = text.as_bytes();
    for i in 1..=words.len() {
        #[allow(clippy::manual_contains)]
        let breaks = i == words.len()
            || bytes[words[i - 1].end as usize..words[i].start as usize]
                .iter()
                .any(|&b| b == b'\n');
        if breaks {
            push_paragraph(&mut out, para_start, i, opts);
            para_start = i;
        }
    }
    out
}

fn push_paragraph(out: &mut Vec<Unit>, start: usize, end: usize, opts: UnitOptions) {
    let len = end - start;
    if len < opts.min_words {
        return;
    }
    // Equal windows rather than max-sized ones plus a stub: a 130-word
    // paragraph becomes 65 + 65, not 120 + 10.
    let windows = len.div_ceil(opts.max_words.max(1));
    let size = len.div_ceil(windows);
    let mut s = start;
    while s < end {
        let e = (s + size).min(end);
        out.push(Unit {
            start: s as u32,
            end: e as u32,
        });
        s = e;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::Tokenizer;

    fn unit_texts(text: &str, opts: UnitOptions) -> Vec<String> {
        let mut words = Vec::new();
        Tokenizer::default().words(text, &mut words);
        units(text, &words, opts)
            .iter()
            .map(|u| {
                let (s, e) = (words[u.start as usize].start, words[u.end as usize - 1].end);
                text[s as usize..e as usize].to_owned()
            })
            .collect()
    }

    #[test]
    fn paragraphs_by_line_breaks_short_ones_skipped() {
        let text = "Share This Article\n\none two three four five six seven eight.\nnine ten \
                    eleven twelve thirteen fourteen fifteen sixteen\n\n\nshort line";
        assert_eq!(
            unit_texts(text, UnitOptions::default()),
            [
                "one two three four five six seven eight",
                "nine ten eleven twelve thirteen fourteen fifteen sixteen"
            ]
        );
    }

    #[test]
    fn drop_cap_paragraph_is_one_unit() {
        let text =
            "Header\n\nR\n\nussian Defence Minister Sergei Shoigu told visiting junta leader";
        assert_eq!(
            unit_texts(text, UnitOptions::default()),
            ["R\n\nussian Defence Minister Sergei Shoigu told visiting junta leader"]
        );
    }

    #[test]
    fn long_paragraphs_are_windowed_evenly() {
        let text: Vec<String> = (0..130).map(|i| format!("w{i}")).collect();
        let got = unit_texts(
            &text.join(" "),
            UnitOptions {
                min_words: 8,
                max_words: 120,
            },
        );
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with("w0 ") && got[0].ends_with(" w64"));
        assert!(got[1].starts_with("w65 ") && got[1].ends_with(" w129"));
    }
}
