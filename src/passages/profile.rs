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

use super::DocUnits;
use crate::units::Unit;

/// One document's sentences (inside the units it was built from) as
/// sorted sets of words, and the sentences holding each word.
///
/// Words are numbered within the document: word `k` is the `k`-th
/// smallest of its distinct hashes, so two profiles' words compare in one
/// order (by hash) and a pair is set up by merging two sorted lists,
/// without a vocabulary of the corpus (building one cost a hash-map look-up
/// per word of every profiled document, and weighing a pair in arrays over
/// it cost a cache miss per word).
pub(super) struct Profile {
    /// The sentences as word ranges of the document.
    pub ranges: Vec<Range<u32>>,
    /// Sentence `i`'s distinct words are `bag_words[bag_at[i]..bag_at[i + 1]]`,
    /// ascending.
    bag_at: Vec<u32>,
    bag_words: Vec<u32>,
    /// The hashes of the sentence's words that are numbers, the same way.
    num_at: Vec<u32>,
    num_words: Vec<u64>,
    /// The document's distinct word hashes, ascending: word `k` is
    /// `vocab[k]`, held by sentences `postings[post_at[k]..post_at[k + 1]]`
    /// (ascending).
    vocab: Vec<u64>,
    post_at: Vec<u32>,
    postings: Vec<u32>,
    /// Per sentence, how many of its words are in at most [`LIGHT`] of the
    /// document's sentences ([`Profile::light`]).
    light: Vec<u32>,
    /// The words in more than [`LIGHT`] sentences, by ascending count of
    /// sentences ([`Profile::heavy`]).
    heavy: Vec<u32>,
}

impl Profile {
    /// The profile of `doc`'s sentences inside `units`, cut at
    /// [`DocUnits::sentences`].
    pub fn new(doc: &DocUnits, units: &[Unit]) -> Self {
        Self::with(doc, units, &mut Scratch::default())
    }

    /// [`Profile::new`], with `scratch`'s buffers (kept from one profile to
    /// the next by the caller).
    ///
    /// Without a comparison sort and without a branch per word: every
    /// word's (hash, sentence) is bucket-sorted on the hash
    /// ([`crate::sorted::sort_by_uniform_key`]), which lists the words by hash with their
    /// sentences ascending, so one pass numbers the words and lists their
    /// postings, and a counting sort on the sentence gives the bags
    /// ([`Scratch::lists`]). (Numbering words in a hash table, as met,
    /// branched on whether each was new, a coin toss; a comparison sort
    /// of every word cost a sixth more.)
    pub fn with(doc: &DocUnits, units: &[Unit], scratch: &mut Scratch) -> Self {
        let ranges = sentence_ranges(doc, units);
        let Lists {
            vocab,
            bag_at,
            bag_words,
            post_at,
            postings,
        } = scratch.lists(doc, &ranges);
        let light = (0..ranges.len())
            .map(|i| {
                let bag = &bag_words[bag_at[i] as usize..bag_at[i + 1] as usize];
                let held = |k: u32| post_at[k as usize + 1] - post_at[k as usize];
                bag.iter().filter(|&&k| held(k) <= LIGHT).count() as u32
            })
            .collect();
        let held = |k: u32| post_at[k as usize + 1] - post_at[k as usize];
        let mut heavy: Vec<u32> = (0..vocab.len() as u32)
            .filter(|&k| held(k) > LIGHT)
            .collect();
        heavy.sort_unstable_by_key(|&k| (held(k), k));
        let (mut num_at, mut num_words) = (vec![0u32], Vec::new());
        for r in &ranges {
            let from = num_words.len();
            let first = doc.numbers.partition_point(|&n| n < r.start);
            num_words.extend(
                doc.numbers[first..]
                    .iter()
                    .take_while(|&&n| n < r.end)
                    .map(|&n| doc.words[n as usize].hash),
            );
            num_words[from..].sort_unstable();
            let distinct = from + dedup_from(&mut num_words[from..]);
            num_words.truncate(distinct);
            num_at.push(num_words.len() as u32);
        }
        Profile {
            ranges,
            bag_at,
            bag_words,
            num_at,
            num_words,
            vocab,
            post_at,
            postings,
            light,
            heavy,
        }
    }

    /// Asks the processor to bring what a pair reads of this profile into
    /// its cache, ahead of the pair.
    pub fn prefetch(&self) {
        // What every pair reads (the vocabulary merged, the sentence
        // counts, the shared words' postings); the bags are read by the
        // few pairs that go on.
        crate::prefetch::slice(&self.vocab);
        crate::prefetch::slice(&self.post_at);
        crate::prefetch::slice(&self.postings);
        crate::prefetch::slice(&self.light);
        crate::prefetch::slice(&self.heavy);
    }

    /// How many sentences there are.
    pub fn sentences(&self) -> usize {
        self.ranges.len()
    }

    /// Sentence `i`'s distinct words (numbers in this profile), ascending.
    #[inline]
    pub fn bag(&self, i: u32) -> &[u32] {
        &self.bag_words[self.bag_at[i as usize] as usize..self.bag_at[i as usize + 1] as usize]
    }

    /// The hashes of sentence `i`'s distinct numbers, ascending.
    pub fn numbers(&self, i: u32) -> &[u64] {
        &self.num_words[self.num_at[i as usize] as usize..self.num_at[i as usize + 1] as usize]
    }

    /// How many distinct words there are (numbered `0..words`).
    pub fn words(&self) -> usize {
        self.vocab.len()
    }

    /// The hash of word `k`.
    pub fn hash(&self, k: u32) -> u64 {
        self.vocab[k as usize]
    }

    /// How many sentences hold word `k`.
    #[inline]
    pub fn held(&self, k: u32) -> u32 {
        let k = k as usize;
        self.post_at[k + 1] - self.post_at[k]
    }

    /// The sentences holding word `k`, ascending.
    #[inline]
    pub fn postings(&self, k: u32) -> &[u32] {
        let k = k as usize;
        &self.postings[self.post_at[k] as usize..self.post_at[k + 1] as usize]
    }

    /// How many words of sentence `i` are in at most [`LIGHT`] of the
    /// document's sentences: its counted words in a pair where a word
    /// counts when in at most [`LIGHT`] of the pair's sentences, before
    /// the words the other document shares are added.
    #[inline]
    pub fn light(&self, i: u32) -> u32 {
        self.light[i as usize]
    }

    /// The words in more than [`LIGHT`] but at most `most` sentences, by
    /// ascending count of sentences: with [`Self::light`], what counts of
    /// a sentence when a word counts in at most `most` of the document's
    /// sentences.
    pub fn heavy(&self, most: u32) -> &[u32] {
        let end = self.heavy.partition_point(|&k| self.held(k) <= most);
        &self.heavy[..end]
    }

    /// Each distinct word's hash with the sentences holding it, by
    /// ascending hash.
    #[cfg(test)]
    pub fn vocab(&self) -> impl Iterator<Item = (u64, &[u32])> + '_ {
        (0..self.vocab.len()).map(|k| (self.vocab[k], self.postings(k as u32)))
    }
}

/// What building a profile writes and forgets ([`Profile::with`]), kept
/// from one profile to the next (one per worker thread).
#[derive(Default)]
pub(super) struct Scratch {
    /// Every word of the sentences as (hash, sentence), in text order.
    words: Vec<(u64, u32)>,
    /// The same by hash, each hash's sentences ascending.
    sorted: Vec<(u64, u32)>,
    /// The distinct hashes, with room past the last.
    vocab: Vec<u64>,
    /// Where each word's postings start, with room past the last.
    post_at: Vec<u32>,
    /// Each word's distinct sentences, word after word, with room.
    postings: Vec<u32>,
    /// Bucket counts; where the next word of each bag goes.
    fill: Vec<u32>,
}

/// A profile's lists ([`Profile`] says what each holds).
struct Lists {
    vocab: Vec<u64>,
    bag_at: Vec<u32>,
    bag_words: Vec<u32>,
    post_at: Vec<u32>,
    postings: Vec<u32>,
}

impl Scratch {
    /// The vocabulary, bags and postings of the sentences `ranges` of
    /// `doc`.
    fn lists(&mut self, doc: &DocUnits, ranges: &[Range<u32>]) -> Lists {
        self.words.clear();
        for (i, r) in (0u32..).zip(ranges) {
            let words = &doc.words[r.start as usize..r.end as usize];
            self.words.extend(words.iter().map(|w| (w.hash, i)));
        }
        crate::sorted::sort_by_uniform_key(&self.words, |w| w.0, &mut self.sorted, &mut self.fill);
        let n = self.sorted.len();
        let Scratch {
            sorted,
            vocab,
            post_at,
            postings,
            fill,
            ..
        } = self;
        for list in [&mut *post_at, &mut *postings] {
            list.clear();
            list.resize(n + 1, 0);
        }
        vocab.clear();
        vocab.resize(n + 1, 0);
        // A new hash starts a word, a new sentence of it a posting. Both
        // are written at every step and kept only by moving past them (a
        // word is new about as often as not: no branch on it).
        let (mut words, mut posts) = (0usize, 0usize);
        let mut before = sorted.first().map_or((0, 0), |&(h, _)| (!h, u32::MAX));
        for &(hash, sentence) in sorted.iter() {
            let new_word = hash != before.0;
            vocab[words] = hash;
            post_at[words] = posts as u32;
            words += usize::from(new_word);
            postings[posts] = sentence;
            posts += usize::from(new_word | (sentence != before.1));
            before = (hash, sentence);
        }
        post_at[words] = posts as u32;
        // Copied out at their lengths: a profile is kept for the whole
        // search, and the buffers have room for every word.
        let (vocab, post_at, postings) = (
            vocab[..words].to_vec(),
            post_at[..=words].to_vec(),
            postings[..posts].to_vec(),
        );
        // The bags: the postings counting-sorted back on the sentence,
        // words ascending.
        let mut bag_at = vec![0u32; ranges.len() + 1];
        for &i in &postings {
            bag_at[i as usize + 1] += 1;
        }
        crate::sorted::running_sums(&mut bag_at);
        fill.clear();
        fill.extend_from_slice(&bag_at[..ranges.len()]);
        let mut bag_words = vec![0u32; postings.len()];
        for k in 0..words {
            for &i in &postings[post_at[k] as usize..post_at[k + 1] as usize] {
                bag_words[fill[i as usize] as usize] = k as u32;
                fill[i as usize] += 1;
            }
        }
        Lists {
            vocab,
            bag_at,
            bag_words,
            post_at,
            postings,
        }
    }
}

/// `doc`'s sentences inside `units` as word ranges: each unit cut at
/// [`DocUnits::sentences`].
fn sentence_ranges(doc: &DocUnits, units: &[Unit]) -> Vec<Range<u32>> {
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
    ranges
}

/// Drops the repeats of sorted `v` to its front; returns how many remain.
fn dedup_from<T: PartialEq + Copy>(v: &mut [T]) -> usize {
    let mut keep = 0;
    for k in 0..v.len() {
        if k == 0 || v[k] != v[keep - 1] {
            v[keep] = v[k];
            keep += 1;
        }
    }
    keep
}

/// Words in more than this share of the pair's sentences (and in more
/// than [`COMMON_MIN`]) are function words for the pair — "the", "of",
/// "and", "de", "la" — and are left out of the bags, as a stop-word list
/// would leave them out, whatever the language. Kept in, they make
/// unrelated sentences of one style look alike (Dice counts them fully)
/// and every sentence a candidate for every other.
const COMMON_SHARE: f64 = 0.1;
const COMMON_MIN: f64 = 4.0;

/// In how many of a pair's sentences a word may be and count, in every
/// pair of fewer than 50 sentences ([`common_count`]'s floor there).
pub(super) const LIGHT: u32 = COMMON_MIN as u32;

/// In how many of a pair's `sentences` a word may be and not be common.
pub(super) fn common_count(sentences: usize) -> f64 {
    (COMMON_SHARE * sentences as f64).max(COMMON_MIN)
}

/// One pair's word weights: `ln(S / sf(w))`, `S` sentences in both
/// documents, `sf(w)` of them holding `w`; words in more than
/// [`common_count`] of them are common in the pair. Arrays over each
/// document's words, set for one pair at a time by merging the two
/// profiles' word lists (buffers reused, one per worker thread).
#[derive(Default)]
pub(super) struct Weights {
    /// `sf` of each word of the first document, and of the second.
    sf_a: Vec<u32>,
    sf_b: Vec<u32>,
    /// For each word of the first document, one more than its number in
    /// the second (0: not there).
    in_b: Vec<u32>,
    /// The words both documents hold: (number in the first, in the second).
    shared: Vec<[u32; 2]>,
    /// Whether `sf_a`, `sf_b` and `in_b` are set for the pair merged.
    weighed: bool,
    total: f64,
    common: f64,
    /// `squares[sf]`: the squared weight of a word in `sf` sentences, for
    /// every `sf` a counted word can have ([`Self::weigh_squares`]); a
    /// logarithm per pair and `sf`, not per word of every bag compared.
    squares: Vec<f64>,
}

impl Weights {
    /// Finds the words `a` and `b`, the pair's two documents, share (by
    /// merging their vocabularies); forgets the last pair's weights.
    pub fn merge(&mut self, a: &Profile, b: &Profile) {
        crate::sorted::meet(&a.vocab, &b.vocab, &mut self.shared);
        let sentences = a.sentences() + b.sentences();
        self.total = sentences as f64;
        self.common = common_count(sentences);
        self.squares.clear();
        self.weighed = false;
    }

    /// The words the pair merged shares: (number in the first document,
    /// in the second), ascending.
    pub fn shared(&self) -> &[[u32; 2]] {
        &self.shared
    }

    /// Weighs every word of `a` and `b`, the pair merged last
    /// ([`Self::merge`]); once per pair.
    pub fn weigh(&mut self, a: &Profile, b: &Profile) {
        if self.weighed {
            return;
        }
        self.sf_a.clear();
        self.sf_a
            .extend((0..a.vocab.len() as u32).map(|k| a.held(k)));
        self.sf_b.clear();
        self.sf_b
            .extend((0..b.vocab.len() as u32).map(|k| b.held(k)));
        self.in_b.clear();
        self.in_b.resize(a.vocab.len(), 0);
        for &[i, j] in &self.shared {
            let (i, j) = (i as usize, j as usize);
            let sf = self.sf_a[i] + self.sf_b[j];
            (self.sf_a[i], self.sf_b[j]) = (sf, sf);
            self.in_b[i] = j as u32 + 1;
        }
        self.weighed = true;
    }

    /// Tabulates the squared weights of the pair set: called once its
    /// bags are about to be compared (most pairs searched stop before).
    pub fn weigh_squares(&mut self) {
        let counted = self.common.floor() as u32;
        self.squares.clear();
        self.squares
            .extend((0..=counted).map(|sf| squared_weight(self.total, sf)));
    }

    /// The sentences of `b` (the second document of the pair set) holding
    /// word `k` of the first, if any do.
    #[inline]
    pub fn held_by_b<'p>(&self, b: &'p Profile, k: u32) -> Option<&'p [u32]> {
        let kb = self.in_b[k as usize].checked_sub(1)?;
        Some(b.postings(kb))
    }

    /// The words of the first document (`true`: of the second) seen
    /// through these weights.
    pub fn side(&self, second: bool) -> SideWeights<'_> {
        SideWeights {
            sf: if second { &self.sf_b } else { &self.sf_a },
            total: self.total,
            // `sf` is a whole number: at most `common` is at most its floor.
            kept_max: self.common.floor() as u32,
            squares: &self.squares,
        }
    }
}

/// One document's words weighed in a pair ([`Weights::side`]).
#[derive(Clone, Copy)]
pub(super) struct SideWeights<'w> {
    sf: &'w [u32],
    total: f64,
    /// The most sentences a counted word is in ([`common_count`], floored).
    kept_max: u32,
    squares: &'w [f64],
}

impl SideWeights<'_> {
    /// How many of the pair's sentences hold word `k`.
    #[inline]
    pub fn sf(&self, k: u32) -> u32 {
        self.sf[k as usize]
    }

    /// Whether word `k` counts: it is not common in the pair.
    #[inline]
    pub fn kept(&self, k: u32) -> bool {
        self.sf(k) <= self.kept_max
    }

    /// The square of the weight of a word held by `sf` of the pair's
    /// sentences (a weighted bag's terms).
    pub fn squared(&self, sf: u32) -> f64 {
        match self.squares.get(sf as usize) {
            Some(&sq) => sq,
            None => squared_weight(self.total, sf),
        }
    }
}

/// `ln(total / sf)²`, the square of a word's weight in a pair of `total`
/// sentences.
fn squared_weight(total: f64, sf: u32) -> f64 {
    let f = (total / f64::from(sf.max(1))).ln();
    f * f
}

#[cfg(test)]
mod tests {
    use super::super::tests::doc;
    use super::*;

    proptest::proptest! {
        /// A profile's lists are their definitions: the distinct hashes
        /// ascending, each one's sentences ascending, each sentence's
        /// distinct words ascending.
        #[test]
        fn profiles_are_their_definitions(
            sentences in proptest::collection::vec(proptest::collection::vec(0u8..40, 8..14), 1..30),
        ) {
            const WORDS: [&str; 8] = ["the", "bank", "oil", "said", "prices", "rose", "fell", "trade"];
            let word = |w: u8| match WORDS.get(w as usize) {
                Some(w) => w.to_string(),
                None => format!("q{}{}", (b'a' + w / 26) as char, (b'a' + w % 26) as char),
            };
            let text: String = sentences
                .iter()
                .map(|s| {
                    let words: Vec<String> = s.iter().map(|&w| word(w)).collect();
                    format!("X {}.", words.join(" "))
                })
                .collect::<Vec<_>>()
                .join(" ");
            let d = doc(&text);
            let p = Profile::new(&d, &d.units);
            let ranges = sentence_ranges(&d, &d.units);
            let hashes = |r: &Range<u32>| -> Vec<u64> {
                d.words[r.start as usize..r.end as usize].iter().map(|w| w.hash).collect()
            };
            let mut vocab: Vec<u64> = ranges.iter().flat_map(hashes).collect();
            vocab.sort_unstable();
            vocab.dedup();
            proptest::prop_assert_eq!(&p.vocab, &vocab);
            for (k, &h) in (0u32..).zip(&vocab) {
                let holding: Vec<u32> =
                    (0u32..).zip(&ranges).filter(|(_, r)| hashes(r).contains(&h)).map(|(i, _)| i).collect();
                proptest::prop_assert_eq!(p.postings(k), &holding[..]);
            }
            for (i, r) in (0u32..).zip(&ranges) {
                let mut bag: Vec<u32> = hashes(r)
                    .iter()
                    .map(|h| vocab.binary_search(h).map_or(u32::MAX, |k| k as u32))
                    .collect();
                bag.sort_unstable();
                bag.dedup();
                proptest::prop_assert_eq!(p.bag(i), &bag[..]);
            }
        }
    }

    /// A profile holds each sentence's distinct words and, per word, the
    /// sentences holding it; the pair's weights count both documents.
    #[test]
    fn profiles_and_weights_of_a_pair() {
        let a = doc("The cat sat on the mat by the door. The cat ran and the dog sat in the garden all day.");
        let b = doc("A dog barked at the postman for an hour before lunch.");
        let (pa, pb) = (Profile::new(&a, &a.units), Profile::new(&b, &b.units));
        assert_eq!((pa.sentences(), pb.sentences()), (2, 1));
        let k = |p: &Profile, w: &str| {
            let h = crate::tokenize::word_hash(w);
            let k = p
                .vocab
                .binary_search(&h)
                .expect("the profile holds the word");
            k as u32
        };
        let the = k(&pa, "the");
        // "the" twice in sentence 1, once in its bag.
        assert_eq!(pa.bag(1).iter().filter(|&&w| w == the).count(), 1);
        assert!(pa.bag(1).windows(2).all(|w| w[0] < w[1]));
        let held: Vec<(u64, Vec<u32>)> = pa.vocab().map(|(w, s)| (w, s.to_vec())).collect();
        let hash = crate::tokenize::word_hash;
        assert!(held.contains(&(hash("cat"), vec![0, 1])));
        assert!(held.contains(&(hash("ran"), vec![1])));
        let mut weights = Weights::default();
        weights.merge(&pa, &pb);
        weights.weigh(&pa, &pb);
        let (wa, wb) = (weights.side(false), weights.side(true));
        let (dog_a, dog_b) = (k(&pa, "dog"), k(&pb, "dog"));
        // "dog" is in 2 of the pair's 3 sentences, "ran" in 1.
        assert_eq!((wa.sf(dog_a), wb.sf(dog_b)), (2, 2));
        assert_eq!(wa.sf(k(&pa, "ran")), 1);
        assert!((wa.squared(2) - (3.0f64 / 2.0).ln().powi(2)).abs() < 1e-12);
        assert_eq!(weights.held_by_b(&pb, dog_a), Some(&[0u32][..]));
        assert_eq!(weights.held_by_b(&pb, k(&pa, "cat")), None);
        // A second pair reuses the buffers and forgets the first.
        weights.merge(&pb, &pb);
        weights.weigh(&pb, &pb);
        assert_eq!(weights.side(false).sf(dog_b), 2);
    }
}
