//! `reprint._native`: the Python extension. A thin layer over the reprint
//! crate, as the binary is: options from keyword arguments, documents from
//! paths, records or a table's Arrow columns (`table.rs`), results as the
//! report the binary writes as JSON, built as Python objects. No stage is
//! implemented here.
//!
//! Every call that does reprint's work releases the GIL; errors are
//! `reprint.ReprintError` with the crate's own message.

mod table;

use std::collections::HashMap;
use std::path::PathBuf;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use reprint::boilerplate::KnownBoilerplate;
use reprint::fingerprint::Fingerprinter;
use reprint::index::{Index, IndexParams, Policy};
use reprint::lsh::LshParams;
use reprint::passages::{parts, PassageOptions, PassageProbe, Rewrites};
use reprint::read::{Document, Timestamp};
use reprint::report::{index_stats_json, verdict_json};
use reprint::scan::DocumentKeys;
use reprint::verify::VerifyMode;
use reprint::{ScanOptions, Scanner};

// The allocator the binary uses: a scan allocates per document and per
// unit from several threads, and with the system allocator the same scan
// took 1.25 times the binary's time in-process (benches/python_scan.py).
// Rust's allocations only: Python objects keep Python's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

create_exception!(
    _native,
    ReprintError,
    PyException,
    "An error from reprint: bad options, a missing path, a broken index."
);

fn err(e: impl std::fmt::Display) -> PyErr {
    ReprintError::new_err(e.to_string())
}

/// One keyword option's value, as Python gave it.
enum Value {
    Float(f64),
    Int(u64),
    Bool(bool),
    Str(String),
    Paths(Vec<PathBuf>),
    None,
}

impl Value {
    fn from_py(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Value> {
        if v.is_none() {
            return Ok(Value::None);
        }
        // bool before int: Python's True is an int too.
        if let Ok(b) = v.downcast::<pyo3::types::PyBool>() {
            return Ok(Value::Bool(b.is_true()));
        }
        if let Ok(i) = v.extract::<u64>() {
            return Ok(Value::Int(i));
        }
        if let Ok(f) = v.extract::<f64>() {
            return Ok(Value::Float(f));
        }
        if let Ok(s) = v.extract::<String>() {
            return Ok(Value::Str(s));
        }
        if let Ok(p) = v.extract::<Vec<PathBuf>>() {
            return Ok(Value::Paths(p));
        }
        Err(err(format!("option {name}: unsupported value {v}")))
    }
}

/// Typed access to the keyword options, each taken once; what is left
/// at the end was not an option.
struct Options(HashMap<String, Value>);

impl Options {
    fn take(&mut self, name: &str) -> Value {
        self.0.remove(name).unwrap_or(Value::None)
    }
    fn float(&mut self, name: &str, default: f64) -> PyResult<f64> {
        match self.take(name) {
            Value::None => Ok(default),
            Value::Float(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            _ => Err(err(format!("option {name}: expected a number"))),
        }
    }
    fn opt_float(&mut self, name: &str) -> PyResult<Option<f64>> {
        match self.take(name) {
            Value::None => Ok(None),
            Value::Float(f) => Ok(Some(f)),
            Value::Int(i) => Ok(Some(i as f64)),
            _ => Err(err(format!("option {name}: expected a number"))),
        }
    }
    fn int(&mut self, name: &str) -> PyResult<Option<usize>> {
        match self.take(name) {
            Value::None => Ok(None),
            Value::Int(i) => Ok(Some(i as usize)),
            _ => Err(err(format!(
                "option {name}: expected a non-negative integer"
            ))),
        }
    }
    fn boolean(&mut self, name: &str, default: bool) -> PyResult<bool> {
        match self.take(name) {
            Value::None => Ok(default),
            Value::Bool(b) => Ok(b),
            _ => Err(err(format!("option {name}: expected True or False"))),
        }
    }
    fn string(&mut self, name: &str) -> PyResult<Option<String>> {
        match self.take(name) {
            Value::None => Ok(None),
            Value::Str(s) => Ok(Some(s)),
            _ => Err(err(format!("option {name}: expected a string"))),
        }
    }
    fn paths(&mut self, name: &str) -> PyResult<Vec<PathBuf>> {
        match self.take(name) {
            Value::None => Ok(Vec::new()),
            Value::Str(s) => Ok(vec![PathBuf::from(s)]),
            Value::Paths(p) => Ok(p),
            _ => Err(err(format!(
                "option {name}: expected a path or a list of paths"
            ))),
        }
    }
    /// Errors naming the first option nobody took.
    fn finish(self) -> PyResult<()> {
        let mut left: Vec<&String> = self.0.keys().collect();
        left.sort();
        match left.first() {
            None => Ok(()),
            Some(name) => Err(err(format!("unknown option {name:?}"))),
        }
    }
}

fn options(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Options> {
    let mut map = HashMap::new();
    if let Some(kwargs) = kwargs {
        for (k, v) in kwargs.iter() {
            let name: String = k.extract()?;
            let value = Value::from_py(&name, &v)?;
            map.insert(name, value);
        }
    }
    Ok(Options(map))
}

/// The scan options the keyword options ask for, with the binary's
/// defaults and names (`--min-passage-words` is `min_passage_words`), and
/// the number of threads (`None`: all cores).
fn scan_options(o: &mut Options) -> PyResult<(ScanOptions, Option<usize>)> {
    let mut opts = ScanOptions::default();
    opts.threshold = o.float("threshold", opts.threshold)?;
    opts.shingle = o.int("shingle")?.unwrap_or(opts.shingle);
    opts.num_perm = o.int("num_perm")?.unwrap_or(opts.num_perm);
    opts.lsh = lsh_params(o)?;
    opts.verify = match o.string("verify")?.as_deref() {
        None | Some("exact") => VerifyMode::Exact,
        Some("estimate") => VerifyMode::Estimate,
        Some(other) => {
            return Err(err(format!(
                "option verify: {other:?} is not exact or estimate"
            )))
        }
    };
    opts.normalize.fold_spelling = o.boolean("fold_spelling", opts.normalize.fold_spelling)?;
    for (name, field) in [
        ("id_field", &mut opts.read.id_field),
        ("text_field", &mut opts.read.text_field),
        ("title_field", &mut opts.read.title_field),
        ("date_field", &mut opts.read.date_field),
        ("source_field", &mut opts.read.source_field),
    ] {
        if let Some(v) = o.string(name)? {
            *field = v;
        }
    }
    if let Some(max) = o.int("max_file_size")? {
        opts.read.max_file_size = max as u64;
    }
    opts.read.html = match o.string("html")?.as_deref() {
        None | Some("article") => reprint::read::HtmlMode::Article,
        Some("full") => reprint::read::HtmlMode::Full,
        Some(other) => {
            return Err(err(format!(
                "option html: {other:?} is not article or full"
            )))
        }
    };
    opts.passages = if o.boolean("passages", true)? {
        Some(passage_options(o, opts.normalize)?)
    } else {
        None
    };
    if let Some(w) = o.string("window")? {
        let seconds = reprint::provenance::parse_duration(&w)
            .map_err(|e| err(format!("option window: {e}")))?;
        opts.links.window = Some(seconds);
    }
    opts.links.across_sources_only = o.boolean("across_sources_only", false)?;
    let threads = o.int("threads")?;
    Ok((opts, threads))
}

/// LSH banding from `bands` and `rows`, which go together.
fn lsh_params(o: &mut Options) -> PyResult<Option<LshParams>> {
    match (o.int("bands")?, o.int("rows")?) {
        (Some(bands), Some(rows)) => Ok(Some(LshParams { bands, rows })),
        (None, None) => Ok(None),
        _ => Err(err("options bands and rows go together")),
    }
}

fn passage_options(
    o: &mut Options,
    normalize: reprint::normalize::NormalizeOptions,
) -> PyResult<PassageOptions> {
    let mut p = PassageOptions::default();
    p.min_words = o.int("min_passage_words")?.unwrap_or(p.min_words);
    p.min_similarity = o.float("passage_similarity", p.min_similarity)?;
    p.min_containment = o.opt_float("min_containment")?;
    p.min_significance = o.float("min_significance", p.min_significance)?;
    p.boilerplate_min_docs = o.int("boilerplate_min_docs")?;
    if let Some(n) = o.int("unit_min_words")? {
        p.units.min_words = n;
    }
    if let Some(name) = o.string("rewrites")? {
        p.rewrites = Rewrites::named(&name).ok_or_else(|| {
            err(format!(
                "option rewrites: {name:?} is not off, linked, rare or all"
            ))
        })?;
    }
    for path in o.paths("boilerplate")? {
        p.known_boilerplate
            .extend(KnownBoilerplate::from_file(&path, normalize).map_err(err)?);
    }
    Ok(p)
}

/// Runs `work` without the GIL on a pool of `threads` threads (all cores
/// when `None`).
fn run<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    py.allow_threads(|| {
        let mut pool = rayon::ThreadPoolBuilder::new();
        if let Some(n) = threads {
            pool = pool.num_threads(n);
        }
        let pool = pool.build().map_err(err)?;
        Ok(pool.install(work))
    })
}

/// An in-memory document (no file line).
fn document(id: String, text: String, title: Option<String>) -> Document {
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
type Record = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The document of a record ([`dated`]).
fn record_document(py: Python<'_>, (id, text, title, date, source): Record) -> PyResult<Document> {
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
fn dated(py: Python<'_>, id: &str, date: Option<&str>) -> PyResult<Option<Timestamp>> {
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
fn scan_report<'py>(
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
fn scan_table_report<'py>(
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
fn report_objects<'py>(
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
fn without_gc<T>(py: Python<'_>, build: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
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
type Shared = ((u32, u32), (u32, u32), f64);

/// The passages texts `a` and `b` share, as `(a_span, b_span, similarity)`
/// with byte spans, in `a`'s order: what a scan of the two finds between
/// them (`passages::PassageProbe`, the gate's form of the passage stage,
/// held equal to the scan by a test), with the scan's keyword options.
#[pyfunction]
#[pyo3(signature = (a, b, **kwargs))]
fn align(
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

/// The scan options `kwargs` ask for, every one of them used (the thread
/// count aside).
fn parsed(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<ScanOptions> {
    let mut o = options(kwargs)?;
    let (opts, _) = scan_options(&mut o)?;
    o.finish()?;
    Ok(opts)
}

/// Reads each of a batch of texts as a scan does (`opts`' normalization,
/// `units`) and hands it to `each` with its row and the `N` output
/// columns; runs without the GIL.
fn for_texts<const N: usize>(
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
fn for_pairs<const N: usize>(
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
fn arrow_strings<'d>(
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
type ArrowStrings<'py> = (Bound<'py, PyBytes>, Bound<'py, PyBytes>, usize, usize);

/// The buffers of one column, borrowed for work without the GIL (what
/// [`arrow_strings`] reads).
type ColumnBytes<'a> = (&'a [u8], &'a [u8], usize, usize);

fn column_bytes<'a>(c: &'a ArrowStrings<'_>) -> ColumnBytes<'a> {
    (c.0.as_bytes(), c.1.as_bytes(), c.2, c.3)
}

/// The two columns of a batch of pairs (`what` names the function in the
/// error when their lengths differ).
fn pair_columns<'a>(
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

/// A batch's keys as `fingerprint_arrow` returns them: has-words flags,
/// content fingerprints, band keys (row by row) and the number of bands.
type BatchKeys = (Vec<u8>, Vec<u8>, Vec<u8>, usize);

/// The document-stage keys of a batch of texts (`reprint.fingerprint`):
/// for each, whether it has words, its content fingerprint and its band
/// keys, as little-endian bytes (`u8` flags, `u64` fingerprints, `u64`
/// keys row by row), and the number of bands. As the scan computes them
/// with the same keyword options (`reprint::scan::parts`).
#[pyfunction]
#[pyo3(signature = (texts, **kwargs))]
fn fingerprint_arrow(
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
fn verify_arrow(
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
fn align_arrow(
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

/// Each unit of a batch of texts as the passage stage's corpus-wide rules
/// read it (`reprint.passage_facts`, `reprint::passages::parts`): one row
/// per unit, as little-endian columns — the text's row, the unit's number
/// in it, its byte span and words (`u32` each), its fingerprint (`u64`),
/// tail (`u8`), story key (`u64`, 0 without one) and whether it has one
/// (`u8`), known boilerplate line (`i64`, −1 for none), template shape and
/// text (`u64` each, 0 without a shape) and whether it has one (`u8`).
#[pyfunction]
#[pyo3(signature = (texts, **kwargs))]
fn passage_facts_arrow(
    py: Python<'_>,
    texts: ArrowStrings<'_>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<[Vec<u8>; 13]> {
    let opts = parsed(kwargs)?;
    let Some(passages) = &opts.passages else {
        return Ok(Default::default());
    };
    for_texts(py, &texts, &opts, passages.units, |row, doc, out| {
        for (unit, facts) in parts::unit_facts(doc, passages).into_iter().enumerate() {
            let [r, u, start, end, words, fp, tail, story, has_story, known, shape, shape_text, has_shape] =
                out;
            r.extend_from_slice(&(row as u32).to_le_bytes());
            u.extend_from_slice(&(unit as u32).to_le_bytes());
            start.extend_from_slice(&facts.span.start.to_le_bytes());
            end.extend_from_slice(&facts.span.end.to_le_bytes());
            words.extend_from_slice(&facts.words.to_le_bytes());
            fp.extend_from_slice(&facts.fingerprint.to_le_bytes());
            tail.push(facts.tail.code());
            story.extend_from_slice(&facts.story.unwrap_or(0).to_le_bytes());
            has_story.push(u8::from(facts.story.is_some()));
            let line = facts.known_line.map_or(-1, |l| l as i64);
            known.extend_from_slice(&line.to_le_bytes());
            let (sh, tx) = facts.shape.unwrap_or((0, 0));
            shape.extend_from_slice(&sh.to_le_bytes());
            shape_text.extend_from_slice(&tx.to_le_bytes());
            has_shape.push(u8::from(facts.shape.is_some()));
        }
    })
}

/// What a distributed run of the passage stage needs of the options
/// (`reprint::passages::parts`): the numbers its joins compare with.
#[pyfunction]
#[pyo3(signature = (**kwargs))]
fn passage_settings(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<HashMap<&'static str, i64>> {
    let opts = parsed(kwargs)?;
    let p = opts.passages.unwrap_or_default();
    let rewrites = match p.rewrites {
        Rewrites::Off => 0,
        Rewrites::Linked => 1,
        Rewrites::Rare => 2,
        Rewrites::All => 3,
    };
    Ok(HashMap::from([
        ("min_shared_anchors", p.min_shared_anchors as i64),
        (
            "boilerplate_min_docs",
            p.boilerplate_min_docs.map_or(-1, |n| n as i64),
        ),
        ("max_anchor_families", parts::MAX_ANCHOR_FAMILIES as i64),
        ("max_family_align", parts::MAX_FAMILY_ALIGN as i64),
        ("rare_anchor_families", parts::RARE_ANCHOR_FAMILIES as i64),
        (
            "min_containment_anchors",
            i64::from(parts::MIN_CONTAINMENT_ANCHORS),
        ),
        ("rewrites", rewrites),
    ]))
}

/// The anchor keys of each unit of a batch of texts
/// (`reprint::passages::parts::unit_anchor_keys`) in a corpus of `units`
/// units, leaving out the units each text lists in `skips` (boilerplate
/// and templates; a list column, as [`list_values`] reads it): one row
/// per unit and key, as little-endian columns — the text's row and the
/// unit (`u32` each), the key (`u64`).
#[pyfunction]
#[pyo3(signature = (texts, units, skips, **kwargs))]
fn unit_anchor_keys_arrow(
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
/// its own family only when the family `parts::aligns_within`. One row
/// per unit with partners: its row (`u32`), its key's number of families
/// (`u32`), and its partners as two list columns sharing `i32` offsets:
/// documents (`u64`) and units (`u32`).
#[pyfunction]
fn anchor_pairs_arrow(
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
            for x in from..to {
                let before = partners;
                let within = parts::aligns_within(usize::try_from(sizes[x]).unwrap_or(usize::MAX));
                for y in x + 1..to {
                    if docs[y] > docs[x] && (families[y] != families[x] || within) {
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
fn unit_tally_arrow(
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

/// One list column as the package hands it over: `n + 1` little-endian
/// `i32` offsets and the values (`u32` each, little-endian).
type ListColumn<'a> = (&'a [u8], &'a [u8]);

/// A [`ListColumn`] as Python passes it.
type ListBytes<'py> = (Bound<'py, PyBytes>, Bound<'py, PyBytes>);

fn list_column<'a>(c: &'a ListBytes<'_>) -> ListColumn<'a> {
    (c.0.as_bytes(), c.1.as_bytes())
}

/// The `i`-th list of a [`ListColumn`] of `n` lists (`what` names it in
/// errors).
fn list_values(c: ListColumn<'_>, n: usize, what: &str) -> PyResult<Vec<Vec<u32>>> {
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
fn tile_regions_arrow(
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
const ALIGNMENT_COLUMNS: usize = 13;

/// [`tile_regions_arrow`]'s two tables: regions, and their alignments.
type RegionColumns = ([Vec<u8>; 9], [Vec<u8>; ALIGNMENT_COLUMNS]);

/// Appends the unit alignments of region `r` (row `region` of the
/// regions table; documents `docs`) as little-endian columns: the
/// region's row, the alignment whose occurrence each joins
/// (`parts::run_owners`, an index among the region's), the units, the
/// word ranges and the byte spans in `a` and `b` (`u32` each), and the
/// similarity (`f64`).
fn push_alignments(
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

/// The natural-order key of each of a batch of ids (`reprint::natural::key`:
/// bytewise order is the order a scan gives ids): an Arrow `binary`
/// column's offsets (`i32`, little-endian) and data.
#[pyfunction]
fn natural_keys_arrow(py: Python<'_>, ids: ArrowStrings<'_>) -> PyResult<(Vec<u8>, Vec<u8>)> {
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

/// The occurrences of units (`reprint::passages::parts::unit_occurrences`)
/// from the word ranges kept alignments cover: row `i` is a range
/// `start[i]..end[i]` of unit `unit[i]` of document `doc[i]`, rows sorted
/// by document, unit, start, end, then the order of their alignments (a
/// unit's rows together, each unit whole). Returns each row's occurrence
/// within its unit (`u32`, little-endian).
#[pyfunction]
fn unit_occurrences_arrow(doc: &[u8], unit: &[u8], start: &[u8], end: &[u8]) -> PyResult<Vec<u8>> {
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
fn push_region(
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
fn document_anchors_arrow(
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
fn significance_arrow(offsets: &[u8], dfs: &[u8], families: usize) -> PyResult<Vec<u8>> {
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
fn pair_containment_arrow(
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

/// A flag per unit of `doc`: whether it is among `skipped` (numbers out
/// of range are ignored).
fn unit_flags(doc: &reprint::passages::DocUnits, skipped: &[u32]) -> Vec<bool> {
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
fn le_values<T>(bytes: &[u8], n: usize, what: &str, read: impl Fn(&[u8]) -> T) -> PyResult<Vec<T>> {
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
fn le_u64s(bytes: &[u8], n: usize, what: &str) -> PyResult<Vec<u64>> {
    le_values(bytes, n, what, |x| {
        u64::from_le_bytes(x.try_into().unwrap_or_default())
    })
}

/// `n` little-endian `u32`s ([`le_values`]).
fn le_u32s(bytes: &[u8], n: usize, what: &str) -> PyResult<Vec<u32>> {
    le_values(bytes, n, what, |x| {
        u32::from_le_bytes(x.try_into().unwrap_or_default())
    })
}

/// The stretches of rows `0..n` over which `key` stays the same (rows
/// sorted by it, each key's rows together), in order.
fn runs_of<K: PartialEq>(
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

/// Per row, whether its group is chrome by the boilerplate rule
/// (`reprint.chrome_rule`, `reprint::passages::parts::is_chrome`): rows
/// are units, as little-endian columns of group keys (`u64`; each
/// group's rows together), families (`u32`), tails (`u8`), story keys
/// (`u64`) and whether each has one (`u8`); `min_docs` is the corpus's
/// boilerplate frequency.
#[pyfunction]
fn chrome_rule_arrow(
    py: Python<'_>,
    keys: &[u8],
    families: &[u8],
    tails: &[u8],
    stories: &[u8],
    has_story: &[u8],
    min_docs: usize,
) -> PyResult<Vec<u8>> {
    let n = tails.len();
    let keys = le_values(keys, n, "keys", |b| {
        u64::from_le_bytes(b.try_into().unwrap_or_default())
    })?;
    let families = le_values(families, n, "families", |b| {
        u32::from_le_bytes(b.try_into().unwrap_or_default())
    })?;
    let stories = le_values(stories, n, "stories", |b| {
        u64::from_le_bytes(b.try_into().unwrap_or_default())
    })?;
    let has_story = le_values(has_story, n, "has_story", |b| b[0] != 0)?;
    let facts = (0..n)
        .map(|i| {
            let tail = parts::Tail::from_code(tails[i])
                .ok_or_else(|| err(format!("tails: {} is not a tail", tails[i])))?;
            Ok(parts::ChromeFacts {
                family: families[i],
                tail,
                story: has_story[i].then_some(stories[i]),
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(py.allow_threads(|| {
        by_group(&keys, |g| {
            g.len() >= 2 && parts::is_chrome(&facts[g], min_docs)
        })
    }))
}

/// Per row, whether its group is a template by the template rule
/// (`reprint.template_rule`, `reprint::passages::parts::is_template_group`):
/// rows are units, as little-endian columns of shapes (`u64`; each
/// group's rows together), families (`u32`) and text hashes (`u64`).
#[pyfunction]
fn template_rule_arrow(
    py: Python<'_>,
    shapes: &[u8],
    families: &[u8],
    texts: &[u8],
) -> PyResult<Vec<u8>> {
    let n = families.len() / 4;
    let shapes = le_values(shapes, n, "shapes", |b| {
        u64::from_le_bytes(b.try_into().unwrap_or_default())
    })?;
    let families = le_values(families, n, "families", |b| {
        u32::from_le_bytes(b.try_into().unwrap_or_default())
    })?;
    let texts = le_values(texts, n, "texts", |b| {
        u64::from_le_bytes(b.try_into().unwrap_or_default())
    })?;
    let fills: Vec<(u32, u64)> = families.into_iter().zip(texts).collect();
    Ok(py.allow_threads(|| by_group(&shapes, |g| parts::is_template_group(&fills[g]))))
}

/// The boilerplate frequency a scan uses for a corpus of `docs` documents
/// without `boilerplate_min_docs` (`reprint::passages::auto_boilerplate_min_docs`).
#[pyfunction]
fn auto_boilerplate_min_docs(docs: usize) -> usize {
    parts::auto_boilerplate_min_docs(docs)
}

/// `rule` applied to each run of equal `keys` (by its rows), its answer
/// repeated for each row of the run.
fn by_group(keys: &[u64], rule: impl Fn(std::ops::Range<usize>) -> bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(keys.len());
    let mut start = 0;
    for run in keys.chunk_by(|a, b| a == b) {
        let group = start..start + run.len();
        start = group.end;
        let answer = u8::from(rule(group));
        out.extend(std::iter::repeat(answer).take(run.len()));
    }
    out
}

/// The gate's index (see `reprint index` and `reprint check`): opened when
/// `path` exists, else created with the keyword options (`threshold`,
/// `shingle`, `num_perm`, `bands`/`rows`, `fold_spelling`).
#[pyclass(name = "Index", module = "reprint")]
struct PyIndex {
    /// `None` once closed.
    inner: Option<Index>,
}

impl PyIndex {
    fn index(&self) -> PyResult<&Index> {
        self.inner
            .as_ref()
            .ok_or_else(|| err("the index is closed"))
    }
}

#[pymethods]
impl PyIndex {
    #[new]
    #[pyo3(signature = (path, **kwargs))]
    fn new(py: Python<'_>, path: PathBuf, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let mut o = options(kwargs)?;
        let threshold = o.float("threshold", 0.8)?;
        let shingle = o.int("shingle")?.unwrap_or(5);
        let num_perm = o.int("num_perm")?.unwrap_or(128);
        let lsh = lsh_params(&mut o)?;
        let fold = o.boolean("fold_spelling", true)?;
        o.finish()?;
        let inner = py
            .allow_threads(|| {
                if path.exists() {
                    Index::open(&path)
                } else {
                    let params = IndexParams::new(threshold, shingle, num_perm, lsh, fold);
                    Index::create(&path, params)
                }
            })
            .map_err(err)?;
        Ok(PyIndex { inner: Some(inner) })
    }

    /// The verdict for an article, as JSON, without admitting it.
    #[pyo3(signature = (id, text, title=None))]
    fn check_json(
        &self,
        py: Python<'_>,
        id: String,
        text: String,
        title: Option<String>,
    ) -> PyResult<String> {
        let doc = document(id, text, title);
        let index = self.index()?;
        let v = py.allow_threads(|| index.check(&doc)).map_err(err)?;
        Ok(verdict_json(&v))
    }

    /// Judges an article and admits it as the policy says, as JSON.
    #[pyo3(signature = (id, text, title=None, admit_duplicates=false, reject_reposts=false, replace=false))]
    #[allow(clippy::too_many_arguments)]
    fn admit_json(
        &self,
        py: Python<'_>,
        id: String,
        text: String,
        title: Option<String>,
        admit_duplicates: bool,
        reject_reposts: bool,
        replace: bool,
    ) -> PyResult<String> {
        let doc = document(id, text, title);
        let policy = Policy {
            admit_duplicates,
            reject_reposts,
            replace,
        };
        let index = self.index()?;
        let v = py
            .allow_threads(|| index.admit(&doc, policy))
            .map_err(err)?;
        Ok(verdict_json(&v))
    }

    /// Counts describing the index, as JSON.
    fn stats_json(&self, py: Python<'_>) -> PyResult<String> {
        let index = self.index()?;
        let stats = py.allow_threads(|| index.stats()).map_err(err)?;
        Ok(index_stats_json(&stats))
    }

    /// Closes the index (releasing its lock); later calls error.
    fn close(&mut self) {
        self.inner = None;
    }
}

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ReprintError", m.py().get_type::<ReprintError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(scan_report, m)?)?;
    m.add_function(wrap_pyfunction!(scan_table_report, m)?)?;
    m.add_function(wrap_pyfunction!(align, m)?)?;
    m.add_function(wrap_pyfunction!(fingerprint_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(verify_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(align_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(passage_facts_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(chrome_rule_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(template_rule_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(auto_boilerplate_min_docs, m)?)?;
    m.add_function(wrap_pyfunction!(passage_settings, m)?)?;
    m.add_function(wrap_pyfunction!(unit_anchor_keys_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(tile_regions_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(anchor_pairs_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(unit_tally_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(unit_occurrences_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(natural_keys_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(document_anchors_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(significance_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(pair_containment_arrow, m)?)?;
    m.add("MAX_EXPANDED_GROUP", reprint::scan::MAX_EXPANDED_GROUP)?;
    m.add("MIN_TEMPLATE_FAMILIES", parts::MIN_TEMPLATE_FAMILIES)?;
    m.add_class::<PyIndex>()?;
    Ok(())
}
