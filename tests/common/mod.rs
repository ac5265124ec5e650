//! Helpers shared by the integration tests: running the binary, parsing its
//! JSON, exact ground truth, and a deterministic generated corpus.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use reprint::normalize::NormalizeOptions;
use reprint::read::{discover, read_file, ReadOptions};
use reprint::shingle::{jaccard_from_counts, ShingleSet};
use reprint::tokenize::Tokenizer;
use serde_json::Value;

/// The `reprint` binary built for this test run.
pub fn reprint() -> Command {
    Command::cargo_bin("reprint").expect("binary builds")
}

/// Runs `reprint scan ARGS --format json -q`, expecting success, and
/// returns the parsed report.
pub fn scan_json(args: &[&str]) -> Value {
    let out = reprint()
        .arg("scan")
        .args(args)
        .args(["--format", "json", "-q"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "reprint failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// Runs `reprint ARGS` and returns the raw output.
pub fn run(args: &[&str]) -> Output {
    reprint().args(args).output().expect("runs")
}

/// Reported pairs as `(a, b) -> jaccard`, `a < b`.
pub fn reported_pairs(report: &Value) -> BTreeMap<(String, String), f64> {
    let mut pairs = BTreeMap::new();
    for cluster in report["clusters"].as_array().expect("clusters") {
        for pair in cluster["pairs"].as_array().expect("pairs") {
            let a = pair["a"].as_str().expect("a").to_owned();
            let b = pair["b"].as_str().expect("b").to_owned();
            assert!(a < b, "pair not ordered: {a} {b}");
            pairs.insert((a, b), pair["jaccard"].as_f64().expect("jaccard"));
        }
    }
    pairs
}

/// Warning kinds and paths from a JSON report.
pub fn warnings(report: &Value) -> Vec<(String, String, Option<u64>)> {
    report["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| {
            (
                w["kind"].as_str().expect("kind").to_owned(),
                w["path"].as_str().expect("path").to_owned(),
                w["line"].as_u64(),
            )
        })
        .collect()
}

/// Shingle sets (default normalization, 5-word shingles) of every document
/// under `root`, read the way the scanner reads them, keyed by id.
pub fn shingle_sets(root: &Path) -> Vec<(String, ShingleSet)> {
    let found = discover(&[root]).expect("corpus exists");
    let opts = ReadOptions::default();
    let mut tokenizer = Tokenizer::new(NormalizeOptions::default());
    let mut out = Vec::new();
    for file in &found.files {
        for doc in read_file(file, &opts).documents {
            let mut words = Vec::new();
            tokenizer.words(&doc.text, &mut words);
            let set = ShingleSet::from_words(&words, 5);
            if !set.is_empty() {
                out.push((doc.id, set));
            }
        }
    }
    out
}

/// Every pair with exact Jaccard `>= threshold`, by exhaustive comparison:
/// an inverted index counts the shared shingles of *every* pair that
/// shares one (all other pairs have Jaccard 0), no sampling, no sketches.
pub fn exact_pairs(
    sets: &[(String, ShingleSet)],
    threshold: f64,
) -> BTreeMap<(String, String), f64> {
    let mut postings: std::collections::HashMap<u64, Vec<u32>> = Default::default();
    for (i, (_, set)) in sets.iter().enumerate() {
        for &h in set.as_slice() {
            postings.entry(h).or_default().push(i as u32);
        }
    }
    let mut common: std::collections::HashMap<(u32, u32), usize> = Default::default();
    for docs in postings.values() {
        for (k, &a) in docs.iter().enumerate() {
            for &b in &docs[k + 1..] {
                *common.entry((a, b)).or_default() += 1;
            }
        }
    }
    let mut out = BTreeMap::new();
    for ((a, b), c) in common {
        let (ida, sa) = &sets[a as usize];
        let (idb, sb) = &sets[b as usize];
        let j = jaccard_from_counts(sa.len(), sb.len(), c);
        if j >= threshold {
            let key = if ida < idb {
                (ida.clone(), idb.clone())
            } else {
                (idb.clone(), ida.clone())
            };
            out.insert(key, j);
        }
    }
    out
}

/// Precision and recall of `reported` against `truth`.
pub fn precision_recall(
    reported: &BTreeMap<(String, String), f64>,
    truth: &BTreeMap<(String, String), f64>,
) -> (f64, f64) {
    let hits = reported.keys().filter(|k| truth.contains_key(*k)).count();
    let precision = if reported.is_empty() {
        1.0
    } else {
        hits as f64 / reported.len() as f64
    };
    let recall = if truth.is_empty() {
        1.0
    } else {
        hits as f64 / truth.len() as f64
    };
    (precision, recall)
}

/// SplitMix64: a tiny deterministic generator for test corpora.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A vocabulary of `n` distinct pronounceable words.
pub fn vocabulary(n: usize) -> Vec<String> {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ren", "sta", "vor", "del", "un", "ti", "pra", "gos", "el", "bar", "nu",
        "qui", "zen", "ha", "dro", "fel", "ish", "mon", "tra", "ve", "yal",
    ];
    (0..n)
        .map(|mut i| {
            let mut w = String::new();
            loop {
                w.push_str(SYLLABLES[i % SYLLABLES.len()]);
                i /= SYLLABLES.len();
                if i == 0 {
                    break;
                }
            }
            w
        })
        .collect()
}

/// A word drawn Zipf-like (rank ~ 1/r) from `vocab`, as news text is.
pub fn zipf_word<'a>(rng: &mut Rng, vocab: &'a [String]) -> &'a str {
    // Inverse CDF of a continuous 1/x density on [1, n].
    let n = vocab.len() as f64;
    let r = n.powf(rng.unit()) as usize;
    &vocab[r.clamp(1, vocab.len()) - 1]
}

/// Writes a deterministic corpus of `bases` random articles plus planted
/// near-duplicate copies to `dir` (`base-NNNN.txt`, `copy-NNNN-K.txt`):
/// each copy edits up to `max_edit` of the words (substitutions,
/// deletions, insertions), with the edit rate uniform in [0, max_edit].
pub fn write_planted_corpus(dir: &Path, seed: u64, bases: usize, max_edit: f64) -> Vec<PathBuf> {
    let mut rng = Rng::new(seed);
    let vocab = vocabulary(20_000);
    let mut paths = Vec::new();
    for i in 0..bases {
        let len = 200 + rng.below(900);
        let words: Vec<&str> = (0..len).map(|_| zipf_word(&mut rng, &vocab)).collect();
        let path = dir.join(format!("base-{i:04}.txt"));
        std::fs::write(&path, paragraphs(&words)).unwrap();
        paths.push(path);
        // A third of the articles get one to three edited copies.
        if i % 3 == 0 {
            for k in 0..1 + rng.below(3) {
                let rate = rng.unit() * max_edit;
                let mut copy: Vec<&str> = Vec::with_capacity(words.len());
                for &w in &words {
                    if rng.unit() < rate {
                        match rng.below(3) {
                            0 => copy.push(zipf_word(&mut rng, &vocab)),
                            1 => {}
                            _ => {
                                copy.push(w);
                                copy.push(zipf_word(&mut rng, &vocab));
                            }
                        }
                    } else {
                        copy.push(w);
                    }
                }
                let path = dir.join(format!("copy-{i:04}-{k}.txt"));
                std::fs::write(&path, paragraphs(&copy)).unwrap();
                paths.push(path);
            }
        }
    }
    paths
}

/// Joins words into sentences and paragraphs.
fn paragraphs(words: &[&str]) -> String {
    let mut text = String::new();
    for (i, w) in words.iter().enumerate() {
        text.push_str(w);
        text.push_str(match i % 61 {
            60 => ".\n\n",
            n if n % 12 == 11 => ". ",
            _ => " ",
        });
    }
    text
}
