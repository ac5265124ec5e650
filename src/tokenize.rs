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

use unicode_segmentation::UnicodeSegmentation;
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
        let mut words = text.unicode_word_indices().peekable();
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

    #[test]
    fn punctuation_only_text_has_no_words() {
        assert!(words(" -- ... !!! ").is_empty());
    }
}
