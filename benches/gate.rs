//! Ingestion-gate figures: `index build` throughput against `scan` on the
//! same corpus, index size per article, and `check` latency.
//!
//! ```sh
//! python3 benches/compare.py --no-peers --no-truth      # makes target/bench/corpus-20000-s1
//! cargo bench --bench gate                               # 20,000 articles
//! cargo bench --bench gate -- --corpus DIR --checks 2000 --runs 1 --no-compact
//! cargo bench --bench gate -- --corpus DIR --index FILE   # keep the index; reuse it next time
//! cargo bench --bench gate -- --corpus DIR --index FILE --cache-gib 4
//! # load a running `reprint serve FILE` (an index the bench kept) with the same requests
//! cargo bench --bench gate -- --corpus DIR --serve-addr 127.0.0.1:7878 --warmup 4 --seconds 8
//! ```
//!
//! Throughput: `reprint scan DIR --passages off` and `reprint index build
//! INDEX DIR`, the release binary in its own process as a user runs it,
//! median of `--runs` (default 3), scans and builds alternating. The last
//! `--checks` articles of the corpus are then removed from the index (and
//! the index compacted) and
//! checked one by one (new articles and reposts); as many indexed
//! articles are checked again under new ids (near-duplicates, the path
//! with candidate verification). Latencies are per `Index::check` call on
//! one thread, index on local disk: a first pass right after opening the
//! index, then a second over the same articles. Then the same index is served over
//! HTTP on loopback and `--clients` keep-alive connections (default 4) send
//! `POST /check` with the same articles for `--seconds` (default 5): checks
//! per second and latency percentiles as the clients see them. With
//! `--serve-addr`, only that load, sent to a server already running (to
//! compare two builds of `reprint serve` on one index). Not a test:
//! nothing asserts on time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reprint::index::{Index, Policy};
use reprint::read::{discover, read_file, Document, ReadOptions};
use reprint::serve::{serve, ServeOptions};

// The allocator of the `reprint` binary, whose server this measures.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let clients: usize = get("--clients").map_or(4, |s| s.parse().expect("--clients N"));
    let load_seconds: u64 = get("--seconds").map_or(5, |s| s.parse().expect("--seconds N"));
    if !corpus.is_dir() {
        eprintln!(
            "gate bench: {} not found; generate it with `python3 benches/compare.py --no-peers --no-truth`",
            corpus.display()
        );
        std::process::exit(2);
    }

    // `--serve-addr`: only the load, on a server already running.
    if let Some(addr) = get("--serve-addr") {
        let addr: std::net::SocketAddr = addr.parse().expect("--serve-addr HOST:PORT");
        let mut docs = read_corpus(&corpus);
        let held_out = docs.split_off(docs.len() - checks.min(docs.len() / 2));
        let probes = probes_of(held_out, &docs, checks);
        drop(docs);
        // `--warmup S`: load first for S seconds unmeasured, as the
        // in-process server is loaded after the checks filled its caches.
        if let Some(warmup) = get("--warmup") {
            let warmup: u64 = warmup.parse().expect("--warmup SECONDS");
            let started = Instant::now();
            drive_for(addr, &probes, clients, warmup);
            println!(
                "warm-up:               {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        drive(addr, &probes, clients, load_seconds);
        return;
    }

    // Throughput: the real binary, as a user runs it, median of `--runs`.
    let runs: usize = get("--runs").map_or(3, |s| s.parse().expect("--runs N"));
    let dir = tempfile::tempdir().expect("temp dir");
    // `--index PATH`: keep the index there; when it exists already, skip
    // the throughput runs and measure checks against it.
    let kept = get("--index").map(PathBuf::from);
    let reuse = kept.as_ref().is_some_and(|p| p.exists());
    let path = kept.unwrap_or_else(|| dir.path().join("bench.redb"));
    let corpus_arg = corpus.to_str().expect("corpus path is UTF-8");
    let runs = if reuse { 0 } else { runs };
    // Scans and builds alternate, so a machine whose speed drifts (this
    // VM's does) slows both alike; each median is of its own runs.
    let (mut scans, mut builds) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        scans.push(seconds(|| {
            run(&[
                "scan",
                corpus_arg,
                "--passages",
                "off",
                "-q",
                "--format",
                "json",
                "-o",
                "/dev/null",
            ])
        }));
        let _ = std::fs::remove_file(&path);
        builds.push(seconds(|| {
            run(&[
                "index",
                "build",
                path.to_str().expect("UTF-8"),
                corpus_arg,
                "-q",
            ])
        }));
    }
    let (scan_s, build_s) = (median(scans.clone()), median(builds.clone()));
    let ratios: Vec<f64> = scans.iter().zip(&builds).map(|(s, b)| s / b).collect();

    // Hold out the last `checks` articles: removed from the index, then
    // compacted, so they come back as new articles (or reposts).
    let mut docs = read_corpus(&corpus);
    let n = docs.len();
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let held_out = docs.split_off(docs.len() - checks.min(docs.len() / 2));
    // `--cache-gib N`: the page cache of the index checked and served.
    let cache = get("--cache-gib").map_or(reprint::index::DEFAULT_CACHE_BYTES, |g| {
        (g.parse::<f64>().expect("--cache-gib N") * f64::from(1u32 << 30)) as usize
    });
    let mut index = Index::open_with_cache(&path, cache).expect("index");
    let ids: Vec<String> = held_out.iter().map(|d| d.id.clone()).collect();
    index.remove(&ids).expect("remove");
    let before = std::fs::metadata(&path).map_or(0, |m| m.len());
    // `--no-compact` skips rewriting the file (minutes for a million
    // articles); the removed articles' postings then stay, unanswered.
    if !args.iter().any(|a| a == "--no-compact") {
        index.compact().expect("compact");
    }
    let stats = index.stats().expect("stats");
    println!("file before compaction: {:.1} MB", before as f64 / 1e6);

    // Check latencies: held-out articles, and indexed ones under new ids.
    let mut latencies: Vec<f64> = Vec::new();
    let mut kinds = [0usize; 3];
    let probes = probes_of(held_out, &docs, checks);
    // Only the probes are needed from here: the corpus (4.7 GB at a
    // million articles) would otherwise crowd the index out of memory.
    let kept = docs.len();
    drop(docs);
    for doc in &probes {
        let t = Instant::now();
        let v = index.check(doc).expect("check");
        latencies.push(t.elapsed().as_secs_f64() * 1e3);
        kinds[v.kind as usize] += 1;
    }
    // A second pass: the same checks once the caches hold what they read
    // (the first pass reads whatever the OS has not cached).
    let mut warm: Vec<f64> = Vec::new();
    for doc in &probes {
        let t = Instant::now();
        index.check(doc).expect("check");
        warm.push(t.elapsed().as_secs_f64() * 1e3);
    }
    latencies.sort_by(f64::total_cmp);
    warm.sort_by(f64::total_cmp);
    let pct_of = |l: &[f64], p: f64| l[((l.len() as f64 * p) as usize).min(l.len() - 1)];
    let pct = |p: f64| pct_of(&latencies, p);
    let mean_ms = latencies.iter().sum::<f64>() / latencies.len() as f64;
    let mean_kb =
        probes.iter().map(|d| d.text.len()).sum::<usize>() as f64 / probes.len() as f64 / 1e3;

    println!(
        "corpus: {} ({n} articles, {:.1} MB; {} kept indexed for the checks)",
        corpus.display(),
        bytes as f64 / 1e6,
        kept,
    );
    println!(
        "scan (documents only): {scan_s:.2} s = {:.0} articles/s",
        n as f64 / scan_s
    );
    println!(
        "index build:           {build_s:.2} s = {:.0} articles/s ({:.0}% of scan's rate; each scan against the build after it: {})",
        n as f64 / build_s,
        100.0 * scan_s / build_s,
        ratios
            .iter()
            .map(|r| format!("{:.0}%", 100.0 * r))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "index size:            {:.1} MB = {:.0} bytes/article; {:.0} bytes/article without the stored text",
        stats.file_bytes as f64 / 1e6,
        stats.file_bytes as f64 / stats.documents as f64,
        (stats.file_bytes - stats.text_bytes) as f64 / stats.documents as f64
    );
    println!(
        "index on disk:         {:.1} MB = {:.0} bytes/article; {:.0} bytes/article without the stored text",
        stats.disk_bytes as f64 / 1e6,
        stats.disk_bytes as f64 / stats.documents as f64,
        (stats.disk_bytes.saturating_sub(stats.text_bytes)) as f64 / stats.documents as f64
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
        "check:                 {} articles (mean {mean_kb:.1} KB; verdicts new {} / duplicate {} / reposts {}): mean {mean_ms:.2} ms, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        probes.len(),
        kinds[0],
        kinds[1],
        kinds[2],
        pct(0.50),
        pct(0.99),
        latencies[latencies.len() - 1]
    );
    println!(
        "check, second pass:    mean {:.2} ms, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        warm.iter().sum::<f64>() / warm.len() as f64,
        pct_of(&warm, 0.50),
        pct_of(&warm, 0.99),
        warm[warm.len() - 1]
    );

    load_test(index, &path, &probes, clients, load_seconds);
}

/// Every article of the corpus, in order.
fn read_corpus(corpus: &std::path::Path) -> Vec<Document> {
    let found = discover(&[corpus]).expect("corpus");
    found
        .files
        .iter()
        .flat_map(|f| read_file(f, &ReadOptions::default()).documents)
        .collect()
}

/// The articles checked and served: the held-out ones (new articles and
/// reposts), then `checks` indexed ones spread over `indexed`, under new
/// ids (near-duplicates).
fn probes_of(held_out: Vec<Document>, indexed: &[Document], checks: usize) -> Vec<Document> {
    let requeried = indexed
        .iter()
        .step_by((indexed.len() / checks.max(1)).max(1))
        .take(checks);
    held_out
        .into_iter()
        .chain(requeried.map(|d| Document {
            id: format!("{}-again", d.id),
            text: d.text.clone(),
            line: None,
            title: None,
            date: None,
            source: None,
        }))
        .collect()
}

/// Runs the reprint binary; panics unless it succeeds.
fn run(args: &[&str]) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reprint"))
        .args(args)
        .output()
        .expect("run reprint");
    assert!(
        out.status.success(),
        "reprint {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The median wall time of `runs` calls of `f`.
fn seconds(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// The median (NaN for none).
fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One keep-alive HTTP/1.1 client sending whole `POST /check` requests in turn
/// until `until`; returns the latencies in ms.
fn client(addr: std::net::SocketAddr, requests: &[String], until: Instant) -> Vec<f64> {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    let mut latencies = Vec::new();
    let mut i = 0;
    while Instant::now() < until {
        let request = &requests[i % requests.len()];
        i += 1;
        let t = Instant::now();
        // One write per request, as wrk sends it: `write!` on the socket
        // would send each piece of the format as a packet of its own.
        writer.write_all(request.as_bytes()).expect("send");
        let mut length = 0usize;
        let mut status = String::new();
        reader.read_line(&mut status).expect("status");
        assert!(status.contains(" 200 "), "{status}");
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().expect("length");
            }
        }
        let mut buf = vec![0u8; length];
        reader.read_exact(&mut buf).expect("body");
        latencies.push(t.elapsed().as_secs_f64() * 1e3);
    }
    latencies
}

fn load_test(index: Index, path: &Path, probes: &[Document], clients: usize, seconds: u64) {
    let (tx, rx) = std::sync::mpsc::channel();
    let opts = ServeOptions {
        addr: "127.0.0.1:0".parse().expect("addr"),
        token: None,
        open_reads: false,
        header_timeout: std::time::Duration::from_secs(10),
        request_timeout: std::time::Duration::from_secs(60),
        max_connections: 1024,
        max_body: 8 << 20,
        policy: Policy::default(),
        fields: ReadOptions::default(),
    };
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let reopen: reprint::serve::Reopen = Box::new(move || Index::open(&path));
        serve(index, reopen, opts, |addr| {
            tx.send(addr).expect("send addr")
        })
        .expect("serve");
    });
    let addr = rx.recv().expect("server address");
    drive(addr, probes, clients, seconds);
}

/// Sends `POST /check` with each of `probes` in turn from `clients`
/// keep-alive connections to `addr` for `seconds`; prints the rate and
/// latency percentiles.
fn drive(addr: std::net::SocketAddr, probes: &[Document], clients: usize, seconds: u64) {
    let (mut latencies, elapsed) = drive_for(addr, probes, clients, seconds);
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "serve:                 {} clients, {:.0} checks/s over {elapsed:.1} s; p50 {:.2} ms, p99 {:.2} ms",
        clients,
        latencies.len() as f64 / elapsed,
        pct(0.5),
        pct(0.99)
    );
}

/// The load of [`drive`]: every request's latency (ms) and the seconds
/// it took.
fn drive_for(
    addr: std::net::SocketAddr,
    probes: &[Document],
    clients: usize,
    seconds: u64,
) -> (Vec<f64>, f64) {
    let requests: Vec<String> = probes
        .iter()
        .map(|d| {
            let body = serde_json::json!({"id": d.id, "text": d.text}).to_string();
            format!(
                "POST /check HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
        })
        .collect();
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let mine: Vec<String> = requests.iter().skip(c).step_by(clients).cloned().collect();
            std::thread::spawn(move || client(addr, &mine, until))
        })
        .collect();
    let latencies: Vec<f64> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("client"))
        .collect();
    (latencies, started.elapsed().as_secs_f64())
}
