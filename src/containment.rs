//! Containment: two documents' words → how much of each is found in the
//! other, whether or not any passage of theirs aligns.
//!
//! A rewritten story (an agency report retold by a newspaper, an answer
//! paraphrasing its source) rarely keeps 15 consecutive words at
//! similarity 0.7, so the passage stage may find nothing to link; yet it
//! keeps many of the source's word triples. Containment of `a` in `b` is
//! the share of `a`'s distinct word trigrams (within its compared units)
//! that `b` has too — Broder's containment, on word trigrams as in Clough
//! & Stevenson's study of rewritten text (`cargo bench --bench clough`
//! measures it on their corpus): longer n-grams miss heavy rewrites,
//! single words are shared by any two texts on one topic.
//!
//! Input: a document's words and the units to count. Output: a sorted set
//! of trigram hashes per document, and the two containments of a pair.

use crate::passages::{anchor_hash, DocUnits};
use crate::units::Unit;

/// Words per n-gram of containment.
pub const CONTAINMENT_WORDS: usize = 3;

/// The distinct word-trigram hashes of `units` of `doc` (trigrams never
/// cross a unit's edge), sorted. A unit shorter than a trigram adds its
/// words as one n-gram.
pub fn trigram_set<'a>(doc: &DocUnits, units: impl IntoIterator<Item = &'a Unit>) -> Vec<u64> {
    let mut out = Vec::new();
    let mut hashes: Vec<u64> = Vec::new();
    for u in units {
        hashes.clear();
        hashes.extend(
            doc.words[u.start as usize..u.end as usize]
                .iter()
                .map(|w| w.hash),
        );
        let n = CONTAINMENT_WORDS.min(hashes.len()).max(1);
        out.extend(hashes.windows(n).map(anchor_hash));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// `(containment of a in b, containment of b in a)` for two sorted,
/// deduplicated sets: the shared count over each set's size (0 for an
/// empty set).
pub fn containment(a: &[u64], b: &[u64]) -> (f64, f64) {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let share = |n: usize| {
        if n == 0 {
            0.0
        } else {
            shared as f64 / n as f64
        }
    };
    (share(a.len()), share(b.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::Tokenizer;
    use crate::units::{units, UnitOptions};

    fn set(text: &str) -> Vec<u64> {
        let mut words = Vec::new();
        Tokenizer::default().words(text, &mut words);
        let us = units(text, &words, UnitOptions::default());
        let doc = DocUnits { words, units: us };
        trigram_set(&doc, &doc.units)
    }

    #[test]
    fn a_copy_inside_a_longer_text_is_contained_whole() {
        let source =
            "Inheritance lets a class take on the attributes and methods of another class.";
        let answer = format!("In object oriented programming, {source} It saves work.");
        let (a, b) = containment(&set(source), &set(&answer));
        assert_eq!(a, 1.0);
        assert!(b > 0.5 && b < 1.0, "{b}");
    }

    #[test]
    fn a_rewrite_keeps_some_trigrams_and_unrelated_text_none() {
        let source =
            "Inheritance lets a class take on the attributes and methods of another class, \
                      so that code is written once and reused by every subclass.";
        let rewrite =
            "With inheritance a class can take on the attributes and methods of a parent \
                       class, and the code is written once and then reused by its subclasses.";
        let other = "Dynamic programming solves a problem by breaking it into overlapping \
                     subproblems and storing their answers in a table for later lookups.";
        let (c, _) = containment(&set(rewrite), &set(source));
        assert!(c > 0.3 && c < 0.9, "{c}");
        assert_eq!(containment(&set(other), &set(source)), (0.0, 0.0));
        assert_eq!(containment(&[], &set(source)), (0.0, 0.0));
    }
}
