//! Align: two word sequences → the best local alignment between them
//! (Smith–Waterman over word hashes).
//!
//! This is how a candidate passage pair is verified and tightened: the
//! alignment starts and ends on matching words, so when only a sentence of
//! a long paragraph was reused, only that sentence is reported. Edits
//! (substituted, inserted, deleted words) are bridged when the text around
//! them matches.
//!
//! Scores: match +2, mismatch −2, gap −2. With these, unrelated text scores
//! below zero on average and an edit every few words is still bridged
//! (two matches pay for one edit).

use std::ops::Range;

const MATCH: i32 = 2;
const MISMATCH: i32 = -2;
const GAP: i32 = -2;

/// The best local alignment of two sequences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alignment {
    /// Aligned region of the first sequence (indices into it).
    pub a: Range<usize>,
    /// Aligned region of the second sequence.
    pub b: Range<usize>,
    /// Positions where the two aligned words are equal.
    pub matches: usize,
}

impl Alignment {
    /// Matching words over the longer aligned side: 1.0 for verbatim reuse,
    /// lower with every edit.
    pub fn similarity(&self) -> f64 {
        similarity(self.matches, self.a.len(), self.b.len())
    }
}

/// Similarity of an aligned region with `matches` equal words and sides of
/// `a_len` and `b_len` words.
pub fn similarity(matches: usize, a_len: usize, b_len: usize) -> f64 {
    let longer = a_len.max(b_len);
    if longer == 0 {
        0.0
    } else {
        matches as f64 / longer as f64
    }
}

/// Smith–Waterman with a reusable score matrix; one per thread.
#[derive(Debug, Default)]
pub struct Aligner {
    scores: Vec<i32>,
}

impl Aligner {
    /// The highest-scoring local alignment of `a` and `b`, or `None` when
    /// they share no word. Ties go to the alignment ending first (in `a`,
    /// then `b`), so results are deterministic. Cost O(|a|·|b|) time and
    /// memory; callers keep the inputs short (passage units).
    pub fn align(&mut self, a: &[u64], b: &[u64]) -> Option<Alignment> {
        let (n, m) = (a.len(), b.len());
        let width = m + 1;
        self.scores.clear();
        self.scores.resize((n + 1) * width, 0);
        let h = &mut self.scores;
        let mut best = (0, 0, 0);
        for (i, &ai) in (1..=n).zip(a) {
            // Row by row over slices: no index arithmetic or bounds checks
            // in the inner loop, and the left neighbour kept in a register.
            let (above, rest) = h.split_at_mut(i * width);
            let prev = &above[(i - 1) * width..];
            let row = &mut rest[..width];
            let mut left = 0;
            for (j, ((cell, up), &bj)) in (1..).zip(row[1..].iter_mut().zip(prev.windows(2)).zip(b))
            {
                let diag = up[0] + if ai == bj { MATCH } else { MISMATCH };
                let score = diag.max(up[1] + GAP).max(left + GAP).max(0);
                *cell = score;
                left = score;
                if score > best.0 {
                    best = (score, i, j);
                }
            }
        }
        if best.0 == 0 {
            return None;
        }
        // Trace back from the best cell to where the score drops to zero.
        let (_, mut i, mut j) = best;
        let (end_i, end_j) = (i, j);
        let mut matches = 0;
        while i > 0 && j > 0 && h[i * width + j] > 0 {
            let here = h[i * width + j];
            let same = a[i - 1] == b[j - 1];
            let diag = h[(i - 1) * width + j - 1] + if same { MATCH } else { MISMATCH };
            if here == diag {
                matches += usize::from(same);
                i -= 1;
                j -= 1;
            } else if here == h[(i - 1) * width + j] + GAP {
                i -= 1;
            } else {
                j -= 1;
            }
        }
        Some(Alignment {
            a: i..end_i,
            b: j..end_j,
            matches,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(words: &str) -> Vec<u64> {
        words
            .split_whitespace()
            .map(crate::tokenize::word_hash)
            .collect()
    }

    #[test]
    fn verbatim_reuse_inside_longer_text_is_tightened() {
        let a = seq(
            "in this file photo taken in july the general arrives to pay his respects to the hero",
        );
        let b = seq(
            "the general arrives to pay his respects to the hero united nations investigators said",
        );
        let al = Aligner::default().align(&a, &b).unwrap();
        assert_eq!(al.a, 7..17);
        assert_eq!(al.b, 0..10);
        assert_eq!(al.matches, 10);
        assert_eq!(al.similarity(), 1.0);
    }

    #[test]
    fn edits_are_bridged() {
        let a = seq("rights activists have accused moscow of legitimizing myanmar's military junta which came to power in a coup by continuing visits");
        let b = seq("rights activists have accused moscow of legitimizing myanmar's junta which seized power in a coup by continuing visits");
        let al = Aligner::default().align(&a, &b).unwrap();
        assert_eq!((al.a.clone(), al.b.clone()), (0..a.len(), 0..b.len()));
        assert_eq!(al.matches, 17);
        assert!(al.similarity() > 0.8);
    }

    #[test]
    fn unrelated_text_does_not_align_far() {
        let a = seq("the cat sat on the mat");
        let b = seq("stock markets fell sharply on monday");
        let al = Aligner::default().align(&a, &b).unwrap();
        assert_eq!(al.matches, 1);
        assert!(Aligner::default().align(&seq("x y"), &seq("z w")).is_none());
    }
}
