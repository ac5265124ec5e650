//! Arrow columns in and out: string columns as their offsets and data
//! buffers, list columns, little-endian values, and the loops that read a
//! batch's texts (or pairs of texts) as a scan does. The stable ABI the
//! package is built for has no buffer protocol: buffers cross as `bytes`,
//! one copy per column, nothing per row.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use reprint::fingerprint::Fingerprinter;
use reprint::ScanOptions;

use crate::err;

/// Reads each of a batch of texts as a scan does (`opts`' normalization,
/// `units`) and hands it to `each` with its row and the `N` output
/// columns; runs without the GIL.
pub(crate) fn for_texts<const N: usize>(
    py: Python<'_>,
    texts: &ArrowStrings<'_>,
    opts: &ScanOptions,
    units: reprint::units::UnitOptions,
    mut each: impl FnMut(usize, &reprint::passages::DocUnits, &mut [Vec<u8>; N]) + Send,
) -> PyResult<[Vec<u8>; N]> {
    let column = column_bytes(texts);
    py.allow_threads(|| {
        let strings = arrow_strings(column.0, column.1, column.2, column.3)?;
        let mut f = Fingerprinter::new(opts.normalize, opts.shingle);
        let mut out: [Vec<u8>; N] = std::array::from_fn(|_| Vec::new());
        for (row, text) in strings.iter().enumerate() {
            f.tokenize(text);
            each(row, &f.units(text, units), &mut out);
        }
        Ok(out)
    })
}

/// The same for a batch of pairs of texts (`a[i]`, `b[i]`; `what` names
/// the function in errors): `each` gets the pair's row and both documents,
/// and may fail.
pub(crate) fn for_pairs<const N: usize>(
    py: Python<'_>,
    what: &str,
    a: &ArrowStrings<'_>,
    b: &ArrowStrings<'_>,
    opts: &ScanOptions,
    units: reprint::units::UnitOptions,
    mut each: impl FnMut(
            usize,
            reprint::passages::DocUnits,
            reprint::passages::DocUnits,
            &mut [Vec<u8>; N],
        ) -> PyResult<()>
        + Send,
) -> PyResult<[Vec<u8>; N]> {
    let (ca, cb) = pair_columns(what, a, b)?;
    py.allow_threads(|| {
        let xs = arrow_strings(ca.0, ca.1, ca.2, ca.3)?;
        let ys = arrow_strings(cb.0, cb.1, cb.2, cb.3)?;
        let mut f = Fingerprinter::new(opts.normalize, opts.shingle);
        let mut out: [Vec<u8>; N] = std::array::from_fn(|_| Vec::new());
        // Reading a text (words, units) is most of what a pair costs: the
        // Spark job sorts pairs by their first document, and a run of
        // rows with one `a` text reads it once.
        let mut last: Option<(&str, reprint::passages::DocUnits)> = None;
        for (i, (&x, y)) in xs.iter().zip(&ys).enumerate() {
            let dx = match &last {
                Some((text, read)) if *text == x => read.clone(),
                _ => {
                    f.tokenize(x);
                    let read = f.units(x, units);
                    last = Some((x, read.clone()));
                    read
                }
            };
            f.tokenize(y);
            let dy = f.units(y, units);
            each(i, dx, dy, &mut out)?;
        }
        Ok(out)
    })
}

/// The strings of an Arrow `large_string` array, from its offsets and data
/// buffers (`offsets`: `length + 1` little-endian `i64`s from the array's
/// `offset`). Checked: offsets in order and inside the data, each string
/// UTF-8.
pub(crate) fn arrow_strings<'d>(
    offsets: &[u8],
    data: &'d [u8],
    offset: usize,
    length: usize,
) -> PyResult<Vec<&'d str>> {
    let at = |i: usize| -> PyResult<usize> {
        let bytes = offsets
            .get(8 * i..8 * i + 8)
            .ok_or_else(|| err(format!("arrow offsets end before row {i}")))?;
        let v = i64::from_le_bytes(bytes.try_into().map_err(err)?);
        usize::try_from(v).map_err(|_| err(format!("arrow offset {v} is negative")))
    };
    (offset..offset + length)
        .map(|i| {
            let (start, end) = (at(i)?, at(i + 1)?);
            let bytes = data
                .get(start..end)
                .ok_or_else(|| err(format!("arrow row {i}: bytes {start}..{end} out of bounds")))?;
            std::str::from_utf8(bytes).map_err(|e| err(format!("arrow row {i}: {e}")))
        })
        .collect()
}

/// One Arrow string column as `reprint/__init__.py` hands it over: the
/// offsets and data buffers (as `bytes`; the stable ABI the package is
/// built for has no buffer protocol), the offset and the length.
pub(crate) type ArrowStrings<'py> = (Bound<'py, PyBytes>, Bound<'py, PyBytes>, usize, usize);

/// The buffers of one column, borrowed for work without the GIL (what
/// [`arrow_strings`] reads).
pub(crate) type ColumnBytes<'a> = (&'a [u8], &'a [u8], usize, usize);

pub(crate) fn column_bytes<'a>(c: &'a ArrowStrings<'_>) -> ColumnBytes<'a> {
    (c.0.as_bytes(), c.1.as_bytes(), c.2, c.3)
}

/// The two columns of a batch of pairs (`what` names the function in the
/// error when their lengths differ).
pub(crate) fn pair_columns<'a>(
    what: &str,
    a: &'a ArrowStrings<'_>,
    b: &'a ArrowStrings<'_>,
) -> PyResult<(ColumnBytes<'a>, ColumnBytes<'a>)> {
    if a.3 != b.3 {
        return Err(err(format!(
            "{what}: {} texts on one side, {} on the other",
            a.3, b.3
        )));
    }
    Ok((column_bytes(a), column_bytes(b)))
}

/// One list column as the package hands it over: `n + 1` little-endian
/// `i32` offsets and the values (`u32` each, little-endian).
pub(crate) type ListColumn<'a> = (&'a [u8], &'a [u8]);

/// A [`ListColumn`] as Python passes it.
pub(crate) type ListBytes<'py> = (Bound<'py, PyBytes>, Bound<'py, PyBytes>);

pub(crate) fn list_column<'a>(c: &'a ListBytes<'_>) -> ListColumn<'a> {
    (c.0.as_bytes(), c.1.as_bytes())
}

/// The `i`-th list of a [`ListColumn`] of `n` lists (`what` names it in
/// errors).
pub(crate) fn list_values(c: ListColumn<'_>, n: usize, what: &str) -> PyResult<Vec<Vec<u32>>> {
    let offsets = le_values(c.0, n + 1, what, |b| {
        i32::from_le_bytes(b.try_into().unwrap_or_default())
    })?;
    let values = le_values(c.1, c.1.len() / 4, what, |b| {
        u32::from_le_bytes(b.try_into().unwrap_or_default())
    })?;
    offsets
        .windows(2)
        .map(|w| {
            let (from, to) = (w[0] as usize, w[1] as usize);
            values
                .get(from..to)
                .map(<[u32]>::to_vec)
                .ok_or_else(|| err(format!("{what}: offsets {from}..{to} out of bounds")))
        })
        .collect()
}

/// A flag per unit of `doc`: whether it is among `skipped` (numbers out
/// of range are ignored).
pub(crate) fn unit_flags(doc: &reprint::passages::DocUnits, skipped: &[u32]) -> Vec<bool> {
    let mut v = vec![false; doc.units.len()];
    for &u in skipped {
        if let Some(x) = v.get_mut(u as usize) {
            *x = true;
        }
    }
    v
}

/// `n` little-endian values of `width` bytes from `bytes` (`what` names
/// the column in the error).
pub(crate) fn le_values<T>(
    bytes: &[u8],
    n: usize,
    what: &str,
    read: impl Fn(&[u8]) -> T,
) -> PyResult<Vec<T>> {
    let width = std::mem::size_of::<T>();
    if bytes.len() != n * width {
        return Err(err(format!(
            "{what}: {} bytes for {n} values of {width}",
            bytes.len()
        )));
    }
    Ok(bytes.chunks_exact(width).map(read).collect())
}

/// `n` little-endian `u64`s ([`le_values`]).
pub(crate) fn le_u64s(bytes: &[u8], n: usize, what: &str) -> PyResult<Vec<u64>> {
    le_values(bytes, n, what, |x| {
        u64::from_le_bytes(x.try_into().unwrap_or_default())
    })
}

/// `n` little-endian `u32`s ([`le_values`]).
pub(crate) fn le_u32s(bytes: &[u8], n: usize, what: &str) -> PyResult<Vec<u32>> {
    le_values(bytes, n, what, |x| {
        u32::from_le_bytes(x.try_into().unwrap_or_default())
    })
}

/// The stretches of rows `0..n` over which `key` stays the same (rows
/// sorted by it, each key's rows together), in order.
pub(crate) fn runs_of<K: PartialEq>(
    n: usize,
    key: impl Fn(usize) -> K,
) -> impl Iterator<Item = std::ops::Range<usize>> {
    let mut from = 0;
    std::iter::from_fn(move || {
        (from < n).then(|| {
            let k = key(from);
            let to = (from..n).find(|&i| key(i) != k).unwrap_or(n);
            std::mem::replace(&mut from, to)..to
        })
    })
}
