//! Sorted sets: two ascending lists of distinct values → the positions
//! where they hold the same value.
//!
//! Read by the rewrite search (two documents' vocabularies, once per
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

#[cfg(test)]
mod tests {
    use super::*;

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
