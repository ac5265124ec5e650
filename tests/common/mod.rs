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

/// Runs `reprint scan ARGS --format json -q`, expecting success within
/// five minutes (a scan that blocks fails the test instead of hanging the
/// suite), and returns the parsed report.
pub fn scan_json(args: &[&str]) -> Value {
    let out = reprint()
        .arg("scan")
        .args(args)
        .args(["--format", "json", "-q"])
        .timeout(std::time::Duration::from_secs(300))
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

/// A paragraph of `n` Zipf-distributed words of `vocab`, ending in a
/// period.
pub fn zipf_prose(rng: &mut Rng, vocab: &[String], n: usize) -> String {
    let words: Vec<&str> = (0..n).map(|_| zipf_word(rng, vocab)).collect();
    format!("{}.", words.join(" "))
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

/// British spellings and their American forms, used to plant spelling
/// changes in reposted passages.
pub const SPELLINGS: &[(&str, &str)] = &[
    ("organisation", "organization"),
    ("recognised", "recognized"),
    ("legitimising", "legitimizing"),
    ("analyse", "analyze"),
    ("colour", "color"),
    ("behaviour", "behavior"),
    ("favourite", "favorite"),
    ("labour", "labor"),
    ("criticised", "criticized"),
    ("defence", "defense"),
];

/// A planted passage: its occurrences as (document index, byte span).
pub struct Planted {
    pub occurrences: Vec<(usize, std::ops::Range<usize>)>,
}

/// A generated multi-site corpus for the passage stage.
pub struct SiteCorpus {
    /// Document ids (file names), by index.
    pub ids: Vec<String>,
    /// Document texts, by index.
    pub texts: Vec<String>,
    /// Site of each document.
    pub site: Vec<usize>,
    /// Every site's chrome lines.
    pub chrome: Vec<Vec<String>>,
    /// Reposted passages.
    pub planted: Vec<Planted>,
    /// Planted near-duplicate article pairs (document indices).
    pub near_duplicates: Vec<(usize, usize)>,
}

/// Builds a deterministic corpus of `docs` articles from `sites` sites.
/// Every article carries its site's header and footer lines; `passages`
/// paragraphs of 25–60 words are each reposted into 2–6 unrelated
/// articles, each copy with up to 10% word edits and British spellings
/// turned American; 20 articles are republished whole with light edits.
pub fn site_corpus(seed: u64, docs: usize, sites: usize, passages: usize) -> SiteCorpus {
    let mut rng = Rng::new(seed);
    let mut vocab = vocabulary(30_000);
    // Spelling-variant words get mid-frequency ranks so they occur often.
    for (i, (uk, _)) in SPELLINGS.iter().enumerate() {
        vocab[200 + i * 37] = (*uk).to_owned();
    }
    let chrome: Vec<Vec<String>> = (0..sites)
        .map(|s| {
            vec![
                format!("The Daily Courier {s} brings you the latest news from your region and around the world every morning"),
                format!("Subscribe to Courier {s} newsletters for exclusive analysis, opinion and the best of our journalism, delivered free"),
                format!("Copyright Courier Media Group {s}. All rights reserved. Reproduction in whole or in part without permission is prohibited."),
            ]
        })
        .collect();
    let paragraph = |rng: &mut Rng, min: usize, max: usize| -> Vec<String> {
        let len = min + rng.below(max - min + 1);
        (0..len)
            .map(|_| zipf_word(rng, &vocab).to_owned())
            .collect()
    };
    // Article bodies as paragraphs of words.
    let mut bodies: Vec<Vec<Vec<String>>> = (0..docs)
        .map(|_| {
            (0..5 + rng.below(8))
                .map(|_| paragraph(&mut rng, 25, 80))
                .collect()
        })
        .collect();
    // Plant reposts: (passage, doc, paragraph position).
    let mut plants: Vec<(usize, usize, usize)> = Vec::new();
    for p in 0..passages {
        let original = paragraph(&mut rng, 25, 60);
        let copies = 2 + rng.below(5);
        let mut used = Vec::new();
        while used.len() < copies {
            let d = rng.below(docs);
            if !used.contains(&d) {
                used.push(d);
            }
        }
        for d in used {
            let rate = rng.unit() * 0.10;
            let mut copy: Vec<String> = Vec::new();
            for w in &original {
                let w = match SPELLINGS.iter().find(|(uk, _)| uk == w) {
                    Some((_, us)) if rng.unit() < 0.5 => (*us).to_owned(),
                    _ => w.clone(),
                };
                if rng.unit() < rate {
                    match rng.below(3) {
                        0 => copy.push(zipf_word(&mut rng, &vocab).to_owned()),
                        1 => {}
                        _ => {
                            copy.push(w);
                            copy.push(zipf_word(&mut rng, &vocab).to_owned());
                        }
                    }
                } else {
                    copy.push(w);
                }
            }
            let at = rng.below(bodies[d].len() + 1);
            bodies[d].insert(at, copy);
            // Positions of earlier plants in this document shift.
            for plant in plants.iter_mut().filter(|x| x.1 == d && x.2 >= at) {
                plant.2 += 1;
            }
            plants.push((p, d, at));
        }
    }
    // Whole-article republications (near-duplicates).
    let mut near_duplicates = Vec::new();
    for k in 0..20 {
        let src = rng.below(docs);
        let mut copy = bodies[src].clone();
        if let Some(last) = copy.last_mut() {
            last.push("updated".to_owned());
        }
        bodies.push(copy);
        near_duplicates.push((src, docs + k));
        for i in 0..plants.len() {
            if plants[i].1 == src {
                plants.push((plants[i].0, docs + k, plants[i].2));
            }
        }
    }
    let total = bodies.len();
    let site: Vec<usize> = (0..total).map(|d| d % sites).collect();
    let mut texts = Vec::with_capacity(total);
    let mut spans: std::collections::HashMap<(usize, usize), std::ops::Range<usize>> =
        Default::default();
    for (d, body) in bodies.iter().enumerate() {
        let c = &chrome[site[d]];
        let mut text = format!("{}\n\n{}\n\n", c[0], c[1]);
        for (i, para) in body.iter().enumerate() {
            let start = text.len();
            text.push_str(&para.join(" "));
            spans.insert((d, i), start..text.len());
            text.push_str(".\n\n");
        }
        text.push_str(&c[2]);
        text.push('\n');
        texts.push(text);
    }
    let mut planted: Vec<Planted> = (0..passages)
        .map(|_| Planted {
            occurrences: Vec::new(),
        })
        .collect();
    for (p, d, at) in plants {
        planted[p].occurrences.push((d, spans[&(d, at)].clone()));
    }
    SiteCorpus {
        ids: (0..total)
            .map(|d| format!("site{}/article-{d:05}.txt", site[d]))
            .collect(),
        texts,
        site,
        chrome,
        planted,
        near_duplicates,
    }
}

impl SiteCorpus {
    /// Writes the corpus under `dir`.
    pub fn write(&self, dir: &Path) {
        for (id, text) in self.ids.iter().zip(&self.texts) {
            let path = dir.join(id);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }
}

/// Re-wraps `text` at `width` columns (words never split), as plain-text
/// archives and wire copy are.
pub fn hard_wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.len() > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.len();
    }
    out
}
