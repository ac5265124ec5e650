//! Passage-stage cost against the document stage, on the generated
//! multi-site corpus of the passage tests (5,000 articles from five sites
//! with chrome, 300 reposted paragraphs, 20 republications):
//!
//! ```sh
//! cargo bench --bench passages            # 5,000 articles
//! cargo bench --bench passages -- 20000   # another size
//! ```
//!
//! It scans the corpus with the library (files on disk, as the CLI does)
//! with passages off and on, several times each, and prints the median
//! wall times and the passage stage's cost (on − off) relative to the
//! document stage (off). Not a test: nothing asserts on time.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use reprint::{ScanOptions, Scanner};

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let docs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5_000);
    let corpus = common::site_corpus(0xfeed, docs, 5, docs * 3 / 50);
    let dir = tempfile::tempdir().expect("temp dir");
    corpus.write(dir.path());
    let bytes: usize = corpus.texts.iter().map(String::len).sum();
    let paths = [dir.path()];

    let off = Scanner::new(ScanOptions {
        passages: None,
        ..ScanOptions::default()
    })
    .expect("options");
    let on = Scanner::new(ScanOptions::default()).expect("options");
    // Warm the page cache and the allocator.
    let warm = on.scan_paths(&paths).expect("scan");

    let runs = 7;
    let mut t_off = Vec::new();
    let mut t_on = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        off.scan_paths(&paths).expect("scan");
        t_off.push(t.elapsed());
        let t = Instant::now();
        on.scan_paths(&paths).expect("scan");
        t_on.push(t.elapsed());
    }
    let (off_t, on_t) = (median(t_off), median(t_on));
    let passage = on_t.saturating_sub(off_t);
    println!(
        "corpus: {} articles, {:.1} MB; {} links, {} passage clusters ({} boilerplate)",
        corpus.texts.len(),
        bytes as f64 / 1e6,
        warm.links.len(),
        warm.passage_clusters.len(),
        warm.passage_clusters
            .iter()
            .filter(|c| c.kind == reprint::PassageKind::Boilerplate)
            .count()
    );
    println!("threads: {}", rayon::current_num_threads());
    println!(
        "document stage (passages off): {:>8.1} ms (median of {runs})",
        off_t.as_secs_f64() * 1e3
    );
    println!(
        "scan with passages:            {:>8.1} ms",
        on_t.as_secs_f64() * 1e3
    );
    println!(
        "passage stage (difference):    {:>8.1} ms = {:.2}× the document stage",
        passage.as_secs_f64() * 1e3,
        passage.as_secs_f64() / off_t.as_secs_f64()
    );
}
