//! The records of a pyarrow Table as documents, read from its columns'
//! Arrow buffers: what `reprint.scan(table)` hands the scan, without a
//! Python object per row.
//!
//! Contract with `reprint/__init__.py` (`_table_columns`): `ids` and
//! `texts` are string columns without nulls; `titles`, `dates` and
//! `sources` are optional string columns, each with a null flag per row
//! (one byte, 1 = null) when it has nulls; `date_micros` is a date column
//! the table held as timestamps or dates, as little-endian `i64`
//! microseconds since 1970-01-01 UTC (a naive timestamp read as UTC), with
//! its null flags. At most one of `dates` and `date_micros` is given.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use reprint::read::{Document, Timestamp};

use crate::arrow::{arrow_strings, column_bytes, le_values, ArrowStrings};
use crate::err;
use crate::scan::dated;

/// An optional column: its values and, when it has nulls, a byte per row
/// that is 1 where the row is null.
pub(crate) type Nullable<'py, T> = (T, Option<Bound<'py, PyBytes>>);

/// The columns of a table, as `_table_columns` hands them over.
pub(crate) struct Columns<'py> {
    pub ids: ArrowStrings<'py>,
    pub texts: ArrowStrings<'py>,
    pub titles: Option<Nullable<'py, ArrowStrings<'py>>>,
    pub dates: Option<Nullable<'py, ArrowStrings<'py>>>,
    pub date_micros: Option<Nullable<'py, Bound<'py, PyBytes>>>,
    pub sources: Option<Nullable<'py, ArrowStrings<'py>>>,
}

/// The documents of a table's rows, in row order. A date string that is
/// not a date is a Python `UserWarning` naming the row's id (the document
/// stays undated), as with records; a column shorter than the table, or a
/// timestamp out of range, is a `ReprintError`.
pub(crate) fn documents(py: Python<'_>, c: &Columns<'_>) -> PyResult<Vec<Document>> {
    let ids = strings(&c.ids)?;
    let texts = strings(&c.texts)?;
    let n = ids.len();
    if texts.len() != n {
        return Err(err(format!("{} ids but {} texts", n, texts.len())));
    }
    let titles = optional(c.titles.as_ref(), n, "title")?;
    let dates = optional(c.dates.as_ref(), n, "date")?;
    let micros = timestamps(c.date_micros.as_ref(), n)?;
    let sources = optional(c.sources.as_ref(), n, "source")?;
    (0..n)
        .map(|row| {
            let id = ids[row];
            let date = match &micros {
                Some(m) => m[row],
                None => dated(py, id, dates.as_ref().and_then(|d| d[row]))?,
            };
            Ok(Document {
                id: id.to_owned(),
                text: texts[row].to_owned(),
                line: None,
                title: titles.as_ref().and_then(|t| t[row]).map(str::to_owned),
                date,
                source: sources.as_ref().and_then(|s| s[row]).map(str::to_owned),
            })
        })
        .collect()
}

fn strings<'a>(column: &'a ArrowStrings<'_>) -> PyResult<Vec<&'a str>> {
    let (offsets, data, offset, length) = column_bytes(column);
    arrow_strings(offsets, data, offset, length)
}

/// Flags are one byte per row; anything but 0 is a null.
fn is_null(flags: Option<&Bound<'_, PyBytes>>, row: usize) -> bool {
    flags.is_some_and(|f| f.as_bytes().get(row).is_some_and(|&b| b != 0))
}

/// An optional string column's values (`None` where null), checked to be
/// `n` long.
fn optional<'a>(
    column: Option<&'a Nullable<'_, ArrowStrings<'_>>>,
    n: usize,
    name: &str,
) -> PyResult<Option<Vec<Option<&'a str>>>> {
    let Some((values, nulls)) = column else {
        return Ok(None);
    };
    let values = strings(values)?;
    check_length(name, values.len(), nulls.as_ref(), n)?;
    let flags = nulls.as_ref();
    Ok(Some(
        values
            .into_iter()
            .enumerate()
            .map(|(row, v)| (!is_null(flags, row)).then_some(v))
            .collect(),
    ))
}

/// A timestamp column's instants (`None` where null).
fn timestamps(
    column: Option<&Nullable<'_, Bound<'_, PyBytes>>>,
    n: usize,
) -> PyResult<Option<Vec<Option<Timestamp>>>> {
    let Some((values, nulls)) = column else {
        return Ok(None);
    };
    let values = le_values(values.as_bytes(), n, "column \"date\"", |x| {
        i64::from_le_bytes(x.try_into().unwrap_or_default())
    })?;
    check_length("date", values.len(), nulls.as_ref(), n)?;
    let flags = nulls.as_ref();
    values
        .into_iter()
        .enumerate()
        .map(|(row, us)| {
            if is_null(flags, row) {
                return Ok(None);
            }
            Timestamp::from_microsecond(us)
                .map(Some)
                .map_err(|e| err(format!("row {row}: date out of range ({e})")))
        })
        .collect::<PyResult<_>>()
        .map(Some)
}

fn check_length(
    name: &str,
    values: usize,
    nulls: Option<&Bound<'_, PyBytes>>,
    n: usize,
) -> PyResult<()> {
    let flags = nulls.map_or(n, |f| f.as_bytes().len());
    if values != n || flags != n {
        return Err(err(format!(
            "column {name:?}: {values} values and {flags} null flags for {n} rows"
        )));
    }
    Ok(())
}
