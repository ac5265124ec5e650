//! Naming the findings: the pipeline's results (document numbers, pairs
//! between representatives) → the output's clusters, passage clusters and
//! links by document id, in their stable order.

use ahash::AHashMap;

use super::output::*;
use super::source::*;
use crate::cluster::Cluster;
use crate::natural;
use crate::passages::{Link, Occurrence, PassageCluster};
use crate::provenance::{direction, first_seen, lag};
use crate::read::Document;
use crate::verify::VerifiedPair;

/// Exact-duplicate groups larger than this are reported as a star around
/// their first member instead of every pair (which would be quadratic).
pub const MAX_EXPANDED_GROUP: usize = 64;

/// Turns pairs verified between representatives into pairs between
/// documents: every pair inside an exact-duplicate group (Jaccard 1), and a
/// verified pair between two groups for every pair of their members —
/// except that a group of more than [`MAX_EXPANDED_GROUP`] members takes
/// part through its representative only (plus a star of 1.0 pairs to it).
pub(super) fn expand_exact_duplicates(
    rep_of: &[u32],
    verified: Vec<VerifiedPair>,
) -> Vec<VerifiedPair> {
    let mut members: AHashMap<u32, Vec<u32>> = AHashMap::new();
    // Groups with more than one member; a representative is its group's
    // first document, so it comes first.
    for (i, &r) in rep_of.iter().enumerate() {
        if r != i as u32 {
            members.entry(r).or_insert_with(|| vec![r]).push(i as u32);
        }
    }
    let expanded = |rep: u32| -> Vec<u32> {
        match members.get(&rep) {
            Some(m) if m.len() <= MAX_EXPANDED_GROUP => m.clone(),
            _ => vec![rep],
        }
    };
    let mut out: Vec<VerifiedPair> = Vec::with_capacity(verified.len());
    let mut groups: Vec<(&u32, &Vec<u32>)> = members.iter().collect();
    groups.sort_unstable_by_key(|(r, _)| **r);
    for (&rep, m) in groups {
        if m.len() <= MAX_EXPANDED_GROUP {
            for (k, &a) in m.iter().enumerate() {
                for &b in &m[k + 1..] {
                    out.push(VerifiedPair {
                        a: a.min(b),
                        b: a.max(b),
                        jaccard: 1.0,
                    });
                }
            }
        } else {
            for &b in &m[1..] {
                out.push(VerifiedPair {
                    a: rep.min(b),
                    b: rep.max(b),
                    jaccard: 1.0,
                });
            }
        }
    }
    for p in verified {
        for &a in &expanded(p.a) {
            for &b in &expanded(p.b) {
                out.push(VerifiedPair {
                    a: a.min(b),
                    b: a.max(b),
                    jaccard: p.jaccard,
                });
            }
        }
    }
    out
}

/// Total bytes covered by possibly overlapping spans.
pub(super) fn covered_bytes(spans: impl Iterator<Item = (u32, u32)>) -> u64 {
    let mut spans: Vec<(u32, u32)> = spans.collect();
    spans.sort_unstable();
    let (mut total, mut reach) = (0u64, 0u32);
    for (start, end) in spans {
        let start = start.max(reach);
        if end > start {
            total += (end - start) as u64;
            reach = end;
        }
    }
    total
}

/// Longest title shown, in characters; longer ones are cut with "…".
pub(super) const TITLE_CHARS: usize = 100;

/// The title shown beside a document's id: its own (a JSONL title field,
/// an HTML `<title>`), else the first line of its text (a wire story's
/// headline, a text file's first line); whitespace collapsed, at most
/// [`TITLE_CHARS`] characters.
pub(super) fn shown_title(doc: &Document) -> Box<str> {
    let source = doc
        .title
        .as_deref()
        .unwrap_or_else(|| first_line(&doc.text));
    // Words are taken only until the title is full: a text without line
    // breaks is one long "first line".
    let mut flat = String::new();
    let mut chars = 0;
    for word in source.split_whitespace() {
        if chars > 0 {
            flat.push(' ');
            chars += 1;
        }
        flat.push_str(word);
        chars += word.chars().count();
        if chars > TITLE_CHARS {
            break;
        }
    }
    match flat.char_indices().nth(TITLE_CHARS) {
        Some((cut, _)) => format!("{}…", &flat[..cut]).into(),
        None => flat.into(),
    }
}

/// The first line of `text` holding more than whitespace (empty when
/// none does), found with a SIMD search for its end.
fn first_line(text: &str) -> &str {
    let text = text.trim_start();
    memchr::memchr(b'\n', text.as_bytes()).map_or(text, |end| &text[..end])
}

/// Clusters by id: members sorted, pairs as (smaller id, larger id) sorted,
/// clusters largest first and then by first member.
pub(super) fn named_clusters(
    records: &[Record],
    doc_clusters: Vec<Cluster>,
) -> Vec<DuplicateCluster> {
    let mut out: Vec<DuplicateCluster> = doc_clusters
        .into_iter()
        .map(|c| {
            let id = |i: u32| records[i as usize].id.clone();
            let mut members: Vec<String> = c.members.into_iter().map(id).collect();
            members.sort_unstable_by(|x, y| natural::cmp(x, y));
            let mut pairs: Vec<DuplicatePair> = c
                .pairs
                .into_iter()
                .map(|p| {
                    let (a, b) = (id(p.a), id(p.b));
                    let (a, b) = if natural::cmp(&a, &b).is_le() {
                        (a, b)
                    } else {
                        (b, a)
                    };
                    DuplicatePair {
                        a,
                        b,
                        jaccard: p.jaccard,
                    }
                })
                .collect();
            pairs.sort_unstable_by(|x, y| {
                natural::cmp(&x.a, &y.a).then_with(|| natural::cmp(&x.b, &y.b))
            });
            DuplicateCluster { members, pairs }
        })
        .collect();
    out.sort_by(|x, y| {
        y.members
            .len()
            .cmp(&x.members.len())
            .then_with(|| natural::cmp(&x.members[0], &y.members[0]))
    });
    out
}

/// The occurrence a passage cluster is quoted by: its longest (the first
/// in id order among equals) — a fragment aligned inside a longer run can
/// be a few words, the passage itself is not.
pub(super) fn representative<'r>(
    c: &PassageCluster,
    id: impl Fn(u32) -> &'r str,
) -> Option<Occurrence> {
    c.occurrences
        .iter()
        .min_by(|x, y| {
            (y.span.len().cmp(&x.span.len()))
                .then_with(|| natural::cmp(id(x.doc), id(y.doc)))
                .then_with(|| x.span.start.cmp(&y.span.start))
        })
        .cloned()
}

/// Cluster `cid` with its occurrences named (`records`) and in id order,
/// with its first appearance and lags ([`crate::provenance`]).
pub(super) fn named_cluster(
    cid: usize,
    c: &PassageCluster,
    records: &[Record],
    quote: String,
) -> PassageClusterOut {
    let id = |doc: u32| records[doc as usize].id.as_str();
    let date = |doc: u32| records[doc as usize].date;
    let mut occurrences: Vec<(&str, &Occurrence)> =
        c.occurrences.iter().map(|o| (id(o.doc), o)).collect();
    occurrences
        .sort_by(|x, y| natural::cmp(x.0, y.0).then_with(|| x.1.span.start.cmp(&y.1.span.start)));
    let mut docs: Vec<&str> = occurrences.iter().map(|o| o.0).collect();
    docs.dedup();
    let first = first_seen(occurrences.iter().map(|(doc, o)| (*doc, date(o.doc))));
    PassageClusterOut {
        id: cid,
        kind: c.kind,
        documents: docs.len(),
        quote,
        occurrences: occurrences
            .iter()
            .map(|(doc, o)| OccurrenceOut {
                doc: (*doc).to_owned(),
                start: o.span.start,
                end: o.span.end,
                similarity: o.similarity,
                date: date(o.doc),
                lag: lag(first.as_ref(), date(o.doc)),
            })
            .collect(),
        first,
    }
}

/// Link `l` named, with `a` the id that sorts first (its sides swapped
/// when needed), its regions quoted from `a` and its coverage measured.
pub(super) fn named_link(
    l: &Link,
    records: &[Record],
    family: &[u32],
    quote: impl Fn(u32, &std::ops::Range<u32>) -> String,
) -> LinkOut {
    let id = |doc: u32| records[doc as usize].id.as_str();
    let swap = natural::cmp(id(l.a), id(l.b)).is_gt();
    let (a, b) = if swap { (l.b, l.a) } else { (l.a, l.b) };
    let mut shared: Vec<SharedOut> = l
        .shared
        .iter()
        .map(|s| {
            let (sa, sb) = if swap {
                (&s.b_span, &s.a_span)
            } else {
                (&s.a_span, &s.b_span)
            };
            SharedOut {
                cluster: s.clusters[0] as usize,
                clusters: s.clusters.iter().map(|&c| c as usize).collect(),
                a_span: (sa.start, sa.end),
                b_span: (sb.start, sb.end),
                similarity: s.similarity,
                significance: s.significance,
                quote: quote(a, sa),
            }
        })
        .collect();
    shared.sort_by_key(|s| (s.a_span, s.b_span));
    let covered_a = covered_bytes(shared.iter().map(|s| s.a_span));
    let covered_b = covered_bytes(shared.iter().map(|s| s.b_span));
    let (len_a, len_b) = (records[a as usize].text_len, records[b as usize].text_len);
    let (containment_a, containment_b) = if swap {
        (l.containment_b, l.containment_a)
    } else {
        (l.containment_a, l.containment_b)
    };
    let (ra, rb) = (&records[a as usize], &records[b as usize]);
    let (direction, lag) = direction(ra.date, rb.date);
    LinkOut {
        a: id(a).to_owned(),
        b: id(b).to_owned(),
        a_title: ra.title.to_string(),
        b_title: rb.title.to_string(),
        a_date: ra.date,
        b_date: rb.date,
        a_source: ra.source.as_deref().map(str::to_owned),
        b_source: rb.source.as_deref().map(str::to_owned),
        direction,
        lag,
        score: (covered_a + covered_b) as f64 / (len_a as u64 + len_b as u64).max(1) as f64,
        a_coverage: covered_a as f64 / len_a.max(1) as f64,
        b_coverage: covered_b as f64 / len_b.max(1) as f64,
        near_duplicate: family[a as usize] == family[b as usize],
        containment_a,
        containment_b,
        significance: l.significance,
        shared,
    }
}

/// The order links are listed in: links between different stories first,
/// then those between near-duplicates (reported as clusters already, and
/// otherwise on top: a whole story shares more than any passage); each
/// most significant first — what a reader should see first is what is
/// distinctive, not what is short and formulaic (a headline or a two-line
/// market report covers its whole story).
pub(super) fn link_order(x: &LinkOut, y: &LinkOut) -> std::cmp::Ordering {
    x.near_duplicate
        .cmp(&y.near_duplicate)
        .then_with(|| y.significance.total_cmp(&x.significance))
        .then_with(|| y.score.total_cmp(&x.score))
        .then_with(|| natural::cmp(&x.a, &y.a))
        .then_with(|| natural::cmp(&x.b, &y.b))
}
