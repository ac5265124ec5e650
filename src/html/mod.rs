//! HTML report: a [`ScanResult`] and the texts it refers to → one
//! self-contained page (inline CSS and JS, no network requests).
//!
//! The page is rendered from `src/templates/report.html` by minijinja with
//! HTML auto-escaping, so every document text and id is escaped; nothing
//! here builds HTML by hand. Linked stories are shown side by side with
//! each shared passage as a `<mark>` in both texts (classes `p<cluster>`
//! and a colour class), and a click scrolls the other side to its copy.
//!
//! Links between whole-document near-duplicates are left to the cluster
//! section. To stay usable on large corpora (a 100,000-document corpus can
//! have hundreds of thousands of links) the page carries the texts of the
//! most significant [`MAX_LINKS`] links and the largest [`MAX_CLUSTERS`] clusters
//! only, as cards shown [`CARDS_PER_PAGE`] at a time; every link and
//! cluster (up to [`MAX_INDEX_ROWS`] of each) is listed in a table
//! rendered a page at a time from a compact JSON island, with ids, scores
//! and a jump to the card when there is one. The JSON report has
//! everything.

use std::collections::HashMap;
use std::io::Write;

use minijinja::{AutoEscape, Environment};
use serde::Serialize;

use crate::error::Error;
use crate::passages::PassageKind;
use crate::scan::{LinkOut, ScanResult};

/// Most links rendered.
pub const MAX_LINKS: usize = 500;
/// Most near-duplicate clusters rendered.
pub const MAX_CLUSTERS: usize = 500;
/// Cards (links or clusters) per page.
pub const CARDS_PER_PAGE: usize = 20;
/// Rows per page of the tables of all links and clusters.
pub const ROWS_PER_PAGE: usize = 100;
/// Most rows of each table (about 40 bytes each in the page).
pub const MAX_INDEX_ROWS: usize = 200_000;

mod timeline;

use timeline::{about, arrow, timeline, Moment};

const TEMPLATE: &str = include_str!("../templates/report.html");

#[derive(Serialize)]
struct Page {
    summary: Summary,
    similarity_histogram: Histogram,
    size_histogram: Histogram,
    link_pages: Vec<Vec<LinkView>>,
    links_shown: usize,
    cluster_pages: Vec<Vec<ClusterView>>,
    clusters_shown: usize,
    boilerplate: Vec<BoilerplateView>,
    templates: Vec<BoilerplateView>,
    /// Every link and cluster, compactly (see [`index_json`]); marked safe
    /// because it is escaped for a `<script>` element there.
    index_json: minijinja::Value,
    index_links: usize,
    index_links_total: usize,
    index_clusters: usize,
    index_clusters_total: usize,
    cards_per_page: usize,
    rows_per_page: usize,
}

/// Bars of an inline SVG histogram, laid out here (the template only draws).
#[derive(Serialize)]
struct Histogram {
    title: String,
    bars: Vec<Bar>,
    width: u32,
    height: u32,
}

#[derive(Serialize)]
struct Bar {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    label: String,
    count: usize,
}

const CHART_HEIGHT: u32 = 120;
const BAR_WIDTH: u32 = 34;

fn histogram(title: &str, bins: Vec<(String, usize)>) -> Histogram {
    let max = bins.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let bars = bins
        .into_iter()
        .enumerate()
        .map(|(i, (label, count))| {
            let h = (count as f64 / max as f64 * f64::from(CHART_HEIGHT)).round() as u32;
            Bar {
                x: i as u32 * (BAR_WIDTH + 6),
                y: CHART_HEIGHT - h,
                w: BAR_WIDTH,
                h,
                label,
                count,
            }
        })
        .collect::<Vec<_>>();
    Histogram {
        title: title.to_owned(),
        width: (bars.len() as u32 * (BAR_WIDTH + 6)).max(BAR_WIDTH),
        height: CHART_HEIGHT,
        bars,
    }
}

/// Verified near-duplicate pairs by Jaccard, in ten bins from the
/// threshold to 1.
fn similarity_bins(result: &ScanResult) -> Vec<(String, usize)> {
    let t = result.params.threshold;
    let step = ((1.0 - t) / 10.0).max(1e-9);
    let mut counts = [0usize; 10];
    for p in result.clusters.iter().flat_map(|c| &c.pairs) {
        let i = (((p.jaccard - t) / step) as usize).min(9);
        counts[i] += 1;
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, &n)| (format!("{:.2}", t + step * i as f64), n))
        .collect()
}

/// Reposted-passage clusters by the number of documents they occur in.
fn size_bins(result: &ScanResult) -> Vec<(String, usize)> {
    let edges: [(usize, usize, &str); 7] = [
        (2, 2, "2"),
        (3, 3, "3"),
        (4, 4, "4"),
        (5, 5, "5"),
        (6, 10, "6–10"),
        (11, 25, "11–25"),
        (26, usize::MAX, "26+"),
    ];
    edges
        .iter()
        .map(|&(lo, hi, label)| {
            let n = result
                .passage_clusters
                .iter()
                .filter(|c| c.kind == PassageKind::Reuse && c.documents >= lo && c.documents <= hi)
                .count();
            (label.to_owned(), n)
        })
        .collect()
}

#[derive(Serialize)]
struct Summary {
    documents: usize,
    clusters: usize,
    passages: usize,
    links: usize,
    /// Links between members of one near-duplicate cluster: counted by
    /// `scan`, shown here as the cluster.
    near_duplicate_links: usize,
    boilerplate: usize,
    templates: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct LinkView {
    index: usize,
    a: String,
    b: String,
    a_title: String,
    b_title: String,
    score: String,
    significance: String,
    near_duplicate: bool,
    /// Which story came first and how long after it the other followed
    /// ("a → b, 3 h later"), when both are dated.
    arrow: Option<String>,
    /// Each side's date and source, as shown beside its id.
    a_about: String,
    b_about: String,
    a_segments: Vec<Segment>,
    b_segments: Vec<Segment>,
    shared: Vec<SharedView>,
}

/// A run of a document's text: plain, or the `shared`-th shared region of
/// its link (in passage cluster `cluster`).
#[derive(Serialize)]
struct Segment {
    text: String,
    shared: Option<usize>,
    cluster: usize,
}

#[derive(Serialize)]
struct SharedView {
    cluster: usize,
    similarity: String,
    significance: String,
    /// The passage's occurrences by date: where it appeared first, then
    /// who reposted it when (empty when none is dated).
    timeline: Vec<Moment>,
    /// Occurrences left out of a long timeline.
    more: usize,
}

#[derive(Serialize)]
struct ClusterView {
    /// Rank, largest first (the card's anchor is `cluster-<index>`).
    index: usize,
    members: Vec<String>,
    pairs: Vec<PairView>,
    /// The member the others are compared with (the first).
    representative: String,
    /// Word diffs of the other members against the representative.
    diffs: Vec<DiffView>,
}

/// One member's text against the representative's, word by word.
#[derive(Serialize)]
struct DiffView {
    id: String,
    ops: Vec<DiffOp>,
}

#[derive(Serialize)]
struct DiffOp {
    /// `eq`, `ins` (only in this member) or `del` (only in the representative).
    kind: &'static str,
    text: String,
}

/// Most members of one cluster shown as diffs.
pub const MAX_DIFFS: usize = 10;

fn diff(representative: &str, member: &str) -> Vec<DiffOp> {
    use similar::{ChangeTag, TextDiff};
    let mut ops: Vec<DiffOp> = Vec::new();
    for change in TextDiff::from_words(representative, member).iter_all_changes() {
        let kind = match change.tag() {
            ChangeTag::Equal => "eq",
            ChangeTag::Insert => "ins",
            ChangeTag::Delete => "del",
        };
        match ops.last_mut() {
            Some(last) if last.kind == kind => last.text.push_str(change.value()),
            _ => ops.push(DiffOp {
                kind,
                text: change.value().to_owned(),
            }),
        }
    }
    ops
}

#[derive(Serialize)]
struct PairView {
    a: String,
    b: String,
    jaccard: String,
}

#[derive(Serialize)]
struct BoilerplateView {
    documents: usize,
    quote: String,
}

/// Writes the report. `texts` maps document ids to their text (as read):
/// the linked stories and the members of the clusters shown (see
/// [`wanted_texts`]); anything missing is shown without its text.
pub fn write_html(
    result: &ScanResult,
    texts: &HashMap<String, String>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let whole_units = |kind: PassageKind| -> Vec<BoilerplateView> {
        result
            .passage_clusters
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| BoilerplateView {
                documents: c.documents,
                quote: c.quote.clone(),
            })
            .collect()
    };
    let boilerplate = whole_units(PassageKind::Boilerplate);
    let templates = whole_units(PassageKind::Template);
    // Each linked story's source, as the links give it (a passage's
    // timeline names the sources of the stories it links).
    let sources: HashMap<&str, &str> = result
        .links
        .iter()
        .flat_map(|l| [(&l.a, &l.a_source), (&l.b, &l.b_source)])
        .filter_map(|(id, s)| Some((id.as_str(), s.as_deref()?)))
        .collect();
    let links: Vec<LinkView> = story_links(result)
        .take(MAX_LINKS)
        .enumerate()
        .map(|(i, l)| link_view(i, l, texts, result, &sources))
        .collect();
    let clusters = cluster_views(result, texts);
    let page = Page {
        summary: Summary {
            documents: result.stats.documents,
            clusters: result.clusters.len(),
            passages: result.passage_clusters.len() - boilerplate.len() - templates.len(),
            links: story_links(result).count(),
            near_duplicate_links: result.links.len() - story_links(result).count(),
            boilerplate: boilerplate.len(),
            templates: templates.len(),
            warnings: result.warnings.len(),
        },
        similarity_histogram: histogram(
            "Near-duplicate pairs by Jaccard similarity",
            similarity_bins(result),
        ),
        size_histogram: histogram(
            "Reposted passages by number of documents",
            size_bins(result),
        ),
        links_shown: links.len(),
        clusters_shown: clusters.len(),
        index_json: minijinja::Value::from_safe_string(index_json(
            result,
            links.len(),
            clusters.len(),
        )),
        index_links: story_links(result).take(MAX_INDEX_ROWS).count(),
        index_links_total: story_links(result).count(),
        index_clusters: result.clusters.len().min(MAX_INDEX_ROWS),
        index_clusters_total: result.clusters.len(),
        cards_per_page: CARDS_PER_PAGE,
        rows_per_page: ROWS_PER_PAGE,
        link_pages: pages(links),
        cluster_pages: pages(clusters),
        boilerplate,
        templates,
    };
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| Error::Report(format!("template: {e}")))?;
    let template = env
        .get_template("report.html")
        .map_err(|e| Error::Report(format!("template: {e}")))?;
    let html = template
        .render(&page)
        .map_err(|e| Error::Report(format!("rendering: {e}")))?;
    out.write_all(html.as_bytes())
        .map_err(|e| Error::Report(format!("writing: {e}")))
}

/// Cards in pages of [`CARDS_PER_PAGE`].
fn pages<T>(cards: Vec<T>) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    for card in cards {
        match out.last_mut() {
            Some(page) if page.len() < CARDS_PER_PAGE => page.push(card),
            _ => out.push(vec![card]),
        }
    }
    out
}

/// Document ids numbered in order of first use.
#[derive(Default)]
struct Names<'a> {
    ids: Vec<&'a str>,
    numbers: HashMap<&'a str, usize>,
}

impl<'a> Names<'a> {
    fn number(&mut self, id: &'a str) -> usize {
        let next = self.ids.len();
        let n = *self.numbers.entry(id).or_insert(next);
        if n == next {
            self.ids.push(id);
        }
        n
    }
}

/// Members of a cluster listed in its table row.
const ROW_MEMBERS: usize = 5;

/// The tables' data: `{"docs": [id…], "links": [[a, b, score, a_coverage,
/// b_coverage, passages, significance]…], "clusters": [[size, [member…], highest
/// Jaccard]…], "links_detailed": n, "clusters_detailed": n}`, documents as
/// indices into `docs`, in the page's order (row `i` has card `i` when `i`
/// is below the `_detailed` count). Escaped for a `<script>` element: `<`,
/// `>` and `&` are written as JSON `\u` escapes.
fn index_json(result: &ScanResult, links_detailed: usize, clusters_detailed: usize) -> String {
    let mut names = Names::default();
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let links: Vec<serde_json::Value> = story_links(result)
        .take(MAX_INDEX_ROWS)
        .map(|l| {
            serde_json::json!([
                names.number(&l.a),
                names.number(&l.b),
                round(l.score),
                round(l.a_coverage),
                round(l.b_coverage),
                l.shared.len(),
                (l.significance * 10.0).round() / 10.0
            ])
        })
        .collect();
    let clusters: Vec<serde_json::Value> = result
        .clusters
        .iter()
        .take(MAX_INDEX_ROWS)
        .map(|c| {
            let members: Vec<usize> = c
                .members
                .iter()
                .take(ROW_MEMBERS)
                .map(|m| names.number(m))
                .collect();
            let best = c.pairs.iter().map(|p| p.jaccard).fold(0.0, f64::max);
            serde_json::json!([c.members.len(), members, round(best)])
        })
        .collect();
    let json = serde_json::json!({
        "docs": names.ids,
        "links": links,
        "clusters": clusters,
        "links_detailed": links_detailed,
        "clusters_detailed": clusters_detailed,
    })
    .to_string();
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The ids whose texts [`write_html`] shows: both sides of the story links
/// shown and the first [`MAX_DIFFS`]` + 1` members of the clusters shown.
pub fn wanted_texts(result: &ScanResult) -> std::collections::HashSet<String> {
    let links = story_links(result)
        .take(MAX_LINKS)
        .flat_map(|l| [l.a.clone(), l.b.clone()]);
    let members = result
        .clusters
        .iter()
        .take(MAX_CLUSTERS)
        .flat_map(|c| c.members.iter().take(MAX_DIFFS + 1).cloned());
    links.chain(members).collect()
}

/// The cards of the first [`MAX_CLUSTERS`] near-duplicate clusters: each
/// member as a word diff against the first (those whose text is in
/// `texts`, at most [`MAX_DIFFS`]).
fn cluster_views(result: &ScanResult, texts: &HashMap<String, String>) -> Vec<ClusterView> {
    result
        .clusters
        .iter()
        .take(MAX_CLUSTERS)
        .enumerate()
        .map(|(index, c)| ClusterView {
            index,
            representative: c.members[0].clone(),
            diffs: match texts.get(&c.members[0]) {
                Some(rep) => c.members[1..]
                    .iter()
                    .take(MAX_DIFFS)
                    .filter_map(|m| {
                        Some(DiffView {
                            id: m.clone(),
                            ops: diff(rep, texts.get(m)?),
                        })
                    })
                    .collect(),
                None => Vec::new(),
            },
            members: c.members.clone(),
            pairs: c
                .pairs
                .iter()
                .map(|p| PairView {
                    a: p.a.clone(),
                    b: p.b.clone(),
                    jaccard: format!("{:.3}", p.jaccard),
                })
                .collect(),
        })
        .collect()
}

/// The links the page shows: near-duplicate pairs are shown with their
/// clusters, so the links section is for different stories that share
/// passages.
fn story_links(result: &ScanResult) -> impl Iterator<Item = &LinkOut> {
    result.links.iter().filter(|l| !l.near_duplicate)
}

fn link_view(
    index: usize,
    link: &LinkOut,
    texts: &HashMap<String, String>,
    result: &ScanResult,
    sources: &HashMap<&str, &str>,
) -> LinkView {
    let side = |id: &str, spans: Vec<(u32, u32, usize, usize)>| -> Vec<Segment> {
        texts
            .get(id)
            .map(|text| segments(text, spans))
            .unwrap_or_default()
    };
    let a_spans = link
        .shared
        .iter()
        .enumerate()
        .map(|(k, s)| (s.a_span.0, s.a_span.1, k, s.cluster))
        .collect();
    let b_spans = link
        .shared
        .iter()
        .enumerate()
        .map(|(k, s)| (s.b_span.0, s.b_span.1, k, s.cluster))
        .collect();
    LinkView {
        index,
        a: link.a.clone(),
        b: link.b.clone(),
        a_title: link.a_title.clone(),
        b_title: link.b_title.clone(),
        score: format!("{:.3}", link.score),
        significance: format!("{:.1}", link.significance),
        near_duplicate: link.near_duplicate,
        arrow: arrow(link),
        a_about: about(link.a_date, link.a_source.as_deref()),
        b_about: about(link.b_date, link.b_source.as_deref()),
        a_segments: side(&link.a, a_spans),
        b_segments: side(&link.b, b_spans),
        shared: link
            .shared
            .iter()
            .map(|s| {
                let cluster = result.passage_clusters.get(s.cluster);
                let (timeline, more) = cluster
                    .and_then(|c| timeline(c, sources))
                    .unwrap_or_default();
                SharedView {
                    cluster: s.cluster,
                    similarity: format!("{:.3}", s.similarity),
                    significance: format!("{:.1}", s.significance),
                    timeline,
                    more,
                }
            })
            .collect(),
    }
}

/// Cuts `text` into plain and marked runs. `spans` are (start, end, shared
/// index, cluster) byte ranges; overlapping ones are clipped to follow the
/// previous one, and ranges that are not on char boundaries are skipped.
fn segments(text: &str, mut spans: Vec<(u32, u32, usize, usize)>) -> Vec<Segment> {
    spans.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0usize;
    for (start, end, shared, cluster) in spans {
        let (start, end) = ((start as usize).max(at), end as usize);
        if start >= end
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        if start > at {
            out.push(Segment {
                text: text[at..start].to_owned(),
                shared: None,
                cluster: 0,
            });
        }
        out.push(Segment {
            text: text[start..end].to_owned(),
            shared: Some(shared),
            cluster,
        });
        at = end;
    }
    if at < text.len() {
        out.push(Segment {
            text: text[at..].to_owned(),
            shared: None,
            cluster: 0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cover_the_text_and_clip_overlaps() {
        let text = "one two three four five";
        let segs = segments(text, vec![(4, 13, 0, 7), (8, 18, 1, 9)]);
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, text);
        let marked: Vec<(&str, usize)> = segs
            .iter()
            .filter_map(|s| s.shared.map(|_| (s.text.as_str(), s.cluster)))
            .collect();
        assert_eq!(marked, [("two three", 7), (" four", 9)]);
    }
}
