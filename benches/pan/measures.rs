//! PAN's plagiarism-detection measures (Potthast et al., "An Evaluation
//! Framework for Plagiarism Detection", COLING 2010), as PAN's
//! `perfmeasures` script computes them: character-level macro-averaged
//! recall and precision over cases and detections, granularity, plagdet.
//!
//! A case or a detection is an [`Annotation`]: a character range of a
//! suspicious document and, when external, one of a source document.
//! Detection `r` detects case `s` when both refer to the same suspicious
//! document (and source, when both are external) and their ranges overlap
//! in each. Then
//! - recall: per case, the share of its characters (suspicious + source)
//!   covered by the detections that detect it; averaged over all cases;
//! - precision: the same with the roles swapped;
//! - granularity: detections per detected case, averaged;
//! - plagdet: F1 / log2(1 + granularity).
//!
//! `tests/pan_measures.rs` checks it against the script's own unit cases.

use std::collections::HashMap;
use std::ops::Range;

/// One case or detection; offsets and lengths count characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Annotation {
    /// Suspicious document.
    pub this_ref: String,
    /// Characters of the suspicious document.
    pub this: Range<usize>,
    /// Source document (empty when not external).
    pub source_ref: String,
    /// Characters of the source document.
    pub source: Range<usize>,
    /// Whether the annotation names a source.
    pub external: bool,
}

impl Annotation {
    /// An external annotation: `this_len` characters at `this_off` of
    /// `this_ref`, `source_len` at `source_off` of `source_ref`.
    pub fn external(
        this_ref: &str,
        this_off: usize,
        this_len: usize,
        source_ref: &str,
        source_off: usize,
        source_len: usize,
    ) -> Self {
        Annotation {
            this_ref: this_ref.into(),
            this: this_off..this_off + this_len,
            source_ref: source_ref.into(),
            source: source_off..source_off + source_len,
            external: true,
        }
    }
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    b.end > a.start && b.start < a.end
}

/// Whether `b` overlaps `a` (the script's `is_overlapping`).
pub fn is_overlapping(a: &Annotation, b: &Annotation) -> bool {
    let mut detected = a.this_ref == b.this_ref && overlaps(&a.this, &b.this);
    if a.external && b.external {
        detected = detected && a.source_ref == b.source_ref && overlaps(&a.source, &b.source);
    }
    detected
}

/// Characters of `within` covered by any of `by`.
fn covered(within: &Range<usize>, by: impl Iterator<Item = Range<usize>>) -> usize {
    let mut parts: Vec<Range<usize>> = by
        .map(|r| r.start.max(within.start)..r.end.min(within.end))
        .filter(|r| r.start < r.end)
        .collect();
    parts.sort_by_key(|r| r.start);
    let (mut total, mut reach) = (0, within.start);
    for r in parts {
        let start = r.start.max(reach);
        if r.end > start {
            total += r.end - start;
            reach = r.end;
        }
    }
    total
}

/// The share of `case`'s characters that the detections overlapping it
/// cover (the script's `case_recall`).
pub fn case_recall(case: &Annotation, detections: &[&Annotation]) -> f64 {
    let hits: Vec<&&Annotation> = detections
        .iter()
        .filter(|d| is_overlapping(case, d))
        .collect();
    let total = case.this.len() + case.source.len();
    if hits.is_empty() || total == 0 {
        return 0.0;
    }
    let this = covered(&case.this, hits.iter().map(|d| d.this.clone()));
    let source = covered(&case.source, hits.iter().map(|d| d.source.clone()));
    (this + source) as f64 / total as f64
}

fn by_this_ref(anns: &[Annotation]) -> HashMap<&str, Vec<&Annotation>> {
    let mut index: HashMap<&str, Vec<&Annotation>> = HashMap::new();
    for a in anns {
        index.entry(a.this_ref.as_str()).or_default().push(a);
    }
    index
}

/// Macro-averaged recall of `detections` on `cases`.
pub fn macro_recall(cases: &[Annotation], detections: &[Annotation]) -> f64 {
    if cases.is_empty() && detections.is_empty() {
        return 1.0;
    }
    if cases.is_empty() || detections.is_empty() {
        return 0.0;
    }
    let dets = by_this_ref(detections);
    let sum: f64 = cases
        .iter()
        .map(|c| {
            dets.get(c.this_ref.as_str())
                .map_or(0.0, |ds| case_recall(c, ds))
        })
        .sum();
    sum / cases.len() as f64
}

/// Macro-averaged precision: recall with the roles swapped.
pub fn macro_precision(cases: &[Annotation], detections: &[Annotation]) -> f64 {
    macro_recall(detections, cases)
}

/// Detections per detected case, averaged (1 when nothing is detected).
pub fn granularity(cases: &[Annotation], detections: &[Annotation]) -> f64 {
    let dets = by_this_ref(detections);
    let (mut detected, mut sum) = (0usize, 0usize);
    for c in cases {
        let n = dets
            .get(c.this_ref.as_str())
            .map_or(0, |ds| ds.iter().filter(|d| is_overlapping(c, d)).count());
        if n > 0 {
            detected += 1;
            sum += n;
        }
    }
    if detected == 0 {
        1.0
    } else {
        sum as f64 / detected as f64
    }
}

/// F1 of recall and precision over log2(1 + granularity).
pub fn plagdet(recall: f64, precision: f64, granularity: f64) -> f64 {
    if (recall == 0.0 && precision == 0.0) || recall < 0.0 || precision < 0.0 || granularity < 1.0 {
        return 0.0;
    }
    (2.0 * recall * precision / (recall + precision)) / (1.0 + granularity).log2()
}

/// All four measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    /// plagdet.
    pub plagdet: f64,
    /// Macro-averaged precision.
    pub precision: f64,
    /// Macro-averaged recall.
    pub recall: f64,
    /// Granularity.
    pub granularity: f64,
}

/// Scores `detections` against `cases`.
pub fn score(cases: &[Annotation], detections: &[Annotation]) -> Scores {
    let recall = macro_recall(cases, detections);
    let precision = macro_precision(cases, detections);
    let granularity = granularity(cases, detections);
    Scores {
        plagdet: plagdet(recall, precision, granularity),
        precision,
        recall,
        granularity,
    }
}
