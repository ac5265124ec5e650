//! Natural order of document ids: runs of ASCII digits compare by their
//! value, everything else by character, so "92" < "2465" < "10176" and
//! "file2.txt" < "file10.txt".
//!
//! Ids are compared this way wherever reprint orders them (cluster
//! members, which side of a link is `a`, ties between equally ranked
//! links). It is a total order consistent with string equality: ids that
//! differ only in leading zeros ("007" and "7") are ordered by their bytes.

use std::cmp::Ordering;

/// Compares two ids in natural order.
pub fn cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let (nx, rx) = split_digits(x);
                let (ny, ry) = split_digits(y);
                let (vx, vy) = (trim_zeros(nx), trim_zeros(ny));
                let by_value = vx.len().cmp(&vy.len()).then_with(|| vx.cmp(vy));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                (x, y) = (rx, ry);
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                (x, y) = (&x[1..], &y[1..]);
            }
        }
    }
}

/// A byte string whose bytewise order is the natural order of ids:
/// `key(a).cmp(&key(b)) == cmp(a, b)` for all `a`, `b` — for engines that
/// can sort bytes but not call [`cmp`] (a Spark job sorts by it).
///
/// Layout: each digit run is `'0'` (a digit compares to any other byte
/// as every digit does), the length of its value without leading zeros
/// (`u32`, big-endian) and those digits; other bytes as they are, except
/// `0x00` and `0x01`, escaped as `01 01` and `01 02`; then a `0x00`
/// terminator (below every byte an element starts with: a shorter id
/// whose elements are a prefix of another's sorts first) and the id's
/// own bytes, the tie-break of ids equal but for leading zeros.
pub fn key(id: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 * id.len() + 1);
    let mut rest = id.as_bytes();
    while let Some(&c) = rest.first() {
        if c.is_ascii_digit() {
            let (digits, after) = split_digits(rest);
            let value = trim_zeros(digits);
            out.push(b'0');
            out.extend_from_slice(&(value.len() as u32).to_be_bytes());
            out.extend_from_slice(value);
            rest = after;
        } else {
            match c {
                0 | 1 => out.extend_from_slice(&[1, c + 1]),
                _ => out.push(c),
            }
            rest = &rest[1..];
        }
    }
    out.push(0);
    out.extend_from_slice(id.as_bytes());
    out
}

/// The leading run of ASCII digits of `s`, and the rest.
fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    s.split_at(n)
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&c| c == b'0').count();
    &digits[zeros..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        let mut ids = vec![
            "10176",
            "2465",
            "92",
            "file10.txt",
            "file2.txt",
            "a",
            "007",
            "7",
        ];
        ids.sort_by(|x, y| cmp(x, y));
        assert_eq!(
            ids,
            [
                "007",
                "7",
                "92",
                "2465",
                "10176",
                "a",
                "file2.txt",
                "file10.txt"
            ]
        );
    }

    proptest::proptest! {
        /// A total order: antisymmetric, equal only for equal strings, and
        /// transitive.
        #[test]
        fn it_is_a_total_order(a in "[a0-9.]{0,6}", b in "[a0-9.]{0,6}", c in "[a0-9.]{0,6}") {
            proptest::prop_assert_eq!(cmp(&a, &b), cmp(&b, &a).reverse());
            proptest::prop_assert_eq!(cmp(&a, &b) == Ordering::Equal, a == b);
            if cmp(&a, &b) != Ordering::Greater && cmp(&b, &c) != Ordering::Greater {
                proptest::prop_assert!(cmp(&a, &c) != Ordering::Greater);
            }
        }

        /// Keys sort as their ids do, control bytes, leading zeros and
        /// prefixes included.
        #[test]
        fn keys_sort_in_natural_order(a in "[a0-9.\\x00\\x01\\x02/:]{0,8}",
                                      b in "[a0-9.\\x00\\x01\\x02/:]{0,8}") {
            proptest::prop_assert_eq!(key(&a).cmp(&key(&b)), cmp(&a, &b));
        }
    }
}
