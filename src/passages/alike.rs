//! The rewrite search's first test ([`super::rewrites`]): one document
//! pair → the sentence pairs whose counted words are alike (Dice
//! coefficient above [`SEED_DICE`]).
//!
//! Most pairs searched stop here (on Reuters-21578 two in three have
//! fewer than two such sentence pairs), so its cost is most of the
//! search's. Two ways to the same answer:
//! - **Most pairs** (at most [`MAX_CELLS`] sentence pairs: all but pairs
//!   of very long documents) are counted through the words the two
//!   documents share only. A word counts when it is in at most
//!   [`common_count`] of the pair's sentences (floored: `t`), so each
//!   sentence's count of counted words is its profile's count of words in
//!   at most `t` of its own document's sentences ([`Profile::light`] and
//!   [`Profile::heavy`]) less the shared words the pair makes common; the
//!   shared counts of every sentence pair are tallied in a matrix, shared
//!   word by shared word. The words only one document holds are never
//!   read, and the pair is not weighed.
//! - **Other pairs** are counted row by row through the words of the
//!   first document's sentences that the second holds, as
//!   [`Weights::held_by_b`] tells: no matrix.

use super::profile::{common_count, Profile, Weights};

/// Seed threshold on the Dice coefficient of two sentences' word sets.
pub(super) const SEED_DICE: f64 = 0.33;

/// The most sentence pairs a pair may have and be counted in a matrix
/// (a megabyte): documents of a thousand sentences each are counted row
/// by row.
const MAX_CELLS: usize = 1 << 18;

/// What the test writes and forgets, kept from pair to pair (one per
/// worker thread).
#[derive(Default)]
pub(super) struct Alike {
    /// Counted words of each sentence of the first and second document.
    la: Vec<u32>,
    lb: Vec<u32>,
    /// The shared counted words of every sentence pair, by
    /// `i × sentences of b + j`, and the cells not zero.
    cells: Vec<u32>,
    touched: Vec<u32>,
    /// Other pairs: the shared counted words of one sentence of the first
    /// document with each of the second's.
    row: Vec<u32>,
}

impl Alike {
    /// Every sentence pair `(i, j)` of `a` and `b` whose words that count
    /// in the pair (in at most [`common_count`] of its sentences) have a
    /// Dice coefficient above [`SEED_DICE`], ascending. `weights` has the
    /// pair merged ([`Weights::merge`]); it may be weighed on return.
    pub fn pairs(&mut self, a: &Profile, b: &Profile, weights: &mut Weights) -> Vec<(u32, u32)> {
        if a.sentences() * b.sentences() <= MAX_CELLS {
            self.through_shared(a, b, weights)
        } else {
            weights.weigh(a, b);
            self.row_by_row(a, b, weights)
        }
    }

    /// [`Self::pairs`] through the pair's shared words, in a matrix of
    /// every sentence pair.
    fn through_shared(&mut self, a: &Profile, b: &Profile, weights: &Weights) -> Vec<(u32, u32)> {
        // A whole number of sentences: at most the floor of the bound.
        let counted = common_count(a.sentences() + b.sentences()).floor() as u32;
        let light = |p: &Profile, out: &mut Vec<u32>| {
            out.clear();
            out.extend((0..p.sentences() as u32).map(|i| p.light(i)));
            for &k in p.heavy(counted) {
                for &i in p.postings(k) {
                    out[i as usize] += 1;
                }
            }
        };
        light(a, &mut self.la);
        light(b, &mut self.lb);
        let width = b.sentences();
        self.cells.clear();
        self.cells.resize(a.sentences() * width, 0);
        for &[ka, kb] in weights.shared() {
            let (held_a, held_b) = (a.held(ka), b.held(kb));
            if held_a + held_b > counted {
                // Common in the pair: out of the counts that held it.
                if held_a <= counted {
                    for &i in a.postings(ka) {
                        self.la[i as usize] -= 1;
                    }
                }
                if held_b <= counted {
                    for &j in b.postings(kb) {
                        self.lb[j as usize] -= 1;
                    }
                }
                continue;
            }
            for &i in a.postings(ka) {
                let row = i as usize * width;
                for &j in b.postings(kb) {
                    let cell = &mut self.cells[row + j as usize];
                    if *cell == 0 {
                        self.touched.push((row + j as usize) as u32);
                    }
                    *cell += 1;
                }
            }
        }
        let mut out = Vec::new();
        for &c in &self.touched {
            let c = c as usize;
            let (i, j) = (c / width, c % width);
            let (n, la, lb) = (self.cells[c], self.la[i], self.lb[j]);
            if 2.0 * f64::from(n) / f64::from(la + lb) > SEED_DICE {
                out.push((i as u32, j as u32));
            }
        }
        self.touched.clear();
        out.sort_unstable();
        out
    }

    /// [`Self::pairs`] of any pair, `weights` weighed: shared words are
    /// counted row by row through the words of `a`'s sentences that `b`
    /// holds, so a pair costs what its documents hold, not a pass over
    /// every sentence pair.
    fn row_by_row(&mut self, a: &Profile, b: &Profile, weights: &Weights) -> Vec<(u32, u32)> {
        let (kept_a, kept_b) = (weights.side(false), weights.side(true));
        self.lb.clear();
        self.lb.extend((0..b.sentences() as u32).map(|j| {
            let kept = b.bag(j).iter().filter(|&&k| kept_b.kept(k));
            kept.count() as u32
        }));
        self.row.clear();
        self.row.resize(b.sentences(), 0);
        // A slice, so that the innermost loop does not reload the vector.
        let row = &mut self.row[..];
        let mut out = Vec::new();
        for i in 0..a.sentences() as u32 {
            let mut la = 0u32;
            for &x in a.bag(i) {
                if !kept_a.kept(x) {
                    continue;
                }
                la += 1;
                for &j in weights.held_by_b(b, x).unwrap_or(&[]) {
                    let n = &mut row[j as usize];
                    if *n == 0 {
                        self.touched.push(j);
                    }
                    *n += 1;
                }
            }
            let from = out.len();
            for &j in &self.touched {
                let (n, lb) = (row[j as usize], self.lb[j as usize]);
                row[j as usize] = 0;
                if 2.0 * f64::from(n) / f64::from(la + lb) > SEED_DICE {
                    out.push((i, j));
                }
            }
            out[from..].sort_unstable();
            self.touched.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::doc;
    use super::*;

    /// Text of sentences of words from a small vocabulary: twelve common
    /// words, then made-up ones (many shared words, some common in the
    /// pair, some in a few more sentences than a short pair counts).
    fn text(sentences: &[Vec<u8>]) -> String {
        const WORDS: [&str; 12] = [
            "rates", "bank", "the", "oil", "said", "prices", "rose", "fell", "trade", "talks",
            "Tokyo", "grain",
        ];
        let word = |w: u8| match WORDS.get(w as usize) {
            Some(w) => w.to_string(),
            None => format!("q{}{}", (b'a' + w / 26) as char, (b'a' + w % 26) as char),
        };
        sentences
            .iter()
            .map(|s| {
                let words: Vec<String> = s.iter().map(|&w| word(w)).collect();
                let sentence = words.join(" ");
                // A capital after the full stop: the segmenter's sentence.
                let mut chars = sentence.chars();
                let first = chars.next().map(|c| c.to_ascii_uppercase());
                format!("{}{}.", first.unwrap_or('X'), chars.as_str())
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    proptest::proptest! {
        /// Pairs counted through their shared words find what counting
        /// row by row finds, short (under 50 sentences, where a word
        /// counts in at most 4) or long.
        #[test]
        fn pairs_count_through_shared_words_as_row_by_row(
            a in proptest::collection::vec(proptest::collection::vec(0u8..40, 8..12), 1..60),
            b in proptest::collection::vec(proptest::collection::vec(0u8..40, 8..12), 1..60),
        ) {
            let (da, db) = (doc(&text(&a)), doc(&text(&b)));
            let (pa, pb) = (Profile::new(&da, &da.units), Profile::new(&db, &db.units));
            proptest::prop_assert!(pa.sentences() >= a.len() && pb.sentences() >= b.len());
            let mut weights = Weights::default();
            weights.merge(&pa, &pb);
            let mut alike = Alike::default();
            let shared = alike.through_shared(&pa, &pb, &weights);
            weights.weigh(&pa, &pb);
            let rows = alike.row_by_row(&pa, &pb, &weights);
            proptest::prop_assert_eq!(shared, rows);
        }
    }
}
