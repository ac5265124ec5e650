//! `reprint._native`: the Python extension. A thin layer over the reprint
//! crate, as the binary is: options from keyword arguments, documents from
//! paths, records or a table's Arrow columns (`table.rs`), results as the
//! report the binary writes as JSON, built as Python objects. No stage is
//! implemented here.
//!
//! Every call that does reprint's work releases the GIL; errors are
//! `reprint.ReprintError` with the crate's own message.
//!
//! One file per job: `options.rs` (keyword options → `ScanOptions`, the
//! thread pool), `scan.rs` (`scan`, `align`), `table.rs` (a pyarrow
//! Table's columns → documents), `gate.rs` (`Index`), `arrow.rs` (Arrow
//! buffers in and out: string and list columns, little-endian values),
//! `document_stage.rs` and `passage_rules.rs` / `passage_pairs.rs` (the
//! stage functions of the Spark job, over Arrow columns).

mod arrow;
mod document_stage;
mod gate;
mod options;
mod passage_pairs;
mod passage_rules;
mod scan;
mod table;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use reprint::passages::parts;

use document_stage::{align_arrow, fingerprint_arrow, natural_keys_arrow, verify_arrow};
use gate::PyIndex;
use passage_pairs::{
    anchor_pairs_arrow, document_anchors_arrow, pair_containment_arrow, significance_arrow,
    tile_regions_arrow, unit_anchor_keys_arrow, unit_occurrences_arrow, unit_tally_arrow,
};
use passage_rules::{
    auto_boilerplate_min_docs, chrome_rule_arrow, passage_facts_arrow, passage_settings,
    template_rule_arrow,
};
use scan::{align, scan_report, scan_table_report};

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

/// An error of the crate (or of the caller's input) as `ReprintError`,
/// with its message.
fn err(e: impl std::fmt::Display) -> PyErr {
    ReprintError::new_err(e.to_string())
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
