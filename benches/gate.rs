//! Ingestion-gate figures: `index build` throughput against `scan` on the
//! same corpus, index size per article, and `check` latency.
//!
//! ```sh
//! python3 benches/compare.py --no-peers --no-truth      # makes target/bench/corpus-20000-s1
//! cargo bench --bench gate                               # 20,000 articles
//! cargo bench --bench gate -- --corpus DIR --checks 2000
//! ```
//!
//! The last `--checks` articles of the corpus are held out of the index
//! and checked one by one (new articles and reposts); as many indexed
//! articles are checked again under new ids (near-duplicates, the path
//! with candidate verification). Latencies are per `Index::check` call on
//! one thread, index on local disk. Not a test: nothing asserts on time.

use std::path::PathBuf;
use std::time::Instant;

use reprint::index::{Index, IndexParams};
use reprint::read::{discover, read_file, Document, ReadOptions};
use reprint::{ScanOptions, Scanner};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let corpus = PathBuf::from(get("--corpus").unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench/corpus-20000-s1").to_owned()
    }));
    let checks: usize = get("--checks").map_or(1000, |s| s.parse().expect("--checks N"));
    if !corpus.is_dir() {
        eprintln!(
            "gate bench: {} not found; generate it with `python3 benches/compare.py --no-peers --no-truth`",
            corpus.display()
        );
        std::process::exit(2);
    }

    // Scan throughput on the same corpus (documents only).
    let scanner = Scanner::new(ScanOptions {
        passages: None,
        ..ScanOptions::default()
    })
    .expect("options");
    let t = Instant::now();
    let scanned = scanner.scan_paths(&[&corpus]).expect("scan");
    let scan_s = t.elapsed().as_secs_f64();
    let n = scanned.stats.documents;

    // Build: read the corpus, hold out the last `checks` articles.
    let found = discover(&[&corpus]).expect("corpus");
    let mut docs: Vec<Document> = found
        .files
        .iter()
        .flat_map(|f| read_file(f, &ReadOptions::default()).documents)
        .collect();
    let held_out = docs.split_off(docs.len() - checks.min(docs.len() / 2));
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.redb");
    let index = Index::create(&path, IndexParams::new(0.8, 5, 128, None, true)).expect("index");
    let t = Instant::now();
    for batch in docs.chunks(1000) {
        index.admit_batch(batch, false).expect("admit");
    }
    let build_s = t.elapsed().as_secs_f64();
    let mut index = index;
    let before = std::fs::metadata(&path).map_or(0, |m| m.len());
    index.compact().expect("compact");
    let stats = index.stats().expect("stats");
    println!("file before compaction: {:.1} MB", before as f64 / 1e6);

    // Check latencies: held-out articles, and indexed ones under new ids.
    let mut latencies: Vec<f64> = Vec::new();
    let mut kinds = [0usize; 3];
    let requeried = docs
        .iter()
        .step_by((docs.len() / checks.max(1)).max(1))
        .take(checks);
    let probes: Vec<Document> = held_out
        .into_iter()
        .chain(requeried.map(|d| Document {
            id: format!("{}-again", d.id),
            text: d.text.clone(),
            line: None,
        }))
        .collect();
    for doc in &probes {
        let t = Instant::now();
        let v = index.check(doc).expect("check");
        latencies.push(t.elapsed().as_secs_f64() * 1e3);
        kinds[v.kind as usize] += 1;
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let mean_kb =
        probes.iter().map(|d| d.text.len()).sum::<usize>() as f64 / probes.len() as f64 / 1e3;

    println!(
        "corpus: {} ({n} articles; {} indexed, {:.1} MB)",
        corpus.display(),
        docs.len(),
        bytes as f64 / 1e6
    );
    println!(
        "scan (documents only): {scan_s:.2} s = {:.0} articles/s",
        n as f64 / scan_s
    );
    println!(
        "index build:           {build_s:.2} s = {:.0} articles/s ({:.0}% of scan's rate)",
        docs.len() as f64 / build_s,
        100.0 * (docs.len() as f64 / build_s) / (n as f64 / scan_s)
    );
    println!(
        "index size:            {:.1} MB = {:.0} bytes/article; {:.0} bytes/article without the stored text",
        stats.file_bytes as f64 / 1e6,
        stats.file_bytes as f64 / stats.documents as f64,
        (stats.file_bytes - stats.text_bytes) as f64 / stats.documents as f64
    );
    let tables: u64 = stats.table_bytes.iter().map(|t| t.1).sum();
    println!(
        "index tables:          {:.0} bytes/article; {:.0} without the stored text ({})",
        tables as f64 / stats.documents as f64,
        (tables - stats.text_bytes) as f64 / stats.documents as f64,
        stats
            .table_bytes
            .iter()
            .map(|(name, b)| format!("{name} {:.0}", *b as f64 / stats.documents as f64))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "check:                 {} articles (mean {mean_kb:.1} KB; verdicts new {} / duplicate {} / reposts {}): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        probes.len(),
        kinds[0],
        kinds[1],
        kinds[2],
        pct(0.50),
        pct(0.99),
        latencies[latencies.len() - 1]
    );
}
