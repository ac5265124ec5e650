//! Provenance: dates and sources on documents, a passage's first
//! appearance, links pointing from the earlier story, `--window` and
//! `--across-sources-only` — on a planted corpus and on Reuters-21578.

mod common;

use common::*;
use serde_json::{json, Value};

const PLANTED: &str = "Rights activists have accused Moscow of legitimizing the junta that seized \
    power in a coup two years ago by continuing bilateral visits and arms deals, while the \
    generals have relied on Russian jets and helicopters in their campaign against rebel groups.";

/// Four stories carrying the planted paragraph — the wire's, a paper's
/// three hours later, a blog of the same paper two days later, and one
/// undated — each with an opening of its own.
fn planted_corpus() -> Vec<String> {
    let story = |id: &str, opening: &str, date: Option<&str>, source: &str| {
        let mut v = json!({"id": id, "text": format!("{opening}\n\n{PLANTED}"), "source": source});
        if let Some(d) = date {
            v["date"] = json!(d);
        }
        v.to_string()
    };
    vec![
        story(
            "wire",
            "Harbour officials in Rotterdam expect the dredging works to finish before the spring tides.",
            Some("2024-05-01T08:00:00Z"),
            "agency",
        ),
        story(
            "paper",
            "A bakery chain based in Lyon plans to open forty new shops across southern France next year.",
            Some("2024-05-01T13:00:00+02:00"),
            "daily",
        ),
        story(
            "blog",
            "Farmers near Ballarat reported the wettest winter in living memory after weeks of flooding.",
            Some("2024-05-03"),
            "daily",
        ),
        story(
            "undated",
            "The museum of modern art unveiled a restored fresco that had been hidden behind plaster.",
            None,
            "weekly",
        ),
    ]
}

fn write_corpus(dir: &std::path::Path, lines: &[String]) -> String {
    let path = dir.join("stories.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    path.to_str().unwrap().to_owned()
}

/// (a, b, direction, lag) of every link.
fn links(scan: &Value) -> Vec<(String, String, Option<String>, Option<i64>)> {
    scan["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["a"].as_str().unwrap().to_owned(),
                l["b"].as_str().unwrap().to_owned(),
                l["direction"].as_str().map(str::to_owned),
                l["lag"].as_i64(),
            )
        })
        .collect()
}

#[test]
fn a_planted_passage_names_its_first_appearance_and_links_point_forward() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = write_corpus(dir.path(), &planted_corpus());
    let scan = scan_json(&[&corpus]);
    let reuse: Vec<&Value> = scan["passage_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "reuse")
        .collect();
    assert_eq!(reuse.len(), 1, "{scan}");
    let cluster = reuse[0];
    assert_eq!(
        cluster["first"],
        json!({"date": "2024-05-01T08:00:00Z", "docs": ["wire"]})
    );
    let lag_of = |doc: &str| {
        let o = cluster["occurrences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["doc"] == doc);
        o.unwrap()["lag"].as_i64()
    };
    assert_eq!(lag_of("wire"), Some(0));
    assert_eq!(lag_of("paper"), Some(3 * 3600), "13:00+02:00 is 11:00Z");
    assert_eq!(lag_of("blog"), Some(40 * 3600));
    assert_eq!(lag_of("undated"), None);

    // Natural order puts "blog" < "paper" < "undated" < "wire": each link
    // points from its earlier story, whichever side that is.
    let got = links(&scan);
    let find = |a: &str, b: &str| got.iter().find(|l| l.0 == a && l.1 == b).cloned();
    assert_eq!(find("paper", "wire").unwrap().2.as_deref(), Some("b_to_a"));
    assert_eq!(find("paper", "wire").unwrap().3, Some(3 * 3600));
    assert_eq!(find("blog", "paper").unwrap().2.as_deref(), Some("b_to_a"));
    let undated = find("undated", "wire").unwrap();
    assert_eq!((undated.2, undated.3), (None, None));
    assert_eq!(got.len(), 6, "every pair shares the paragraph");
    let link = scan["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["a"] == "paper" && l["b"] == "wire");
    let link = link.unwrap();
    assert_eq!(
        (link["a_source"].as_str(), link["b_source"].as_str()),
        (Some("daily"), Some("agency"))
    );

    // The text output says who was first and how long the other took.
    let out = run(&["scan", &corpus]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("first in wire (agency, 2024-05-01T08:00:00Z), reposted by paper (daily, 2024-05-01T11:00:00Z) after 3 h"),
        "{text}"
    );
}

#[test]
fn windows_and_sources_filter_links() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = write_corpus(dir.path(), &planted_corpus());
    // Within a day: wire and paper only (the blog is 40 h after the wire,
    // the undated story is within no window).
    let day = links(&scan_json(&[&corpus, "--window", "1d"]));
    let pairs: Vec<(&str, &str)> = day.iter().map(|l| (l.0.as_str(), l.1.as_str())).collect();
    assert_eq!(pairs, [("paper", "wire")]);
    // Across sources: the paper and its blog (source "daily") unlinked.
    let across = links(&scan_json(&[&corpus, "--across-sources-only"]));
    assert_eq!(across.len(), 5);
    assert!(!across
        .iter()
        .any(|l| (l.0.as_str(), l.1.as_str()) == ("blog", "paper")));
    // A window of nothing is refused; so is a number without a unit.
    for bad in ["0d", "2"] {
        let out = run(&["scan", &corpus, "--window", bad]);
        assert!(!out.status.success(), "--window {bad}");
    }
}

#[test]
fn an_unreadable_date_is_a_warning_and_the_story_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = planted_corpus();
    lines[1] = lines[1].replace("2024-05-01T13:00:00+02:00", "the first of May");
    let corpus = write_corpus(dir.path(), &lines);
    let scan = scan_json(&[&corpus]);
    let warnings = scan["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["kind"], "bad_field");
    assert_eq!(warnings[0]["line"], 2);
    assert!(warnings[0]["message"]
        .as_str()
        .unwrap()
        .contains("\"date\""));
    // Kept, undated: linked, without a direction.
    let got = links(&scan);
    let paper = got
        .iter()
        .find(|l| l.0 == "paper" && l.1 == "wire")
        .unwrap();
    assert_eq!((paper.2.clone(), paper.3), (None, None));
}

#[test]
fn html_pages_give_their_publication_time_and_site() {
    let dir = tempfile::tempdir().unwrap();
    let page = |site: &str, when: &str, opening: &str| {
        format!(
            "<html><head><title>{opening}</title><meta property=\"og:site_name\" content=\"{site}\">\
             <meta property=\"article:published_time\" content=\"{when}\"></head>\
             <body><p>{opening}</p><p>{PLANTED}</p></body></html>"
        )
    };
    std::fs::write(
        dir.path().join("a.html"),
        page(
            "The Herald",
            "2024-05-02T09:30:00Z",
            "Tea auctions in Mombasa saw record demand this week from buyers abroad.",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.html"),
        page(
            "Daily Post",
            "2024-05-01T09:30:00Z",
            "Volunteers planted twelve thousand oak saplings along the river banks.",
        )
        .replace(
            "<meta property=\"article:published_time\" content=\"2024-05-01T09:30:00Z\">",
            "",
        )
        .replace(
            "<p>Volunteers",
            "<time datetime=\"2024-05-01T09:30:00Z\">1 May</time><p>Volunteers",
        ),
    )
    .unwrap();
    let scan = scan_json(&[dir.path().to_str().unwrap()]);
    let link = &scan["links"][0];
    assert_eq!(link["a_source"], "The Herald");
    assert_eq!(link["b_source"], "Daily Post");
    assert_eq!(
        link["b_date"], "2024-05-01T09:30:00Z",
        "from <time datetime>"
    );
    assert_eq!(link["direction"], "b_to_a");
    assert_eq!(link["lag"], 86_400);
}

/// `--window 2d` on Reuters-21578's stories (dated to the second): the
/// links kept are exactly those of the plain scan whose stories are at
/// most two days apart — and the plain scan has others.
#[test]
fn reuters_window_keeps_only_links_within_two_days() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpora/reuters21578/reuters21578.jsonl"
    );
    let Ok(all) = std::fs::read_to_string(path) else {
        eprintln!("skipped: {path} not present");
        return;
    };
    // The first 4,000 stories (26 February to mid-March 1987) keep the
    // test quick in a debug build.
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = all.lines().take(4000).map(str::to_owned).collect();
    let corpus = write_corpus(dir.path(), &lines);
    let plain = links(&scan_json(&[&corpus]));
    let windowed = links(&scan_json(&[&corpus, "--window", "2d"]));
    let two_days = 2 * 86_400;
    assert!(
        plain.iter().any(|l| l.3.is_some_and(|lag| lag > two_days)),
        "the plain scan links stories further apart"
    );
    let expected: Vec<_> = plain
        .into_iter()
        .filter(|l| l.3.is_some_and(|lag| lag <= two_days))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(windowed, expected);
}

/// `--date-from mtime` dates plain-text stories by their files'
/// modification times; without it they are undated.
#[test]
fn files_can_be_dated_by_their_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    let day = std::time::Duration::from_secs(86_400);
    let epoch = std::time::UNIX_EPOCH + 19_000 * day;
    for (name, opening, offset) in [
        (
            "early.txt",
            "Copper miners in Chile returned to work once the wage dispute was settled.",
            0,
        ),
        (
            "late.txt",
            "The city council approved a cycling lane network linking every district.",
            3,
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{opening}\n\n{PLANTED}")).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(epoch + offset * day).unwrap();
    }
    let root = dir.path().to_str().unwrap();
    let dated = links(&scan_json(&[root, "--date-from", "mtime"]));
    assert_eq!(
        dated,
        [(
            "early.txt".into(),
            "late.txt".into(),
            Some("a_to_b".into()),
            Some(3 * 86_400)
        )]
    );
    let undated = links(&scan_json(&[root]));
    assert_eq!((undated[0].2.clone(), undated[0].3), (None, None));
}

/// A date field that is `null` or a number warns too; a line without the
/// field does not.
#[test]
fn a_null_date_warns_and_an_absent_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        json!({"id": "a", "text": format!("One opening line here.\n\n{PLANTED}"), "date": null})
            .to_string(),
        json!({"id": "b", "text": format!("Another opening line.\n\n{PLANTED}"), "date": 20240501})
            .to_string(),
        json!({"id": "c", "text": format!("A third opening line.\n\n{PLANTED}")}).to_string(),
    ];
    let corpus = write_corpus(dir.path(), &lines);
    let scan = scan_json(&[&corpus]);
    let lines_warned: Vec<u64> = scan["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            assert_eq!(w["kind"], "bad_field");
            w["line"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(lines_warned, [1, 2]);
    assert_eq!(scan["documents"], 3);
}
