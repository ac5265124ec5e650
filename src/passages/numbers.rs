//! Numbers: which words of a document state a fact — an amount, a date,
//! a score — that tells one instance of a formula from another.
//!
//! [`is_number`] is the definition, word by word; [`numbers`] applies it
//! to every word of a document, as the passage stage's units are made
//! ([`super::DocUnits::new`]) — on every word of every document read, so
//! it reads each short ASCII word as one 16-byte integer: no loop over its
//! bytes and no branch on its length or letters, whose mispredictions made
//! the plain loop cost 17 ns a word (5% of a BBC scan).

use crate::tokenize::Word;

/// The month names that count as numbers, lower case.
const MONTHS: [&str; 21] = [
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
];

/// Whether a word (as written) is a number for the passage stage: it holds
/// a digit or another numeric character, or names a month (English names
/// and their unambiguous abbreviations; "May" and "Mar" are words too
/// often to count). A formula repeated for another month ("… said March
/// car sales" / "… said February car sales") differs in a fact as much as
/// one with other amounts. Weekdays are not numbers: a story reposted a
/// day later says "on Monday" where the first said "last week", and is
/// the same passage (measured on the BBC corpus, where counting them cut
/// three real reposts).
pub fn is_number(word: &str) -> bool {
    // The path for words `numbers` cannot read in one window (long,
    // non-ASCII, at the end of a text): one pass over the bytes finds an
    // ASCII digit or a non-ASCII byte (then the word is checked by
    // characters); the rest are compared with the month names.
    let mut high = 0u8;
    for &b in word.as_bytes() {
        if b.is_ascii_digit() {
            return true;
        }
        high |= b;
    }
    if high >= 0x80 {
        return word.chars().any(char::is_numeric);
    }
    MONTHS.iter().any(|m| m.eq_ignore_ascii_case(word))
}

/// Bytes of a word [`numbers`] reads at once.
const WIDE: usize = 16;
/// One in every byte of a window.
const ONES: u128 = u128::MAX / 255;
/// Spreads the months' first eight bytes over 64 slots, one month a slot
/// (building [`MONTH_SLOTS`] checks it).
const MONTH_MUL: u64 = 0xcd44_7e35_b8b6_d8ff;

/// The slot of a word whose first eight bytes (little-endian) are `first`.
const fn slot(first: u64) -> usize {
    (first.wrapping_mul(MONTH_MUL) >> 58) as usize
}

/// `word`'s bytes as a window: little-endian, zero past its end.
const fn window(word: &str) -> u128 {
    let bytes = word.as_bytes();
    let mut x = 0u128;
    let mut i = 0;
    while i < bytes.len() {
        x |= (bytes[i] as u128) << (8 * i);
        i += 1;
    }
    x
}

/// Each month's window at its slot, 0 (no word's window) elsewhere.
const MONTH_SLOTS: [u128; 64] = {
    let mut slots = [0u128; 64];
    let mut i = 0;
    while i < MONTHS.len() {
        let month = window(MONTHS[i]);
        let s = slot(month as u64);
        assert!(slots[s] == 0, "two months share a slot: change MONTH_MUL");
        slots[s] = month;
        i += 1;
    }
    slots
};

/// [`is_number`] of the `len` bytes (1 to [`WIDE`]) that start window `x`
/// (bytes past them are ignored), or `None` when one of them is not ASCII.
fn in_window(x: u128, len: usize) -> Option<bool> {
    let mask = u128::MAX >> (8 * (WIDE - len));
    let x = x & mask;
    if x & (ONES * 0x80) != 0 {
        return None;
    }
    // An ASCII byte plus 0x50 reaches 0x80 from '0' up, plus 0x46 from
    // ':' up; neither sum carries into the next byte.
    let digit = (x + ONES * 0x50) & !(x + ONES * 0x46) & (ONES * 0x80) != 0;
    // Setting 0x20 lower-cases the letters and makes no other byte a
    // letter; the zero bytes past the word stay zero.
    let lower = (x | (ONES * 0x20)) & mask;
    let month = MONTH_SLOTS[slot(lower as u64)] == lower;
    Some(digit | month)
}

/// The indices of `words` (the tokenizer's words of `text`) that are
/// numbers ([`is_number`]), ascending.
pub fn numbers(text: &str, words: &[Word]) -> Vec<u32> {
    let bytes = text.as_bytes();
    let number = |w: &Word| {
        let (start, end) = (w.start as usize, w.end as usize);
        let len = end.saturating_sub(start);
        let fast = bytes
            .get(start..start + WIDE)
            .filter(|_| (1..=WIDE).contains(&len))
            .and_then(|b| in_window(u128::from_le_bytes(b.try_into().ok()?), len));
        fast.unwrap_or_else(|| text.get(start..end).is_some_and(is_number))
    };
    (0u32..)
        .zip(words)
        .filter(|(_, w)| number(w))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::Tokenizer;

    /// The plain definition, written apart from both paths (its own list
    /// of names).
    fn plain(word: &str) -> bool {
        const NAMES: &str = "january february march april june july august september \
                             october november december jan feb apr jun jul aug sep sept oct nov";
        word.chars().any(char::is_numeric)
            || NAMES
                .split_whitespace()
                .any(|m| m.eq_ignore_ascii_case(word))
    }

    #[test]
    fn numbers_are_figures_and_months() {
        for w in [
            "12", "7-1/4", "1,000", "2.5bn", "٣", "March", "APRIL", "Sept",
        ] {
            assert!(is_number(w), "{w}");
        }
        for w in ["may", "Monday", "dec", "marching", "decade", "the"] {
            assert!(!is_number(w), "{w}");
        }
    }

    proptest::proptest! {
        /// The byte loop answers as the plain definition does: a numeric
        /// character, or a month's name in any ASCII case.
        #[test]
        fn is_number_is_its_definition(word in "[a-zA-Z0-9é٣]{0,10}|(?i:march|sept|nov|june|may)") {
            proptest::prop_assert_eq!(is_number(&word), plain(&word));
        }
    }

    proptest::proptest! {
        /// Every word of a text read in windows is a number exactly when
        /// the definition says so: words of every length around the
        /// window's, at the text's end, non-ASCII, in any case.
        #[test]
        fn numbers_are_the_definitions(
            text in "(((?i:march|sept|september|nov|june|jun|may|dec)|[a-zA-Z0-9,/@:é٣-]{1,20})( |\n|, ){1,2}){0,12}"
        ) {
            let mut words = Vec::new();
            Tokenizer::default().words(&text, &mut words);
            let want: Vec<u32> = (0u32..)
                .zip(&words)
                .filter(|(_, w)| plain(&text[w.start as usize..w.end as usize]))
                .map(|(i, _)| i)
                .collect();
            proptest::prop_assert_eq!(numbers(&text, &words), want);
        }
    }
}
