//! Reading a `reprint.scan/1` JSON report back into a [`ScanResult`] (for
//! `reprint report --from`): the report's shape as serde types, each
//! turned into its pipeline type. Fields a report may lack (written by an
//! earlier version) default as each says; fields the report does not
//! carry (the passage stage's internal options, link quotes) come back as
//! defaults.

use serde::Deserialize;

use super::SCAN_SCHEMA;
use crate::lsh::LshParams;
use crate::normalize::NormalizeOptions;
use crate::passages::{PassageKind, PassageOptions, Rewrites};
use crate::provenance::{Direction, FirstSeen};
use crate::read::{Warning, WarningKind};
use crate::scan::{DuplicatePair, OccurrenceOut, Params, SharedOut, Stats};
use crate::verify::VerifyMode;
use crate::{DuplicateCluster, LinkOut, PassageClusterOut, ScanResult};

/// Reads a `reprint.scan/1` JSON report back into a [`ScanResult`].
///
/// Errors: [`crate::Error::Report`] when `text` is not a scan report (the
/// message says where serde stopped) or is one of another schema.
pub fn parse_json(text: &str) -> Result<ScanResult, crate::Error> {
    let bad = |m: String| crate::Error::Report(m);
    let r: ReportIn =
        serde_json::from_str(text).map_err(|e| bad(format!("not a scan report: {e}")))?;
    if r.schema != SCAN_SCHEMA {
        return Err(bad(format!("schema {} is not {SCAN_SCHEMA}", r.schema)));
    }
    let boilerplate_min_docs = r
        .params
        .passages
        .as_ref()
        .and_then(|p| p.boilerplate_min_docs);
    Ok(ScanResult {
        inputs: r.inputs,
        params: r.params.into(),
        boilerplate_min_docs,
        clusters: r.clusters.into_iter().map(Into::into).collect(),
        passage_clusters: r.passage_clusters.into_iter().map(Into::into).collect(),
        links: r.links.into_iter().map(Into::into).collect(),
        warnings: r.warnings.into_iter().map(Into::into).collect(),
        stats: Stats {
            files: r.summary.files,
            skipped_unsupported: r.summary.skipped_unsupported,
            documents: r.documents,
            candidate_pairs: r.summary.candidate_pairs,
            verified_pairs: r.summary.verified_pairs,
            passage_units: r.summary.passage_units,
        },
    })
}

#[derive(Deserialize)]
struct ReportIn {
    schema: String,
    #[serde(default)]
    inputs: Vec<String>,
    params: ParamsIn,
    documents: usize,
    summary: SummaryIn,
    clusters: Vec<ClusterIn>,
    #[serde(default)]
    passage_clusters: Vec<PassageClusterIn>,
    #[serde(default)]
    links: Vec<LinkIn>,
    warnings: Vec<WarningIn>,
}

#[derive(Deserialize)]
struct ParamsIn {
    threshold: f64,
    shingle: usize,
    num_perm: usize,
    bands: usize,
    rows: usize,
    verify: String,
    fold_spelling: bool,
    passages: Option<PassageParamsIn>,
    #[serde(default)]
    window_seconds: Option<u64>,
    #[serde(default)]
    across_sources_only: bool,
}

impl From<ParamsIn> for Params {
    fn from(p: ParamsIn) -> Self {
        Params {
            threshold: p.threshold,
            shingle: p.shingle,
            num_perm: p.num_perm,
            lsh: LshParams {
                bands: p.bands,
                rows: p.rows,
            },
            verify: if p.verify == "estimate" {
                VerifyMode::Estimate
            } else {
                VerifyMode::Exact
            },
            normalize: NormalizeOptions {
                fold_spelling: p.fold_spelling,
            },
            passages: p.passages.map(Into::into),
            links: crate::scan::LinkFilter {
                window: p.window_seconds,
                across_sources_only: p.across_sources_only,
            },
        }
    }
}

#[derive(Deserialize)]
struct PassageParamsIn {
    min_words: usize,
    similarity: f64,
    boilerplate_min_docs: Option<usize>,
    #[serde(default)]
    merge_gap: Option<usize>,
    #[serde(default)]
    min_containment: Option<f64>,
    #[serde(default)]
    rewrites: Option<String>,
    #[serde(default)]
    min_significance: f64,
}

impl From<PassageParamsIn> for PassageOptions {
    fn from(p: PassageParamsIn) -> Self {
        let defaults = PassageOptions::default();
        PassageOptions {
            min_words: p.min_words,
            min_similarity: p.similarity,
            boilerplate_min_docs: p.boilerplate_min_docs,
            merge_gap: p.merge_gap.unwrap_or(defaults.merge_gap),
            min_containment: p.min_containment,
            rewrites: p
                .rewrites
                .as_deref()
                .and_then(Rewrites::named)
                .unwrap_or_default(),
            min_significance: p.min_significance,
            ..defaults
        }
    }
}

#[derive(Deserialize)]
struct SummaryIn {
    files: usize,
    skipped_unsupported: usize,
    candidate_pairs: usize,
    verified_pairs: usize,
    #[serde(default)]
    passage_units: usize,
}

#[derive(Deserialize)]
struct ClusterIn {
    members: Vec<String>,
    pairs: Vec<PairIn>,
}

#[derive(Deserialize)]
struct PairIn {
    a: String,
    b: String,
    jaccard: f64,
}

impl From<ClusterIn> for DuplicateCluster {
    fn from(c: ClusterIn) -> Self {
        DuplicateCluster {
            members: c.members,
            pairs: c
                .pairs
                .into_iter()
                .map(|p| DuplicatePair {
                    a: p.a,
                    b: p.b,
                    jaccard: p.jaccard,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct PassageClusterIn {
    id: usize,
    boilerplate: bool,
    /// Absent before templates were reported: then `boilerplate` says.
    #[serde(default)]
    kind: Option<String>,
    documents: usize,
    #[serde(default)]
    quote: String,
    occurrences: Vec<OccurrenceIn>,
    // Provenance: absent for undated corpora and older reports.
    #[serde(default)]
    first: Option<FirstIn>,
}

#[derive(Deserialize)]
struct FirstIn {
    date: String,
    docs: Vec<String>,
}

#[derive(Deserialize)]
struct OccurrenceIn {
    doc: String,
    start: u32,
    end: u32,
    similarity: f64,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    lag: Option<i64>,
}

/// A date as the report writes it ([`Timestamp`]'s RFC 3339).
fn date_in(d: Option<String>) -> Option<crate::read::Timestamp> {
    crate::read::parse_date(&d?)
}

impl From<PassageClusterIn> for PassageClusterOut {
    fn from(c: PassageClusterIn) -> Self {
        let kind = match (
            c.kind.as_deref().and_then(PassageKind::named),
            c.boilerplate,
        ) {
            (Some(kind), _) => kind,
            (None, true) => PassageKind::Boilerplate,
            (None, false) => PassageKind::Reuse,
        };
        PassageClusterOut {
            id: c.id,
            kind,
            documents: c.documents,
            quote: c.quote,
            occurrences: c
                .occurrences
                .into_iter()
                .map(|o| OccurrenceOut {
                    doc: o.doc,
                    start: o.start,
                    end: o.end,
                    similarity: o.similarity,
                    date: date_in(o.date),
                    lag: o.lag,
                })
                .collect(),
            first: c.first.and_then(|f| {
                Some(FirstSeen {
                    date: date_in(Some(f.date))?,
                    docs: f.docs,
                })
            }),
        }
    }
}

#[derive(Deserialize)]
struct LinkIn {
    a: String,
    b: String,
    // Absent from reports written before titles were shown.
    #[serde(default)]
    a_title: String,
    #[serde(default)]
    b_title: String,
    score: f64,
    a_coverage: f64,
    b_coverage: f64,
    near_duplicate: bool,
    // Absent from reports written before containment was measured.
    #[serde(default)]
    containment_a: f64,
    #[serde(default)]
    containment_b: f64,
    // Absent from reports written before significance was measured.
    #[serde(default)]
    significance: f64,
    shared: Vec<SharedIn>,
    // Provenance: absent when unknown.
    #[serde(default)]
    a_date: Option<String>,
    #[serde(default)]
    b_date: Option<String>,
    #[serde(default)]
    a_source: Option<String>,
    #[serde(default)]
    b_source: Option<String>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    lag: Option<i64>,
}

#[derive(Deserialize)]
struct SharedIn {
    cluster: usize,
    clusters: Vec<usize>,
    a_span: [u32; 2],
    b_span: [u32; 2],
    similarity: f64,
    #[serde(default)]
    significance: f64,
}

impl From<LinkIn> for LinkOut {
    fn from(l: LinkIn) -> Self {
        LinkOut {
            a: l.a,
            b: l.b,
            a_title: l.a_title,
            b_title: l.b_title,
            a_date: date_in(l.a_date),
            b_date: date_in(l.b_date),
            a_source: l.a_source,
            b_source: l.b_source,
            direction: match l.direction.as_deref() {
                Some("a_to_b") => Some(Direction::AToB),
                Some("b_to_a") => Some(Direction::BToA),
                _ => None,
            },
            lag: l.lag,
            score: l.score,
            a_coverage: l.a_coverage,
            b_coverage: l.b_coverage,
            near_duplicate: l.near_duplicate,
            containment_a: l.containment_a,
            containment_b: l.containment_b,
            significance: l.significance,
            shared: l.shared.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<SharedIn> for SharedOut {
    fn from(s: SharedIn) -> Self {
        SharedOut {
            cluster: s.cluster,
            clusters: s.clusters,
            a_span: (s.a_span[0], s.a_span[1]),
            b_span: (s.b_span[0], s.b_span[1]),
            similarity: s.similarity,
            significance: s.significance,
            // Not read back (see the module).
            quote: String::new(),
        }
    }
}

#[derive(Deserialize)]
struct WarningIn {
    path: String,
    line: Option<u64>,
    kind: String,
    message: String,
}

impl From<WarningIn> for Warning {
    fn from(w: WarningIn) -> Self {
        Warning {
            path: w.path,
            line: w.line,
            kind: WarningKind::from_name(&w.kind).unwrap_or(WarningKind::Unreadable),
            message: w.message,
        }
    }
}
