//! Shingle: words → hashed word n-grams.
//!
//! A shingle is `n` consecutive words. Its hash is XXH3-64, seed
//! [`SHINGLE_SEED`], of the `n` word hashes written as little-endian `u64`s
//! one after another; this is the stable, specified hash that signatures,
//! band keys and anything persisted are built on.
//!
//! A document with fewer than `n` words (but at least one) has exactly one
//! shingle: all its words. A document with no words has no shingles.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::tokenize::Word;

/// Seed of the shingle hash (see the module docs).
pub const SHINGLE_SEED: u64 = 0x7265_7072_696e_7402; // "reprint" + 0x02

/// The largest shingle size accepted; longer n-grams make near-duplicates
/// vanish and are almost certainly a typo.
pub const MAX_SHINGLE: usize = 64;

/// Appends the hash of every window of `n` consecutive words to `out`, in
/// document order (duplicates included; see [`ShingleSet`] for the set).
///
/// Does not allocate beyond `out`. `n` must be in `1..=MAX_SHINGLE`
/// (checked by the options layer; here it panics on 0).
pub fn shingle_hashes(words: &[Word], n: usize, out: &mut Vec<u64>) {
    assert!(
        (1..=MAX_SHINGLE).contains(&n),
        "shingle size {n} out of range"
    );
    if words.is_empty() {
        return;
    }
    let n = n.min(words.len());
    let mut buf = [0u8; MAX_SHINGLE * 8];
    let bytes = &mut buf[..n * 8];
    out.reserve(words.len() + 1 - n);
    for window in words.windows(n) {
        for (chunk, word) in bytes.chunks_exact_mut(8).zip(window) {
            chunk.copy_from_slice(&word.hash.to_le_bytes());
        }
        out.push(xxh3_64_with_seed(bytes, SHINGLE_SEED));
    }
}

/// The set of a document's shingle hashes, sorted ascending without
/// duplicates: the compact form exact verification works on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShingleSet(Vec<u64>);

impl ShingleSet {
    /// The shingle set of `words` for shingle size `n`.
    pub fn from_words(words: &[Word], n: usize) -> Self {
        let mut hashes = Vec::new();
        shingle_hashes(words, n, &mut hashes);
        Self::from_hashes(hashes)
    }

    /// Builds the set from arbitrary hashes (sorted and deduplicated here).
    pub fn from_hashes(mut hashes: Vec<u64>) -> Self {
        hashes.sort_unstable();
        hashes.dedup();
        ShingleSet(hashes)
    }

    /// Number of distinct shingles.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the document had no words.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The sorted hashes.
    pub fn as_slice(&self) -> &[u64] {
        &self.0
    }

    /// Size of the intersection with `other` (a linear merge).
    pub fn intersection_len(&self, other: &ShingleSet) -> usize {
        let (mut i, mut j, mut common) = (0, 0, 0);
        let (a, b) = (&self.0, &other.0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    common += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        common
    }

    /// Exact Jaccard similarity |A ∩ B| / |A ∪ B|; 0 when both are empty.
    pub fn jaccard(&self, other: &ShingleSet) -> f64 {
        jaccard_from_counts(self.len(), other.len(), self.intersection_len(other))
    }
}

/// Jaccard similarity from set sizes and intersection size. The single
/// definition used everywhere (verification, tests, ground truth), so that
/// "≥ threshold" means the same thing in all of them.
pub fn jaccard_from_counts(a: usize, b: usize, common: usize) -> f64 {
    let union = a + b - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::Tokenizer;

    fn set(text: &str, n: usize) -> ShingleSet {
        let mut words = Vec::new();
        Tokenizer::default().words(text, &mut words);
        ShingleSet::from_words(&words, n)
    }

    #[test]
    fn window_count_and_short_documents() {
        assert_eq!(set("a b c d e f g", 5).len(), 3);
        assert_eq!(set("a b", 5).len(), 1);
        assert!(set("", 5).is_empty());
        assert_eq!(set("a b", 5), set("A, b!", 5));
    }

    #[test]
    fn hash_is_stable_across_runs_and_machines() {
        // The specified hash: if this changes, every persisted index breaks.
        let mut words = Vec::new();
        Tokenizer::default().words("one two three", &mut words);
        let mut out = Vec::new();
        shingle_hashes(&words, 2, &mut out);
        let mut bytes = Vec::new();
        for w in ["one", "two"] {
            bytes.extend_from_slice(&crate::tokenize::word_hash(w).to_le_bytes());
        }
        assert_eq!(out[0], xxh3_64_with_seed(&bytes, SHINGLE_SEED));
        assert_eq!(crate::tokenize::word_hash("one"), 0xce10_8bae_b5a0_91ca);
    }

    #[test]
    fn jaccard_of_overlapping_sets() {
        let a = ShingleSet::from_hashes(vec![1, 2, 3, 4]);
        let b = ShingleSet::from_hashes(vec![3, 4, 5, 5, 6]);
        assert_eq!(a.intersection_len(&b), 2);
        assert_eq!(a.jaccard(&b), 2.0 / 6.0);
        assert_eq!(a.jaccard(&a), 1.0);
        assert_eq!(ShingleSet::default().jaccard(&ShingleSet::default()), 0.0);
    }
}
