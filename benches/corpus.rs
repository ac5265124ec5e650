//! Benchmark corpus generator and exact ground truth, for
//! `benches/compare.py` (run through `cargo bench --bench corpus -- …`).
//!
//! ```sh
//! cargo bench --bench corpus -- generate --articles 20000 --out target/bench/c20k
//! cargo bench --bench corpus -- truth --dir target/bench/c20k --out target/bench/c20k.truth.tsv
//! # the scale case: the last 10,000 of 110,000 articles are one story, verbatim
//! cargo bench --bench corpus -- generate --articles 110000 --identical 10000 --out target/bench/c110k-copies
//! ```
//!
//! **generate** writes JSON Lines shards (`part-NNNNN.jsonl`, 10,000
//! articles each, fields `id` and `text`). Articles are news-like text from
//! an order-2 word Markov chain trained on `../shared/corpora/bbc` (when
//! present; otherwise on a built-in Zipf vocabulary), with lengths drawn
//! log-normally around a median of 700 words. 4% of articles are edited
//! copies of an earlier one (word edit rate uniform in [0, 6%]), 10% repost
//! a paragraph of another article. Words are plain ASCII letters and
//! digits separated by spaces and sentence punctuation, so every tool's
//! tokenizer (UAX #29, `\w+`, whitespace) sees the same words. The output
//! is a pure function of `--articles` and `--seed`.
//!
//! **truth** computes every pair with exact word-5-shingle Jaccard ≥ 0.8
//! (lowercased `[a-z0-9]+` words) by an exact set-similarity join
//! (AllPairs prefix filtering: a pair at ≥ t must share one of the first
//! |s| − ⌈t·|s|⌉ + 1 elements of each set in a global order), independent of
//! reprint's own pipeline. Output: `id_a<TAB>id_b<TAB>jaccard`, `id_a < id_b`.
//!
//! **txt** writes the same articles as one `ID.txt` file per article (the
//! other input format `compare.py` measures).
//!
//! **bound** is the minimal loop the document stage is measured against:
//! read every `.txt` file or `.jsonl` shard of a directory, split
//! `[A-Za-z0-9]+` words, lowercase and hash each (XXH3), hash 5-word
//! shingles, and fold them into a 128-bin one-permutation MinHash, in
//! parallel on `--threads` threads. No LSH, no verification, no output:
//! the least work any tool answering the same question must do.

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

const SHARD: usize = 10_000;

/// The chain's end-of-sentence marker.
const END: u32 = u32::MAX;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let get = |name: &str| -> Option<String> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    match args.first().map(String::as_str) {
        Some("generate") => {
            let articles: usize =
                get("--articles").map_or(20_000, |s| s.parse().expect("--articles N"));
            let seed: u64 = get("--seed").map_or(1, |s| s.parse().expect("--seed N"));
            let identical: usize =
                get("--identical").map_or(0, |s| s.parse().expect("--identical N"));
            let out = PathBuf::from(get("--out").expect("--out DIR"));
            generate(articles, seed, identical, &out);
        }
        Some("truth") => {
            let dir = PathBuf::from(get("--dir").expect("--dir DIR"));
            let out = PathBuf::from(get("--out").expect("--out FILE"));
            let threshold: f64 =
                get("--threshold").map_or(0.8, |s| s.parse().expect("--threshold F"));
            truth(&dir, &out, threshold);
        }
        Some("txt") => {
            let dir = PathBuf::from(get("--dir").expect("--dir DIR"));
            let out = PathBuf::from(get("--out").expect("--out DIR"));
            to_txt(&dir, &out);
        }
        Some("bound") => {
            let dir = PathBuf::from(get("--dir").expect("--dir DIR"));
            let threads: usize = get("--threads").map_or(2, |s| s.parse().expect("--threads N"));
            bound(&dir, threads);
        }
        _ => {
            eprintln!("usage: corpus generate --articles N --out DIR [--seed S] [--identical N] | truth --dir DIR --out FILE [--threshold F] | txt --dir DIR --out DIR | bound --dir DIR [--threads N]");
            std::process::exit(2);
        }
    }
}

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// An order-2 word Markov chain.
struct Chain {
    words: Vec<String>,
    next: HashMap<(u32, u32), Vec<u32>>,
    starts: Vec<(u32, u32)>,
}

impl Chain {
    fn train(texts: &[String]) -> Chain {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut words = Vec::new();
        let mut next: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
        let mut starts = Vec::new();
        for text in texts {
            let mut prev: Option<(u32, u32)> = None;
            let mut history: Vec<u32> = Vec::new();
            for raw in text.split_whitespace() {
                let clean: String = raw.chars().filter(char::is_ascii_alphanumeric).collect();
                if clean.is_empty() {
                    continue;
                }
                let ends_sentence = raw.ends_with('.') || raw.ends_with('?') || raw.ends_with('!');
                let id = *ids.entry(clean.clone()).or_insert_with(|| {
                    words.push(clean);
                    (words.len() - 1) as u32
                });
                if let Some(key) = prev {
                    next.entry(key).or_default().push(id);
                }
                history.push(id);
                if history.len() >= 2 {
                    let key = (history[history.len() - 2], history[history.len() - 1]);
                    // The first two words of a sentence start generated ones.
                    if history.len() == 2 {
                        starts.push(key);
                    }
                    prev = Some(key);
                }
                if ends_sentence {
                    if let Some(key) = prev {
                        next.entry(key).or_default().push(END);
                    }
                    history.clear();
                    prev = None;
                }
            }
        }
        Chain {
            words,
            next,
            starts,
        }
    }

    /// About `target` words of text in sentences and paragraphs.
    fn article(&self, rng: &mut Rng, target: usize) -> String {
        let mut text = String::new();
        let mut count = 0;
        let mut in_para = 0;
        while count < target {
            let (mut a, mut b) = self.starts[rng.below(self.starts.len())];
            let mut sentence = vec![a, b];
            while sentence.len() < 45 {
                let Some(options) = self.next.get(&(a, b)) else {
                    break;
                };
                let c = options[rng.below(options.len())];
                if c == END {
                    break;
                }
                sentence.push(c);
                a = b;
                b = c;
            }
            for (i, &w) in sentence.iter().enumerate() {
                let word = &self.words[w as usize];
                if i == 0 {
                    let mut chars = word.chars();
                    if let Some(first) = chars.next() {
                        text.extend(first.to_uppercase());
                        text.push_str(chars.as_str());
                    }
                } else {
                    text.push(' ');
                    text.push_str(word);
                }
            }
            text.push('.');
            count += sentence.len();
            in_para += 1;
            if in_para >= 2 + rng.below(3) {
                text.push_str("\n\n");
                in_para = 0;
            } else {
                text.push(' ');
            }
        }
        text.trim_end().to_owned()
    }
}

fn training_texts() -> Vec<String> {
    let bbc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/bbc");
    let mut texts = Vec::new();
    if bbc.is_dir() {
        for section in ["business", "entertainment", "politics", "sport", "tech"] {
            let Ok(entries) = fs::read_dir(bbc.join(section)) else {
                continue;
            };
            let mut paths: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for p in paths {
                if let Ok(bytes) = fs::read(&p) {
                    texts.push(String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
    }
    if texts.is_empty() {
        eprintln!("corpus: ../shared/corpora/bbc not found; training on a synthetic vocabulary");
        let mut rng = Rng::new(7);
        let vocab: Vec<String> = (0..20_000).map(|i| format!("w{i:x}")).collect();
        for _ in 0..2000 {
            let mut t = String::new();
            for k in 0..400 {
                let r = (vocab.len() as f64).powf(rng.unit()) as usize;
                t.push_str(&vocab[r.clamp(1, vocab.len()) - 1]);
                t.push_str(if k % 17 == 16 { ". " } else { " " });
            }
            texts.push(t);
        }
    }
    texts
}

fn article_seed(seed: u64, i: usize) -> u64 {
    xxh3_64(&[seed.to_le_bytes(), (i as u64).to_le_bytes()].concat())
}

/// Article `i`: a pure function of (seed, i), so copies can regenerate
/// their source without keeping it.
fn article(chain: &Chain, seed: u64, i: usize, depth: u32) -> String {
    let mut rng = Rng::new(article_seed(seed, i));
    let roll = rng.unit();
    if i > 0 && depth < 2 && roll < 0.04 {
        // An edited copy of an earlier article.
        let src = rng.below(i);
        let original = article(chain, seed, src, depth + 1);
        let rate = rng.unit() * 0.06;
        return edit(&original, rate, chain, &mut rng);
    }
    let target = (700.0 * (0.5 * rng.normal()).exp()).clamp(150.0, 3000.0) as usize;
    let mut text = chain.article(&mut rng, target);
    if i > 0 && depth < 2 && roll > 0.90 {
        // Repost a paragraph of another article.
        let src = rng.below(i);
        let other = article(chain, seed, src, depth + 1);
        let paras: Vec<&str> = other.split("\n\n").collect();
        let para = paras[rng.below(paras.len())].to_owned();
        let mut mine: Vec<String> = text.split("\n\n").map(str::to_owned).collect();
        let at = rng.below(mine.len() + 1);
        mine.insert(at, para);
        text = mine.join("\n\n");
    }
    text
}

fn edit(text: &str, rate: f64, chain: &Chain, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(text.len());
    for (k, para) in text.split("\n\n").enumerate() {
        if k > 0 {
            out.push_str("\n\n");
        }
        let mut first = true;
        for word in para.split(' ') {
            let mut push = |w: &str, out: &mut String| {
                if !first {
                    out.push(' ');
                }
                out.push_str(w);
                first = false;
            };
            if rng.unit() < rate {
                match rng.below(3) {
                    0 => push(&chain.words[rng.below(chain.words.len())], &mut out),
                    1 => {}
                    _ => {
                        push(word, &mut out);
                        push(&chain.words[rng.below(chain.words.len())], &mut out);
                    }
                }
            } else {
                push(word, &mut out);
            }
        }
    }
    out
}

/// Writes `articles` articles; the last `identical` of them are verbatim
/// copies of article 0 (a story syndicated everywhere).
fn generate(articles: usize, seed: u64, identical: usize, out: &Path) {
    fs::create_dir_all(out).expect("create output dir");
    let chain = Chain::train(&training_texts());
    let shards = articles.div_ceil(SHARD);
    let bytes: u64 = (0..shards)
        .into_par_iter()
        .map(|s| {
            let path = out.join(format!("part-{s:05}.jsonl"));
            let mut w = BufWriter::new(fs::File::create(&path).expect("create shard"));
            let mut bytes = 0u64;
            for i in s * SHARD..((s + 1) * SHARD).min(articles) {
                let source = if i >= articles - identical.min(articles) {
                    0
                } else {
                    i
                };
                let text = article(&chain, seed, source, 0);
                bytes += text.len() as u64;
                let line = serde_json::json!({"id": format!("a{i:07}"), "text": text});
                writeln!(w, "{line}").expect("write");
            }
            w.flush().expect("flush");
            bytes
        })
        .sum();
    eprintln!(
        "corpus: {articles} articles, {:.1} MB of text, {shards} shards in {}",
        bytes as f64 / 1e6,
        out.display()
    );
}

/// The corpus's JSONL shards, sorted.
fn shards(dir: &Path) -> Vec<PathBuf> {
    let mut shards: Vec<PathBuf> = fs::read_dir(dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    shards.sort();
    shards
}

#[derive(serde::Deserialize)]
struct Line {
    id: String,
    text: String,
}

/// Writes every article of the JSONL corpus in `dir` as `out/ID.txt`.
fn to_txt(dir: &Path, out: &Path) {
    fs::create_dir_all(out).expect("create output dir");
    let n: usize = shards(dir)
        .par_iter()
        .map(|p| {
            let f = std::io::BufReader::new(fs::File::open(p).expect("open shard"));
            let mut n = 0;
            for line in f.lines() {
                let d: Line = serde_json::from_str(&line.expect("line")).expect("json");
                fs::write(out.join(format!("{}.txt", d.id)), d.text).expect("write article");
                n += 1;
            }
            n
        })
        .sum();
    eprintln!("txt: {n} articles in {}", out.display());
}

/// The minimal read-hash-sketch loop (see the module docs).
fn bound(dir: &Path, threads: usize) {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl" || x == "txt"))
        .collect();
    files.sort();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let (docs, check) = pool.install(|| {
        files
            .par_iter()
            .map_init(
                || (Vec::new(), Vec::new()),
                |(bytes, words), path| {
                    bytes.clear();
                    fs::File::open(path)
                        .and_then(|mut f| std::io::Read::read_to_end(&mut f, bytes))
                        .expect("read");
                    if path.extension().is_some_and(|x| x == "jsonl") {
                        let mut acc = (0u64, 0u64);
                        for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                            let d: Line = serde_json::from_slice(line).expect("json");
                            let sig = minimal_sketch(d.text.as_bytes(), words);
                            acc = (acc.0 + 1, acc.1 ^ sig);
                        }
                        acc
                    } else {
                        (1, minimal_sketch(bytes, words))
                    }
                },
            )
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 ^ b.1))
    });
    println!("bound: {docs} documents, checksum {check:016x}");
}

/// One document through the minimal loop; returns a digest of its
/// signature so the work cannot be optimised away.
fn minimal_sketch(text: &[u8], words: &mut Vec<u64>) -> u64 {
    const K: u64 = 128;
    words.clear();
    let mut word = [0u8; 64];
    for run in text.split(|b| !b.is_ascii_alphanumeric()) {
        if run.is_empty() {
            continue;
        }
        let n = run.len().min(word.len());
        for (w, b) in word.iter_mut().zip(&run[..n]) {
            *w = b.to_ascii_lowercase();
        }
        words.push(xxh3_64(&word[..n]));
    }
    let mut bins = [u32::MAX; K as usize];
    let mut buf = [0u8; 40];
    for window in words.windows(5.min(words.len()).max(1)) {
        for (chunk, h) in buf.chunks_exact_mut(8).zip(window) {
            chunk.copy_from_slice(&h.to_le_bytes());
        }
        let h = xxh3_64(&buf[..window.len() * 8]);
        let bin = (((h >> 32) * K) >> 32) as usize;
        bins[bin] = bins[bin].min(h as u32);
    }
    bins.iter()
        .fold(0, |acc, &v| acc.rotate_left(5) ^ u64::from(v))
}

/// Sorted, deduplicated 5-word shingle hashes of `[a-z0-9]+` words.
fn shingles(text: &str) -> Vec<u64> {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let n = 5.min(words.len());
    let mut out: Vec<u64> = if n == 0 {
        Vec::new()
    } else {
        words
            .windows(n)
            .map(|w| xxh3_64(w.join(" ").as_bytes()))
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

fn truth(dir: &Path, out: &Path, t: f64) {
    let docs: Vec<(String, Vec<u64>)> = shards(dir)
        .par_iter()
        .flat_map_iter(|p| {
            let f = std::io::BufReader::new(fs::File::open(p).expect("open shard"));
            f.lines()
                .map(|l| {
                    let v: serde_json::Value =
                        serde_json::from_str(&l.expect("line")).expect("json");
                    (
                        v["id"].as_str().expect("id").to_owned(),
                        shingles(v["text"].as_str().expect("text")),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    // AllPairs: process by size ascending; index each set's prefix.
    let mut order: Vec<usize> = (0..docs.len()).filter(|&i| !docs[i].1.is_empty()).collect();
    order.sort_by_key(|&i| (docs[i].1.len(), i));
    let prefix = |len: usize| len - (t * len as f64).ceil() as usize + 1;
    let mut index: HashMap<u64, Vec<u32>> = HashMap::new();
    let mut pairs: Vec<(String, String, f64)> = Vec::new();
    let mut seen: Vec<u32> = vec![u32::MAX; docs.len()];
    for &x in &order {
        let set = &docs[x].1;
        let min_size = (t * set.len() as f64).ceil() as usize;
        for &h in &set[..prefix(set.len())] {
            if let Some(list) = index.get(&h) {
                for &y in list {
                    let y = y as usize;
                    if seen[y] == x as u32 || docs[y].1.len() < min_size {
                        continue;
                    }
                    seen[y] = x as u32;
                    let common = intersection(set, &docs[y].1);
                    let j = common as f64 / (set.len() + docs[y].1.len() - common) as f64;
                    if j >= t {
                        let (a, b) = (&docs[x].0, &docs[y].0);
                        let (a, b) = if a < b { (a, b) } else { (b, a) };
                        pairs.push((a.clone(), b.clone(), j));
                    }
                }
            }
        }
        for &h in &set[..prefix(set.len())] {
            index.entry(h).or_default().push(x as u32);
        }
    }
    pairs.sort_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
    let mut w = BufWriter::new(fs::File::create(out).expect("create truth file"));
    for (a, b, j) in &pairs {
        writeln!(w, "{a}\t{b}\t{j:.6}").expect("write");
    }
    w.flush().expect("flush");
    eprintln!(
        "truth: {} documents, {} pairs at Jaccard >= {t}",
        docs.len(),
        pairs.len()
    );
}

/// Sorted-set intersection size. Written out here rather than calling
/// `reprint::shingle::ShingleSet` on purpose: the ground truth must not
/// share code with the pipeline it judges.
fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}
