//! `reprint.scan` and `reprint.align`: documents from paths, records or a
//! table ([`crate::table`]) scanned by the crate, the report built as
//! Python objects.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use reprint::fingerprint::Fingerprinter;
use reprint::passages::PassageProbe;
use reprint::read::{Document, Timestamp};
use reprint::Scanner;

use crate::arrow::ArrowStrings;
use crate::options::{options, parsed, run, scan_options};
use crate::{err, table};

/// An in-memory document (no file line).
pub(crate) fn document(id: String, text: String, title: Option<String>) -> Document {
    Document {
        id,
        text,
        line: None,
        title,
        date: None,
        source: None,
    }
}

/// A record as `reprint.scan` passes it: id, text, title, date, source.
pub(crate) type Record = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The document of a record ([`dated`]).
pub(crate) fn record_document(
    py: Python<'_>,
    (id, text, title, date, source): Record,
) -> PyResult<Document> {
    Ok(Document {
        date: dated(py, &id, date.as_deref())?,
        source,
        ..document(id, text, title)
    })
}

/// The instant a record's date string names; one that is not a date (see
/// `reprint::read::parse_date`) is a Python `UserWarning` naming the
/// record, and the document stays undated (as a bad date in a JSONL feed
/// is a warning, not an error).
pub(crate) fn dated(py: Python<'_>, id: &str, date: Option<&str>) -> PyResult<Option<Timestamp>> {
    let parsed = date.and_then(reprint::read::parse_date);
    if let (Some(d), None) = (date, parsed) {
        let msg = std::ffi::CString::new(format!(
            "record {id:?}: {d:?} is not a date (expected RFC 3339 or ISO 8601, e.g. \
             2024-05-01T08:30:00Z or 2024-05-01); the record is kept undated"
        ))
        .map_err(err)?;
        PyErr::warn(
            py,
            &py.get_type::<pyo3::exceptions::PyUserWarning>(),
            &msg,
            1,
        )?;
    }
    Ok(parsed)
}

/// Scans files and directories (`paths`) or in-memory records (`records`:
/// `(id, text, title, date, source)`), with the keyword options, and
/// returns the report `reprint scan --format json` writes as Python
/// objects ([`report_objects`]).
#[pyfunction]
#[pyo3(signature = (paths, records, **kwargs))]
pub(crate) fn scan_report<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    records: Option<Vec<Record>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let docs: Option<Vec<Document>> = records
        .map(|r| r.into_iter().map(|r| record_document(py, r)).collect())
        .transpose()?;
    report_objects(py, paths, docs, kwargs)
}

/// The same for the columns of a pyarrow Table (contract in `table.rs`).
#[pyfunction]
#[pyo3(signature = (ids, texts, titles, dates, date_micros, sources, **kwargs))]
#[allow(clippy::too_many_arguments)] // one argument per column, as the caller names them
pub(crate) fn scan_table_report<'py>(
    py: Python<'py>,
    ids: ArrowStrings<'py>,
    texts: ArrowStrings<'py>,
    titles: Option<table::Nullable<'py, ArrowStrings<'py>>>,
    dates: Option<table::Nullable<'py, ArrowStrings<'py>>>,
    date_micros: Option<table::Nullable<'py, Bound<'py, PyBytes>>>,
    sources: Option<table::Nullable<'py, ArrowStrings<'py>>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let columns = table::Columns {
        ids,
        texts,
        titles,
        dates,
        date_micros,
        sources,
    };
    let docs = table::documents(py, &columns)?;
    report_objects(py, Vec::new(), Some(docs), kwargs)
}

/// Scans `docs` (or, when `None`, `paths`) with the keyword options and
/// returns the report as Python objects (dicts, lists, str, int, float,
/// bool, None: what `json.loads` of `reprint scan --format json` gives),
/// built from the report layer's serde value without a JSON text in
/// between.
pub(crate) fn report_objects<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    docs: Option<Vec<Document>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut o = options(kwargs)?;
    let (opts, threads) = scan_options(&mut o)?;
    o.finish()?;
    let scanner = Scanner::new(opts).map_err(err)?;
    let result = run(py, threads, || match docs {
        Some(docs) => Ok(scanner.scan_documents(docs)),
        None => scanner.scan_paths(&paths),
    })?
    .map_err(err)?;
    let report = reprint::report::json_report(&result);
    without_gc(py, || pythonize::pythonize(py, &report).map_err(err))
}

/// Runs `build` with CPython's cyclic collector paused, and restores it.
/// Building a report's hundreds of thousands of dicts and lists sets the
/// collector off again and again, each pass walking every object built so
/// far (7% of `reprint.scan` on Reuters-21578); the report holds no
/// cycles, so there is nothing for it to find. `build` holds the GIL and
/// runs no Python code, so no other thread sees the collector paused.
pub(crate) fn without_gc<T>(py: Python<'_>, build: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    let gc = py.import("gc")?;
    let enabled: bool = gc.call_method0("isenabled")?.extract()?;
    if enabled {
        gc.call_method0("disable")?;
    }
    let out = build();
    if enabled {
        gc.call_method0("enable")?;
    }
    out
}

/// One shared passage as Python sees it: `(a_span, b_span, similarity)`.
pub(crate) type Shared = ((u32, u32), (u32, u32), f64);

/// The passages texts `a` and `b` share, as `(a_span, b_span, similarity)`
/// with byte spans, in `a`'s order: what a scan of the two finds between
/// them (`passages::PassageProbe`, the gate's form of the passage stage,
/// held equal to the scan by a test), with the scan's keyword options.
#[pyfunction]
#[pyo3(signature = (a, b, **kwargs))]
pub(crate) fn align(
    py: Python<'_>,
    a: String,
    b: String,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Vec<Shared>> {
    let opts = parsed(kwargs)?;
    let Some(passages) = opts.passages else {
        return Ok(Vec::new());
    };
    Ok(py.allow_threads(|| {
        let mut f = Fingerprinter::new(opts.normalize, opts.shingle);
        f.tokenize(&a);
        let da = f.units(&a, passages.units);
        f.tokenize(&b);
        let db = f.units(&b, passages.units);
        PassageProbe::new(&da, &passages)
            .shared_with(&db)
            .into_iter()
            .map(|r| {
                (
                    (r.a_span.start, r.a_span.end),
                    (r.b_span.start, r.b_span.end),
                    r.similarity,
                )
            })
            .collect()
    }))
}
