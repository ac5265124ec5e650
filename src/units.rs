//! Units: a document's words → passage units (paragraphs), the pieces the
//! passage stage compares across documents.
//!
//! A unit is a paragraph, and a paragraph does not end at every line
//! break: hard-wrapped text (wire copy, e-mail, plain-text archives, text
//! copied out of PDFs) breaks lines inside sentences, and a reused passage
//! re-wrapped at another width must still be one run of words. A line
//! break ends a paragraph when
//! - a blank line or an indented line follows it, or
//! - the next line does not start with a lowercase letter and the line
//!   before it ends a sentence (`.`, `!`, `?`, `:`, closing quotes and
//!   brackets) or is short for this document (under 60% of its long
//!   lines' length: a headline, a byline, "Share This Article", the last
//!   line of a wrapped paragraph).
//!
//! So one-paragraph-per-line pages keep a unit per line (their lines end
//! sentences, or are short beside the paragraphs), and hard-wrapped text
//! joins its lines into paragraphs whatever the width. The tokenizer has
//! already rejoined a split drop cap, so "R" / "ussian Defence …" starts
//! one unit. Paragraphs shorter than [`UnitOptions::min_words`] (bylines,
//! captions of two words) are skipped; longer than
//! [`UnitOptions::max_words`] are cut into windows of at most that many
//! words, so alignment cost stays bounded and a reposted sentence inside a
//! long paragraph is still found.

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

/// A document cut for the passage stage: its units, and where its
/// sentences start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segments {
    /// The units, in order.
    pub units: Vec<Unit>,
    /// The first word of every sentence, ascending (0 first when there are
    /// words).
    pub sentences: Vec<u32>,
}

/// The units and sentences of a document, in one pass over the gaps
/// between its words. `words` must be the tokenizer's output for `text`.
///
/// A sentence ends where the gap between two words holds a sentence
/// terminal (`.`, `!`, `?`, `;`, or a full-width `。`, `！`, `？`) or a
/// paragraph break. This is coarser than UAX #29 sentence boundaries (an
/// abbreviation's full stop ends a sentence here), and far cheaper: only
/// the bytes between words are looked at, which the tokenizer has already
/// found. The rewrite pass compares sentences as bags of words, where a
/// sentence cut in two is regrouped with its neighbour by the clustering
/// that follows.
pub fn segment(text: &str, words: &[Word], opts: UnitOptions) -> Segments {
    let bytes = text.as_bytes();
    // Only a line break that no other rule settles needs the text's line
    // lengths: most texts never ask.
    let mut short = None;
    let mut out = Segments {
        units: Vec::new(),
        sentences: Vec::with_capacity(words.len() / 16 + 1),
    };
    if !words.is_empty() {
        out.sentences.push(0);
    }
    let mut para_start = 0usize;
    for i in 1..=words.len() {
        let (paragraph, sentence) = if i == words.len() {
            (true, false)
        } else {
            let (gap_start, gap_end) = (words[i - 1].end as usize, words[i].start as usize);
            let gap = &bytes[gap_start..gap_end];
            if !gap.iter().any(|&b| MAY_END[usize::from(b)]) {
                // Most gaps: a space, a comma and a space.
                continue;
            }
            let paragraph = ends_paragraph(text, gap_start, gap_end, || {
                *short.get_or_insert_with(|| short_line(bytes))
            });
            (paragraph, paragraph || ends_sentence(gap))
        };
        if paragraph {
            push_paragraph(&mut out.units, para_start, i, opts);
            para_start = i;
        }
        if sentence {
            out.sentences.push(i as u32);
        }
    }
    out
}

/// The bytes without which a gap between words ends neither a paragraph
/// nor a sentence: the line break, the ASCII terminals, and every byte of
/// a multi-byte character (the full-width terminals).
const MAY_END: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0x80;
    while b < 256 {
        table[b] = true;
        b += 1;
    }
    table[b'\n' as usize] = true;
    table[b'.' as usize] = true;
    table[b'!' as usize] = true;
    table[b'?' as usize] = true;
    table[b';' as usize] = true;
    table
};

/// Whether the gap between two words holds a sentence terminal.
fn ends_sentence(gap: &[u8]) -> bool {
    gap.iter().any(|&b| matches!(b, b'.' | b'!' | b'?' | b';'))
        || ["。", "！", "？"]
            .iter()
            .any(|t| gap.windows(t.len()).any(|w| w == t.as_bytes()))
}

/// Lines shorter than this many bytes are short in this text: 60% of the
/// length of its long lines (the 90th percentile), at least 40.
fn short_line(bytes: &[u8]) -> usize {
    let mut lengths: Vec<u32> = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.len() as u32)
        .filter(|&n| n > 0)
        .collect();
    if lengths.is_empty() {
        return 40;
    }
    let at = (lengths.len() * 9 / 10).min(lengths.len() - 1);
    let (_, &mut long, _) = lengths.select_nth_unstable(at);
    (long as usize * 3 / 5).max(40)
}

/// Whether the gap `bytes[gap_start..gap_end]` between two words ends a
/// paragraph (see the module's rules); `short` gives the text's
/// [`short_line`] length when a rule needs it.
fn ends_paragraph(
    text: &str,
    gap_start: usize,
    gap_end: usize,
    short: impl FnOnce() -> usize,
) -> bool {
    let bytes = text.as_bytes();
    let gap = &bytes[gap_start..gap_end];
    // Gaps are a byte or two: a plain loop beats `memchr`. A line break is
    // one byte in UTF-8, never part of another character.
    #[allow(clippy::manual_contains)]
    let Some(first_nl) = gap.iter().position(|&b| b == b'\n') else {
        return false;
    };
    let last_nl = gap.iter().rposition(|&b| b == b'\n').unwrap_or(first_nl);
    let blank_line = last_nl > first_nl;
    let indented = gap[last_nl + 1..].iter().any(|&b| b == b' ' || b == b'\t');
    if blank_line || indented {
        return true;
    }
    // Words start on character boundaries.
    let next = text.get(gap_end..).and_then(|s| s.chars().next());
    if next.is_some_and(char::is_lowercase) {
        return false;
    }
    let ends_sentence = gap[..first_nl]
        .iter()
        .any(|&b| matches!(b, b'.' | b'!' | b'?' | b':' | b'"' | b'\'' | b')' | b']'))
        || gap[..first_nl].ends_with("”".as_bytes())
        || gap[..first_nl].ends_with("’".as_bytes());
    let line_start = bytes[..gap_start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    ends_sentence || gap_start + first_nl - line_start < short()
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
    #[test]
    fn sentences_start_after_terminals_and_paragraph_breaks() {
        let text = "One two three. Four five? Six\nseven, eight\n\nNine ten。Eleven";
        let mut words = Vec::new();
        crate::tokenize::Tokenizer::new(crate::normalize::NormalizeOptions::default())
            .words(text, &mut words);
        let starts: Vec<&str> = segment(text, &words, UnitOptions::default())
            .sentences
            .iter()
            .map(|&i| &text[words[i as usize].start as usize..words[i as usize].end as usize])
            .collect();
        assert_eq!(starts, ["One", "Four", "Six", "Nine", "Eleven"]);
    }

    use super::*;
    use crate::tokenize::Tokenizer;

    proptest::proptest! {
        /// A gap without a byte of [`MAY_END`] ends neither a paragraph
        /// nor a sentence by the full rules, so `segment` may pass it by.
        #[test]
        fn plain_gaps_end_nothing(
            before in "[A-Za-z]{1,30}",
            gap in "[ ,:\"'()\t\r\n.!?;。！？“”-]{1,4}",
            after in "[A-Za-z]{1,10}",
        ) {
            let text = format!("{before}{gap}{after}");
            let (start, end) = (before.len(), before.len() + gap.len());
            if !gap.bytes().any(|b| MAY_END[usize::from(b)]) {
                proptest::prop_assert!(!ends_sentence(gap.as_bytes()));
                proptest::prop_assert!(!ends_paragraph(&text, start, end, || usize::MAX));
            }
        }
    }

    fn unit_texts(text: &str, opts: UnitOptions) -> Vec<String> {
        let mut words = Vec::new();
        Tokenizer::default().words(text, &mut words);
        segment(text, &words, opts)
            .units
            .iter()
            .map(|u| {
                let (s, e) = (words[u.start as usize].start, words[u.end as usize - 1].end);
                text[s as usize..e as usize].to_owned()
            })
            .collect()
    }

    #[test]
    fn paragraphs_by_line_breaks_short_ones_skipped() {
        let text = "Share This Article\n\none two three four five six seven eight.\nNine ten \
                    eleven twelve thirteen fourteen fifteen sixteen\n\n\nshort line";
        assert_eq!(
            unit_texts(text, UnitOptions::default()),
            [
                "one two three four five six seven eight",
                "Nine ten eleven twelve thirteen fourteen fifteen sixteen"
            ]
        );
    }

    /// A line break inside a sentence (the next line starts in lowercase,
    /// or the line before is as long as the text's lines) is not a
    /// paragraph break: hard-wrapped text at any width is paragraphs.
    #[test]
    fn hard_wrapped_lines_join_into_paragraphs() {
        let para = "Rights activists have accused Moscow of legitimizing Myanmar's military \
                    junta, which came to power in a Feb. 1 coup, by continuing bilateral \
                    visits and arms deals. Russia said in March it was deeply concerned by \
                    the rising number of civilian deaths in Myanmar.";
        let wrapped = |width: usize| -> String {
            let mut out = String::new();
            let mut line = 0;
            for w in para.split(' ') {
                if line > 0 && line + 1 + w.len() > width {
                    out.push('\n');
                    line = 0;
                } else if line > 0 {
                    out.push(' ');
                    line += 1;
                }
                out.push_str(w);
                line += w.len();
            }
            out
        };
        for width in [40, 60, 72] {
            let text = format!("{}\n\n{}", wrapped(width), wrapped(width));
            let got = unit_texts(&text, UnitOptions::default());
            assert_eq!(got.len(), 2, "width {width}: {got:?}");
            assert_eq!(got[0].replace('\n', " "), para.trim_end_matches('.'));
        }
    }

    /// One paragraph per line, as scraped pages are: every line is a
    /// unit, chrome lines included (they end sentences or are short).
    #[test]
    fn a_paragraph_per_line_stays_a_unit_per_line() {
        let text = "Your browser is out of date, and may not be compatible with our website.\n\
                    Just click on the icons to get to the download page.\n\
                    Russia says to boost military ties with Myanmar as junta leader visits\n\
                    Defence ties between the two countries have grown in recent years with \
                    Moscow providing army training and university scholarships to thousands \
                    of soldiers, as well as selling arms to a military blacklisted by several \
                    Western countries.\n";
        assert_eq!(unit_texts(text, UnitOptions::default()).len(), 4);
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
