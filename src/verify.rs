//! Verify: candidate pairs → verified pairs with their similarity.
//!
//! [`verify_exact`] (the default) computes the exact Jaccard similarity of
//! the two documents' shingle sets, so every reported pair really is at or
//! above the threshold: no false positives. [`verify_estimate`] trusts the
//! signature estimate instead (faster, approximate both ways; what
//! datasketch and rensa do).

use rayon::prelude::*;

use crate::shingle::ShingleSet;
use crate::sketch::Signature;

/// How candidates are confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerifyMode {
    /// Exact Jaccard of the shingle sets.
    #[default]
    Exact,
    /// The MinHash estimate.
    Estimate,
}

impl VerifyMode {
    /// The mode's name in options and output (`exact`, `estimate`).
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyMode::Exact => "exact",
            VerifyMode::Estimate => "estimate",
        }
    }
}

/// A candidate pair that passed verification.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VerifiedPair {
    /// Index of the first document (`a < b`).
    pub a: u32,
    /// Index of the second document.
    pub b: u32,
    /// Exact Jaccard (or the estimate, with [`VerifyMode::Estimate`]).
    pub jaccard: f64,
}

/// Keeps the pairs whose exact shingle-set Jaccard is `>= threshold`.
///
/// `set_of(i)` gives document `i`'s shingle set; a pair with a missing set
/// (the document could not be re-read) is dropped — the caller reports
/// why. The output keeps the input order.
pub fn verify_exact<'s>(
    pairs: &[(u32, u32)],
    set_of: impl Fn(u32) -> Option<&'s ShingleSet> + Sync,
    threshold: f64,
) -> Vec<VerifiedPair> {
    pairs
        .par_iter()
        .filter_map(|&(a, b)| {
            let (sa, sb) = (set_of(a)?, set_of(b)?);
            // Jaccard ≤ min/max of the sizes: skip the merge when even a
            // full containment could not reach the threshold.
            let (small, large) = (sa.len().min(sb.len()), sa.len().max(sb.len()));
            if (small as f64) < threshold * large as f64 {
                return None;
            }
            let jaccard = sa.jaccard(sb);
            (jaccard >= threshold).then_some(VerifiedPair { a, b, jaccard })
        })
        .collect()
}

/// Keeps the pairs whose signature estimate is `>= threshold`;
/// `signature_of(i)` gives document `i`'s signature.
pub fn verify_estimate<'s>(
    pairs: &[(u32, u32)],
    signature_of: impl Fn(u32) -> &'s Signature + Sync,
    threshold: f64,
) -> Vec<VerifiedPair> {
    pairs
        .par_iter()
        .filter_map(|&(a, b)| {
            let jaccard = signature_of(a).estimate_jaccard(signature_of(b));
            (jaccard >= threshold).then_some(VerifiedPair { a, b, jaccard })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_verification_keeps_only_pairs_at_or_above_threshold() {
        let sets = [
            ShingleSet::from_hashes((0..10).collect()),
            ShingleSet::from_hashes((0..8).collect()), // J = 0.8 with set 0
            ShingleSet::from_hashes((5..15).collect()), // J = 1/3 with set 0
        ];
        let pairs = [(0, 1), (0, 2), (1, 2), (0, 3)];
        let got = verify_exact(&pairs, |i| sets.get(i as usize), 0.8);
        assert_eq!(
            got,
            vec![VerifiedPair {
                a: 0,
                b: 1,
                jaccard: 0.8
            }]
        );
    }
}
