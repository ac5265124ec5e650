//! The passage stage's corpus-wide rules over Arrow columns: each unit's
//! facts, then boilerplate (chrome) and templates decided per group the
//! caller gathered, with the crate's own functions.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use reprint::passages::{parts, Rewrites};

use crate::arrow::{for_texts, le_values, ArrowStrings};
use crate::err;
use crate::options::parsed;

/// Each unit of a batch of texts as the passage stage's corpus-wide rules
/// read it (`reprint.passage_facts`, `reprint::passages::parts`): one row
/// per unit, as little-endian columns — the text's row, the unit's number
/// in it, its byte span and words (`u32` each), its fingerprint (`u64`),
/// tail (`u8`), story key (`u64`, 0 without one) and whether it has one
/// (`u8`), known boilerplate line (`i64`, −1 for none), template shape and
/// text (`u64` each, 0 without a shape) and whether it has one (`u8`).
#[pyfunction]
#[pyo3(signature = (texts, **kwargs))]
pub(crate) fn passage_facts_arrow(
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
pub(crate) fn passage_settings(
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<HashMap<&'static str, i64>> {
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

/// Per row, whether its group is chrome by the boilerplate rule
/// (`reprint.chrome_rule`, `reprint::passages::parts::is_chrome`): rows
/// are units, as little-endian columns of group keys (`u64`; each
/// group's rows together), families (`u32`), tails (`u8`), story keys
/// (`u64`) and whether each has one (`u8`); `min_docs` is the corpus's
/// boilerplate frequency.
#[pyfunction]
pub(crate) fn chrome_rule_arrow(
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
pub(crate) fn template_rule_arrow(
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
pub(crate) fn auto_boilerplate_min_docs(docs: usize) -> usize {
    parts::auto_boilerplate_min_docs(docs)
}

/// `rule` applied to each run of equal `keys` (by its rows), its answer
/// repeated for each row of the run.
pub(crate) fn by_group(keys: &[u64], rule: impl Fn(std::ops::Range<usize>) -> bool) -> Vec<u8> {
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
