//! The HTML report of `data/` in a real headless Chromium (driven by
//! playwright-core from `tests/browser/report.mjs`): the seeds' three shared
//! passages highlighted on both sides, a click scrolls the other side to
//! the passage, no network requests, a screenshot in
//! `target/browser/report.png`.
//!
//! Needs `/usr/bin/chromium` (Debian's `chromium`), `node` and
//! `npm install --prefix tests/browser`; `.ci/run` provides all three and
//! sets `REPRINT_BROWSER_TESTS=1`, which turns a missing piece into a
//! failure instead of a skip.

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn report_of_data_works_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("tests/browser/report.mjs");
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
    let run = Command::new("node")
        .arg(&script)
        .arg(&report)
        .arg(out_dir.join("report.png"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out_dir.join("report.png").exists());
}
