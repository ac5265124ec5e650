//! The document stage's functions over Arrow columns, for a distributed
//! job (`reprint.fingerprint`, `verify`, `align_pairs`) and the job's
//! naming (`natural_keys_arrow`).

use pyo3::prelude::*;
use pyo3::types::PyDict;
use reprint::passages::PassageProbe;
use reprint::scan::DocumentKeys;
use reprint::Scanner;

use crate::arrow::{arrow_strings, column_bytes, for_pairs, pair_columns, ArrowStrings};
use crate::err;
use crate::options::parsed;

/// A batch's keys as `fingerprint_arrow` returns them: has-words flags,
/// content fingerprints, band keys (row by row) and the number of bands.
pub(crate) type BatchKeys = (Vec<u8>, Vec<u8>, Vec<u8>, usize);

/// The document-stage keys of a batch of texts (`reprint.fingerprint`):
/// for each, whether it has words, its content fingerprint and its band
/// keys, as little-endian bytes (`u8` flags, `u64` fingerprints, `u64`
/// keys row by row), and the number of bands. As the scan computes them
/// with the same keyword options (`reprint::scan::parts`).
#[pyfunction]
#[pyo3(signature = (texts, **kwargs))]
pub(crate) fn fingerprint_arrow(
    py: Python<'_>,
    texts: ArrowStrings<'_>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<BatchKeys> {
    let opts = parsed(kwargs)?;
    let scanner = Scanner::new(opts).map_err(err)?;
    let column = column_bytes(&texts);
    let bands = scanner.params().lsh.bands;
    py.allow_threads(|| {
        let strings = arrow_strings(column.0, column.1, column.2, column.3)?;
        let (mut has, mut content, mut keys) = (Vec::new(), Vec::new(), Vec::new());
        for text in strings {
            let k = scanner.keys(text);
            has.push(u8::from(k.is_some()));
            let k = k.unwrap_or(DocumentKeys {
                content: 0,
                band_keys: vec![0; bands],
            });
            content.extend_from_slice(&k.content.to_le_bytes());
            for key in k.band_keys {
                keys.extend_from_slice(&key.to_le_bytes());
            }
        }
        Ok((has, content, keys, bands))
    })
}

/// The exact Jaccard of each pair of texts (`a[i]`, `b[i]`) as a scan
/// verifies candidates (`reprint.verify`), as little-endian `f64` bytes.
#[pyfunction]
#[pyo3(signature = (a, b, **kwargs))]
pub(crate) fn verify_arrow(
    py: Python<'_>,
    a: ArrowStrings<'_>,
    b: ArrowStrings<'_>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Vec<u8>> {
    let opts = parsed(kwargs)?;
    let scanner = Scanner::new(opts).map_err(err)?;
    let (ca, cb) = pair_columns("verify", &a, &b)?;
    py.allow_threads(|| {
        let xs = arrow_strings(ca.0, ca.1, ca.2, ca.3)?;
        let ys = arrow_strings(cb.0, cb.1, cb.2, cb.3)?;
        Ok(xs
            .iter()
            .zip(&ys)
            .flat_map(|(x, y)| scanner.jaccard(x, y).to_le_bytes())
            .collect())
    })
}

/// The passages of each pair of texts (`a[i]`, `b[i]`), as [`align`]
/// finds them for one pair (`reprint.align_pairs`): one row per shared
/// passage, as little-endian columns — the pair's row (`u32`), the byte
/// spans in `a` and in `b` (`u32` start and end each) and the similarity
/// (`f64`) — in pair order, then `a`'s.
#[pyfunction]
#[pyo3(signature = (a, b, **kwargs))]
pub(crate) fn align_arrow(
    py: Python<'_>,
    a: ArrowStrings<'_>,
    b: ArrowStrings<'_>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<[Vec<u8>; 6]> {
    let opts = parsed(kwargs)?;
    let Some(passages) = &opts.passages else {
        pair_columns("align", &a, &b)?;
        return Ok(Default::default());
    };
    for_pairs(
        py,
        "align",
        &a,
        &b,
        &opts,
        passages.units,
        |row, dx, dy, out| {
            for r in PassageProbe::new(&dx, passages).shared_with(&dy) {
                let [pair, a_start, a_end, b_start, b_end, similarity] = out;
                pair.extend_from_slice(&(row as u32).to_le_bytes());
                a_start.extend_from_slice(&r.a_span.start.to_le_bytes());
                a_end.extend_from_slice(&r.a_span.end.to_le_bytes());
                b_start.extend_from_slice(&r.b_span.start.to_le_bytes());
                b_end.extend_from_slice(&r.b_span.end.to_le_bytes());
                similarity.extend_from_slice(&r.similarity.to_le_bytes());
            }
            Ok(())
        },
    )
}

/// The natural-order key of each of a batch of ids (`reprint::natural::key`:
/// bytewise order is the order a scan gives ids): an Arrow `binary`
/// column's offsets (`i32`, little-endian) and data.
#[pyfunction]
pub(crate) fn natural_keys_arrow(
    py: Python<'_>,
    ids: ArrowStrings<'_>,
) -> PyResult<(Vec<u8>, Vec<u8>)> {
    let column = column_bytes(&ids);
    py.allow_threads(|| {
        let ids = arrow_strings(column.0, column.1, column.2, column.3)?;
        let (mut offsets, mut data) = (0i32.to_le_bytes().to_vec(), Vec::new());
        for id in ids {
            data.extend_from_slice(&reprint::natural::key(id));
            let end = i32::try_from(data.len())
                .map_err(|_| err("natural_keys: over 2 GiB of keys in one batch"))?;
            offsets.extend_from_slice(&end.to_le_bytes());
        }
        Ok((offsets, data))
    })
}
