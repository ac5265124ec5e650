//! Keyword options → the crate's options: the binary's long options with
//! `_` for `-`, each one used or an error naming it; and the thread pool a
//! call runs on.

use std::collections::HashMap;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use reprint::boilerplate::KnownBoilerplate;
use reprint::lsh::LshParams;
use reprint::passages::{PassageOptions, Rewrites};
use reprint::verify::VerifyMode;
use reprint::ScanOptions;

use crate::err;

/// One keyword option's value, as Python gave it.
pub(crate) enum Value {
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
pub(crate) struct Options(HashMap<String, Value>);

impl Options {
    pub(crate) fn take(&mut self, name: &str) -> Value {
        self.0.remove(name).unwrap_or(Value::None)
    }
    pub(crate) fn float(&mut self, name: &str, default: f64) -> PyResult<f64> {
        match self.take(name) {
            Value::None => Ok(default),
            Value::Float(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            _ => Err(err(format!("option {name}: expected a number"))),
        }
    }
    pub(crate) fn opt_float(&mut self, name: &str) -> PyResult<Option<f64>> {
        match self.take(name) {
            Value::None => Ok(None),
            Value::Float(f) => Ok(Some(f)),
            Value::Int(i) => Ok(Some(i as f64)),
            _ => Err(err(format!("option {name}: expected a number"))),
        }
    }
    pub(crate) fn int(&mut self, name: &str) -> PyResult<Option<usize>> {
        match self.take(name) {
            Value::None => Ok(None),
            Value::Int(i) => Ok(Some(i as usize)),
            _ => Err(err(format!(
                "option {name}: expected a non-negative integer"
            ))),
        }
    }
    pub(crate) fn boolean(&mut self, name: &str, default: bool) -> PyResult<bool> {
        match self.take(name) {
            Value::None => Ok(default),
            Value::Bool(b) => Ok(b),
            _ => Err(err(format!("option {name}: expected True or False"))),
        }
    }
    pub(crate) fn string(&mut self, name: &str) -> PyResult<Option<String>> {
        match self.take(name) {
            Value::None => Ok(None),
            Value::Str(s) => Ok(Some(s)),
            _ => Err(err(format!("option {name}: expected a string"))),
        }
    }
    pub(crate) fn paths(&mut self, name: &str) -> PyResult<Vec<PathBuf>> {
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
    pub(crate) fn finish(self) -> PyResult<()> {
        let mut left: Vec<&String> = self.0.keys().collect();
        left.sort();
        match left.first() {
            None => Ok(()),
            Some(name) => Err(err(format!("unknown option {name:?}"))),
        }
    }
}

pub(crate) fn options(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Options> {
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
pub(crate) fn scan_options(o: &mut Options) -> PyResult<(ScanOptions, Option<usize>)> {
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
pub(crate) fn lsh_params(o: &mut Options) -> PyResult<Option<LshParams>> {
    match (o.int("bands")?, o.int("rows")?) {
        (Some(bands), Some(rows)) => Ok(Some(LshParams { bands, rows })),
        (None, None) => Ok(None),
        _ => Err(err("options bands and rows go together")),
    }
}

pub(crate) fn passage_options(
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
pub(crate) fn run<T: Send>(
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

/// The scan options `kwargs` ask for, every one of them used (the thread
/// count aside).
pub(crate) fn parsed(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<ScanOptions> {
    let mut o = options(kwargs)?;
    let (opts, _) = scan_options(&mut o)?;
    o.finish()?;
    Ok(opts)
}
