//! The index's parameters (fixed when it is created, as `scan`'s options)
//! and the policy of an admit.

use serde::{Deserialize, Serialize};

use crate::lsh::LshParams;
use crate::normalize::NormalizeOptions;
use crate::passages::PassageOptions;

use super::FORMAT_VERSION;

/// The parameters an index is built with. Stored in the index; opening it
/// with different ones is refused, because signatures, band keys and
/// anchors would not be comparable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexParams {
    /// On-disk layout version.
    pub format: u32,
    /// Word and shingle hash.
    pub hash: String,
    /// Jaccard threshold of a near-duplicate.
    pub threshold: f64,
    /// Words per shingle.
    pub shingle: usize,
    /// Signature values.
    pub num_perm: usize,
    /// LSH bands.
    pub bands: usize,
    /// LSH rows per band.
    pub rows: usize,
    /// British → American spelling folding.
    pub fold_spelling: bool,
    /// Words per passage anchor.
    pub anchor_words: usize,
}

impl IndexParams {
    /// The parameters `scan` would use for these options.
    pub fn new(
        threshold: f64,
        shingle: usize,
        num_perm: usize,
        lsh: Option<LshParams>,
        fold_spelling: bool,
    ) -> Self {
        let lsh = lsh.unwrap_or_else(|| LshParams::optimal(threshold, num_perm));
        IndexParams {
            format: FORMAT_VERSION,
            hash: "xxh3-64".into(),
            threshold,
            shingle,
            num_perm,
            bands: lsh.bands,
            rows: lsh.rows,
            fold_spelling,
            anchor_words: PassageOptions::default().anchor_words,
        }
    }

    pub(super) fn lsh(&self) -> LshParams {
        LshParams {
            bands: self.bands,
            rows: self.rows,
        }
    }

    /// The normalization texts are fingerprinted with (for parsing a
    /// boilerplate file to match this index).
    pub fn normalize_options(&self) -> NormalizeOptions {
        self.normalize()
    }

    pub(super) fn normalize(&self) -> NormalizeOptions {
        NormalizeOptions {
            fold_spelling: self.fold_spelling,
        }
    }

    /// The differences between two parameter sets, for the refusal message.
    pub(super) fn differences(&self, other: &IndexParams) -> Vec<String> {
        let (a, b) = (
            serde_json::to_value(self).unwrap_or_default(),
            serde_json::to_value(other).unwrap_or_default(),
        );
        let mut out = Vec::new();
        if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
            for (k, v) in a {
                if b.get(k) != Some(v) {
                    out.push(format!(
                        "{k}: index has {}, asked for {v}",
                        b.get(k).cloned().unwrap_or_default()
                    ));
                }
            }
        }
        out
    }
}

/// What the gate does with an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// Admit near-duplicates too (default: they are rejected).
    pub admit_duplicates: bool,
    /// Reject articles that repost passages (default: admitted, flagged).
    pub reject_reposts: bool,
    /// Replace an admitted article when the same id comes with different
    /// text (default: an error).
    pub replace: bool,
}
