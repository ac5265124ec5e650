//! Sorted lists of hashes: a list of keys whose high bits are uniform →
//! the list sorted ([`sort_hashes`]); two ascending lists of distinct
//! values → the positions where they hold the same value ([`meet`]).
//!
//! [`sort_hashes`] is the passage stage's anchor index, one sort of every
//! anchor of the corpus (a `u64` each); [`meet`] is read by the rewrite search (two documents' vocabularies, once per
//! document pair) and by containment (two documents' trigram sets). On
//! hashes, which list is behind at each step is a coin toss, so a merge
//! that branches on the comparison mispredicts about half of its steps;
//! this one advances each list by the comparison's outcome as a number and
//! writes every step's positions, kept only when the values are equal
//! (on BBC the rewrite search's pair work took a third less).

/// The positions `(i, j)` with `a[i] == b[j]`, ascending, into `out`
/// (cleared first). `a` and `b` ascend strictly; positions fit in `u32`.
pub(crate) fn meet(a: &[u64], b: &[u64], out: &mut Vec<(u32, u32)>) {
    out.clear();
    // Room for every step's write: at most the shorter list's length
    // are kept, and the write of a step not kept is overwritten.
    out.resize(a.len().min(b.len()), (0, 0));
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() && n < out.len() {
        let (x, y) = (a[i], b[j]);
        out[n] = (i as u32, j as u32);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    out.truncate(n);
}

/// `keys` sorted, for keys whose high bits are uniform (hashes, or
/// hashes shifted above a small number): scattered into one bucket per
/// top byte, each bucket then scattered on its next bits into about one
/// slot per key, and sorted by insertion (no key is out of place beyond
/// its slot). Buckets fit in cache
/// where the whole list does not; sorting each bucket by comparison was
/// two thirds of the cost of building the anchor index.
pub(crate) fn sort_hashes(keys: Vec<u64>, parallel: bool) -> Vec<u64> {
    const BUCKETS: usize = 256;
    let bucket = |k: u64| (k >> 56) as usize;
    let mut starts = [0usize; BUCKETS + 1];
    for &k in &keys {
        starts[bucket(k) + 1] += 1;
    }
    for b in 0..BUCKETS {
        starts[b + 1] += starts[b];
    }
    let mut sorted = vec![0u64; keys.len()];
    let mut next = starts;
    for k in keys {
        let b = bucket(k);
        sorted[next[b]] = k;
        next[b] += 1;
    }
    let mut chunks: Vec<&mut [u64]> = Vec::with_capacity(BUCKETS);
    let mut rest = sorted.as_mut_slice();
    for b in 0..BUCKETS {
        let (chunk, tail) = rest.split_at_mut(starts[b + 1] - starts[b]);
        chunks.push(chunk);
        rest = tail;
    }
    if parallel {
        use rayon::prelude::*;
        chunks
            .into_par_iter()
            .for_each_init(Bucket::default, |b, c| b.sort(c));
    } else {
        let mut b = Bucket::default();
        chunks.into_iter().for_each(|c| b.sort(c));
    }
    sorted
}

/// What sorting one bucket of [`sort_hashes`] writes and forgets.
#[derive(Default)]
struct Bucket {
    scratch: Vec<u64>,
    ends: Vec<u32>,
}

/// Slots of a bucket this long or more are sorted by comparison: many
/// keys that share their high bits (one anchor in many units), where
/// insertion would be quadratic.
const LONG_SLOT: usize = 24;

impl Bucket {
    /// Sorts `keys`, which share their top byte and are uniform below it.
    fn sort(&mut self, keys: &mut [u64]) {
        if keys.len() < 2 * LONG_SLOT {
            keys.sort_unstable();
            return;
        }
        let bits = keys.len().ilog2().min(16);
        let slot = |k: u64| ((k << 8) >> (64 - bits)) as usize;
        let Bucket { scratch, ends } = self;
        ends.clear();
        ends.resize((1 << bits) + 1, 0);
        for &k in keys.iter() {
            ends[slot(k) + 1] += 1;
        }
        for s in 1..ends.len() {
            ends[s] += ends[s - 1];
        }
        scratch.clear();
        scratch.resize(keys.len(), 0);
        for &k in keys.iter() {
            let at = &mut ends[slot(k)];
            scratch[*at as usize] = k;
            *at += 1;
        }
        // Each slot now ends where the next began. Long slots (keys that
        // share their high bits) are sorted by comparison; then one pass
        // of insertion over the bucket sorts it, since no key is out of
        // order beyond its slot (sorting slot by slot mispredicted the
        // end of each).
        let mut start = 0;
        for &end in &ends[..1 << bits] {
            if end as usize - start >= LONG_SLOT {
                scratch[start..end as usize].sort_unstable();
            }
            start = end as usize;
        }
        insertion_sort(scratch);
        keys.copy_from_slice(scratch);
    }
}

/// Sorts by insertion: linear on a list whose keys are each a few places
/// from their own.
fn insertion_sort(run: &mut [u64]) {
    for k in 1..run.len() {
        let x = run[k];
        let mut j = k;
        while j > 0 && run[j - 1] > x {
            run[j] = run[j - 1];
            j -= 1;
        }
        run[j] = x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Hashes are sorted as a comparison sort sorts them, however
        /// many share their high bits (one anchor in many units) and
        /// whether buckets are sorted in parallel.
        #[test]
        fn hashes_sort(
            seed: u64,
            n in 0u64..40_000,
            repeated in proptest::collection::vec((proptest::num::u64::ANY, 1u64..300), 0..8),
            parallel: bool,
        ) {
            // Keys as the index makes them: a hash above a unit number.
            let hash = |x: u64| xxhash_rust::xxh3::xxh3_64_with_seed(&x.to_le_bytes(), seed);
            let mut keys: Vec<u64> = (0..n).map(|i| (hash(i) << 20) | i).collect();
            for &(anchor, units) in &repeated {
                keys.extend((0..units).map(|u| (hash(anchor) << 20) | u));
            }
            let mut expected = keys.clone();
            expected.sort_unstable();
            proptest::prop_assert_eq!(sort_hashes(keys, parallel), expected);
        }
    }

    proptest::proptest! {
        /// The positions are those of the values both lists hold.
        #[test]
        fn meets_where_the_values_are_equal(
            a in proptest::collection::btree_set(0u64..60, 0..40),
            b in proptest::collection::btree_set(0u64..60, 0..40),
        ) {
            let (a, b): (Vec<u64>, Vec<u64>) = (a.into_iter().collect(), b.into_iter().collect());
            let mut out = vec![(7, 7)];
            meet(&a, &b, &mut out);
            let expected: Vec<(u32, u32)> = a
                .iter()
                .enumerate()
                .filter_map(|(i, x)| Some((i as u32, b.binary_search(x).ok()? as u32)))
                .collect();
            proptest::prop_assert_eq!(out, expected);
        }
    }
}
