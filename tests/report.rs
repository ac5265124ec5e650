//! `reprint report`: the HTML page, parsed (not substring-matched).

mod common;

use common::*;
use scraper::{Html, Selector};
use std::collections::BTreeSet;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");

fn render(args: &[&str]) -> Html {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let mut full = vec!["report"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["-o", out.to_str().unwrap(), "-q"]);
    let run = run(&full);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    Html::parse_document(&std::fs::read_to_string(out).unwrap())
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

#[test]
fn seeds_link_shows_the_three_passages_on_both_sides() {
    let boilerplate = format!("{DATA}/jakartapost.boilerplate");
    let page = render(&[DATA, "--boilerplate", &boilerplate]);
    let link = page
        .select(&sel("section.link"))
        .find(|s| {
            s.select(&sel("h3"))
                .next()
                .unwrap()
                .text()
                .collect::<String>()
                .contains("000_85676adcdf0feb57.txt ~ 004_d7de4594d4d3c26f.txt")
        })
        .expect("the seeds' link");
    let marks = |side: &str| -> Vec<(String, String, String, String)> {
        link.select(&sel(&format!(".{side} mark")))
            .map(|m| {
                let v = m.value();
                (
                    v.attr("class")
                        .unwrap()
                        .split(' ')
                        .find(|c| c.starts_with('p') && c.len() > 1)
                        .unwrap()
                        .to_owned(),
                    v.attr("id").unwrap().to_owned(),
                    v.attr("data-other").unwrap().to_owned(),
                    m.text().collect::<String>(),
                )
            })
            .collect()
    };
    let (a, b) = (marks("side-a"), marks("side-b"));
    let classes = |m: &[(String, String, String, String)]| {
        m.iter().map(|x| x.0.clone()).collect::<BTreeSet<_>>()
    };
    assert_eq!(
        classes(&a),
        classes(&b),
        "same passage classes on both sides"
    );
    assert_eq!(classes(&a).len(), 3);
    // Every mark points at its copy on the other side, in the same class.
    for (class, _, other, _) in &a {
        let target = b.iter().find(|m| &m.1 == other).expect("target exists");
        assert_eq!(&target.0, class);
    }
    let all_a: String = a
        .iter()
        .map(|m| m.3.as_str())
        .collect::<Vec<_>>()
        .join(" | ");
    for needle in [
        "activists have accused Moscow",
        "commander-in-chief of the Myanmar armed forces",
        "Defence ties between the two countries",
    ] {
        assert!(all_a.contains(needle), "{needle} not highlighted: {all_a}");
    }
    // Two inline SVG histograms; the similarity one counts the 3 verified
    // near-duplicate pairs of data/.
    let charts: Vec<_> = page.select(&sel("figure.chart svg")).collect();
    assert_eq!(charts.len(), 2);
    let counts: usize = charts[0]
        .select(&sel("g title"))
        .map(|t| {
            t.text()
                .collect::<String>()
                .rsplit(": ")
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    assert_eq!(counts, 3);
    // Boilerplate is listed, collapsed.
    let details = page
        .select(&sel("details.boilerplate"))
        .next()
        .expect("boilerplate section");
    assert!(details.value().attr("open").is_none());
    assert!(details
        .text()
        .collect::<String>()
        .contains("Share your experiences"));
}

#[test]
fn page_is_self_contained_and_escapes_text() {
    let dir = tempfile::tempdir().unwrap();
    let shared = "The committee said <b>tariffs</b> & \"quotas\" would be reviewed by the trade ministry before the end of the year, officials confirmed on Monday.";
    std::fs::write(
        dir.path().join("a.txt"),
        format!("First story about farming.\n\n{shared}"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.txt"),
        format!("Second story, about shipping.\n\n{shared}"),
    )
    .unwrap();
    let page = render(&[dir.path().to_str().unwrap()]);
    // No network: nothing loaded from elsewhere.
    for (tag, attr) in [
        ("script", "src"),
        ("link", "href"),
        ("img", "src"),
        ("iframe", "src"),
    ] {
        assert_eq!(
            page.select(&sel(&format!("{tag}[{attr}]"))).count(),
            0,
            "{tag}[{attr}]"
        );
    }
    // The text's markup is text, not elements.
    let doc = page
        .select(&sel(".side-a"))
        .next()
        .expect("side-by-side view");
    assert_eq!(doc.select(&sel("b")).count(), 0);
    let text: String = doc.text().collect();
    assert!(text.contains("<b>tariffs</b> & \"quotas\""), "{text}");
    assert!(page.select(&sel("input#q")).next().is_some(), "search box");
}

/// `report --from scan.json` renders the same story links as a direct
/// report, reading the texts again from the paths the scan names.
#[test]
fn report_from_a_saved_scan_matches_a_direct_one() {
    let boilerplate = format!("{DATA}/jakartapost.boilerplate");
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("scan.json");
    let out = run(&[
        "scan",
        DATA,
        "--boilerplate",
        &boilerplate,
        "--format",
        "json",
        "-q",
        "-o",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let direct = render(&[DATA, "--boilerplate", &boilerplate]);
    let saved = render(&["--from", json.to_str().unwrap()]);
    let marks = |page: &Html| -> Vec<(String, String)> {
        page.select(&sel("section.link mark"))
            .map(|m| (m.value().attr("id").unwrap().to_owned(), m.text().collect()))
            .collect()
    };
    assert!(!marks(&direct).is_empty());
    assert_eq!(marks(&direct), marks(&saved));
}

/// Each near-duplicate cluster shows its members as word diffs against the
/// first one: the syndicated copy's headline and added paragraph are
/// insertions (the saved page's article has no headline: a page's title is
/// metadata), its rewritten figures and capitals deletions of the page's.
#[test]
fn clusters_show_word_diffs_against_the_representative() {
    let page = render(&[DATA]);
    let cluster = page
        .select(&sel("section.cluster"))
        .find(|c| {
            c.text()
                .collect::<String>()
                .contains("wire/port-strike-original.txt")
        })
        .expect("the wire cluster");
    let diff = cluster
        .select(&sel("details.diff-of"))
        .find(|d| {
            d.select(&sel("summary"))
                .next()
                .unwrap()
                .text()
                .collect::<String>()
                .starts_with("wire/port-strike-syndicated.txt against wire/port-strike-herald.html")
        })
        .expect("a diff of the syndicated copy");
    let inserted: String = diff.select(&sel("ins")).flat_map(|e| e.text()).collect();
    let deleted: String = diff.select(&sel("del")).flat_map(|e| e.text()).collect();
    for word in [
        "Port strike drags",
        "Freight forwarders",
        "4000",
        "Labour",
        "Read more",
    ] {
        assert!(inserted.contains(word), "{word} not inserted: {inserted}");
    }
    for word in ["4,000", "labour"] {
        assert!(deleted.contains(word), "{word} not deleted: {deleted}");
    }
    for word in ["enters", "Staff Reporter", "Share"] {
        assert!(
            !inserted.contains(word) && !deleted.contains(word),
            "the page's headline, byline and buttons are not its text: {word}"
        );
    }
    assert!(
        !inserted.contains("Dock workers") && !deleted.contains("Dock workers"),
        "shared text is not a change"
    );
}

/// Large results page: the link and cluster cards come in pages of 20,
/// and every story link of the scan is a row of the links table (data in
/// a JSON island that stays parseable whatever the ids contain), in the
/// scan's order, with a jump to its card when it has one.
#[test]
fn every_link_is_in_the_table_and_cards_come_in_pages() {
    let corpus = site_corpus(0x7ab1e, 400, 3, 60);
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.jsonl");
    let mut lines = String::new();
    // One linked document's id would end the script element if it were
    // not escaped.
    let odd = corpus.planted[0].occurrences[0].0;
    for (i, (id, text)) in corpus.ids.iter().zip(&corpus.texts).enumerate() {
        let id = if i == odd {
            format!("{id}</script><b>&amp;")
        } else {
            id.clone()
        };
        lines.push_str(&serde_json::json!({"id": id, "text": text}).to_string());
        lines.push('\n');
    }
    std::fs::write(&feed, lines).unwrap();
    let feed = feed.to_str().unwrap();

    let out = run(&["scan", feed, "--format", "json", "-q"]);
    let scan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let story_links: Vec<(String, String)> = scan["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["near_duplicate"] == false)
        .map(|l| {
            (
                l["a"].as_str().unwrap().into(),
                l["b"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(story_links.len() > 40, "{} links", story_links.len());

    let page = render(&[feed]);
    let island = page
        .select(&sel("script#index-data"))
        .next()
        .expect("the tables' data");
    let data: serde_json::Value = serde_json::from_str(&island.text().collect::<String>()).unwrap();
    let docs: Vec<&str> = data["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    let rows: Vec<(String, String)> = data["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = |k: usize| docs[r[k].as_u64().unwrap() as usize].to_owned();
            (name(0), name(1))
        })
        .collect();
    assert_eq!(rows, story_links);
    assert!(
        docs.iter().any(|d| d.ends_with("</script><b>&amp;")),
        "the odd id survives the island"
    );
    assert_eq!(
        data["clusters"].as_array().unwrap().len(),
        scan["clusters"].as_array().unwrap().len()
    );

    // Cards: one per link (up to 500), in pages of 20; each row below 500
    // has its card.
    let pages: Vec<_> = page.select(&sel("#link-pages > .page")).collect();
    let cards = story_links.len().min(500);
    assert_eq!(pages.len(), cards.div_ceil(20));
    for (i, p) in pages.iter().enumerate() {
        let n = p.select(&sel("section.link")).count();
        assert_eq!(
            n,
            if i + 1 < pages.len() {
                20
            } else {
                cards - 20 * i
            }
        );
    }
    assert_eq!(data["links_detailed"].as_u64().unwrap() as usize, cards);
    for (i, (a, b)) in rows.iter().enumerate().take(cards) {
        let card = page
            .select(&sel(&format!("section#link-{i}")))
            .next()
            .expect("a card for every detailed row");
        let title = card
            .select(&sel("h3"))
            .next()
            .unwrap()
            .text()
            .collect::<String>();
        assert!(title.contains(&format!("{a} ~ {b}")));
    }
}

/// The page's counts add up to the scan's: links between near-duplicates
/// are shown as their clusters, and the summary says how many there are.
#[test]
fn the_summary_counts_add_up_to_the_scan() {
    let json = scan_json(&[DATA]);
    let links = json["links"].as_array().unwrap();
    let between = links.iter().filter(|l| l["near_duplicate"] == true).count();
    assert!(between > 0 && between < links.len());
    let page = render(&[DATA]);
    let chip = page
        .select(&sel("span"))
        .map(|s| s.text().collect::<String>())
        .find(|t| t.contains("linked story pair"))
        .expect("a links count");
    let expected = format!(
        "{} linked story pair{} (and {between} between near-duplicates, shown as their clusters)",
        links.len() - between,
        if links.len() - between == 1 { "" } else { "s" }
    );
    assert_eq!(chip, expected);
}
