//! Hit counts per document key for one check (the passage candidates'
//! ranking), kept per thread between checks.

use ahash::AHashMap;

/// Document keys counted in the dense arrays of a [`Tally`] (a bit each,
/// and 2 bytes each once seen twice: 34 MiB per thread at most); keys
/// above go to its map.
pub(super) const DENSE_KEYS: u64 = 1 << 24;

/// Hit counts per document key for one check; a thread keeps its tally
/// between checks so the memory is not requested (and zeroed) each time.
///
/// Most documents a check meets share a single anchor with it (27,000 of
/// the 29,000 hits of a typical check at a million articles). A first hit
/// only sets a bit — a million documents' bits fit in a core's cache —
/// and only repeated hits touch the counts; documents hit once are ranked
/// only when fewer than the caller's head were hit more often.
#[derive(Default)]
pub(super) struct Tally {
    /// A bit per dense key: hit at least once.
    pub(super) seen: Vec<u64>,
    /// Hits of dense keys hit at least twice (0 for the others).
    pub(super) repeats: Vec<u16>,
    /// Dense keys in order of their first hit.
    pub(super) first: Vec<u32>,
    /// Dense keys in order of their second hit.
    pub(super) repeated: Vec<u32>,
    pub(super) sparse: AHashMap<u64, u32>,
    pub(super) ranked: Vec<(u64, u32)>,
}

impl Tally {
    /// Forgets the last check's counts.
    pub(super) fn clear(&mut self) {
        for &k in &self.repeated {
            self.repeats[k as usize] = 0;
        }
        // Zeroing the whole bitmap (128 KB per million documents) beats
        // clearing bits one by one once there are many.
        if self.first.len() > self.seen.len() / 8 {
            self.seen.fill(0);
        } else {
            for &k in &self.first {
                self.seen[k as usize / 64] = 0;
            }
        }
        self.first.clear();
        self.repeated.clear();
        self.sparse.clear();
        self.ranked.clear();
    }

    pub(super) fn add(&mut self, key: u64) {
        if key < DENSE_KEYS {
            let k = key as usize;
            let (word, bit) = (k / 64, 1u64 << (k % 64));
            if word >= self.seen.len() {
                self.seen.resize((word + 1).next_power_of_two(), 0);
            }
            if self.seen[word] & bit == 0 {
                self.seen[word] |= bit;
                self.first.push(k as u32);
                return;
            }
            if k >= self.repeats.len() {
                self.repeats.resize((k + 1).next_power_of_two(), 0);
            }
            let count = &mut self.repeats[k];
            if *count == 0 {
                self.repeated.push(k as u32);
                *count = 2;
            } else {
                *count = count.saturating_add(1);
            }
        } else {
            *self.sparse.entry(key).or_default() += 1;
        }
    }

    /// The counted keys with their counts, in no particular order: every
    /// key hit more than once, and the keys hit once too if fewer than
    /// `head` keys were hit more often — all a caller ranking the first
    /// `head` by count needs.
    pub(super) fn counts(&mut self, head: usize) -> &mut Vec<(u64, u32)> {
        self.ranked.clear();
        let repeats = &self.repeats;
        self.ranked.extend(
            self.repeated
                .iter()
                .map(|&k| (u64::from(k), u32::from(repeats[k as usize]))),
        );
        self.ranked
            .extend(self.sparse.iter().map(|(&k, &n)| (k, n)));
        if self.ranked.len() < head {
            self.ranked.extend(
                self.first
                    .iter()
                    .filter(|&&k| repeats.get(k as usize).copied().unwrap_or(0) == 0)
                    .map(|&k| (u64::from(k), 1)),
            );
        }
        &mut self.ranked
    }
}

thread_local! {
    pub(super) static TALLY: std::cell::RefCell<Tally> = std::cell::RefCell::new(Tally::default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_counts_dense_and_sparse_keys_and_forgets_on_clear() {
        let mut tally = Tally::default();
        for key in [5, 9, 5, DENSE_KEYS + 7, 5, DENSE_KEYS + 7] {
            tally.add(key);
        }
        let mut counts = tally.counts(usize::MAX).clone();
        counts.sort_unstable();
        assert_eq!(counts, vec![(5, 3), (9, 1), (DENSE_KEYS + 7, 2)]);
        // Keys hit once are left out when enough were hit more often.
        let mut counts = tally.counts(2).clone();
        counts.sort_unstable();
        assert_eq!(counts, vec![(5, 3), (DENSE_KEYS + 7, 2)]);
        tally.clear();
        tally.add(9);
        assert_eq!(tally.counts(usize::MAX).clone(), vec![(9, 1)]);
        // Many keys: the bitmap is zeroed whole, and forgets them all.
        for key in 0..100_000 {
            tally.add(key);
        }
        tally.clear();
        tally.add(77);
        tally.add(77);
        assert_eq!(tally.counts(usize::MAX).clone(), vec![(77, 2)]);
    }
}
