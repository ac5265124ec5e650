//! Containment: two documents' words → how much of each is found in the
//! other, whether or not any passage of theirs aligns.
//!
//! A rewritten story (an agency report retold by a newspaper, an answer
//! paraphrasing its source) rarely keeps 15 consecutive words at
//! similarity 0.7, so the passage stage may find nothing to link; yet it
//! keeps many of the source's word triples. Containment of `a` in `b` is
//! the share of `a`'s words (in its compared units) that lie inside a
//! word trigram `b` has too. Chosen on Clough & Stevenson's corpus of
//! rewritten answers (`cargo bench --bench clough`): covered words told
//! revised copies from independent answers better than the share of
//! distinct trigrams (Broder's containment), which counts a phrase
//! repeated in an answer once and lets a few stock phrases weigh as much
//! as a copied sentence; longer n-grams miss heavy rewrites, and single
//! words are shared by any two texts on one subject.
//!
//! Input: a document's words and the units to count. Output: its
//! [`Trigrams`], and the two containments of a pair.

use crate::filter::HashFilter;
use crate::passages::{anchor_hash, DocUnits};
use crate::units::Unit;

/// Words per n-gram of containment.
pub const CONTAINMENT_WORDS: usize = 3;

/// A document's word trigrams, in order per unit and as a set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trigrams {
    /// Per unit: its word count and its trigram hashes in order (a unit
    /// shorter than a trigram has one n-gram of all its words).
    units: Vec<(u32, Vec<u64>)>,
    /// Every trigram hash, sorted, deduplicated.
    set: Vec<u64>,
}

impl Trigrams {
    /// The trigrams of `units` of `doc`; trigrams never cross a unit's
    /// edge.
    pub fn new<'a>(doc: &DocUnits, units: impl IntoIterator<Item = &'a Unit>) -> Self {
        let mut out = Trigrams::default();
        let mut hashes: Vec<u64> = Vec::new();
        for u in units {
            hashes.clear();
            hashes.extend(
                doc.words[u.start as usize..u.end as usize]
                    .iter()
                    .map(|w| w.hash),
            );
            let n = CONTAINMENT_WORDS.min(hashes.len()).max(1);
            let grams: Vec<u64> = hashes.windows(n).map(anchor_hash).collect();
            out.set.extend_from_slice(&grams);
            out.units.push((u.len() as u32, grams));
        }
        out.set.sort_unstable();
        out.set.dedup();
        out
    }

    /// Asks the processor for what [`containment`] reads of these
    /// trigrams, ahead of reading it.
    pub fn prefetch(&self) {
        crate::prefetch::slice(&self.set);
        crate::prefetch::slice(&self.units);
        for (_, grams) in &self.units {
            crate::prefetch::slice(grams);
        }
    }

    /// The share of this document's words inside a trigram of `shared`
    /// (sorted, filtered by `filter`; 0 for a document without words).
    fn covered_by(&self, shared: &[u64], filter: &HashFilter) -> f64 {
        let (mut covered, mut total) = (0usize, 0usize);
        for (words, grams) in &self.units {
            let words = *words as usize;
            let n = words + 1 - grams.len();
            // The end of the last shared trigram seen: words before it
            // are covered.
            let (mut reach, mut counted) = (0usize, 0usize);
            for (i, g) in grams.iter().enumerate() {
                // Most trigrams are not shared: the filter turns them away
                // before a binary search, whose branches mispredict.
                if filter.may_hold(*g) && shared.binary_search(g).is_ok() {
                    counted += (i + n) - reach.max(i);
                    reach = i + n;
                }
            }
            covered += counted;
            total += words;
        }
        if total == 0 {
            0.0
        } else {
            covered as f64 / total as f64
        }
    }
}

/// `(containment of a in b, containment of b in a)`: the share of each
/// one's words inside word trigrams the other has.
pub fn containment(a: &Trigrams, b: &Trigrams) -> (f64, f64) {
    // The trigrams both have, found by one merge of the two sorted sets:
    // usually far fewer than either, so looking words up in it is cheap.
    let mut at = Vec::new();
    crate::sorted::meet(&a.set, &b.set, &mut at);
    let shared: Vec<u64> = at.iter().map(|&[i, _]| a.set[i as usize]).collect();
    if shared.is_empty() {
        return (0.0, 0.0);
    }
    let filter = HashFilter::of(shared.iter().copied());
    (
        a.covered_by(&shared, &filter),
        b.covered_by(&shared, &filter),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::Tokenizer;
    use crate::units::UnitOptions;

    fn set(text: &str) -> Trigrams {
        let mut words = Vec::new();
        Tokenizer::default().words(text, &mut words);
        let doc = DocUnits::new(text, words, UnitOptions::default());
        Trigrams::new(&doc, &doc.units)
    }

    /// Words covered by shared trigrams are counted once, however many
    /// shared trigrams cover them.
    #[test]
    fn covered_words_are_counted_once() {
        let a = set("one two three four five six seven eight nine ten");
        let b = set("xx one two three four yy seven eight nine zz qq");
        // one..four (4 words) and seven..nine (3) of ten.
        assert_eq!(containment(&a, &b).0, 0.7);
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
        assert_eq!(containment(&Trigrams::default(), &set(source)), (0.0, 0.0));
    }
}
