//! Report: a [`ScanResult`] → text for people, JSON or JSON Lines for
//! programs.
//!
//! This module is the only place that knows the wire format: pipeline
//! types are not serialized directly, so they can change without breaking
//! the schema. The JSON schema is `reprint.scan/1`, documented in
//! `docs/scan-schema.md`; adding fields keeps the version, changing the
//! meaning of one bumps it.
//!
//! Output is a pure function of the result: no timings, no thread counts,
//! floats rounded to 6 decimals, so the same input gives byte-identical
//! output on every run.

use std::io::{self, Write};

use serde::Serialize;

use crate::scan::{DuplicateCluster, ScanResult};

/// The JSON schema identifier written in every JSON report.
pub const SCAN_SCHEMA: &str = "reprint.scan/1";

/// Output formats of `reprint scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    /// Human-readable clusters and a summary line.
    #[default]
    Text,
    /// One JSON document (schema `reprint.scan/1`).
    Json,
    /// One JSON object per cluster, one per line.
    Jsonl,
}

/// Writes `result` to `out` in `format`.
pub fn write_report(
    result: &ScanResult,
    format: ReportFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ReportFormat::Text => write_text(result, out),
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &JsonReport::new(result))?;
            writeln!(out)
        }
        ReportFormat::Jsonl => {
            for (id, cluster) in result.clusters.iter().enumerate() {
                serde_json::to_writer(&mut *out, &JsonCluster::new(id, cluster))?;
                writeln!(out)?;
            }
            Ok(())
        }
    }
}

/// The one-line summary that ends a text report (and that the binary
/// prints on stderr for the other formats).
pub fn summary_line(result: &ScanResult) -> String {
    let s = &result.stats;
    let clustered: usize = result.clusters.iter().map(|c| c.members.len()).sum();
    let mut line = format!(
        "{} documents from {} files: {} near-duplicate {} ({} documents, {} pairs at Jaccard ≥ {})",
        s.documents,
        s.files,
        result.clusters.len(),
        plural(result.clusters.len(), "cluster", "clusters"),
        clustered,
        s.verified_pairs,
        result.params.threshold,
    );
    line.push_str(&format!(
        "; {} {}",
        result.warnings.len(),
        plural(result.warnings.len(), "warning", "warnings")
    ));
    if s.skipped_unsupported > 0 {
        line.push_str(&format!(
            "; {} files skipped (unsupported extension)",
            s.skipped_unsupported
        ));
    }
    line
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn write_text(result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
    for (i, cluster) in result.clusters.iter().enumerate() {
        writeln!(
            out,
            "cluster {} ({} documents)",
            i + 1,
            cluster.members.len()
        )?;
        for member in &cluster.members {
            writeln!(out, "  {member}")?;
        }
        for pair in &cluster.pairs {
            writeln!(out, "    {:.3}  {} ~ {}", pair.jaccard, pair.a, pair.b)?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", summary_line(result))
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    params: JsonParams,
    documents: usize,
    summary: JsonSummary,
    clusters: Vec<JsonCluster<'a>>,
    warnings: Vec<JsonWarning<'a>>,
}

#[derive(Serialize)]
struct JsonParams {
    threshold: f64,
    shingle: usize,
    num_perm: usize,
    bands: usize,
    rows: usize,
    verify: &'static str,
    fold_spelling: bool,
    hash: &'static str,
    sketch: &'static str,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    skipped_unsupported: usize,
    candidate_pairs: usize,
    verified_pairs: usize,
    clusters: usize,
    clustered_documents: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct JsonCluster<'a> {
    id: usize,
    members: &'a [String],
    pairs: Vec<JsonPair<'a>>,
}

#[derive(Serialize)]
struct JsonPair<'a> {
    a: &'a str,
    b: &'a str,
    jaccard: f64,
}

#[derive(Serialize)]
struct JsonWarning<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    kind: &'static str,
    message: &'a str,
}

impl<'a> JsonReport<'a> {
    fn new(result: &'a ScanResult) -> Self {
        let p = &result.params;
        let s = &result.stats;
        JsonReport {
            schema: SCAN_SCHEMA,
            params: JsonParams {
                threshold: p.threshold,
                shingle: p.shingle,
                num_perm: p.num_perm,
                bands: p.lsh.bands,
                rows: p.lsh.rows,
                verify: p.verify.as_str(),
                fold_spelling: p.normalize.fold_spelling,
                hash: "xxh3-64",
                sketch: "oph-optimal-densification",
            },
            documents: s.documents,
            summary: JsonSummary {
                files: s.files,
                skipped_unsupported: s.skipped_unsupported,
                candidate_pairs: s.candidate_pairs,
                verified_pairs: s.verified_pairs,
                clusters: result.clusters.len(),
                clustered_documents: result.clusters.iter().map(|c| c.members.len()).sum(),
                warnings: result.warnings.len(),
            },
            clusters: result
                .clusters
                .iter()
                .enumerate()
                .map(|(id, c)| JsonCluster::new(id, c))
                .collect(),
            warnings: result
                .warnings
                .iter()
                .map(|w| JsonWarning {
                    path: &w.path,
                    line: w.line,
                    kind: w.kind.as_str(),
                    message: &w.message,
                })
                .collect(),
        }
    }
}

impl<'a> JsonCluster<'a> {
    fn new(id: usize, cluster: &'a DuplicateCluster) -> Self {
        JsonCluster {
            id,
            members: &cluster.members,
            pairs: cluster
                .pairs
                .iter()
                .map(|p| JsonPair {
                    a: &p.a,
                    b: &p.b,
                    jaccard: round6(p.jaccard),
                })
                .collect(),
        }
    }
}
