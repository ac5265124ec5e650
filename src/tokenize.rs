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
//!
//! An all-ASCII text takes a faster road to the same words: its bytes are
//! classified 64 at a time into bit masks (SSE2 on x86-64) and each run of
//! word bytes is a word (`ascii_spans`). Any text is lowercased once, whole,
//! and its ASCII words are slices of that copy; only words with other
//! characters are normalized one by one. Tests check every road against
//! `unicode-segmentation` and `normalize_word`, on random text and on the
//! shared real corpora.

use unicode_segmentation::{UnicodeSegmentation, UnicodeWordIndices};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::normalize::{is_drop_cap_split, normalize_word, spelling_fold, NormalizeOptions};

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
#[inline]
pub fn word_hash(normalized: &str) -> u64 {
    xxh3_64_with_seed(normalized.as_bytes(), WORD_SEED)
}

/// The UAX #29 words of `text` that contain a letter or digit, with their
/// byte offsets: exactly what `unicode_segmentation`'s
/// `unicode_word_indices` returns, faster.
///
/// A word boundary always falls before whitespace, so the text is cut into
/// whitespace-separated chunks; an all-ASCII chunk (most of English news)
/// is segmented by a byte scanner implementing the UAX #29 rules that
/// ASCII can trigger (WB5–WB13b), any other chunk — with the whitespace
/// before it, which a combining mark joins (WB4) — by `unicode_segmentation`.
/// A property test and a test over the shared real corpora check the two
/// agree.
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
            let space = self.pos;
            while self.pos < bytes.len() && is_space(bytes[self.pos]) {
                self.pos += 1;
            }
            if self.pos >= bytes.len() {
                return None;
            }
            let start = self.pos;
            if start == 0 && bytes.is_ascii() {
                // All-ASCII text (the common case): one chunk; whitespace is
                // just another non-word byte to the scanner.
                self.chunk_end = bytes.len();
                continue;
            }
            let end = bytes[start..]
                .iter()
                .position(|&b| is_space(b))
                .map_or(bytes.len(), |i| start + i);
            if bytes[start..end].is_ascii() {
                self.chunk_end = end;
            } else {
                // The whitespace before goes along: a combining mark after
                // a space or tab belongs to it (WB4), and the two can be a
                // word when the mark is alphabetic (" \u{64E}", Arabic).
                self.slow = Some((space, self.text[space..end].unicode_word_indices()));
                self.pos = end;
            }
        }
    }
}

impl<'a> Segments<'a> {
    /// The next word in the current ASCII chunk, or `None` when the chunk
    /// is used up.
    fn next_ascii(&mut self, bytes: &'a [u8]) -> Option<(usize, &'a str)> {
        match next_ascii_word(bytes, self.pos, self.chunk_end) {
            Some((start, end)) => {
                self.pos = end;
                // The chunk is ASCII, so any byte range is valid UTF-8.
                Some((start, &self.text[start..end]))
            }
            None => {
                self.pos = self.chunk_end;
                None
            }
        }
    }
}

/// The first word of the ASCII bytes `bytes[from..end]`, as a byte range,
/// by the UAX #29 rules ASCII can trigger; `None` when there is none.
#[inline]
fn next_ascii_word(bytes: &[u8], from: usize, end: usize) -> Option<(usize, usize)> {
    // Cut to `end` first: indices below the slice's own length need no
    // bounds checks in the loops.
    let bytes = &bytes[..end];
    let end = bytes.len();
    let class = |i: usize| ASCII_CLASS[bytes[i] as usize];
    let mut i = from;
    loop {
        while i < end && class(i) & WORD == 0 {
            i += 1;
        }
        if i >= end {
            return None;
        }
        let start = i;
        loop {
            while i < end && class(i) & WORD != 0 {
                i += 1;
            }
            // WB6/7: letter (: . ') letter; WB11/12: digit (, ; . ') digit.
            if i + 1 < end {
                let (prev, mid, next) = (class(i - 1), class(i), class(i + 1));
                if (prev & next & ALPHA != 0 && mid & MID_LETTER != 0)
                    || (prev & next & DIGIT != 0 && mid & MID_NUM != 0)
                {
                    i += 1;
                    continue;
                }
            }
            break;
        }
        // A run of underscores alone is not a word.
        if bytes[start] != b'_' || bytes[start..i].iter().any(u8::is_ascii_alphanumeric) {
            return Some((start, i));
        }
    }
}

/// The words of an all-ASCII text as byte ranges, appended to `out`:
/// exactly what [`segment`] yields for it, without a branch per byte.
///
/// Three passes over bit masks, one bit per byte (`blocks` is scratch):
/// 1. mark word bytes (letters, digits, `_`) and the punctuation that can
///    sit inside a word (`. , : ; '`);
/// 2. such punctuation with a word byte on each side joins them when the
///    UAX #29 rules say so (WB6/7, WB11/12) — rare, checked one by one;
/// 3. every run of marked bytes is a word: its start is a 1 after a 0, its
///    end a 1 before a 0, found with `trailing_zeros`.
///
/// Runs of underscores alone are not words (they hold no letter or digit).
/// `bytes` must be all ASCII: the classifiers rely on it.
fn ascii_spans(bytes: &[u8], out: &mut Vec<(u32, u32)>, blocks: &mut Vec<(u64, u64)>) {
    blocks.clear();
    let full = bytes.chunks_exact(64);
    let rest = full.remainder();
    blocks.extend(full.map(block_masks));
    if !rest.is_empty() {
        let mut last = [0u8; 64];
        last[..rest.len()].copy_from_slice(rest);
        blocks.push(block_masks(&last));
    }
    let n = blocks.len();
    for k in 0..n {
        let (w, mid) = blocks[k];
        let (before, after) = neighbours(blocks, k);
        let mut gaps = mid & ((w << 1) | before) & ((w >> 1) | after);
        while gaps != 0 {
            let bit = gaps.trailing_zeros() as usize;
            if joins(bytes, k * 64 + bit) {
                blocks[k].0 |= 1 << bit;
            }
            gaps &= gaps - 1;
        }
    }
    let first = out.len();
    let mut open = first;
    for k in 0..n {
        let w = blocks[k].0;
        let (before, after) = neighbours(blocks, k);
        let base = (k * 64) as u32;
        let mut starts = w & !((w << 1) | before);
        while starts != 0 {
            out.push((base + starts.trailing_zeros(), 0));
            starts &= starts - 1;
        }
        // A run's start is pushed no later than its end is found, so the
        // ends fill the pushed starts in order.
        let mut ends = w & !((w >> 1) | after);
        while ends != 0 {
            out[open].1 = base + ends.trailing_zeros() + 1;
            open += 1;
            ends &= ends - 1;
        }
    }
    if memchr::memchr(b'_', bytes).is_none() {
        return;
    }
    let mut keep = first;
    for i in first..out.len() {
        let (start, end) = out[i];
        let run = &bytes[start as usize..end as usize];
        if run[0] != b'_' || run.iter().any(u8::is_ascii_alphanumeric) {
            out[keep] = (start, end);
            keep += 1;
        }
    }
    out.truncate(keep);
}

/// The word bits next to block `k` of `blocks`: the last byte of the block
/// before, as bit 0, and the first byte of the block after, as bit 63
/// (0 past either end).
fn neighbours(blocks: &[(u64, u64)], k: usize) -> (u64, u64) {
    let before = if k > 0 { blocks[k - 1].0 >> 63 } else { 0 };
    let after = blocks.get(k + 1).map_or(0, |b| b.0 << 63);
    (before, after)
}

/// One block of 64 ASCII bytes as two masks, bit `i` for byte `i`: its
/// word bytes (letters, digits, `_`), and its bytes that may join two
/// words (`. , : ; '`). With SSE2 (every x86-64 CPU), 16 bytes at a time.
#[cfg(target_arch = "x86_64")]
#[inline]
fn block_masks(block: &[u8]) -> (u64, u64) {
    use std::arch::x86_64::*;
    assert_eq!(block.len(), 64);
    let (mut word, mut mid) = (0u64, 0u64);
    for k in 0..4 {
        // SAFETY: SSE2 is part of the x86-64 baseline, and the unaligned
        // load reads bytes 16k..16k+16 of the 64 the assertion guarantees.
        let (words, mids) = unsafe {
            let x = _mm_loadu_si128(block.as_ptr().add(16 * k).cast());
            let eq = |b: u8| _mm_cmpeq_epi8(x, _mm_set1_epi8(b as i8));
            let in_range = |x: __m128i, lo: u8, hi: u8| {
                let at_least = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(lo as i8)), x);
                let at_most = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(hi as i8)), x);
                _mm_and_si128(at_least, at_most)
            };
            let letter = in_range(_mm_or_si128(x, _mm_set1_epi8(0x20)), b'a', b'z');
            let words = _mm_or_si128(_mm_or_si128(letter, in_range(x, b'0', b'9')), eq(b'_'));
            let mids = _mm_or_si128(
                _mm_or_si128(eq(b'.'), eq(b',')),
                _mm_or_si128(eq(b'\''), in_range(x, b':', b';')),
            );
            (_mm_movemask_epi8(words), _mm_movemask_epi8(mids))
        };
        word |= u64::from(words as u16) << (16 * k);
        mid |= u64::from(mids as u16) << (16 * k);
    }
    (word, mid)
}

#[cfg(not(target_arch = "x86_64"))]
use swar::block_masks;

/// [`block_masks`] without SIMD instructions: eight bytes at a time in a
/// `u64` (SWAR), no branch. An x86-64 build compiles it for its tests
/// only, which check it against the SSE2 version.
#[cfg_attr(target_arch = "x86_64", cfg(test))]
mod swar {
    /// See the SSE2 `block_masks`.
    pub(super) fn block_masks(block: &[u8]) -> (u64, u64) {
        let (mut word, mut mid) = (0u64, 0u64);
        for (k, lanes) in block.chunks_exact(8).enumerate() {
            let mut x = 0u64;
            for (i, &b) in lanes.iter().enumerate() {
                x |= u64::from(b) << (8 * i);
            }
            let letter = in_range(x | splat(0x20), b'a', b'z');
            let words = letter | in_range(x, b'0', b'9') | equal(x, b'_');
            let mids = equal(x, b'.') | equal(x, b',') | equal(x, b'\'') | in_range(x, b':', b';');
            word |= high_bits(words) << (8 * k);
            mid |= high_bits(mids) << (8 * k);
        }
        (word, mid)
    }

    /// `b` in every byte of a `u64`.
    const fn splat(b: u8) -> u64 {
        0x0101_0101_0101_0101 * b as u64
    }

    /// Bit 7 of each byte of `x` (all bytes < 0x80) set when the byte is in
    /// `lo..=hi`: adding `0x80 − lo` reaches bit 7 exactly when the byte is
    /// at least `lo`, and no byte carries into the next.
    fn in_range(x: u64, lo: u8, hi: u8) -> u64 {
        let at_least = |bound: u8| x.wrapping_add(splat(0x80 - bound));
        at_least(lo) & !at_least(hi + 1) & splat(0x80)
    }

    /// Bit 7 of each byte of `x` (all bytes < 0x80) set when the byte is `b`.
    fn equal(x: u64, b: u8) -> u64 {
        !(x ^ splat(b)).wrapping_add(splat(0x7f)) & splat(0x80)
    }

    /// Bit 7 of each of the 8 bytes, gathered into the low 8 bits in byte
    /// order.
    fn high_bits(x: u64) -> u64 {
        ((x >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
    }
}

/// Whether the punctuation byte at `i`, between two word bytes, joins them
/// into one word: letter (: . ') letter, or digit (, ; . ') digit.
fn joins(bytes: &[u8], i: usize) -> bool {
    let class = |i: usize| ASCII_CLASS[bytes[i] as usize];
    let (prev, mid, next) = (class(i - 1), class(i), class(i + 1));
    (prev & next & ALPHA != 0 && mid & MID_LETTER != 0)
        || (prev & next & DIGIT != 0 && mid & MID_NUM != 0)
}

const WORD: u8 = 1;
const ALPHA: u8 = 2;
const DIGIT: u8 = 4;
const MID_LETTER: u8 = 8;
const MID_NUM: u8 = 16;

/// UAX #29 word-break classes of ASCII bytes, as bit flags: word bytes
/// (ALetter, Numeric, ExtendNumLet), letters, digits, MidLetter/MidNumLet/
/// Single_Quote (`: . '`) and MidNum/MidNumLet/Single_Quote (`, ; . '`).
const ASCII_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphabetic() {
            t[b] = WORD | ALPHA;
        } else if c.is_ascii_digit() {
            t[b] = WORD | DIGIT;
        } else if c == b'_' {
            t[b] = WORD;
        }
        b += 1;
    }
    t[b':' as usize] = MID_LETTER;
    t[b'.' as usize] = MID_LETTER | MID_NUM;
    t[b'\'' as usize] = MID_LETTER | MID_NUM;
    t[b',' as usize] = MID_NUM;
    t[b';' as usize] = MID_NUM;
    t
};

/// Splits texts into normalized, hashed words. Holds a scratch buffer so
/// that tokenizing a document does not allocate a string per word; create
/// one per thread.
#[derive(Debug, Clone, Default)]
pub struct Tokenizer {
    opts: NormalizeOptions,
    scratch: String,
    joined: String,
    spans: Vec<(u32, u32)>,
    /// An all-ASCII text lowercased in one pass (see `for_each_word`).
    lower: String,
    /// Scratch bit masks of [`ascii_spans`].
    blocks: Vec<(u64, u64)>,
}

impl Tokenizer {
    /// A tokenizer applying the given normalization.
    pub fn new(opts: NormalizeOptions) -> Self {
        Tokenizer {
            opts,
            scratch: String::new(),
            joined: String::new(),
            spans: Vec::new(),
            lower: String::new(),
            blocks: Vec::new(),
        }
    }

    /// The normalization this tokenizer applies.
    pub fn options(&self) -> NormalizeOptions {
        self.opts
    }

    /// Calls `f(start, end, normalized)` for every word of `text`, in order.
    ///
    /// Texts longer than `u32::MAX` bytes are the caller's to refuse (the
    /// reader caps file sizes below that).
    pub fn for_each_word(&mut self, text: &str, f: impl FnMut(u32, u32, &str)) {
        // Segment first into a reusable buffer: a tight loop, and random
        // access for the drop-cap look-ahead.
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        let ascii = text.is_ascii();
        if ascii {
            ascii_spans(text.as_bytes(), &mut spans, &mut self.blocks);
        } else {
            spans.extend(segment(text).map(|(start, w)| (start as u32, (start + w.len()) as u32)));
        }
        self.words_at(text, &spans, ascii, f);
        self.spans = spans;
    }

    /// The normalized words of `text` at `spans`. ASCII is its own NFKC
    /// form, so the text is lowercased once, whole (ASCII lowercasing
    /// leaves other characters as they are), and an ASCII word is a slice
    /// of that copy: no per-word copy unless its spelling folds or a drop
    /// cap rejoins. Only a word with other characters is normalized on its
    /// own. `ascii` says the whole text is ASCII.
    fn words_at(
        &mut self,
        text: &str,
        spans: &[(u32, u32)],
        ascii: bool,
        mut f: impl FnMut(u32, u32, &str),
    ) {
        let mut lower = std::mem::take(&mut self.lower);
        lower.clear();
        lower.push_str(text);
        lower.make_ascii_lowercase();
        let fold = self.opts.fold_spelling;
        let mut prev_end = 0;
        let mut i = 0;
        while i < spans.len() {
            let (start, end) = spans[i];
            let (s, e) = (start as usize, end as usize);
            // A drop cap is one capital letter: test that before the full
            // check (in ASCII, one byte).
            let may_be_cap = if ascii {
                e - s == 1 && text.as_bytes()[s].is_ascii_uppercase()
            } else {
                e - s <= 4 && text[s..e].chars().nth(1).is_none()
            };
            if may_be_cap {
                if let Some(joined_end) = self.drop_cap(text, spans, i, prev_end) {
                    f(start, joined_end, &self.scratch);
                    prev_end = joined_end;
                    i += 2;
                    continue;
                }
            }
            if ascii || text.as_bytes()[s..e].is_ascii() {
                let word = &lower[s..e];
                match fold.then(|| spelling_fold(word)).flatten() {
                    None => f(start, end, word),
                    Some((stem, american)) => {
                        self.scratch.clear();
                        self.scratch.push_str(&word[..stem]);
                        self.scratch.push_str(american);
                        f(start, end, &self.scratch);
                    }
                }
            } else {
                normalize_word(&text[s..e], self.opts, &mut self.scratch);
                f(start, end, &self.scratch);
            }
            prev_end = end;
            i += 1;
        }
        self.lower = lower;
    }

    /// When word `i` (one letter) is a drop cap split from the rest of its
    /// word (word `i + 1`), writes the rejoined word, normalized, to
    /// `scratch` and returns the end of its span.
    fn drop_cap(
        &mut self,
        text: &str,
        spans: &[(u32, u32)],
        i: usize,
        prev_end: u32,
    ) -> Option<u32> {
        let (start, end) = spans[i];
        let &(next_start, next_end) = spans.get(i + 1)?;
        let at = |a: u32, b: u32| &text[a as usize..b as usize];
        let (word, next) = (at(start, end), at(next_start, next_end));
        if !is_drop_cap_split(at(prev_end, start), word, at(end, next_start), next) {
            return None;
        }
        self.joined.clear();
        self.joined.push_str(word);
        self.joined.push_str(next);
        normalize_word(&self.joined, self.opts, &mut self.scratch);
        Some(next_end)
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
            "a",
            "B",
            "z",
            "3",
            "0",
            "_",
            " ",
            "  ",
            ".",
            ",",
            ":",
            ";",
            "'",
            "\n",
            "\t",
            "\r\n",
            "-",
            "!",
            "(",
            "\u{0B}",
            "é",
            "’",
            "中",
            "\u{301}",
            "\u{64E}",
            "\u{93F}",
            "\u{A0}",
            "ß",
            "Ǆ",
            "😀",
            "\u{200D}",
            "\u{FF21}",
            "\u{1F1E6}",
            "ab",
            "12",
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

        /// The all-ASCII scanner finds what `segment` finds, also in texts
        /// long enough to carry words across its 64-byte blocks.
        #[test]
        fn ascii_spans_match_segment(
            texts in proptest::collection::vec(tricky_text(), 1..8)
        ) {
            let text: String = texts.concat().chars().filter(char::is_ascii).collect();
            let mut spans = Vec::new();
            ascii_spans(text.as_bytes(), &mut spans, &mut Vec::new());
            let reference: Vec<(u32, u32)> = segment(&text)
                .map(|(start, w)| (start as u32, (start + w.len()) as u32))
                .collect();
            proptest::prop_assert_eq!(spans, reference, "{:?}", text);
        }

        /// Every word is normalized as `normalize_word` normalizes it alone,
        /// whether it is read as a slice of the lowercased text or on its
        /// own (texts where a drop cap rejoins two words are left to the
        /// drop-cap tests).
        #[test]
        fn words_are_normalized_as_normalize_word_does(
            text in tricky_text(),
            words in proptest::collection::vec(proptest::sample::select(vec![
                "Colour", "ORGANISING", "Analysed", "favourite", "don't", "Été", "naïve",
            ]), 0..6),
            fold_spelling: bool,
        ) {
            let text = format!("{text} {}", words.join(" "));
            let opts = NormalizeOptions { fold_spelling };
            let found: Vec<(usize, &str)> = text.unicode_word_indices().collect();
            let rejoins = found.windows(2).any(|w| {
                let (a, b) = (w[0], w[1]);
                let before = found.iter().rev().find(|x| x.0 < a.0).map_or(0, |x| x.0 + x.1.len());
                is_drop_cap_split(&text[before..a.0], a.1, &text[a.0 + a.1.len()..b.0], b.1)
            });
            proptest::prop_assume!(!rejoins);
            let expected: Vec<String> = found
                .iter()
                .map(|&(_, w)| {
                    let mut out = String::new();
                    normalize_word(w, opts, &mut out);
                    out
                })
                .collect();
            proptest::prop_assert_eq!(Tokenizer::new(opts).normalized_words(&text), expected);
        }

        /// An all-ASCII text (lowercased whole) normalizes its words as any
        /// other text does: a non-ASCII word appended sends the same words
        /// down the general path.
        #[test]
        fn ascii_words_normalize_as_other_text_does(
            words in proptest::collection::vec(proptest::sample::select(vec![
                "Colour", "ORGANISING", "the", "R", "ussian", "four", "Analysed",
                "isations", "hour", "Plan", "B", "favourite", "don't", "U.S.", "3.5",
            ]), 0..30),
            gaps in proptest::collection::vec(proptest::sample::select(vec![" ", "\n", "\n\n", ", "]), 30),
        ) {
            let text: String = words.iter().zip(&gaps).map(|(w, g)| format!("{w}{g}")).collect();
            let mut fast = Vec::new();
            Tokenizer::default().words(&text, &mut fast);
            let mut general = Vec::new();
            Tokenizer::default().words(&format!("{text}\n\nÉté"), &mut general);
            general.pop();
            proptest::prop_assert_eq!(fast, general, "{:?}", text);
        }
    }

    /// The fast paths agree with unicode-segmentation on every text of the
    /// shared real corpora (news, wire copy, essays, raw HTML pages).
    #[test]
    fn segmentation_matches_unicode_segmentation_on_the_corpora() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
        if !root.is_dir() {
            eprintln!("skipped: {} not present", root.display());
            return;
        }
        let mut texts: Vec<String> = Vec::new();
        for dir in [
            "bbc",
            "clough-stevenson",
            "article-extraction",
            "pan13-train/src",
        ] {
            for entry in walkdir::WalkDir::new(root.join(dir)) {
                let entry = entry.expect("walk the corpus");
                if entry.file_type().is_file() {
                    let bytes = std::fs::read(entry.path()).expect("read a corpus file");
                    texts.push(String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
        let reuters = std::fs::read_to_string(root.join("reuters21578/reuters21578.jsonl"))
            .expect("read Reuters-21578");
        for line in reuters.lines() {
            let record: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            texts.push(record["text"].as_str().unwrap_or_default().to_owned());
        }
        assert!(texts.len() > 20_000, "{} texts", texts.len());
        let (mut ascii, mut words) = (0, 0);
        let mut blocks = Vec::new();
        for text in &texts {
            let reference: Vec<(usize, &str)> = text.unicode_word_indices().collect();
            words += reference.len();
            let fast: Vec<(usize, &str)> = segment(text).collect();
            if let Some(i) =
                (0..fast.len().max(reference.len())).find(|&i| fast.get(i) != reference.get(i))
            {
                panic!(
                    "word {i}: {:?} where UAX #29 gives {:?}",
                    fast.get(i),
                    reference.get(i)
                );
            }
            if text.is_ascii() {
                ascii += 1;
                let mut spans = Vec::new();
                ascii_spans(text.as_bytes(), &mut spans, &mut blocks);
                let expected = reference
                    .iter()
                    .map(|&(start, w)| (start as u32, (start + w.len()) as u32));
                assert!(spans.iter().copied().eq(expected), "{text:.200}");
            }
        }
        eprintln!("{} texts ({ascii} all-ASCII), {words} words", texts.len());
    }

    proptest::proptest! {
        /// The SIMD and the portable block classifiers agree on any ASCII.
        #[test]
        fn block_masks_agree(block in proptest::collection::vec(0u8..128, 64)) {
            proptest::prop_assert_eq!(block_masks(&block), swar::block_masks(&block));
        }
    }

    #[test]
    fn ascii_rules() {
        let got: Vec<&str> = segment("don't U.S. 3.5 1,000;2 a:b a_b __ _x 90s x.3 3.x a..b end.")
            .map(|w| w.1)
            .collect();
        assert_eq!(
            got,
            [
                "don't", "U.S", "3.5", "1,000;2", "a:b", "a_b", "_x", "90s", "x", "3", "3", "x",
                "a", "b", "end"
            ]
        );
    }

    #[test]
    fn punctuation_only_text_has_no_words() {
        assert!(words(" -- ... !!! ").is_empty());
    }
}
