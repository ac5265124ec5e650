//! Tokenize: document text → words, each with its byte span in the original
//! text and the stable hash of its normalized form.
//!
//! Words are UAX #29 word segments (via `unicode-segmentation`) that contain
//! at least one letter or digit, so non-Latin scripts segment correctly.
//! Each word is normalized by [`crate::normalize`] and hashed with
//! [`word_hash`]; the span always points into the text the caller passed in,
//! never into a normalized copy, so later stages can report exact spans.
//!
//! The drop-cap artefact ("R" / "ussian …") is repaired here, because it is
//! the one normalization that needs the whitespace between two words: the
//! two pieces become one word whose span covers both.

use unicode_segmentation::{UnicodeSegmentation, UnicodeWordIndices};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::normalize::{is_drop_cap_split, normalize_word, NormalizeOptions};

/// Seed of the word hash. Part of the on-disk/cross-run contract: changing it
/// changes every shingle, signature and band key.
pub const WORD_SEED: u64 = 0x7265_7072_696e_7401; // "reprint" + 0x01

/// One word of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    /// Byte offset of the word's first byte in the original text.
    pub start: u32,
    /// Byte offset one past the word's last byte (a char boundary).
    pub end: u32,
    /// [`word_hash`] of the normalized word.
    pub hash: u64,
}

/// The stable hash of one normalized word: XXH3-64 of its UTF-8 bytes with
/// seed [`WORD_SEED`].
pub fn word_hash(normalized: &str) -> u64 {
    xxh3_64_with_seed(normalized.as_bytes(), WORD_SEED)
}

/// The UAX #29 words of `text` that contain a letter or digit, with their
/// byte offsets: exactly what `unicode_segmentation`'s
/// `unicode_word_indices` returns, faster.
///
/// Word boundaries always fall at whitespace, so the text is cut into
/// whitespace-separated chunks; an all-ASCII chunk (most of English news)
/// is segmented by a byte scanner implementing the UAX #29 rules that
/// ASCII can trigger (WB5–WB13b), any other chunk by `unicode_segmentation`.
/// A property test checks the two agree.
pub fn segment(text: &str) -> Segments<'_> {
    Segments {
        text,
        pos: 0,
        chunk_end: 0,
        slow: None,
    }
}

/// Iterator returned by [`segment`].
pub struct Segments<'a> {
    text: &'a str,
    /// Next byte to look at.
    pos: usize,
    /// End of the current all-ASCII chunk (`pos < chunk_end` while in one).
    chunk_end: usize,
    /// The current non-ASCII chunk: its offset and its words.
    slow: Option<(usize, UnicodeWordIndices<'a>)>,
}

/// ASCII whitespace: always a word boundary in UAX #29.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Iterator for Segments<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let bytes = self.text.as_bytes();
        loop {
            if let Some((base, words)) = &mut self.slow {
                if let Some((start, word)) = words.next() {
                    return Some((*base + start, word));
                }
                self.slow = None;
            }
            if self.pos < self.chunk_end {
                if let Some(word) = self.next_ascii(bytes) {
                    return Some(word);
                }
                continue;
            }
            while self.pos < bytes.len() && is_space(bytes[self.pos]) {
                self.pos += 1;
            }
            if self.pos >= bytes.len() {
                return None;
            }
            let start = self.pos;
            let end = bytes[start..]
                .iter()
                .position(|&b| is_space(b))
                .map_or(bytes.len(), |i| start + i);
            if bytes[start..end].is_ascii() {
                self.chunk_end = end;
            } else {
                self.slow = Some((start, self.text[start..end].unicode_word_indices()));
                self.pos = end;
            }
        }
    }
}

impl<'a> Segments<'a> {
    /// The next word in the current ASCII chunk, or `None` when the chunk
    /// is used up.
    fn next_ascii(&mut self, bytes: &'a [u8]) -> Option<(usize, &'a str)> {
        let end = self.chunk_end;
        while self.pos < end {
            let mut i = self.pos;
            if !is_word_byte(bytes[i]) {
                self.pos += 1;
                continue;
            }
            let start = i;
            loop {
                while i < end && is_word_byte(bytes[i]) {
                    i += 1;
                }
                // WB6/7: letter (: . ') letter; WB11/12: digit (, ; . ') digit.
                if i + 1 < end {
                    let (prev, mid, next) = (bytes[i - 1], bytes[i], bytes[i + 1]);
                    let letters = prev.is_ascii_alphabetic()
                        && next.is_ascii_alphabetic()
                        && matches!(mid, b':' | b'.' | b'\'');
                    let digits = prev.is_ascii_digit()
                        && next.is_ascii_digit()
                        && matches!(mid, b',' | b';' | b'.' | b'\'');
                    if letters || digits {
                        i += 1;
                        continue;
                    }
                }
                break;
            }
            self.pos = i;
            // A run of underscores alone is not a word.
            if bytes[start..i].iter().any(u8::is_ascii_alphanumeric) {
                // The chunk is ASCII, so any byte range is valid UTF-8.
                return Some((start, &self.text[start..i]));
            }
        }
        None
    }
}

/// Splits texts into normalized, hashed words. Holds a scratch buffer so
/// that tokenizing a document does not allocate a string per word; create
/// one per thread.
#[derive(Debug, Clone, Default)]
pub struct Tokenizer {
    opts: NormalizeOptions,
    scratch: String,
    joined: String,
}

impl Tokenizer {
    /// A tokenizer applying the given normalization.
    pub fn new(opts: NormalizeOptions) -> Self {
        Tokenizer {
            opts,
            scratch: String::new(),
            joined: String::new(),
        }
    }

    /// Calls `f(start, end, normalized)` for every word of `text`, in order.
    ///
    /// Texts longer than `u32::MAX` bytes are the caller's to refuse (the
    /// reader caps file sizes below that).
    pub fn for_each_word(&mut self, text: &str, mut f: impl FnMut(u32, u32, &str)) {
        let mut words = segment(text).peekable();
        let mut prev_end = 0usize;
        while let Some((start, word)) = words.next() {
            let mut end = start + word.len();
            let joined = match words.peek() {
                Some(&(next_start, next)) if word.len() <= 4 => {
                    let before = &text[prev_end..start];
                    let gap = &text[end..next_start];
                    if is_drop_cap_split(before, word, gap, next) {
                        self.joined.clear();
                        self.joined.push_str(word);
                        self.joined.push_str(next);
                        end = next_start + next.len();
                        words.next();
                        true
                    } else {
                        false
                    }
                }
                _ => false,
            };
            let source = if joined { &self.joined } else { word };
            normalize_word(source, self.opts, &mut self.scratch);
            f(start as u32, end as u32, &self.scratch);
            prev_end = end;
        }
    }

    /// Appends the words of `text` to `out`.
    pub fn words(&mut self, text: &str, out: &mut Vec<Word>) {
        self.for_each_word(text, |start, end, normalized| {
            out.push(Word {
                start,
                end,
                hash: word_hash(normalized),
            })
        });
    }

    /// The normalized words of `text`, as strings (for tests and debugging;
    /// the pipeline uses [`Tokenizer::words`]).
    pub fn normalized_words(&mut self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_word(text, |_, _, w| out.push(w.to_owned()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    fn words(text: &str) -> Vec<String> {
        Tokenizer::new(NormalizeOptions::default()).normalized_words(text)
    }

    #[test]
    fn spans_point_into_the_original_text() {
        let text = "Ｒussia’s  DEFENCE ties—grown.";
        let mut out = Vec::new();
        Tokenizer::default().words(text, &mut out);
        let spans: Vec<&str> = out
            .iter()
            .map(|w| &text[w.start as usize..w.end as usize])
            .collect();
        assert_eq!(spans, ["Ｒussia’s", "DEFENCE", "ties", "grown"]);
        assert_eq!(words(text), ["russia's", "defence", "ties", "grown"]);
    }

    #[test]
    fn non_latin_scripts_segment() {
        assert_eq!(words("Москва и Мьянма"), ["москва", "и", "мьянма"]);
        assert_eq!(words("مرحبا بالعالم"), ["مرحبا", "بالعالم"]);
    }

    #[test]
    fn drop_cap_is_rejoined_with_a_span_over_both_pieces() {
        let text = "Change Size\n\nR\n\nussian Defence Minister";
        let mut out = Vec::new();
        Tokenizer::default().words(text, &mut out);
        assert_eq!(
            words(text),
            ["change", "size", "russian", "defence", "minister"]
        );
        let w = out[2];
        assert_eq!(&text[w.start as usize..w.end as usize], "R\n\nussian");
        assert_eq!(w.hash, word_hash("russian"));
    }

    #[test]
    fn seed_article_drop_cap_is_repaired() {
        let seed = include_str!("../data/000_85676adcdf0feb57.txt");
        let words = words(seed).join(" ");
        assert!(words.contains("russian defence minister sergei shoigu"));
        assert!(!words.contains(" ussian "));
    }

    #[test]
    fn one_letter_words_in_running_text_stay() {
        assert_eq!(
            words("Plan B\nwas a\nplan"),
            ["plan", "b", "was", "a", "plan"]
        );
    }

    /// Text mixing ASCII words, UAX #29 mid-word punctuation, whitespace
    /// and non-ASCII letters, marks, spaces and emoji.
    fn tricky_text() -> impl proptest::strategy::Strategy<Value = String> {
        let pieces = proptest::sample::select(vec![
            "a", "B", "z", "3", "0", "_", " ", "  ", ".", ",", ":", ";", "'", "\n", "\t",
            "\r\n", "-", "!", "(", "\u{0B}", "é", "’", "中", "\u{301}", "\u{A0}", "ß",
            "Ǆ", "😀", "\u{200D}", "\u{FF21}", "\u{1F1E6}", "ab", "12",
        ]);
        proptest::collection::vec(pieces, 0..40).prop_map(|p| p.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]

        /// The ASCII fast path agrees with unicode-segmentation.
        #[test]
        fn segmentation_matches_unicode_segmentation(text in tricky_text()) {
            let fast: Vec<(usize, &str)> = segment(&text).collect();
            let reference: Vec<(usize, &str)> = text.unicode_word_indices().collect();
            proptest::prop_assert_eq!(fast, reference, "{:?}", text);
        }
    }

    #[test]
    fn ascii_rules() {
        let got: Vec<&str> = segment("don't U.S. 3.5 1,000;2 a:b a_b __ _x 90s x.3 3.x a..b end.")
            .map(|w| w.1)
            .collect();
        assert_eq!(
            got,
            ["don't", "U.S", "3.5", "1,000;2", "a:b", "a_b", "_x", "90s", "x", "3", "3", "x", "a", "b", "end"]
        );
    }

    #[test]
    fn punctuation_only_text_has_no_words() {
        assert!(words(" -- ... !!! ").is_empty());
    }
}
