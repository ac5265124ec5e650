//! Hash filters: a set of uniform hashes → a table of bits that answers
//! "may the set hold this hash?", certain when it says no.
//!
//! Where most of the hashes looked up are not in the set, a bit per hash
//! in a table small enough for the processor's cache turns them away
//! before the look-up proper (a probe of a map out of cache, a binary
//! search whose branches mispredict): significance's document anchors
//! against the linked runs' anchors (a fourteenth of that step on
//! Reuters-21578), containment's trigrams against the few a pair shares.

/// Which hashes a set may hold: a bit per hash's top bits, about sixteen
/// bits per hash in the set.
pub(crate) struct HashFilter {
    bits: Vec<u64>,
    shift: u32,
}

impl HashFilter {
    /// The filter of `hashes` (uniform: word, anchor or trigram hashes).
    pub fn of(hashes: impl ExactSizeIterator<Item = u64>) -> Self {
        // A power of two of bits, at least 64, at most 2^24 (2 MB).
        let size = (16 * hashes.len()).next_power_of_two().clamp(64, 1 << 24);
        let shift = 64 - size.trailing_zeros();
        let mut bits = vec![0u64; size / 64];
        for g in hashes {
            let k = (g >> shift) as usize;
            bits[k / 64] |= 1 << (k % 64);
        }
        HashFilter { bits, shift }
    }

    /// Whether the set may hold `hash`: false only when it does not.
    /// Hashes are uniform: their top bits pick the bit.
    pub fn may_hold(&self, hash: u64) -> bool {
        let k = (hash >> self.shift) as usize;
        self.bits[k / 64] & (1 << (k % 64)) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::HashFilter;

    proptest::proptest! {
        /// The filter holds every hash it was made of ("no" is certain).
        #[test]
        fn the_filter_holds_its_hashes(hashes in proptest::collection::vec(proptest::num::u64::ANY, 0..300)) {
            let filter = HashFilter::of(hashes.iter().copied());
            proptest::prop_assert!(hashes.iter().all(|&g| filter.may_hold(g)));
        }
    }
}
