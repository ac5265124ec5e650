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

mod parse;

use std::io::{self, Write};

use serde::Serialize;

use crate::index::{IndexStats, Verdict};
use crate::passages::PassageKind;
use crate::provenance::{human_lag, Direction};
use crate::read::terminal_safe as safe;
use crate::read::Timestamp;
use crate::scan::{DuplicateCluster, LinkOut, PassageClusterOut, ScanResult};

/// The JSON schema identifier written in every JSON report.
pub const SCAN_SCHEMA: &str = "reprint.scan/1";

pub use parse::parse_json;

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
        ReportFormat::Text => write_text(result, None, out),
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

/// The JSON report of `result` as a serde value: what
/// `write_report(.., ReportFormat::Json, ..)` writes, for an embedder that
/// serializes it into something other than JSON text (the Python extension
/// builds Python objects from it, without a JSON text in between). The
/// schema stays this module's.
pub fn json_report(result: &ScanResult) -> impl Serialize + '_ {
    JsonReport::new(result)
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
    if result.params.passages.is_some() {
        let count = |kind| clusters_of_kind(result, kind);
        let reuse = count(PassageKind::Reuse);
        let templates = count(PassageKind::Template);
        line.push_str(&format!(
            "; {} reposted {} linking {} story {}, {} boilerplate, {} {}",
            reuse,
            plural(reuse, "passage", "passages"),
            result.links.len(),
            plural(result.links.len(), "pair", "pairs"),
            count(PassageKind::Boilerplate),
            templates,
            plural(templates, "template", "templates"),
        ));
    }
    line.push_str(&format!(
        "; {} {}",
        result.warnings.len(),
        plural(result.warnings.len(), "warning", "warnings")
    ));
    if s.skipped_unsupported > 0 {
        line.push_str(&format!(
            "; {} {} skipped (unsupported extension)",
            s.skipped_unsupported,
            plural(s.skipped_unsupported, "file", "files")
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

/// How many of `result`'s passage clusters are of `kind`.
fn clusters_of_kind(result: &ScanResult, kind: PassageKind) -> usize {
    result
        .passage_clusters
        .iter()
        .filter(|c| c.kind == kind)
        .count()
}

/// Writes `result` as text, with at most `top` near-duplicate clusters
/// (largest first) and `top` links (in the scan's order) when given;
/// a line says how many of each were left out, and the summary line
/// still counts them all.
pub fn write_text(result: &ScanResult, top: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    let limit = top.unwrap_or(usize::MAX);
    for (i, cluster) in result.clusters.iter().take(limit).enumerate() {
        writeln!(
            out,
            "cluster {} ({} documents)",
            i + 1,
            cluster.members.len()
        )?;
        for member in &cluster.members {
            writeln!(out, "  {}", safe(member))?;
        }
        for pair in &cluster.pairs {
            writeln!(
                out,
                "    {:.3}  {} ~ {}",
                pair.jaccard,
                safe(&pair.a),
                safe(&pair.b)
            )?;
        }
        writeln!(out)?;
    }
    left_out(
        out,
        result.clusters.len(),
        limit,
        "near-duplicate cluster",
        "near-duplicate clusters",
    )?;
    for (i, link) in result.links.iter().take(limit).enumerate() {
        write_link(out, i, link)?;
    }
    left_out(out, result.links.len(), limit, "link", "links")?;
    for (kind, heading) in [
        (
            PassageKind::Boilerplate,
            "boilerplate (never links stories)",
        ),
        (
            PassageKind::Template,
            "templates: formulas filled with other figures (never link stories)",
        ),
    ] {
        write_whole_unit_clusters(out, result, kind, heading)?;
    }
    writeln!(out, "{}", summary_line(result))
}

/// Says how many of `total` items were not shown under `--top limit`.
fn left_out(
    out: &mut dyn Write,
    total: usize,
    limit: usize,
    one: &str,
    many: &str,
) -> io::Result<()> {
    if total > limit {
        let more = total - limit;
        writeln!(
            out,
            "… {more} more {} not shown (--top {limit}; --format json lists all)\n",
            plural(more, one, many)
        )?;
    }
    Ok(())
}

/// The clusters of `kind` (boilerplate, templates) under `heading`, one
/// line each; nothing when there are none.
fn write_whole_unit_clusters(
    out: &mut dyn Write,
    result: &ScanResult,
    kind: PassageKind,
    heading: &str,
) -> io::Result<()> {
    let clusters: Vec<&PassageClusterOut> = result
        .passage_clusters
        .iter()
        .filter(|c| c.kind == kind)
        .collect();
    if clusters.is_empty() {
        return Ok(());
    }
    writeln!(out, "{heading}")?;
    for c in clusters {
        writeln!(
            out,
            "  passage {} in {} {}: {}",
            c.id,
            c.documents,
            plural(c.documents, "document", "documents"),
            excerpt(&c.quote)
        )?;
    }
    writeln!(out)
}

fn write_link(out: &mut dyn Write, i: usize, link: &LinkOut) -> io::Result<()> {
    writeln!(
        out,
        "link {}: {} ~ {}  significance {:.1}, score {:.3} (reused: {:.0}% of a, {:.0}% of b; contained: {:.0}% of a, {:.0}% of b){}",
        i + 1,
        safe(&link.a),
        safe(&link.b),
        link.significance,
        link.score,
        link.a_coverage * 100.0,
        link.b_coverage * 100.0,
        link.containment_a * 100.0,
        link.containment_b * 100.0,
        if link.near_duplicate {
            ", near-duplicates"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "    {} ~ {}",
        quoted(&link.a_title),
        quoted(&link.b_title)
    )?;
    if let Some(line) = provenance_line(link) {
        writeln!(out, "    {line}")?;
    }
    if link.shared.is_empty() {
        writeln!(
            out,
            "    no shared passage: linked by containment (--min-containment)"
        )?;
    }
    for s in &link.shared {
        writeln!(
            out,
            "    passage {}  similarity {:.3}, significance {:.1}  {} [{}..{}]  {} [{}..{}]",
            s.cluster,
            s.similarity,
            s.significance,
            safe(&link.a),
            s.a_span.0,
            s.a_span.1,
            safe(&link.b),
            s.b_span.0,
            s.b_span.1
        )?;
        writeln!(out, "      {}", excerpt(&s.quote))?;
    }
    writeln!(out)
}

/// Which story came first, and how long after it the other followed
/// ("first in 4 (Reuters, 1987-02-26T15:07:13Z), reposted by 16 after 14
/// min"); `None` unless both stories are dated.
fn provenance_line(link: &LinkOut) -> Option<String> {
    let (a_date, b_date) = (link.a_date?, link.b_date?);
    let said = |id: &str, source: &Option<String>, date: Timestamp| match source {
        Some(s) => format!("{} ({}, {date})", safe(id), safe(s)),
        None => format!("{} ({date})", safe(id)),
    };
    let a = said(&link.a, &link.a_source, a_date);
    let b = said(&link.b, &link.b_source, b_date);
    Some(match (link.direction, link.lag) {
        (Some(Direction::AToB), Some(lag)) => {
            format!("first in {a}, reposted by {b} after {}", human_lag(lag))
        }
        (Some(Direction::BToA), Some(lag)) => {
            format!("first in {b}, reposted by {a} after {}", human_lag(lag))
        }
        _ => format!("dated alike: {a}, {b}"),
    })
}

/// A title for the terminal: quoted, or a dash when there is none.
fn quoted(title: &str) -> String {
    if title.is_empty() {
        "—".to_owned()
    } else {
        format!("“{}”", safe(title))
    }
}

/// A passage for the terminal: on one line, quoted, cut at 160 chars.
fn excerpt(text: &str) -> String {
    const MAX: usize = 160;
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = safe(&flat).into_owned();
    match flat.char_indices().nth(MAX) {
        Some((cut, _)) => format!("“{}…”", &flat[..cut]),
        None => format!("“{flat}”"),
    }
}

/// A span as a sequence, not a tuple: the same JSON text, and a list (as
/// `json.loads` gives) where `json_report` is turned into Python objects.
fn as_list<S: serde::Serializer>(span: &[u32; 2], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(span)
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    inputs: &'a [String],
    params: JsonParams,
    documents: usize,
    summary: JsonSummary,
    clusters: Vec<JsonCluster<'a>>,
    passage_clusters: Vec<JsonPassageCluster<'a>>,
    links: Vec<JsonLink<'a>>,
    warnings: Vec<JsonWarning<'a>>,
}

#[derive(Serialize)]
struct JsonPassageParams {
    min_words: usize,
    similarity: f64,
    boilerplate_min_docs: Option<usize>,
    known_boilerplate: bool,
    anchor_words: usize,
    unit_min_words: usize,
    unit_max_words: usize,
    merge_gap: usize,
    min_containment: Option<f64>,
    rewrites: &'static str,
    min_significance: f64,
}

#[derive(Serialize)]
struct JsonPassageCluster<'a> {
    id: usize,
    kind: &'static str,
    boilerplate: bool,
    documents: usize,
    quote: &'a str,
    occurrences: Vec<JsonOccurrence<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first: Option<JsonFirst<'a>>,
}

#[derive(Serialize)]
struct JsonFirst<'a> {
    date: String,
    docs: &'a [String],
}

#[derive(Serialize)]
struct JsonOccurrence<'a> {
    doc: &'a str,
    start: u32,
    end: u32,
    similarity: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lag: Option<i64>,
}

#[derive(Serialize)]
struct JsonLink<'a> {
    a: &'a str,
    b: &'a str,
    a_title: &'a str,
    b_title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    a_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    b_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    a_source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    b_source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    direction: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lag: Option<i64>,
    score: f64,
    a_coverage: f64,
    b_coverage: f64,
    near_duplicate: bool,
    containment_a: f64,
    containment_b: f64,
    significance: f64,
    shared: Vec<JsonShared<'a>>,
}

#[derive(Serialize)]
struct JsonShared<'a> {
    cluster: usize,
    clusters: &'a [usize],
    #[serde(serialize_with = "as_list")]
    a_span: [u32; 2],
    #[serde(serialize_with = "as_list")]
    b_span: [u32; 2],
    similarity: f64,
    significance: f64,
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
    passages: Option<JsonPassageParams>,
    #[serde(skip_serializing_if = "Option::is_none")]
    window_seconds: Option<u64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    across_sources_only: bool,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    skipped_unsupported: usize,
    candidate_pairs: usize,
    verified_pairs: usize,
    clusters: usize,
    clustered_documents: usize,
    passage_units: usize,
    passage_clusters: usize,
    boilerplate_clusters: usize,
    template_clusters: usize,
    links: usize,
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
        JsonReport {
            schema: SCAN_SCHEMA,
            inputs: &result.inputs,
            params: JsonParams::new(result),
            documents: result.stats.documents,
            summary: JsonSummary::new(result),
            clusters: result
                .clusters
                .iter()
                .enumerate()
                .map(|(id, c)| JsonCluster::new(id, c))
                .collect(),
            passage_clusters: result
                .passage_clusters
                .iter()
                .map(JsonPassageCluster::new)
                .collect(),
            links: result.links.iter().map(JsonLink::new).collect(),
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

impl JsonParams {
    fn new(result: &ScanResult) -> Self {
        let p = &result.params;
        JsonParams {
            threshold: p.threshold,
            shingle: p.shingle,
            num_perm: p.num_perm,
            bands: p.lsh.bands,
            rows: p.lsh.rows,
            verify: p.verify.as_str(),
            fold_spelling: p.normalize.fold_spelling,
            hash: "xxh3-64",
            sketch: "oph-optimal-densification",
            passages: p.passages.as_ref().map(|o| JsonPassageParams {
                min_words: o.min_words,
                similarity: o.min_similarity,
                boilerplate_min_docs: result.boilerplate_min_docs,
                known_boilerplate: !o.known_boilerplate.is_empty(),
                anchor_words: o.anchor_words,
                unit_min_words: o.units.min_words,
                unit_max_words: o.units.max_words,
                merge_gap: o.merge_gap,
                min_containment: o.min_containment,
                rewrites: o.rewrites.as_str(),
                min_significance: o.min_significance,
            }),
            window_seconds: p.links.window,
            across_sources_only: p.links.across_sources_only,
        }
    }
}

impl JsonSummary {
    fn new(result: &ScanResult) -> Self {
        let s = &result.stats;
        let count = |kind| clusters_of_kind(result, kind);
        JsonSummary {
            files: s.files,
            skipped_unsupported: s.skipped_unsupported,
            candidate_pairs: s.candidate_pairs,
            verified_pairs: s.verified_pairs,
            clusters: result.clusters.len(),
            clustered_documents: result.clusters.iter().map(|c| c.members.len()).sum(),
            passage_units: s.passage_units,
            passage_clusters: count(PassageKind::Reuse),
            boilerplate_clusters: count(PassageKind::Boilerplate),
            template_clusters: count(PassageKind::Template),
            links: result.links.len(),
            warnings: result.warnings.len(),
        }
    }
}

impl<'a> JsonPassageCluster<'a> {
    fn new(c: &'a PassageClusterOut) -> Self {
        JsonPassageCluster {
            id: c.id,
            kind: c.kind.as_str(),
            boilerplate: c.kind == PassageKind::Boilerplate,
            documents: c.documents,
            quote: &c.quote,
            occurrences: c
                .occurrences
                .iter()
                .map(|o| JsonOccurrence {
                    doc: &o.doc,
                    start: o.start,
                    end: o.end,
                    similarity: round6(o.similarity),
                    date: o.date.map(|d| d.to_string()),
                    lag: o.lag,
                })
                .collect(),
            first: c.first.as_ref().map(|f| JsonFirst {
                date: f.date.to_string(),
                docs: &f.docs,
            }),
        }
    }
}

impl<'a> JsonLink<'a> {
    fn new(l: &'a LinkOut) -> Self {
        JsonLink {
            a: &l.a,
            b: &l.b,
            a_title: &l.a_title,
            b_title: &l.b_title,
            a_date: l.a_date.map(|d| d.to_string()),
            b_date: l.b_date.map(|d| d.to_string()),
            a_source: l.a_source.as_deref(),
            b_source: l.b_source.as_deref(),
            direction: l.direction.map(|d| d.as_str()),
            lag: l.lag,
            score: round6(l.score),
            a_coverage: round6(l.a_coverage),
            b_coverage: round6(l.b_coverage),
            near_duplicate: l.near_duplicate,
            containment_a: round6(l.containment_a),
            containment_b: round6(l.containment_b),
            significance: round6(l.significance),
            shared: l
                .shared
                .iter()
                .map(|s| JsonShared {
                    cluster: s.cluster,
                    clusters: &s.clusters,
                    a_span: [s.a_span.0, s.a_span.1],
                    b_span: [s.b_span.0, s.b_span.1],
                    similarity: round6(s.similarity),
                    significance: round6(s.significance),
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

/// One verdict as a single line of JSON (no trailing newline): the wire
/// format of `reprint check`, `reprint gate` and `reprint serve`.
///
/// `{"id":…,"verdict":"new"|"duplicate"|"reposts","admitted":…,
/// "duplicate_of":[{"id":…,"jaccard":…}],"passages":[{"id":…,"span":[s,e],
/// "other_span":[s,e],"similarity":…,"significance":…}]}`
pub fn verdict_json(v: &Verdict) -> String {
    #[derive(Serialize)]
    struct Dup<'a> {
        id: &'a str,
        jaccard: f64,
    }
    #[derive(Serialize)]
    struct Passage<'a> {
        id: &'a str,
        span: [u32; 2],
        other_span: [u32; 2],
        similarity: f64,
        significance: f64,
    }
    #[derive(Serialize)]
    struct Line<'a> {
        id: &'a str,
        verdict: &'static str,
        admitted: bool,
        duplicate_of: Vec<Dup<'a>>,
        passages: Vec<Passage<'a>>,
    }
    let line = Line {
        id: &v.id,
        verdict: v.kind.as_str(),
        admitted: v.admitted,
        duplicate_of: v
            .duplicate_of
            .iter()
            .map(|d| Dup {
                id: &d.id,
                jaccard: round6(d.jaccard),
            })
            .collect(),
        passages: v
            .passages
            .iter()
            .map(|p| Passage {
                id: &p.id,
                span: [p.span.0, p.span.1],
                other_span: [p.other_span.0, p.other_span.1],
                similarity: round6(p.similarity),
                significance: round6(p.significance),
            })
            .collect(),
    };
    serde_json::to_string(&line).unwrap_or_default()
}

/// An error for one input line of a stream, as a line of JSON.
pub fn stream_error_json(line: u64, message: &str) -> String {
    serde_json::json!({"line": line, "error": message}).to_string()
}

/// `reprint index stats` as JSON.
pub fn index_stats_json(stats: &IndexStats) -> String {
    serde_json::json!({
        "schema": "reprint.index-stats/1",
        "documents": stats.documents,
        "band_entries": stats.band_entries,
        "anchor_entries": stats.anchor_entries,
        "paragraphs": stats.paragraphs,
        "segments": stats.segments,
        "text_bytes": stats.text_bytes,
        "file_bytes": stats.file_bytes,
        "disk_bytes": stats.disk_bytes,
        "table_bytes": stats.table_bytes.iter().map(|(k, v)| (k.to_string(), *v)).collect::<std::collections::BTreeMap<String, u64>>(),
        "params": stats.params,
    })
    .to_string()
}
