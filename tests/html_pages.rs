//! Saved web pages: what `reprint extract` reads of them, and that two
//! stories of one site are not linked through the site's chrome.

mod common;

use common::*;
use serde_json::Value;

/// What every page of the site carries around its article: a menu, a
/// share bar, teasers of other stories (each a headline and a sentence,
/// long enough to be a passage), a newsletter sign-up and a footer.
fn site_page(title: &str, article: &[&str]) -> String {
    let paragraphs: String = article.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        r#"<!doctype html>
<html><head><title>{title} | The Coastal Herald</title>
<meta property="og:site_name" content="The Coastal Herald">
<meta property="article:published_time" content="2024-05-01T08:00:00Z"></head>
<body>
<header class="site-header"><ul class="menu"><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/business">Business</a></li></ul></header>
<div class="share-tools">Share this story with your friends and family on Facebook, on Twitter or by e-mail, and follow The Coastal Herald for more news from the coast every day</div>
<main><article><h1>{title}</h1>
<p class="byline">By Staff Reporter, The Coastal Herald</p>
{paragraphs}</article></main>
<aside class="related-stories"><h2>Most read</h2><ul>
<li><a href="/1">Fishermen protest new quotas outside the regional parliament building for the third day running</a><p>Hundreds of fishermen blocked the road outside the regional parliament on Tuesday, demanding that the new quotas for cod and haddock be withdrawn before the summer season begins.</p></li>
<li><a href="/2">Lighthouse restoration finished after two years of work by volunteers from the harbour town</a><p>Volunteers from the harbour town finished restoring the old lighthouse on Sunday, two years after storms tore away its lantern room and most of the iron railing around the gallery.</p></li>
</ul></aside>
<div class="newsletter-signup"><p>Sign up for our morning newsletter and get the most important stories from the coast delivered to your inbox every morning before seven o'clock, free of charge.</p></div>
<footer><p>Copyright The Coastal Herald 2024. All rights reserved. No part of this website may be reproduced without the written permission of the publisher, except for brief quotations in reviews.</p></footer>
</body></html>"#
    )
}

const STRIKE: [&str; 3] = [
    "Dock workers at the country's largest container port extended their strike into a second week on Monday after talks with terminal operators over the introduction of automated cranes broke down late on Sunday.",
    "The union representing about 4,000 crane operators, lashers and truck drivers said it would not return to work until operators guaranteed that no jobs would be cut as remote-controlled equipment is rolled out.",
    "The operators' association said it had offered retraining for every affected worker and a hiring freeze instead of layoffs, and accused the union of walking away from a fair proposal.",
];

const FESTIVAL: [&str; 3] = [
    "The town's summer music festival will move to the old shipyard this year, organisers announced on Friday, after complaints from residents about noise in the park where it has been held for two decades.",
    "About thirty bands are expected to play over three days in July, among them several groups from across the border that have never performed in the region before.",
    "Ticket prices will stay the same as last year, and children under twelve will be admitted free when accompanied by an adult, the festival's director told reporters at the shipyard gates.",
];

fn write_pages(dir: &std::path::Path) {
    std::fs::write(
        dir.join("strike.html"),
        site_page("Port strike enters second week", &STRIKE),
    )
    .unwrap();
    std::fs::write(
        dir.join("festival.html"),
        site_page("Music festival moves to the shipyard", &FESTIVAL),
    )
    .unwrap();
}

/// (a, b) of every link of a scan.
fn linked(scan: &Value) -> Vec<(String, String)> {
    scan["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["a"].as_str().unwrap().into(),
                l["b"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn stories_of_one_site_are_not_linked_through_its_chrome() {
    let dir = tempfile::tempdir().unwrap();
    write_pages(dir.path());
    let root = dir.path().to_str().unwrap();
    // Read whole, the pages share their chrome and teasers: the test's
    // pages are such that it links them.
    let full = scan_json(&[root, "--html", "full"]);
    assert_eq!(linked(&full).len(), 1, "{}", full["links"]);
    // Read as articles, they share nothing.
    let scan = scan_json(&[root]);
    assert_eq!(linked(&scan), vec![], "{}", scan["links"]);
    assert_eq!(
        scan["summary"]["passage_clusters"], 0,
        "{}",
        scan["summary"]
    );
}

#[test]
fn extract_prints_each_pages_article_and_metadata_as_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    write_pages(dir.path());
    let out = run(&["extract", dir.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Files in name order: festival, then strike.
    assert_eq!(docs.len(), 2);
    for (doc, (name, title, body)) in docs.iter().zip([
        (
            "festival.html",
            "Music festival moves to the shipyard",
            FESTIVAL,
        ),
        ("strike.html", "Port strike enters second week", STRIKE),
    ]) {
        assert!(doc["id"].as_str().unwrap().ends_with(name), "{doc}");
        assert_eq!(doc["title"], format!("{title} | The Coastal Herald"));
        assert_eq!(doc["date"], "2024-05-01T08:00:00Z");
        assert_eq!(doc["source"], "The Coastal Herald");
        assert_eq!(doc["text"], body.join("\n\n"), "{name}");
    }
}

#[test]
fn extracted_jsonl_scans_as_the_pages_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.html"), site_page("Strike", &STRIKE)).unwrap();
    let mut copy = STRIKE;
    copy[2] = FESTIVAL[0];
    std::fs::write(dir.path().join("b.html"), site_page("Strike again", &copy)).unwrap();
    let root = dir.path().to_str().unwrap();
    let out = run(&["extract", root]);
    assert!(out.status.success());
    let jsonl = dir.path().join("extracted.jsonl");
    std::fs::write(&jsonl, &out.stdout).unwrap();
    let spans = |scan: &Value| -> Vec<Value> {
        scan["links"][0]["shared"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| serde_json::json!([s["a_span"], s["b_span"]]))
            .collect()
    };
    let pages = scan_json(&[
        dir.path().join("a.html").to_str().unwrap(),
        dir.path().join("b.html").to_str().unwrap(),
    ]);
    let lines = scan_json(&[jsonl.to_str().unwrap()]);
    assert_eq!(linked(&pages).len(), 1, "{}", pages["links"]);
    assert!(!spans(&pages).is_empty());
    assert_eq!(spans(&pages), spans(&lines));
}

#[test]
fn extract_as_text_and_its_errors() {
    let dir = tempfile::tempdir().unwrap();
    write_pages(dir.path());
    let out = run(&[
        "extract",
        "--format",
        "text",
        dir.path().join("strike.html").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("== ") && first.ends_with("strike.html | Port strike enters second week | The Coastal Herald | 2024-05-01T08:00:00Z | The Coastal Herald"), "{first}");
    assert!(text.contains(STRIKE[1]));
    let missing = run(&["extract", dir.path().join("nothing.html").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("nothing.html") && err.contains("no such file"),
        "{err}"
    );
}

/// One WARC record of type `kind` for `uri`, with `block` as its content.
fn warc_record(kind: &str, uri: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n\
         WARC-Record-ID: <urn:uuid:{kind}-{uri}>\r\nWARC-Date: 2024-05-02T00:00:00Z\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        block.len()
    )
    .into_bytes();
    r.extend_from_slice(block);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

/// An HTTP response record carrying `body` with the given extra headers.
fn response(uri: &str, status: &str, content_type: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut block = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    block.extend_from_slice(body);
    warc_record(
        "response",
        uri,
        "application/http; msgtype=response",
        &block,
    )
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// The two strike pages as a crawl holds them, among records that are not
/// pages: the first page plain, the second chunked and gzip-encoded as a
/// server sent it; each record as one gzip member when `gz`.
fn crawl(a: &str, b: &str, gz: bool) -> Vec<u8> {
    let chunked = {
        let body = gzip(b.as_bytes());
        let (one, two) = body.split_at(body.len() / 2);
        let mut c = format!("{:x}\r\n", one.len()).into_bytes();
        c.extend_from_slice(one);
        c.extend_from_slice(format!("\r\n{:x}\r\n", two.len()).as_bytes());
        c.extend_from_slice(two);
        c.extend_from_slice(b"\r\n0\r\n\r\n");
        c
    };
    let records = [
        warc_record(
            "warcinfo",
            "",
            "application/warc-fields",
            b"software: test\r\n",
        ),
        warc_record(
            "request",
            "https://herald.example/a",
            "application/http; msgtype=request",
            b"GET /a HTTP/1.1\r\n\r\n",
        ),
        response(
            "https://herald.example/a",
            "200 OK",
            "text/html; charset=utf-8",
            "",
            a.as_bytes(),
        ),
        response(
            "https://herald.example/logo.png",
            "200 OK",
            "image/png",
            "",
            b"\x89PNG\r\n\x1a\n",
        ),
        response(
            "https://herald.example/gone",
            "404 Not Found",
            "text/html",
            "",
            b"<p>Not found</p>",
        ),
        response(
            "https://herald.example/b",
            "200 OK",
            "text/html",
            "Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n",
            &chunked,
        ),
    ];
    records
        .iter()
        .flat_map(|r| if gz { gzip(r) } else { r.clone() })
        .collect()
}

/// Two pages sharing two of three paragraphs.
fn strike_pages() -> (String, String) {
    let mut copy = STRIKE;
    copy[2] = FESTIVAL[0];
    (
        site_page("Strike", &STRIKE),
        site_page("Strike again", &copy),
    )
}

/// (titles, spans) of a scan's links, ids left out.
fn link_shapes(scan: &Value) -> Vec<Value> {
    scan["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let spans: Vec<Value> = l["shared"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| serde_json::json!([s["a_span"], s["b_span"]]))
                .collect();
            serde_json::json!([l["a_title"], l["b_title"], spans])
        })
        .collect()
}

#[test]
fn a_warc_scans_like_the_same_pages_saved_as_files() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = strike_pages();
    let pages = dir.path().join("pages");
    std::fs::create_dir(&pages).unwrap();
    std::fs::write(pages.join("a.html"), &a).unwrap();
    std::fs::write(pages.join("b.html"), &b).unwrap();
    let saved = scan_json(&[pages.to_str().unwrap()]);
    assert_eq!(
        saved["links"].as_array().unwrap().len(),
        1,
        "{}",
        saved["links"]
    );
    for (name, gz) in [("crawl.warc", false), ("crawl.warc.gz", true)] {
        let path = dir.path().join(name);
        std::fs::write(&path, crawl(&a, &b, gz)).unwrap();
        let scan = scan_json(&[path.to_str().unwrap()]);
        assert_eq!(scan["documents"], 2, "{name}: {}", scan["warnings"]);
        assert_eq!(scan["warnings"], serde_json::json!([]), "{name}");
        assert_eq!(link_shapes(&scan), link_shapes(&saved), "{name}");
        let link = &scan["links"][0];
        assert_eq!(
            (link["a"].as_str().unwrap(), link["b"].as_str().unwrap()),
            ("https://herald.example/a", "https://herald.example/b"),
            "{name}: ids are the records' URIs"
        );
    }
}

#[test]
fn a_truncated_or_damaged_warc_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = strike_pages();
    // A download cut off inside the last record.
    let whole = crawl(&a, &b, true);
    let path = dir.path().join("cut.warc.gz");
    std::fs::write(&path, &whole[..whole.len() - 40]).unwrap();
    let scan = scan_json(&[path.to_str().unwrap()]);
    assert_eq!(scan["documents"], 1, "the first page is kept");
    let w = &scan["warnings"][0];
    assert_eq!(w["kind"], "bad_record", "{}", scan["warnings"]);
    assert!(
        w["message"].as_str().unwrap().starts_with("record 6 "),
        "{w}"
    );
    // A record that is no HTTP response (its status line overwritten, its
    // length kept) is skipped; the next one is read.
    let mut damaged = response("https://herald.example/x", "200 OK", "text/html", "", b"");
    damaged = String::from_utf8(damaged)
        .unwrap()
        .replace("HTTP/1.1 200 OK", "garbage garbage")
        .into_bytes();
    let mut bytes = damaged;
    bytes.extend(response(
        "https://herald.example/a",
        "200 OK",
        "text/html",
        "",
        a.as_bytes(),
    ));
    let path = dir.path().join("damaged.warc");
    std::fs::write(&path, bytes).unwrap();
    let scan = scan_json(&[path.to_str().unwrap()]);
    assert_eq!(scan["documents"], 1);
    let w = &scan["warnings"][0];
    assert_eq!(w["kind"], "bad_record");
    let message = w["message"].as_str().unwrap();
    assert!(
        message.starts_with("record 1 (byte 0") && message.contains("skipped"),
        "{message}"
    );
}

#[test]
fn check_gives_a_verdict_for_each_page_of_a_warc() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = strike_pages();
    let pages = dir.path().join("pages");
    std::fs::create_dir(&pages).unwrap();
    std::fs::write(pages.join("a.html"), &a).unwrap();
    let index = dir.path().join("i.redb");
    let built = run(&[
        "index",
        "build",
        index.to_str().unwrap(),
        pages.to_str().unwrap(),
    ]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let warc = dir.path().join("crawl.warc.gz");
    std::fs::write(&warc, crawl(&a, &b, true)).unwrap();
    let out = run(&["check", index.to_str().unwrap(), warc.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(&str, &str)> = verdicts
        .iter()
        .map(|v| (v["id"].as_str().unwrap(), v["verdict"].as_str().unwrap()))
        .collect();
    // The first page is the indexed one; the second reposts two of its
    // three paragraphs.
    assert_eq!(
        got,
        vec![
            ("https://herald.example/a", "duplicate"),
            ("https://herald.example/b", "reposts")
        ],
        "{verdicts:?}"
    );
    assert_eq!(verdicts[0]["duplicate_of"][0]["id"], "a.html");
}
