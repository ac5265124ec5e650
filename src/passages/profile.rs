//! Sentence profiles for the rewrite search ([`super::rewrites`]): each
//! document's sentences as bags of word ids, built once per document and
//! read by every pair the document is compared in, and the weights of
//! one pair.
//!
//! Comparing a pair used to start by hashing both documents' words into
//! ids of the pair's own; with every document pair that shares a few
//! anchors searched, most of the work was that set-up, repeated for each
//! pair a document is in. A profile holds what does not depend on the
//! other document (sentences, their distinct words, which sentences hold
//! each word); [`Weights`] holds what does (how many of the pair's
//! sentences hold a word, so its weight and whether it is common in the
//! pair), in arrays indexed by word id that are reset word by word, so a
//! pair costs the size of its two vocabularies, not of the corpus's.

use std::ops::Range;

use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;

use super::DocUnits;
use crate::units::Unit;

/// Word ids over a set of documents: a word's id is its hash's rank among
/// the distinct hashes (so ids do not depend on the order documents come
/// in), looked up in a map — every word of every profiled document is
/// looked up, and a binary search over the vocabulary was most of the
/// cost of building profiles.
pub(super) struct Vocabulary {
    ids: AHashMap<u64, u32>,
}

impl Vocabulary {
    /// The vocabulary of the words of `units` of each document in `docs`.
    pub fn new<'a>(docs: impl ParallelIterator<Item = (&'a DocUnits, &'a [Unit])>) -> Self {
        // Distinct hashes gathered in sets, not by sorting every word:
        // a corpus repeats its words, and a set of the distinct ones stays
        // in cache where a sort of all of them does not.
        let distinct: AHashSet<u64> = docs
            .fold(AHashSet::new, |mut set, (doc, units)| {
                for u in units {
                    set.extend(
                        doc.words[u.start as usize..u.end as usize]
                            .iter()
                            .map(|w| w.hash),
                    );
                }
                set
            })
            .reduce(AHashSet::new, |x, y| {
                // The larger set takes in the smaller.
                let (mut big, small) = if x.len() >= y.len() { (x, y) } else { (y, x) };
                big.extend(small);
                big
            });
        let mut hashes: Vec<u64> = distinct.into_iter().collect();
        hashes.par_sort_unstable();
        let mut ids = AHashMap::with_capacity(hashes.len());
        ids.extend(hashes.into_iter().zip(0u32..));
        Vocabulary { ids }
    }

    /// How many words there are (ids are below this).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// The id of the word with `hash`, if the vocabulary holds it.
    pub fn id(&self, hash: u64) -> Option<u32> {
        self.ids.get(&hash).copied()
    }
}

/// One document's sentences (inside the units it was built from) as
/// sorted sets of word ids, and the sentences holding each word.
pub(super) struct Profile {
    /// The sentences as word ranges of the document.
    pub ranges: Vec<Range<u32>>,
    /// Sentence `i`'s distinct words are `bag_words[bag_at[i]..bag_at[i + 1]]`.
    bag_at: Vec<u32>,
    bag_words: Vec<u32>,
    /// The same for the words that are numbers.
    num_at: Vec<u32>,
    num_words: Vec<u32>,
    /// The document's distinct words, ascending; `vocab[k]` is held by
    /// sentences `postings[post_at[k]..post_at[k + 1]]` (ascending).
    vocab: Vec<u32>,
    post_at: Vec<u32>,
    postings: Vec<u32>,
}

impl Profile {
    /// The profile of `doc`'s sentences inside `units`, cut at
    /// [`DocUnits::sentences`]; `id` gives each word's id.
    pub fn new(doc: &DocUnits, units: &[Unit], mut id: impl FnMut(u64) -> u32) -> Self {
        let mut ranges = Vec::new();
        for u in units {
            let first = doc.sentences.partition_point(|&s| s <= u.start);
            let mut start = u.start;
            for &s in doc.sentences[first..].iter().take_while(|&&s| s < u.end) {
                ranges.push(start..s);
                start = s;
            }
            ranges.push(start..u.end);
        }
        let (mut bag_at, mut bag_words) = (vec![0u32], Vec::new());
        let (mut num_at, mut num_words) = (vec![0u32], Vec::new());
        let mut held: Vec<(u32, u32)> = Vec::new();
        for (i, r) in ranges.iter().enumerate() {
            let from = bag_words.len();
            bag_words.extend(
                doc.words[r.start as usize..r.end as usize]
                    .iter()
                    .map(|w| id(w.hash)),
            );
            sort_distinct(&mut bag_words, from);
            held.extend(bag_words[from..].iter().map(|&w| (w, i as u32)));
            bag_at.push(bag_words.len() as u32);
            let from = num_words.len();
            let first = doc.numbers.partition_point(|&n| n < r.start);
            num_words.extend(
                doc.numbers[first..]
                    .iter()
                    .take_while(|&&n| n < r.end)
                    .map(|&n| id(doc.words[n as usize].hash)),
            );
            sort_distinct(&mut num_words, from);
            num_at.push(num_words.len() as u32);
        }
        held.sort_unstable();
        let (mut vocab, mut post_at) = (Vec::new(), Vec::new());
        let postings = held.iter().map(|&(_, i)| i).collect();
        let mut at = 0u32;
        for run in held.chunk_by(|x, y| x.0 == y.0) {
            vocab.push(run[0].0);
            post_at.push(at);
            at += run.len() as u32;
        }
        post_at.push(held.len() as u32);
        Profile {
            ranges,
            bag_at,
            bag_words,
            num_at,
            num_words,
            vocab,
            post_at,
            postings,
        }
    }

    /// How many sentences there are.
    pub fn sentences(&self) -> usize {
        self.ranges.len()
    }

    /// Sentence `i`'s distinct words, ascending.
    pub fn bag(&self, i: u32) -> &[u32] {
        &self.bag_words[self.bag_at[i as usize] as usize..self.bag_at[i as usize + 1] as usize]
    }

    /// Sentence `i`'s distinct numbers, ascending.
    pub fn numbers(&self, i: u32) -> &[u32] {
        &self.num_words[self.num_at[i as usize] as usize..self.num_at[i as usize + 1] as usize]
    }

    /// Each distinct word with the sentences holding it, by ascending id.
    #[cfg(test)]
    pub fn vocab(&self) -> impl Iterator<Item = (u32, &[u32])> + '_ {
        self.vocab.iter().enumerate().map(|(k, &w)| {
            let at = self.post_at[k] as usize..self.post_at[k + 1] as usize;
            (w, &self.postings[at])
        })
    }
}

/// Sorts `v[from..]` and drops its repeats.
fn sort_distinct(v: &mut Vec<u32>, from: usize) {
    v[from..].sort_unstable();
    let mut keep = from;
    for k in from..v.len() {
        if k == from || v[k] != v[keep - 1] {
            v[keep] = v[k];
            keep += 1;
        }
    }
    v.truncate(keep);
}

/// Words in more than this share of the pair's sentences (and in more
/// than [`COMMON_MIN`]) are function words for the pair — "the", "of",
/// "and", "de", "la" — and are left out of the bags, as a stop-word list
/// would leave them out, whatever the language. Kept in, they make
/// unrelated sentences of one style look alike (Dice counts them fully)
/// and every sentence a candidate for every other.
const COMMON_SHARE: f64 = 0.1;
const COMMON_MIN: f64 = 4.0;

/// In how many of a pair's `sentences` a word may be and not be common.
pub(super) fn common_count(sentences: usize) -> f64 {
    (COMMON_SHARE * sentences as f64).max(COMMON_MIN)
}

/// One pair's word weights: `ln(S / sf(w))`, `S` sentences in both
/// documents, `sf(w)` of them holding `w`; words in more than
/// [`common_count`] of them are common in the pair. An array over the
/// whole vocabulary, set and reset for one pair at a time (one per worker
/// thread); weights are computed when asked for, as most words of a pair
/// are never weighed (their sentences share nothing).
pub(super) struct Weights {
    sf: Vec<u32>,
    /// For each word of the second document, one more than its place in
    /// that document's vocabulary (0: not there).
    in_b: Vec<u32>,
    total: f64,
    common: f64,
}

impl Weights {
    /// Room for a vocabulary of `words` ids.
    pub fn new(words: usize) -> Self {
        Weights {
            sf: vec![0; words],
            in_b: vec![0; words],
            total: 0.0,
            common: 0.0,
        }
    }

    /// Counts the sentences of `a` and `b` holding each of their words;
    /// [`Self::clear`] with the same pair undoes it.
    pub fn set(&mut self, a: &Profile, b: &Profile) {
        for (k, (&w, held)) in b.vocab.iter().zip(b.post_at.windows(2)).enumerate() {
            self.sf[w as usize] = held[1] - held[0];
            self.in_b[w as usize] = k as u32 + 1;
        }
        for (&w, held) in a.vocab.iter().zip(a.post_at.windows(2)) {
            self.sf[w as usize] += held[1] - held[0];
        }
        let sentences = a.sentences() + b.sentences();
        self.total = sentences as f64;
        self.common = common_count(sentences);
    }

    /// Resets what [`Self::set`] did for `a` and `b`.
    pub fn clear(&mut self, a: &Profile, b: &Profile) {
        for &w in &a.vocab {
            self.sf[w as usize] = 0;
        }
        for &w in &b.vocab {
            (self.sf[w as usize], self.in_b[w as usize]) = (0, 0);
        }
    }

    /// The sentences of `b` (the second document of the pair set) holding
    /// word `w`, if any do.
    pub fn held_by_b<'p>(&self, b: &'p Profile, w: u32) -> Option<&'p [u32]> {
        let k = self.in_b[w as usize].checked_sub(1)? as usize;
        Some(&b.postings[b.post_at[k] as usize..b.post_at[k + 1] as usize])
    }

    /// The weight of word `w` in the pair.
    pub fn idf(&self, w: u32) -> f64 {
        (self.total / f64::from(self.sf[w as usize].max(1))).ln()
    }

    /// The square of [`Self::idf`] (a weighted bag's terms), computed once.
    pub fn squared(&self, w: u32) -> f64 {
        let f = self.idf(w);
        f * f
    }

    /// Whether `w` counts: it is not common in the pair.
    pub fn kept(&self, w: u32) -> bool {
        f64::from(self.sf[w as usize]) <= self.common
    }
}

/// Profiles of two documents with ids of their own (the gate compares one
/// pair at a time): the two profiles and the ids of their words.
pub(super) fn pair_profiles(
    a: &DocUnits,
    a_units: &[Unit],
    b: &DocUnits,
    b_units: &[Unit],
) -> (Profile, Profile, AHashMap<u64, u32>) {
    let words = |us: &[Unit]| us.iter().map(Unit::len).sum::<usize>();
    let mut ids: AHashMap<u64, u32> = AHashMap::with_capacity(words(a_units) + words(b_units));
    let mut id = |h: u64| {
        let next = ids.len() as u32;
        *ids.entry(h).or_insert(next)
    };
    let pa = Profile::new(a, a_units, &mut id);
    let pb = Profile::new(b, b_units, &mut id);
    (pa, pb, ids)
}

#[cfg(test)]
mod tests {
    use super::super::tests::doc;
    use super::*;

    /// A profile holds each sentence's distinct words and, per word, the
    /// sentences holding it; the pair's weights count both documents and
    /// are reset by `clear`.
    #[test]
    fn profiles_and_weights_of_a_pair() {
        let a = doc("The cat sat on the mat by the door. The cat ran and the dog sat in the garden all day.");
        let b = doc("A dog barked at the postman for an hour before lunch.");
        let (pa, pb, ids) = pair_profiles(&a, &a.units, &b, &b.units);
        assert_eq!((pa.sentences(), pb.sentences()), (2, 1));
        let id = |w: &str| ids[&crate::tokenize::word_hash(w)];
        // "the" twice in sentence 1, once in its bag.
        assert_eq!(pa.bag(1).iter().filter(|&&w| w == id("the")).count(), 1);
        let held: Vec<(u32, Vec<u32>)> = pa.vocab().map(|(w, s)| (w, s.to_vec())).collect();
        assert!(held.contains(&(id("cat"), vec![0, 1])));
        assert!(held.contains(&(id("ran"), vec![1])));
        let mut weights = Weights::new(ids.len());
        weights.set(&pa, &pb);
        // "dog" is in 2 of the pair's 3 sentences, "ran" in 1.
        assert!((weights.idf(id("dog")) - (3.0f64 / 2.0).ln()).abs() < 1e-12);
        assert!((weights.idf(id("ran")) - 3.0f64.ln()).abs() < 1e-12);
        assert_eq!(weights.held_by_b(&pb, id("dog")), Some(&[0u32][..]));
        assert_eq!(weights.held_by_b(&pb, id("cat")), None);
        weights.clear(&pa, &pb);
        assert!(weights.sf.iter().chain(&weights.in_b).all(|&n| n == 0));
    }
}
