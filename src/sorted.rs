//! Sorted lists of hashes: a list of keys whose high bits are uniform →
//! those whose high part repeats, sorted ([`sort_repeated`]); two
//! ascending lists of distinct values → the positions where they hold the
//! same value ([`meet`]).
//!
//! [`sort_repeated`] is the passage stage's anchor index, one pass over
//! every anchor of the corpus (a `u64` each, the anchor's hash above its
//! unit's number), of which only the anchors held by two units or more
//! are used. [`meet`] is read by the rewrite search (two documents'
//! vocabularies, once per document pair) and by containment (two
//! documents' trigram sets). On hashes, which list is behind at each step
//! is a coin toss, so a merge that branches on the comparison mispredicts
//! about half of its steps; this one advances each list by the
//! comparison's outcome as a number and writes every step's positions,
//! kept only when the values are equal (on BBC the rewrite search's pair
//! work took a third less). Where the processor has AVX2 it compares four
//! values of each list with four of the other's at a step, and the merge
//! waits for one comparison per four values (the rewrite search 5% less
//! on Reuters-21578, 6% on BBC).

/// Each count of `counts` replaced by the sum of it and those before it
/// (the starts of a counting sort's lists, given each list's length one
/// place later). The sum is carried in a register: adding in place waits
/// on the store of the entry before, a fifth of a profile's sort.
pub(crate) fn running_sums(counts: &mut [u32]) {
    let mut sum = 0;
    for c in counts {
        sum += *c;
        *c = sum;
    }
}

/// The positions `[i, j]` with `a[i] == b[j]`, ascending, into `out`
/// (cleared first). `a` and `b` ascend strictly; positions fit in `u32`.
pub(crate) fn meet(a: &[u64], b: &[u64], out: &mut Vec<[u32; 2]>) {
    out.clear();
    // Room for every step's write: at most the shorter list's length are
    // kept, a step not kept is overwritten, and a block step writes four.
    out.resize(a.len().min(b.len()) + 4, [0, 0]);
    let mut at = (0, 0, 0);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt")
    {
        // SAFETY: the processor has both features (checked just above).
        at = unsafe { meet_blocks(a, b, out) };
    }
    let n = meet_from(a, b, at, out);
    out.truncate(n);
}

/// [`meet`] one value a step from positions `(i, j)` with `n` kept
/// already; returns the number kept. `out` holds room for them all.
fn meet_from(
    a: &[u64],
    b: &[u64],
    (mut i, mut j, mut n): (usize, usize, usize),
    out: &mut [[u32; 2]],
) -> usize {
    while i < a.len() && j < b.len() && n < out.len() {
        let (x, y) = (a[i], b[j]);
        out[n] = [i as u32, j as u32];
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    n
}

/// For each mask of four lanes, the 32-bit lanes that move its set
/// lanes (two 32-bit halves each) to the front, in order.
#[cfg(target_arch = "x86_64")]
const COMPRESS: [[i32; 8]; 16] = {
    let mut table = [[0; 8]; 16];
    let mut mask = 0;
    while mask < 16 {
        let (mut lane, mut to): (i32, usize) = (0, 0);
        while lane < 4 {
            if mask & (1 << lane) != 0 {
                table[mask][2 * to] = 2 * lane;
                table[mask][2 * to + 1] = 2 * lane + 1;
                to += 1;
            }
            lane += 1;
        }
        mask += 1;
    }
    table
};

/// [`meet`] four values a step while both lists have four left (AVX2):
/// each of `a`'s four is compared with each of `b`'s (`b`'s block turned
/// by one, two and three lanes), the positions of the equal ones are
/// packed to the front of one vector and stored at `out[n..]` (`n`
/// grows by their number), and the block whose last value is smaller
/// moves on (both when equal). Returns `(i, j, n)` where it stopped.
/// A scalar merge steps once per value and waits for each comparison
/// before the next load; this waits once per four.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
fn meet_blocks(a: &[u64], b: &[u64], out: &mut [[u32; 2]]) -> (usize, usize, usize) {
    use std::arch::x86_64::*;
    let load = |v: &[u64]| -> __m256i {
        let v: &[u64; 4] = v[..4].try_into().unwrap_or(&[0; 4]);
        // SAFETY: an unaligned load of the array's 32 bytes.
        unsafe { _mm256_loadu_si256(v.as_ptr().cast()) }
    };
    let lanes = _mm256_set_epi64x(3, 2, 1, 0);
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i + 4 <= a.len() && j + 4 <= b.len() && n + 4 <= out.len() {
        let (va, vb) = (load(&a[i..]), load(&b[j..]));
        // Lane k against b's lane k, k + 1, k + 2 and k + 3 (mod 4).
        let m0 = _mm256_cmpeq_epi64(va, vb);
        let m1 = _mm256_cmpeq_epi64(va, _mm256_permute4x64_epi64::<0b00_11_10_01>(vb));
        let m2 = _mm256_cmpeq_epi64(va, _mm256_permute4x64_epi64::<0b01_00_11_10>(vb));
        let m3 = _mm256_cmpeq_epi64(va, _mm256_permute4x64_epi64::<0b10_01_00_11>(vb));
        let turn = _mm256_or_si256(
            _mm256_and_si256(m1, _mm256_set1_epi64x(1)),
            _mm256_or_si256(
                _mm256_and_si256(m2, _mm256_set1_epi64x(2)),
                _mm256_and_si256(m3, _mm256_set1_epi64x(3)),
            ),
        );
        let jk = _mm256_add_epi64(
            _mm256_set1_epi64x(j as i64),
            _mm256_and_si256(_mm256_add_epi64(lanes, turn), _mm256_set1_epi64x(3)),
        );
        let ik = _mm256_add_epi64(_mm256_set1_epi64x(i as i64), lanes);
        // [i, j] as two little-endian 32-bit halves of each lane.
        let pairs = _mm256_or_si256(ik, _mm256_slli_epi64::<32>(jk));
        let equal = _mm256_or_si256(_mm256_or_si256(m0, m1), _mm256_or_si256(m2, m3));
        let mask = _mm256_movemask_pd(_mm256_castsi256_pd(equal)) as usize & 15;
        // SAFETY: an unaligned load of the table row's 32 bytes.
        let order = unsafe { _mm256_loadu_si256(COMPRESS[mask].as_ptr().cast()) };
        let packed = _mm256_permutevar8x32_epi32(pairs, order);
        let slot: &mut [[u32; 2]; 4] = match (&mut out[n..n + 4]).try_into() {
            Ok(slot) => slot,
            Err(_) => break,
        };
        // SAFETY: an unaligned store of the four slots' 32 bytes.
        unsafe { _mm256_storeu_si256(slot.as_mut_ptr().cast(), packed) };
        n += mask.count_ones() as usize;
        let (x, y) = (a[i + 3], b[j + 3]);
        i += 4 * usize::from(x <= y);
        j += 4 * usize::from(y <= x);
    }
    (i, j, n)
}

/// The keys whose high part (`key >> low_bits`) another key has too,
/// sorted, for keys whose high bits are uniform (hashes above a small
/// number, `low_bits` at most 32); the others are dropped.
///
/// Scattered into one bucket per top byte (a bucket fits in cache where
/// the whole list does not); in each bucket, keys whose high part is
/// certainly single — two bits per value of its next bits, "seen" and
/// "seen again" — are dropped (most anchors of a corpus are in one unit
/// only), and the rest are scattered on those bits into about one slot
/// per key and sorted by one pass of insertion (none is out of place
/// beyond its slot). Sorting every bucket whole by comparison was two
/// thirds of the cost of building the anchor index.
pub(crate) fn sort_repeated(keys: Vec<u64>, low_bits: u32, parallel: bool) -> Vec<u64> {
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
    let kept: Vec<usize> = if parallel {
        use rayon::prelude::*;
        chunks
            .into_par_iter()
            .map_init(Bucket::default, |b, c| b.sort_repeated(c, low_bits))
            .collect()
    } else {
        let mut b = Bucket::default();
        chunks
            .into_iter()
            .map(|c| b.sort_repeated(c, low_bits))
            .collect()
    };
    // Each bucket's kept keys to the end of the last's.
    let mut len = 0;
    for (b, n) in kept.into_iter().enumerate() {
        sorted.copy_within(starts[b]..starts[b] + n, len);
        len += n;
    }
    sorted.truncate(len);
    sorted
}

/// What sorting one bucket of [`sort_repeated`] writes and forgets.
#[derive(Default)]
struct Bucket {
    scratch: Vec<u64>,
    ends: Vec<u32>,
    /// A bit per value of a key's next bits: seen, and seen again.
    seen: Vec<u64>,
    again: Vec<u64>,
}

impl Bucket {
    /// Moves the keys of `keys` (one bucket: they share their top byte)
    /// whose high part (`key >> low_bits`) another key has too to the
    /// front, sorted; returns how many there are. A key whose 16 bits
    /// below the top byte no other key has is single for certain, and is
    /// dropped before sorting.
    fn sort_repeated(&mut self, keys: &mut [u64], low_bits: u32) -> usize {
        let n = self.maybe_repeated(keys, low_bits);
        self.sort(&mut keys[..n]);
        // Bits are shared by other high parts too: keep what sits beside
        // a key of its high part, now sorted next to it.
        let (mut kept, mut before) = (0, None);
        for i in 0..n {
            let high = keys[i] >> low_bits;
            let after = keys[..n].get(i + 1).map(|k| k >> low_bits);
            let repeated = before == Some(high) || after == Some(high);
            before = Some(high);
            keys[kept] = keys[i];
            kept += usize::from(repeated);
        }
        kept
    }

    /// Moves the keys of `keys` whose 16 bits below the top byte another
    /// key has too to the front (so those whose high part may repeat);
    /// returns how many. All of them when those bits reach below
    /// `low_bits`.
    fn maybe_repeated(&mut self, keys: &mut [u64], low_bits: u32) -> usize {
        const BITS: u32 = 16;
        if 8 + BITS > 64 - low_bits.min(64) {
            return keys.len();
        }
        let at = |k: u64| ((k << 8) >> (64 - BITS)) as usize;
        let Bucket { seen, again, .. } = self;
        for bits in [&mut *seen, &mut *again] {
            bits.clear();
            bits.resize(1 << (BITS - 6), 0);
        }
        for &k in keys.iter() {
            let (word, bit) = (at(k) / 64, 1u64 << (at(k) % 64));
            again[word] |= seen[word] & bit;
            seen[word] |= bit;
        }
        // Kept or not is about as likely: each key is written, and the
        // end moves past the kept ones only.
        let mut n = 0;
        for i in 0..keys.len() {
            let k = keys[i];
            keys[n] = k;
            n += usize::from(again[at(k) / 64] & (1 << (at(k) % 64)) != 0);
        }
        n
    }

    /// Sorts `keys`, which share their top byte and are uniform below it.
    fn sort(&mut self, keys: &mut [u64]) {
        // The top byte is the bucket's: the bits below it are the key.
        sort_by_uniform_key(keys, |&k| k << 8, &mut self.scratch, &mut self.ends);
        keys.copy_from_slice(&self.scratch);
    }
}

/// `items` into `order` by `key`, stably, for keys whose high bits are
/// uniform (hashes); `counts` is scratch. Scattered on the keys' high bits
/// into about one slot per item, then sorted by one pass of insertion: no
/// item is out of place beyond its slot, and a pass slot by slot
/// mispredicted the end of each. A slot of many items (one hash repeated
/// throughout, and whatever shares its bits) is sorted by a stable
/// comparison sort first, so that insertion stays linear. The anchor
/// index's buckets ([`sort_repeated`]) and the rewrite search's profiles
/// (every word's hash) are sorted so, where a comparison sort was a third
/// of a profile and two thirds of the index.
pub(crate) fn sort_by_uniform_key<T: Copy + Default>(
    items: &[T],
    key: impl Fn(&T) -> u64,
    order: &mut Vec<T>,
    counts: &mut Vec<u32>,
) {
    const LONG: u32 = 32;
    order.clear();
    order.resize(items.len(), T::default());
    let bits = items
        .len()
        .max(2)
        .next_power_of_two()
        .trailing_zeros()
        .min(16);
    let slot = |x: &T| (key(x) >> (64 - bits)) as usize;
    counts.clear();
    counts.resize((1 << bits) + 1, 0);
    for x in items {
        counts[slot(x) + 1] += 1;
    }
    running_sums(counts);
    for x in items {
        let at = &mut counts[slot(x)];
        order[*at as usize] = *x;
        *at += 1;
    }
    // Each slot now ends where the next began.
    let mut start = 0;
    for &end in &counts[..1 << bits] {
        if end - start >= LONG {
            order[start as usize..end as usize].sort_by_key(&key);
        }
        start = end;
    }
    for k in 1..order.len() {
        let x = order[k];
        let mut j = k;
        while j > 0 && key(&order[j - 1]) > key(&x) {
            order[j] = order[j - 1];
            j -= 1;
        }
        order[j] = x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The keys whose high part repeats are kept and sorted as a
        /// comparison sort sorts them, however many share their high
        /// bits (one anchor in many units, or twice in one), and whether
        /// buckets are sorted in parallel.
        #[test]
        fn repeated_keys_sort(
            seed: u64,
            n in 0u64..40_000,
            repeated in proptest::collection::vec((proptest::num::u64::ANY, 1u64..300), 0..8),
            twice in proptest::collection::vec(0u64..40_000, 0..50),
            low in 17u32..48,
            parallel: bool,
        ) {
            // Keys as the index makes them: a hash above a unit number
            // (of `low` bits: from 41 on, too many to drop any key).
            let hash = |x: u64| xxhash_rust::xxh3::xxh3_64_with_seed(&x.to_le_bytes(), seed);
            let mut keys: Vec<u64> = (0..n).map(|i| (hash(i) << low) | i).collect();
            for &(anchor, units) in &repeated {
                keys.extend((0..units).map(|u| (hash(anchor) << low) | u));
            }
            keys.extend(twice.iter().map(|&i| (hash(i) << low) | i));
            let mut expected = keys.clone();
            expected.sort_unstable();
            let expected: Vec<u64> = expected
                .chunk_by(|x, y| x >> low == y >> low)
                .filter(|same| same.len() > 1)
                .flatten()
                .copied()
                .collect();
            proptest::prop_assert_eq!(sort_repeated(keys, low, parallel), expected);
        }
    }

    proptest::proptest! {
        /// The bucket sort orders items by key as a stable comparison
        /// sort does, whatever their number and however often a key
        /// repeats.
        #[test]
        fn uniform_keys_sort(
            seeds in proptest::collection::vec(proptest::num::u64::ANY, 1..300),
            picks in proptest::collection::vec(0usize..1000, 0..1500),
        ) {
            let words: Vec<(u64, u32)> =
                (0u32..).zip(&picks).map(|(i, &p)| (seeds[p % seeds.len()], i)).collect();
            let (mut order, mut counts) = (Vec::new(), Vec::new());
            sort_by_uniform_key(&words, |w| w.0, &mut order, &mut counts);
            let mut want = words.clone();
            want.sort_by_key(|w| w.0);
            proptest::prop_assert_eq!(order, want);
        }
    }

    proptest::proptest! {
        /// The positions are those of the values both lists hold.
        #[test]
        fn meets_where_the_values_are_equal(
            a in proptest::collection::btree_set(0u64..200, 0..120),
            b in proptest::collection::btree_set(0u64..200, 0..120),
        ) {
            let (a, b): (Vec<u64>, Vec<u64>) = (a.into_iter().collect(), b.into_iter().collect());
            let mut out = vec![[7, 7]];
            meet(&a, &b, &mut out);
            let expected: Vec<[u32; 2]> = a
                .iter()
                .enumerate()
                .filter_map(|(i, x)| Some([i as u32, b.binary_search(x).ok()? as u32]))
                .collect();
            proptest::prop_assert_eq!(&out, &expected);
            // The one-value-a-step merge alone (processors without AVX2).
            let mut alone = vec![[0, 0]; a.len().min(b.len())];
            let n = meet_from(&a, &b, (0, 0, 0), &mut alone);
            alone.truncate(n);
            proptest::prop_assert_eq!(alone, expected);
        }
    }
}
