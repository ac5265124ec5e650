//! What reprint reads of real article pages, scored against the article
//! a person extracted: the public article-extraction benchmark (Zyte's
//! scrapinghub/article-extraction-benchmark; half of its pages are in
//! `../shared/corpora/article-extraction`), with its own measure.
//!
//! ```sh
//! cargo bench --bench extraction                       # ../shared/corpora/article-extraction
//! cargo bench --bench extraction -- path/to/benchmark [--html full] [--details N] [--show KEY] [--runs N]
//! ```
//!
//! Each page (`html/<key>.html`) is read as `reprint scan` and `reprint
//! extract` read it; its text is compared with `ground-truth.json`'s
//! `articleBody`. The measure is the benchmark's: the word 4-grams of each
//! text as a multiset (words are runs of Unicode word characters, as
//! Python's `\w+`, case kept), precision and recall per page, averaged over
//! pages, F1 of the two averages. `--details N` lists the N pages scored
//! worst; `--show KEY` prints the text read from one page. The time is
//! the reading alone (parse, extraction, metadata), one thread, the
//! fastest of `--runs N` readings (default 3).
//! Not a test: nothing asserts on the figures.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use reprint::read::{html_page_with, HtmlMode};

/// A text's word 4-grams, counted. Words are runs of alphanumeric
/// characters and `_`, as Python's `\w+` (which the benchmark uses)
/// finds them but for the few combining marks Unicode calls alphabetic.
fn shingles(text: &str) -> HashMap<[&str; 4], u32> {
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = HashMap::new();
    for w in words.windows(4) {
        *out.entry([w[0], w[1], w[2], w[3]]).or_insert(0) += 1;
    }
    out
}

/// Precision and recall of `predicted` against `truth`, as the benchmark
/// scores one page (both 1 when both are empty).
fn score(truth: &str, predicted: &str) -> (f64, f64) {
    let (t, p) = (shingles(truth), shingles(predicted));
    let tp: u32 = p
        .iter()
        .map(|(k, &n)| n.min(t.get(k).copied().unwrap_or(0)))
        .sum();
    let (np, nt): (u32, u32) = (p.values().sum(), t.values().sum());
    let precision = if np == 0 {
        f64::from(u8::from(nt == 0))
    } else {
        f64::from(tp) / f64::from(np)
    };
    let recall = if nt == 0 {
        1.0
    } else {
        f64::from(tp) / f64::from(nt)
    };
    (precision, recall)
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let (mut root, mut mode, mut details) = (None, HtmlMode::Article, 0usize);
    let mut show: Option<String> = None;
    let mut runs = 3usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--html" => {
                mode = match args.next().as_deref() {
                    Some("full") => HtmlMode::Full,
                    Some("article") => HtmlMode::Article,
                    other => panic!("--html article|full, not {other:?}"),
                }
            }
            "--show" => show = args.next(),
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(3).max(1),
            "--details" => details = args.next().and_then(|n| n.parse().ok()).unwrap_or(10),
            _ => root = Some(PathBuf::from(a)),
        }
    }
    let root = root.unwrap_or_else(|| PathBuf::from("../shared/corpora/article-extraction"));
    let truth_path = root.join("ground-truth.json");
    let Ok(truth) = std::fs::read_to_string(&truth_path) else {
        eprintln!(
            "extraction: no {} (pass the benchmark folder)",
            truth_path.display()
        );
        std::process::exit(2);
    };
    let truth: HashMap<String, serde_json::Value> =
        serde_json::from_str(&truth).expect("ground-truth.json is a JSON object");
    let mut keys: Vec<&String> = truth.keys().collect();
    keys.sort();
    let pages: Vec<(String, String)> = keys
        .iter()
        .map(|k| {
            let path = root.join("html").join(format!("{k}.html"));
            let bytes = std::fs::read(&path).expect("every page of the ground truth is in html/");
            (k.to_string(), String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect();
    // The fastest of `runs` readings: a shared machine only ever adds time.
    let mut elapsed = std::time::Duration::MAX;
    let mut texts: Vec<String> = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        texts = pages
            .iter()
            .map(|(_, html)| html_page_with(html, mode).text)
            .collect();
        elapsed = elapsed.min(start.elapsed());
    }
    let mut scored: Vec<(f64, f64, &str)> = pages
        .iter()
        .zip(&texts)
        .map(|((k, _), text)| {
            let body = truth[k]["articleBody"].as_str().unwrap_or("");
            let (p, r) = score(body, text);
            (p, r, k.as_str())
        })
        .collect();
    if let Some(key) = &show {
        let at = pages
            .iter()
            .position(|(k, _)| k == key)
            .expect("--show names a page's key");
        println!("{}", texts[at]);
        return;
    }
    let n = scored.len().max(1) as f64;
    let precision = scored.iter().map(|s| s.0).sum::<f64>() / n;
    let recall = scored.iter().map(|s| s.1).sum::<f64>() / n;
    let f1 = 2.0 * precision * recall / (precision + recall).max(f64::MIN_POSITIVE);
    let mb = pages.iter().map(|(_, h)| h.len()).sum::<usize>() as f64 / 1e6;
    println!(
        "article extraction ({}, --html {}): {} pages, {:.1} MB of HTML read in {:.2} s ({:.1} ms per page, one thread, fastest of {runs})",
        root.display(),
        match mode { HtmlMode::Article => "article", HtmlMode::Full => "full" },
        pages.len(),
        mb,
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / n,
    );
    println!(
        "| F1 | precision | recall |\n|---|---|---|\n| {f1:.3} | {precision:.3} | {recall:.3} |"
    );
    if details > 0 {
        scored.sort_by(|x, y| x.0.min(x.1).total_cmp(&y.0.min(y.1)));
        println!("\nworst pages (precision, recall, key):");
        for (p, r, k) in scored.iter().take(details) {
            println!("{p:.3} {r:.3} {k}");
        }
    }
}
