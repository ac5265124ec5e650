//! `reprint.Index`: the gate's durable index from Python.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use reprint::index::{Index, IndexParams, Policy};
use reprint::report::{index_stats_json, verdict_json};

use crate::err;
use crate::options::{lsh_params, options};
use crate::scan::document;

/// The gate's index (see `reprint index` and `reprint check`): opened when
/// `path` exists, else created with the keyword options (`threshold`,
/// `shingle`, `num_perm`, `bands`/`rows`, `fold_spelling`).
#[pyclass(name = "Index", module = "reprint")]
pub(crate) struct PyIndex {
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
