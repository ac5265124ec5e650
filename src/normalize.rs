//! Normalize: the word-level text repairs that make scraped news compare
//! alike.
//!
//! Contract: every function here maps one word (or a pair of adjacent words,
//! for the drop-cap repair) to its normalized form. None of them looks at
//! more than a word's own text, so the tokenizer can keep each word's byte
//! span in the *original* document while comparing the normalized form.
//!
//! The steps, in the order [`normalize_word`] applies them:
//! 1. Unicode NFKC and lowercase ([`nfkc_lowercase`]), with an ASCII fast
//!    path because ASCII is NFKC-invariant.
//! 2. Typographic apostrophes folded to `'` ([`fold_apostrophe`]), so
//!    "Myanmar’s" and "Myanmar's" are one word.
//! 3. British → American spelling for English suffixes ([`fold_spelling`]),
//!    so "legitimising" and "legitimizing" shingle alike.
//!
//! The drop-cap repair ([`is_drop_cap_split`]) is the one step that needs
//! context (the whitespace between two words); the tokenizer calls it.

use unicode_normalization::UnicodeNormalization;

/// Options for [`normalize_word`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalizeOptions {
    /// Fold British spellings to American ones (`-ise` → `-ize`, …).
    pub fold_spelling: bool,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            fold_spelling: true,
        }
    }
}

/// Writes the normalized form of `word` into `out` (which is cleared first).
///
/// `word` is one word as the tokenizer found it (UAX #29). The result is
/// what shingles are built from; it is never shown to users.
pub fn normalize_word(word: &str, opts: NormalizeOptions, out: &mut String) {
    out.clear();
    nfkc_lowercase(word, out);
    if opts.fold_spelling {
        fold_spelling(out);
    }
}

/// Appends NFKC(`word`) lowercased, with typographic apostrophes folded, to
/// `out`.
pub fn nfkc_lowercase(word: &str, out: &mut String) {
    if word.is_ascii() {
        // ASCII is its own NFKC form: skip the decomposition machinery.
        let from = out.len();
        out.push_str(word);
        out[from..].make_ascii_lowercase();
        return;
    }
    for c in word.nfkc() {
        let c = fold_apostrophe(c);
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
}

/// Maps the apostrophe look-alikes that news sites use interchangeably
/// (’ ‘ ʼ ′) to the ASCII apostrophe; every other char is returned as is.
pub fn fold_apostrophe(c: char) -> char {
    match c {
        '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{2032}' => '\'',
        other => other,
    }
}

/// British suffix → American suffix. Longest suffixes first, so the first
/// match wins.
const SPELLING_SUFFIXES: &[(&str, &str)] = &[
    ("isations", "izations"),
    ("isation", "ization"),
    ("ourites", "orites"),
    ("ourable", "orable"),
    ("ourite", "orite"),
    ("ouring", "oring"),
    ("ourers", "orers"),
    ("ourful", "orful"),
    ("ising", "izing"),
    ("ysing", "yzing"),
    ("isers", "izers"),
    ("oured", "ored"),
    ("ourer", "orer"),
    ("ised", "ized"),
    ("ises", "izes"),
    ("iser", "izer"),
    ("ysed", "yzed"),
    ("yses", "yzes"),
    ("ours", "ors"),
    ("oury", "ory"),
    ("ise", "ize"),
    ("yse", "yze"),
    ("our", "or"),
];

/// The shortest stem (letters before the suffix) a word needs before its
/// suffix is folded. Short words are where the rules go wrong: "four",
/// "hour", "your", "rise", "wise", "noise", "raised" must not change, while
/// "colour", "favour", "analyse", "organise" must.
const MIN_STEM: usize = 3;

/// Folds British spellings of English suffixes to the American ones, in
/// place: `-ise`/`-ize`, `-isation`/`-ization`, `-yse`/`-yze`, `-our`/`-or`
/// and their inflections.
///
/// Only lowercase ASCII words are touched. A fold that invents a
/// non-word ("promise" → "promize") is harmless because both sides of a
/// comparison are folded alike; what matters is that two *different*
/// common words never fold together, which the minimum stem length
/// guards ("four" and "for" stay apart).
pub fn fold_spelling(word: &mut String) {
    if let Some((stem, american)) = spelling_fold(word) {
        word.truncate(stem);
        word.push_str(american);
    }
}

/// What [`fold_spelling`] would do to `word`: keep its first `stem` bytes
/// and append `american`; `None` when it leaves the word alone.
pub fn spelling_fold(word: &str) -> Option<(usize, &'static str)> {
    // A fold needs a stem and a suffix of at least 3 bytes each: most
    // words are shorter. Then every British suffix ends in one of these
    // letters: a cheap second test for the hot path.
    if word.len() < MIN_STEM + 3 {
        return None;
    }
    if !matches!(
        word.as_bytes().last(),
        Some(b'e' | b's' | b'g' | b'd' | b'r' | b'y' | b'n' | b'l')
    ) {
        return None;
    }
    // Every British suffix starts with "is", "ys" or "our" and is 3 to 8
    // bytes long: most words have none of these where a suffix would
    // start, and skip the suffix list.
    let b = word.as_bytes();
    let starts_suffix =
        |p: usize| matches!(&b[p..], [b'i' | b'y', b's', ..] | [b'o', b'u', b'r', ..]);
    if !(b.len().saturating_sub(8).max(MIN_STEM)..b.len() - 2).any(starts_suffix) {
        return None;
    }
    if !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    for (british, american) in SPELLING_SUFFIXES {
        if let Some(stem) = word.strip_suffix(british) {
            return (stem.len() >= MIN_STEM).then_some((stem.len(), *american));
        }
    }
    None
}

/// True when `letter` followed by `gap` is the drop-cap artefact of a
/// scraped page: a paragraph holding a lone capital letter, followed (after
/// `gap`, which must be whitespace containing a line break) by a word that
/// starts in lower case, e.g. "R" / "ussian Defence Minister …".
///
/// `before` is the text between the previous word and `letter`; it must end
/// in a line break (optionally followed by spaces) or be the start of the
/// document, so that "Plan B\nwas" is not mistaken for a drop cap.
pub fn is_drop_cap_split(before: &str, letter: &str, gap: &str, next: &str) -> bool {
    let mut letter_chars = letter.chars();
    let (Some(cap), None) = (letter_chars.next(), letter_chars.next()) else {
        return false;
    };
    // Cheapest tests first: most one-letter words are not capitals.
    let starts_paragraph = || {
        before.is_empty()
            || before
                .rsplit_once('\n')
                .is_some_and(|(_, tail)| tail.chars().all(char::is_whitespace))
    };
    cap.is_uppercase()
        && next.chars().next().is_some_and(char::is_lowercase)
        && starts_paragraph()
        && gap.contains('\n')
        && gap.chars().all(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(word: &str) -> String {
        let mut out = String::new();
        normalize_word(word, NormalizeOptions::default(), &mut out);
        out
    }

    #[test]
    fn every_suffix_ends_in_a_letter_the_fast_test_knows() {
        for (british, _) in SPELLING_SUFFIXES {
            assert!(matches!(
                british.as_bytes().last(),
                Some(b'e' | b's' | b'g' | b'd' | b'r' | b'y' | b'n' | b'l')
            ));
        }
    }

    #[test]
    fn every_suffix_starts_as_the_fast_test_expects() {
        for (british, _) in SPELLING_SUFFIXES {
            assert!((3..=8).contains(&british.len()), "{british}");
            assert!(
                british.starts_with("is")
                    || british.starts_with("ys")
                    || british.starts_with("our"),
                "{british}"
            );
        }
    }

    #[test]
    fn nfkc_and_lowercase() {
        let mut out = String::new();
        nfkc_lowercase("ＲＵＳＳＩＡ", &mut out);
        assert_eq!(out, "russia");
        out.clear();
        nfkc_lowercase("ﬁnance", &mut out);
        assert_eq!(out, "finance");
        out.clear();
        nfkc_lowercase("Ёлка", &mut out);
        assert_eq!(out, "ёлка");
    }

    #[test]
    fn apostrophes_fold() {
        assert_eq!(norm("Myanmar’s"), norm("Myanmar's"));
        assert_eq!(fold_apostrophe('x'), 'x');
    }

    #[test]
    fn british_spellings_fold_to_american() {
        for (uk, us) in [
            ("legitimising", "legitimizing"),
            ("organisation", "organization"),
            ("organisations", "organizations"),
            ("analyse", "analyze"),
            ("paralysed", "paralyzed"),
            ("colour", "color"),
            ("favourite", "favorite"),
            ("honourable", "honorable"),
            ("behaviour", "behavior"),
            ("labourers", "laborers"),
            ("recognised", "recognized"),
        ] {
            assert_eq!(norm(uk), norm(us), "{uk} vs {us}");
        }
    }

    #[test]
    fn short_words_do_not_fold_together() {
        for (a, b) in [("four", "for"), ("hour", "hor"), ("your", "yor")] {
            assert_ne!(norm(a), norm(b));
        }
        for word in ["rise", "wise", "noise", "raised", "arise", "yours", "flour"] {
            assert_eq!(norm(word), word);
        }
    }

    #[test]
    fn folding_can_be_turned_off() {
        let mut out = String::new();
        normalize_word(
            "legitimising",
            NormalizeOptions {
                fold_spelling: false,
            },
            &mut out,
        );
        assert_eq!(out, "legitimising");
    }

    #[test]
    fn non_ascii_words_are_not_folded() {
        let mut w = String::from("cafés");
        fold_spelling(&mut w);
        assert_eq!(w, "cafés");
    }

    #[test]
    fn drop_cap_detection() {
        assert!(is_drop_cap_split("\n\n", "R", "\n\n", "ussian"));
        assert!(is_drop_cap_split("", "R", "\n", "ussian"));
        assert!(is_drop_cap_split(")\n\n  ", "R", "\n \n", "ussian"));
        // Same line: an ordinary one-letter word.
        assert!(!is_drop_cap_split("\n", "A", " ", "dog"));
        assert!(!is_drop_cap_split("plan ", "B", "\n", "was"));
        // Next paragraph starts in upper case: a list label, not a drop cap.
        assert!(!is_drop_cap_split("\n", "A", "\n", "Dog"));
        assert!(!is_drop_cap_split("\n", "r", "\n", "ussian"));
        assert!(!is_drop_cap_split("\n", "RU", "\n", "ssian"));
    }
}
