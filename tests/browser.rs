//! The HTML report of `data/` in a real headless Chromium (driven by
//! playwright-core from `tests/browser/report.mjs`): the seeds' three shared
//! passages highlighted on both sides, a click scrolls the other side to
//! the passage, no network requests, a screenshot in
//! `target/browser/report.png`; and paging through a report with hundreds
//! of links (`tests/browser/pages.mjs`).
//!
//! Needs `/usr/bin/chromium` (Debian's `chromium`), `node` and
//! `npm install --prefix tests/browser`; `.ci/run` provides all three and
//! sets `REPRINT_BROWSER_TESTS=1`, which turns a missing piece into a
//! failure instead of a skip.

mod common;

use std::path::Path;
use std::process::Command;

/// True when Chromium, node and playwright-core are there; otherwise the
/// test is skipped, unless `REPRINT_BROWSER_TESTS` is set (then it fails).
fn browser_ready(root: &Path) -> bool {
    let ready = Path::new("/usr/bin/chromium").exists()
        && root
            .join("tests/browser/node_modules/playwright-core")
            .is_dir()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !ready {
        assert!(
            std::env::var_os("REPRINT_BROWSER_TESTS").is_none(),
            "REPRINT_BROWSER_TESTS is set but chromium, node or tests/browser/node_modules is missing"
        );
        eprintln!(
            "skipped: needs /usr/bin/chromium, node and `npm install --prefix tests/browser`"
        );
    }
    ready
}

/// Runs a browser script; fails the test with its output unless it passes.
fn node(script: &Path, args: &[&str]) {
    let run = Command::new("node")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn report_of_data_works_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("tests/browser/report.mjs");
    if !browser_ready(root) {
        return;
    }
    let out_dir = root.join("target/browser");
    std::fs::create_dir_all(&out_dir).unwrap();
    let report = out_dir.join("report.html");
    let data = root.join("data");
    let boilerplate = data.join("jakartapost.boilerplate");
    let made = common::run(&[
        "report",
        data.to_str().unwrap(),
        "--boilerplate",
        boilerplate.to_str().unwrap(),
        "-o",
        report.to_str().unwrap(),
        "-q",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let shot = out_dir.join("report.png");
    node(&script, &[report.to_str().unwrap(), shot.to_str().unwrap()]);
    assert!(shot.exists());
}

/// Paging in a real browser, on a generated corpus with more links than a
/// page of cards and a page of the table hold (`tests/browser/pages.mjs`).
#[test]
fn report_pages_work_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !browser_ready(root) {
        return;
    }
    let corpus = common::site_corpus(0x9a6e5, 800, 3, 120);
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.jsonl");
    let lines: String = corpus
        .ids
        .iter()
        .zip(&corpus.texts)
        .map(|(id, text)| serde_json::json!({"id": id, "text": text}).to_string() + "\n")
        .collect();
    std::fs::write(&feed, lines).unwrap();
    let feed = feed.to_str().unwrap();
    let scan = common::run(&["scan", feed, "--format", "json", "-q"]);
    let scan: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    let links = scan["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["near_duplicate"] == false)
        .count();
    assert!(links > 100, "{links} links: too few to page");
    let report = dir.path().join("report.html");
    let made = common::run(&["report", feed, "-o", report.to_str().unwrap(), "-q"]);
    assert!(made.status.success());
    node(
        &root.join("tests/browser/pages.mjs"),
        &[report.to_str().unwrap(), &links.to_string()],
    );
}

/// Provenance in a real browser (`tests/browser/timeline.mjs`): a dated
/// corpus's report shows each link's arrow from the earlier story and each
/// shared passage's timeline, first appearance first.
#[test]
fn report_timeline_works_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !browser_ready(root) {
        return;
    }
    let planted = "Rights activists have accused Moscow of legitimizing the junta that seized \
        power in a coup two years ago by continuing bilateral visits and arms deals, while the \
        generals have relied on Russian jets and helicopters in their campaign against rebel groups.";
    let stories = [
        ("wire", "Harbour officials in Rotterdam expect the dredging works to finish before the spring tides.", Some("2024-05-01T08:00:00Z"), "agency"),
        ("paper", "A bakery chain based in Lyon plans to open forty new shops across southern France next year.", Some("2024-05-01T13:00:00+02:00"), "daily"),
        ("blog", "Farmers near Ballarat reported the wettest winter in living memory after weeks of flooding.", Some("2024-05-03"), "daily"),
        ("undated", "The museum of modern art unveiled a restored fresco that had been hidden behind plaster.", None, "weekly"),
    ];
    let lines: String = stories
        .iter()
        .map(|(id, opening, date, source)| {
            let mut v = serde_json::json!({"id": id, "text": format!("{opening}\n\n{planted}"), "source": source});
            if let Some(d) = date {
                v["date"] = serde_json::json!(d);
            }
            v.to_string() + "\n"
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("stories.jsonl");
    std::fs::write(&feed, lines).unwrap();
    let report = dir.path().join("report.html");
    let made = common::run(&[
        "report",
        feed.to_str().unwrap(),
        "-o",
        report.to_str().unwrap(),
        "-q",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    node(
        &root.join("tests/browser/timeline.mjs"),
        &[report.to_str().unwrap()],
    );
}
