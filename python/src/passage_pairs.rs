//! The passage stage's pair steps over Arrow columns: anchors, the unit
//! pairs they make, a tile's regions with their alignments, occurrences,
//! significance and containment — each the crate's `passages::parts`
//! function, batched.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use reprint::fingerprint::Fingerprinter;
use reprint::passages::parts;

use crate::arrow::{
    arrow_strings, column_bytes, for_pairs, for_texts, le_u32s, le_u64s, le_values, list_column,
    list_values, runs_of, unit_flags, ArrowStrings, ListBytes,
};
use crate::err;
use crate::options::parsed;

/// The anchor keys of each unit of a batch of texts
/// (`reprint::passages::parts::unit_anchor_keys`) in a corpus of `units`
/// units, leaving out the units each text lists in `skips` (boilerplate
/// and templates; a list column, as [`list_values`] reads it): one row
/// per unit and key, as little-endian columns — the text's row and the
/// unit (`u32` each), the key (`u64`).
#[pyfunction]
#[pyo3(signature = (texts, units, skips, **kwargs))]
pub(crate) fn unit_anchor_keys_arrow(
    py: Python<'_>,
    texts: ArrowStrings<'_>,
    units: usize,
    skips: ListBytes<'_>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<[Vec<u8>; 3]> {
    let opts = parsed(kwargs)?;
    let Some(passages) = &opts.passages else {
        return Ok(Default::default());
    };
    let skips = list_values(list_column(&skips), texts.3, "skips")?;
    let bits = parts::unit_bits(units);
    for_texts(py, &texts, &opts, passages.units, |row, doc, out| {
        let skipped = unit_flags(doc, &skips[row]);
        for (u, unit) in doc.units.iter().enumerate() {
            if skipped[u] {
                continue;
            }
            for key in parts::unit_anchor_keys(doc, unit, passages, bits) {
                let [r, un, k] = out;
                r.extend_from_slice(&(row as u32).to_le_bytes());
                un.extend_from_slice(&(u as u32).to_le_bytes());
                k.extend_from_slice(&key.to_le_bytes());
            }
        }
    })
}

/// The unit pairs each anchor key makes (step 3 of
/// `reprint::passages::parts`): rows are units holding a key, as
/// little-endian columns — key (`u64`), document (`u64`), unit (`u32`),
/// family (`u64`) and family size (`u64`) — sorted by key, document and
/// unit, each key's rows together. A key pairs its units when
/// `parts::pairs_units` says so (`min_docs`: the corpus's boilerplate
/// frequency); a unit pairs with each unit of a later document, within
/// its own family only when the family `parts::aligns_within`, and only
/// when one of the two is in one of the key's `parts::hub_families`
/// (its families with the smallest numbers). One row
/// per unit with partners: its row (`u32`), its key's number of families
/// (`u32`), and its partners as two list columns sharing `i32` offsets:
/// documents (`u64`) and units (`u32`).
#[pyfunction]
pub(crate) fn anchor_pairs_arrow(
    py: Python<'_>,
    keys: &[u8],
    docs: &[u8],
    units: &[u8],
    families: &[u8],
    sizes: &[u8],
    min_docs: usize,
) -> PyResult<[Vec<u8>; 5]> {
    let n = keys.len() / 8;
    let (keys, docs) = (le_u64s(keys, n, "keys")?, le_u64s(docs, n, "docs")?);
    let families = le_u64s(families, n, "families")?;
    let (sizes, units) = (le_u64s(sizes, n, "sizes")?, le_u32s(units, n, "units")?);
    py.allow_threads(|| {
        let mut out: [Vec<u8>; 5] = Default::default();
        out[2].extend_from_slice(&0i32.to_le_bytes());
        let mut partners = 0usize;
        for std::ops::Range {
            start: from,
            end: to,
        } in runs_of(n, |i| keys[i])
        {
            let mut fams = families[from..to].to_vec();
            fams.sort_unstable();
            fams.dedup();
            if !parts::pairs_units(to - from, || fams.len(), min_docs) {
                continue;
            }
            // Two units pair when either is in one of the key's hub
            // families: its first ones by number (`fams` ascends).
            let last_hub = fams[parts::hub_families(fams.len()).max(1) - 1];
            let hub = |i: usize| families[i] <= last_hub;
            for x in from..to {
                let before = partners;
                let within = parts::aligns_within(usize::try_from(sizes[x]).unwrap_or(usize::MAX));
                for y in x + 1..to {
                    if docs[y] > docs[x]
                        && (families[y] != families[x] || within)
                        && (hub(x) || hub(y))
                    {
                        out[3].extend_from_slice(&docs[y].to_le_bytes());
                        out[4].extend_from_slice(&units[y].to_le_bytes());
                        partners += 1;
                    }
                }
                if partners > before {
                    let end = i32::try_from(partners)
                        .map_err(|_| err("anchor_pairs: over 2^31 partners in one batch"))?;
                    out[0].extend_from_slice(&(x as u32).to_le_bytes());
                    out[1].extend_from_slice(&(fams.len() as u32).to_le_bytes());
                    out[2].extend_from_slice(&end.to_le_bytes());
                }
            }
        }
        Ok(out)
    })
}

/// Step 3's candidates from [`anchor_pairs_arrow`]'s rows, gathered by
/// their document: rows `a` (`u64`), `ua` (`u32`), `key` (`u64`),
/// `fams` (`u32`) and partners (`offsets`: `i32`; `bs`: `u64`; `ubs`:
/// `u32`), sorted by `a`, each document's rows together. Per document
/// pair `(a, b)`: the unit pairs sharing at least `min_shared` keys, and
/// whether the pair shares `min_anchors` distinct keys (`any`) and
/// `min_anchors` keys of at most `rare_families` families (`rare`); pairs
/// with neither and no unit pair are left out. Columns: `a`, `b` (`u64`),
/// the unit pairs as two list columns sharing `i32` offsets (`u32` each,
/// ascending), `rare` and `any` (`u8`).
#[pyfunction]
#[pyo3(signature = (a, ua, key, fams, offsets, bs, ubs, min_shared, min_anchors, rare_families))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn unit_tally_arrow(
    py: Python<'_>,
    a: &[u8],
    ua: &[u8],
    key: &[u8],
    fams: &[u8],
    offsets: &[u8],
    bs: &[u8],
    ubs: &[u8],
    min_shared: usize,
    min_anchors: usize,
    rare_families: u32,
) -> PyResult<[Vec<u8>; 7]> {
    let n = a.len() / 8;
    let (a, key) = (le_u64s(a, n, "a")?, le_u64s(key, n, "key")?);
    let (ua, fams) = (le_u32s(ua, n, "ua")?, le_u32s(fams, n, "fams")?);
    let offsets = le_values(offsets, n + 1, "offsets", |x| {
        i32::from_le_bytes(x.try_into().unwrap_or_default())
    })?;
    let m = bs.len() / 8;
    let (bs, ubs) = (le_u64s(bs, m, "bs")?, le_u32s(ubs, m, "ubs")?);
    let bounds = |i: usize| -> PyResult<std::ops::Range<usize>> {
        let (s, e) = (offsets[i], offsets[i + 1]);
        match (usize::try_from(s), usize::try_from(e)) {
            (Ok(s), Ok(e)) if s <= e && e <= m => Ok(s..e),
            _ => Err(err(format!("unit_tally: offsets {s}..{e} out of bounds"))),
        }
    };
    let spans: Vec<std::ops::Range<usize>> = (0..n).map(bounds).collect::<PyResult<_>>()?;
    py.allow_threads(|| {
        let mut out: [Vec<u8>; 7] = Default::default();
        out[2].extend_from_slice(&0i32.to_le_bytes());
        let mut listed = 0usize;
        for rows in runs_of(n, |i| a[i]) {
            let mut unit_pairs: Vec<(u64, u32, u32)> = Vec::new();
            let mut doc_keys: Vec<(u64, u64, u32)> = Vec::new();
            for i in rows.clone() {
                for j in spans[i].clone() {
                    unit_pairs.push((bs[j], ua[i], ubs[j]));
                    doc_keys.push((bs[j], key[i], fams[i]));
                }
            }
            unit_pairs.sort_unstable();
            doc_keys.sort_unstable();
            doc_keys.dedup_by_key(|k| (k.0, k.1));
            let mut kept = unit_pairs
                .chunk_by(|x, y| x == y)
                .filter(|run| run.len() >= min_shared)
                .map(|run| run[0])
                .peekable();
            for of_b in doc_keys.chunk_by(|x, y| x.0 == y.0) {
                let b = of_b[0].0;
                let any = of_b.len() >= min_anchors;
                let rare = of_b.iter().filter(|k| k.2 <= rare_families).count() >= min_anchors;
                let before = listed;
                while let Some(&(_, x, y)) = kept.peek().filter(|p| p.0 == b) {
                    out[3].extend_from_slice(&x.to_le_bytes());
                    out[4].extend_from_slice(&y.to_le_bytes());
                    listed += 1;
                    kept.next();
                }
                if listed == before && !any && !rare {
                    continue;
                }
                let end = i32::try_from(listed)
                    .map_err(|_| err("unit_tally: over 2^31 unit pairs in one batch"))?;
                out[0].extend_from_slice(&a[rows.start].to_le_bytes());
                out[1].extend_from_slice(&b.to_le_bytes());
                out[2].extend_from_slice(&end.to_le_bytes());
                out[5].push(u8::from(rare));
                out[6].push(u8::from(any));
            }
        }
        Ok(out)
    })
}

/// The regions each document pair of a batch shares
/// (`reprint::passages::parts::batch_runs`), each document read once.
/// The documents: numbers `ids` (`u64`, little-endian: the engine's
/// document numbers; a number repeated is one document, read at its
/// first row), `texts`, and the units of each that are boilerplate or
/// templates (`skips`). The pairs: documents `ida[i] < idb[i]` (numbers
/// among `ids`), their candidate unit pairs `ua[i][k]`, `ub[i][k]`, and
/// whether they share rare (`rare[i]`) or any (`any[i]`) anchors (`u8`).
/// One row per region, as little-endian columns — the pair's row, the
/// byte spans in `a` and `b` (`u32` each) and the similarity (`f64`) —
/// the anchors both sides of each region share (`parts::run_anchors`),
/// as a list column (`i32` offsets, `u64` values), and the region's
/// place among its pair's (`u32`, in `a`'s order); and one row per unit
/// alignment of each region, in order ([`push_alignments`]).
#[pyfunction]
#[pyo3(signature = (ids, texts, skips, ida, idb, ua, ub, rare, any, **kwargs))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn tile_regions_arrow(
    py: Python<'_>,
    ids: &[u8],
    texts: ArrowStrings<'_>,
    skips: ListBytes<'_>,
    ida: &[u8],
    idb: &[u8],
    ua: ListBytes<'_>,
    ub: ListBytes<'_>,
    rare: &[u8],
    any: &[u8],
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<RegionColumns> {
    let opts = parsed(kwargs)?;
    let Some(passages) = &opts.passages else {
        return Ok(Default::default());
    };
    let (m, n) = (texts.3, rare.len());
    let ids = le_u64s(ids, m, "ids")?;
    let skips = list_values(list_column(&skips), m, "skips")?;
    let (ida, idb) = (le_u64s(ida, n, "ida")?, le_u64s(idb, n, "idb")?);
    let (ua, ub) = (
        list_values(list_column(&ua), n, "ua")?,
        list_values(list_column(&ub), n, "ub")?,
    );
    if any.len() != n {
        return Err(err(format!(
            "tile_regions: {n} rare flags but {} any flags",
            any.len()
        )));
    }
    let column = column_bytes(&texts);
    py.allow_threads(|| {
        let texts = arrow_strings(column.0, column.1, column.2, column.3)?;
        // Each document's first row, by number.
        let mut docs: Vec<(u64, usize)> = ids.iter().copied().zip(0..).collect();
        docs.sort_by_key(|d| d.0);
        docs.dedup_by_key(|d| d.0);
        let at = |i: usize, id: u64| -> PyResult<u32> {
            let k = docs.partition_point(|d| d.0 < id);
            match docs.get(k) {
                Some(d) if d.0 == id => Ok(k as u32),
                _ => Err(err(format!(
                    "tile_regions: pair {i} names document {id}, which is not among the documents"
                ))),
            }
        };
        let mut pairs = Vec::with_capacity(n);
        for i in 0..n {
            let (a, b) = (at(i, ida[i])?, at(i, idb[i])?);
            if a >= b || ua[i].len() != ub[i].len() {
                return Err(err(format!(
                    "tile_regions: pair {i} is not a < b with as many units in ua as in ub"
                )));
            }
            let candidates = ua[i].iter().copied().zip(ub[i].iter().copied()).collect();
            let anchors = parts::PairAnchors {
                rare: rare[i] != 0,
                any: any[i] != 0,
            };
            pairs.push(parts::BatchPair {
                a,
                b,
                candidates,
                anchors,
            });
        }
        let mut f = Fingerprinter::new(opts.normalize, opts.shingle);
        let read: Vec<reprint::passages::DocUnits> = docs
            .iter()
            .map(|&(_, row)| {
                f.tokenize(texts[row]);
                f.units(texts[row], passages.units)
            })
            .collect();
        let flags: Vec<Vec<bool>> = docs
            .iter()
            .zip(&read)
            .map(|(&(_, row), d)| unit_flags(d, &skips[row]))
            .collect();
        let flags: Vec<&[bool]> = flags.iter().map(Vec::as_slice).collect();
        let found = parts::batch_runs(&read, &flags, &pairs, passages);
        let mut out: RegionColumns = Default::default();
        let (regions, alignments) = &mut out;
        for (i, (p, runs)) in pairs.iter().zip(found).enumerate() {
            let docs = [&read[p.a as usize], &read[p.b as usize]];
            for (k, r) in runs.iter().enumerate() {
                let region = (regions[0].len() / 4) as u32;
                let shared = parts::run_anchors(docs[0], docs[1], r, passages);
                push_region(regions, i, k, docs, r, &shared);
                push_alignments(alignments, region, docs, r, passages);
            }
        }
        Ok(out)
    })
}

/// Columns per unit alignment in [`tile_regions_arrow`]'s second table.
pub(crate) const ALIGNMENT_COLUMNS: usize = 13;

/// [`tile_regions_arrow`]'s two tables: regions, and their alignments.
pub(crate) type RegionColumns = ([Vec<u8>; 9], [Vec<u8>; ALIGNMENT_COLUMNS]);

/// Appends the unit alignments of region `r` (row `region` of the
/// regions table; documents `docs`) as little-endian columns: the
/// region's row, the alignment whose occurrence each joins
/// (`parts::run_owners`, an index among the region's), the units, the
/// word ranges and the byte spans in `a` and `b` (`u32` each), and the
/// similarity (`f64`).
pub(crate) fn push_alignments(
    out: &mut [Vec<u8>; ALIGNMENT_COLUMNS],
    region: u32,
    docs: [&reprint::passages::DocUnits; 2],
    r: &parts::PairRun,
    opts: &reprint::passages::PassageOptions,
) {
    let owners = parts::run_owners(docs[0], docs[1], r, opts);
    let byte = |d: &reprint::passages::DocUnits, w: &std::ops::Range<u32>| {
        [
            d.words[w.start as usize].start,
            d.words[w.end as usize - 1].end,
        ]
    };
    for (p, owner) in r.pairs.iter().zip(owners) {
        let [ba0, ba1] = byte(docs[0], &p.a);
        let [bb0, bb1] = byte(docs[1], &p.b);
        let values = [
            region, owner, p.ua, p.ub, p.a.start, p.a.end, p.b.start, p.b.end, ba0, ba1, bb0, bb1,
        ];
        for (column, v) in out.iter_mut().zip(values) {
            column.extend_from_slice(&v.to_le_bytes());
        }
        let sim = reprint::align::similarity(p.matches as usize, p.a.len(), p.b.len());
        out[12].extend_from_slice(&sim.to_le_bytes());
    }
}

/// The occurrences of units (`reprint::passages::parts::unit_occurrences`)
/// from the word ranges kept alignments cover: row `i` is a range
/// `start[i]..end[i]` of unit `unit[i]` of document `doc[i]`, rows sorted
/// by document, unit, start, end, then the order of their alignments (a
/// unit's rows together, each unit whole). Returns each row's occurrence
/// within its unit (`u32`, little-endian).
#[pyfunction]
pub(crate) fn unit_occurrences_arrow(
    doc: &[u8],
    unit: &[u8],
    start: &[u8],
    end: &[u8],
) -> PyResult<Vec<u8>> {
    let n = doc.len() / 8;
    let docs = le_u64s(doc, n, "doc")?;
    let (units, starts, ends) = (
        le_u32s(unit, n, "unit")?,
        le_u32s(start, n, "start")?,
        le_u32s(end, n, "end")?,
    );
    let mut out = Vec::with_capacity(4 * n);
    for rows in runs_of(n, |i| (docs[i], units[i])) {
        let ranges: Vec<(std::ops::Range<u32>, f64)> =
            rows.clone().map(|i| (starts[i]..ends[i], 0.0)).collect();
        if ranges.iter().any(|(r, _)| r.is_empty()) {
            return Err(err(format!(
                "unit_occurrences: an empty range in rows {rows:?}"
            )));
        }
        for node in parts::unit_occurrences(&ranges).0 {
            out.extend_from_slice(&node.to_le_bytes());
        }
    }
    Ok(out)
}

/// Appends region `r`, the `k`-th of pair `i` (documents `docs`), and the
/// anchors its sides share, to [`tile_regions_arrow`]'s columns.
pub(crate) fn push_region(
    out: &mut [Vec<u8>; 9],
    i: usize,
    k: usize,
    docs: [&reprint::passages::DocUnits; 2],
    r: &parts::PairRun,
    shared: &[u64],
) {
    let span = |d: &reprint::passages::DocUnits, range: &std::ops::Range<u32>| {
        (
            d.words[range.start as usize].start,
            d.words[range.end as usize - 1].end,
        )
    };
    let ((a0, a1), (b0, b1)) = (span(docs[0], &r.a), span(docs[1], &r.b));
    let sim = reprint::align::similarity(r.matches as usize, r.a.len(), r.b.len());
    let [pair, a_start, a_end, b_start, b_end, similarity, offsets, values, place] = out;
    pair.extend_from_slice(&(i as u32).to_le_bytes());
    a_start.extend_from_slice(&a0.to_le_bytes());
    a_end.extend_from_slice(&a1.to_le_bytes());
    b_start.extend_from_slice(&b0.to_le_bytes());
    b_end.extend_from_slice(&b1.to_le_bytes());
    similarity.extend_from_slice(&sim.to_le_bytes());
    if offsets.is_empty() {
        offsets.extend_from_slice(&0i32.to_le_bytes());
    }
    for g in shared {
        values.extend_from_slice(&g.to_le_bytes());
    }
    offsets.extend_from_slice(&((values.len() / 8) as i32).to_le_bytes());
    place.extend_from_slice(&(k as u32).to_le_bytes());
}

/// The distinct anchors of each of a batch of texts
/// (`reprint::passages::parts::document_anchors`): one row per text and
/// anchor, as little-endian columns — the text's row (`u32`) and the
/// anchor (`u64`).
#[pyfunction]
#[pyo3(signature = (texts, **kwargs))]
pub(crate) fn document_anchors_arrow(
    py: Python<'_>,
    texts: ArrowStrings<'_>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<[Vec<u8>; 2]> {
    let opts = parsed(kwargs)?;
    let Some(passages) = &opts.passages else {
        return Ok(Default::default());
    };
    for_texts(py, &texts, &opts, passages.units, |row, doc, out| {
        for g in parts::document_anchors(doc, passages) {
            let [r, v] = out;
            r.extend_from_slice(&(row as u32).to_le_bytes());
            v.extend_from_slice(&g.to_le_bytes());
        }
    })
}

/// The significance of each region (`reprint::passages::parts::significance`)
/// from its shared anchors' family counts: region `i`'s are
/// `dfs[offsets[i]..offsets[i + 1]]` (`i32` offsets, `u32` counts, in
/// the order of its anchors), in a corpus of `families` families; `f64`
/// per region, little-endian.
#[pyfunction]
pub(crate) fn significance_arrow(offsets: &[u8], dfs: &[u8], families: usize) -> PyResult<Vec<u8>> {
    let n = (offsets.len() / 4).saturating_sub(1);
    let lists = list_values((offsets, dfs), n, "dfs")?;
    Ok(lists
        .iter()
        .flat_map(|df| parts::significance(df.iter().copied(), families).to_le_bytes())
        .collect())
}

/// The containment of each pair of texts in each other
/// (`reprint::passages::parts::pair_containment`) over their units not
/// listed in `skip_a[i]` and `skip_b[i]` (boilerplate and templates): two
/// little-endian `f64` columns, `a`'s share in `b` and `b`'s in `a`.
#[pyfunction]
#[pyo3(signature = (a, b, skip_a, skip_b, **kwargs))]
pub(crate) fn pair_containment_arrow(
    py: Python<'_>,
    a: ArrowStrings<'_>,
    b: ArrowStrings<'_>,
    skip_a: ListBytes<'_>,
    skip_b: ListBytes<'_>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<[Vec<u8>; 2]> {
    let opts = parsed(kwargs)?;
    let n = a.3;
    let lists = |c: &ListBytes<'_>, what| list_values(list_column(c), n, what);
    let (skip_a, skip_b) = (lists(&skip_a, "skip_a")?, lists(&skip_b, "skip_b")?);
    let units = opts.passages.as_ref().map(|p| p.units).unwrap_or_default();
    for_pairs(
        py,
        "pair_containment",
        &a,
        &b,
        &opts,
        units,
        |i, dx, dy, out| {
            let (fx, fy) = (unit_flags(&dx, &skip_a[i]), unit_flags(&dy, &skip_b[i]));
            let (cx, cy) = parts::pair_containment(&dx, &dy, &fx, &fy);
            out[0].extend_from_slice(&cx.to_le_bytes());
            out[1].extend_from_slice(&cy.to_le_bytes());
            Ok(())
        },
    )
}
