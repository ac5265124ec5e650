//! reprint on the PAN 2013 text-alignment training corpus, scored with
//! PAN's own measures (plagdet, precision, recall, granularity), overall
//! and per obfuscation type:
//!
//! ```sh
//! cargo bench --bench pan13                                   # ../shared/corpora/pan13-train
//! cargo bench --bench pan13 -- path/to/pan13-train [--details]
//! cargo bench --bench pan13 -- --set rewrites=all
//! cargo bench --bench pan13 -- --set similarity=0.6 --set anchors=2
//! ```
//!
//! `--set` changes one passage option from its default (`similarity`,
//! `min-words`, `merge-gap`, `anchors`, `anchor-words`, `unit-min-words`,
//! `rewrites` = off, linked, rare or all), to measure
//! a choice; `--details` lists the cases found least and those found in
//! most pieces, per type.
//!
//! The corpus is scanned once, as `reprint scan susp src` would with
//! default options (the same library call the CLI makes). Every shared
//! region of a linked (suspicious, source) pair that the corpus lists is a
//! detection; its byte spans become character offsets, the unit of PAN's
//! truth files. Links between documents of an unlisted pair are ignored,
//! as PAN does. Not a test: nothing asserts on the figures.

#[path = "pan/measures.rs"]
mod measures;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use measures::{score, Annotation, Scores};
use reprint::passages::{PassageOptions, Rewrites};
use reprint::{ScanOptions, Scanner};

/// The obfuscation folders of the corpus, in its order.
const TYPES: [&str; 5] = [
    "01-no-plagiarism",
    "02-no-obfuscation",
    "03-random-obfuscation",
    "04-translation-obfuscation",
    "05-summary-obfuscation",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let details = args.iter().any(|a| a == "--details");
    let mut options = ScanOptions::default();
    let passages = options
        .passages
        .as_mut()
        .expect("passages are on by default");
    let mut root = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            // `cargo bench` passes `--bench` to every bench.
            "--details" | "--bench" => {}
            "--set" => {
                let kv = it.next().map(String::as_str).unwrap_or_default();
                if let Err(e) = set_option(passages, kv) {
                    eprintln!("pan13: --set {kv}: {e}");
                    std::process::exit(2);
                }
            }
            _ if !a.starts_with('-') => root = Some(a),
            _ => {
                eprintln!("pan13: unknown option {a}");
                std::process::exit(2);
            }
        }
    }
    let root = root
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/corpora/pan13-train"));
    if !root.join("pairs").exists() {
        eprintln!(
            "pan13: no PAN 2013 corpus at {} (expected its `pairs` file); pass its path",
            root.display()
        );
        std::process::exit(2);
    }

    let (susp, src) = (root.join("susp"), root.join("src"));
    let started = Instant::now();
    let result = Scanner::new(options)
        .unwrap_or_else(|e| {
            eprintln!("pan13: {e}");
            std::process::exit(2);
        })
        .scan_paths(&[&susp, &src])
        .expect("corpus folders exist");
    let elapsed = started.elapsed();
    for w in &result.warnings {
        eprintln!("warning: {w}");
    }

    // Detections of listed pairs, keyed by (susp, src).
    let mut listed: HashMap<(String, String), &str> = HashMap::new();
    let mut cases: BTreeMap<&str, Vec<Annotation>> = BTreeMap::new();
    for t in TYPES {
        let dir = root.join(t);
        for (s, r) in read_pairs(&dir.join("pairs")) {
            listed.insert((s, r), t);
        }
        cases.insert(t, read_truth(&dir));
    }
    let mut chars = CharOffsets::new(&susp, &src);
    let mut detections: BTreeMap<&str, Vec<Annotation>> = BTreeMap::new();
    for link in &result.links {
        // Ids are file names (each root's files are at its top).
        let (s, r, swap) = if link.a.starts_with("suspicious") {
            (&link.a, &link.b, false)
        } else {
            (&link.b, &link.a, true)
        };
        let Some(&t) = listed.get(&(s.clone(), r.clone())) else {
            continue;
        };
        for shared in &link.shared {
            let (ss, rs) = if swap {
                (shared.b_span, shared.a_span)
            } else {
                (shared.a_span, shared.b_span)
            };
            let this = chars.range(s, true, ss);
            let source = chars.range(r, false, rs);
            detections.entry(t).or_default().push(Annotation {
                this_ref: s.clone(),
                this,
                source_ref: r.clone(),
                source,
                external: true,
            });
        }
    }

    println!(
        "PAN 2013 training corpus ({}): {} documents scanned in {:.1} s, {} links, {} listed pairs",
        root.display(),
        result.stats.documents,
        elapsed.as_secs_f64(),
        result.links.len(),
        listed.len()
    );
    println!();
    println!("| cases | plagdet | precision | recall | granularity | cases | detections |");
    println!("|---|---|---|---|---|---|---|");
    let all_cases: Vec<Annotation> = cases.values().flatten().cloned().collect();
    let all_dets: Vec<Annotation> = detections.values().flatten().cloned().collect();
    row("all", &score(&all_cases, &all_dets), &all_cases, &all_dets);
    for t in TYPES {
        let c = cases.get(t).map_or(&[][..], Vec::as_slice);
        let d = detections.get(t).map_or(&[][..], Vec::as_slice);
        row(t, &score(c, d), c, d);
    }
    if details {
        for t in TYPES {
            let c = cases.get(t).map_or(&[][..], Vec::as_slice);
            let d = detections.get(t).map_or(&[][..], Vec::as_slice);
            println!("\n{t}: the cases found least");
            print_missed(c, d);
            println!("\n{t}: the detections least precise");
            print_missed(d, c);
            println!("\n{t}: the cases found in most pieces");
            print_split(c, d);
        }
    }
}

/// Sets one passage option from `key=value`.
fn set_option(p: &mut PassageOptions, kv: &str) -> Result<(), String> {
    let (key, value) = kv.split_once('=').ok_or("expected KEY=VALUE")?;
    let int = || value.parse::<usize>().map_err(|e| e.to_string());
    match key {
        "similarity" => p.min_similarity = value.parse().map_err(|e| format!("{e}"))?,
        "min-words" => p.min_words = int()?,
        "merge-gap" => p.merge_gap = int()?,
        "anchors" => p.min_shared_anchors = int()?,
        "anchor-words" => p.anchor_words = int()?,
        "unit-min-words" => p.units.min_words = int()?,
        "rewrites" => {
            p.rewrites = match value {
                "off" => Rewrites::Off,
                "linked" => Rewrites::Linked,
                "rare" => Rewrites::Rare,
                "all" => Rewrites::All,
                _ => {
                    return Err(format!(
                        "rewrites={value}: expected off, linked, rare or all"
                    ))
                }
            }
        }
        _ => return Err(format!("unknown option {key}")),
    }
    Ok(())
}

fn row(name: &str, s: &Scores, cases: &[Annotation], dets: &[Annotation]) {
    println!(
        "| {name} | {:.4} | {:.3} | {:.3} | {:.3} | {} | {} |",
        s.plagdet,
        s.precision,
        s.recall,
        s.granularity,
        cases.len(),
        dets.len()
    );
}

/// Cases with the lowest recall, to read by hand (or, with the roles
/// swapped, detections with the lowest precision).
fn print_missed(cases: &[Annotation], dets: &[Annotation]) {
    let mut by_doc: HashMap<&str, Vec<&Annotation>> = HashMap::new();
    for d in dets {
        by_doc.entry(d.this_ref.as_str()).or_default().push(d);
    }
    let mut worst: Vec<(f64, &Annotation)> = cases
        .iter()
        .map(|c| {
            let ds = by_doc.get(c.this_ref.as_str()).cloned().unwrap_or_default();
            (measures::case_recall(c, &ds), c)
        })
        .collect();
    worst.sort_by(|a, b| a.0.total_cmp(&b.0));
    if !worst.is_empty() {
        // How recall is spread: cases missed outright need seeds; cases
        // found in part need extension.
        let mut bins = [0usize; 5];
        for (r, _) in &worst {
            bins[((r * 4.0).ceil() as usize).min(4)] += 1;
        }
        println!(
            "recall 0: {}, (0, .25]: {}, (.25, .5]: {}, (.5, .75]: {}, (.75, 1]: {}",
            bins[0], bins[1], bins[2], bins[3], bins[4]
        );
    }
    for (r, c) in worst.iter().take(15) {
        println!(
            "recall {r:.2}: {} {:?} ~ {} {:?}",
            c.this_ref, c.this, c.source_ref, c.source
        );
    }
}

/// Cases detected in more than one piece (what granularity counts), the
/// most pieces first, with their pieces.
fn print_split(cases: &[Annotation], dets: &[Annotation]) {
    let mut split: Vec<(&Annotation, Vec<&Annotation>)> = cases
        .iter()
        .map(|c| {
            let pieces: Vec<&Annotation> = dets
                .iter()
                .filter(|d| measures::is_overlapping(c, d))
                .collect();
            (c, pieces)
        })
        .filter(|(_, pieces)| pieces.len() > 1)
        .collect();
    split.sort_by_key(|(_, pieces)| std::cmp::Reverse(pieces.len()));
    println!("split cases: {}", split.len());
    for (c, pieces) in split.iter().take(15) {
        println!(
            "{} pieces: {} {:?} ~ {} {:?}",
            pieces.len(),
            c.this_ref,
            c.this,
            c.source_ref,
            c.source
        );
        for d in pieces {
            println!("    {:?} ~ {:?}", d.this, d.source);
        }
    }
}

fn read_pairs(path: &Path) -> Vec<(String, String)> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            Some((it.next()?.to_owned(), it.next()?.to_owned()))
        })
        .collect()
}

/// The `plagiarism` features of every truth file in `dir`.
fn read_truth(dir: &Path) -> Vec<Annotation> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let xml = fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let this_ref = attr(&xml, "reference").unwrap_or_default();
        for tag in xml.split('<').filter(|t| t.starts_with("feature")) {
            if attr(tag, "name") != Some("plagiarism".into()) {
                continue;
            }
            let num = |name: &str| -> usize {
                attr(tag, name)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("{}: feature without {name}", f.display()))
            };
            out.push(Annotation::external(
                &this_ref,
                num("this_offset"),
                num("this_length"),
                &attr(tag, "source_reference").unwrap_or_default(),
                num("source_offset"),
                num("source_length"),
            ));
        }
    }
    out
}

/// The value of attribute `name` in an XML tag (the truth files are
/// machine-written: `name="value"`, no entities in the values read here).
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_owned())
}

/// Byte offsets → character offsets, per document, read once.
struct CharOffsets {
    susp: PathBuf,
    src: PathBuf,
    texts: HashMap<(String, bool), String>,
    warned: HashSet<String>,
}

impl CharOffsets {
    fn new(susp: &Path, src: &Path) -> Self {
        CharOffsets {
            susp: susp.to_path_buf(),
            src: src.to_path_buf(),
            texts: HashMap::new(),
            warned: HashSet::new(),
        }
    }

    fn range(&mut self, id: &str, suspicious: bool, span: (u32, u32)) -> std::ops::Range<usize> {
        let CharOffsets {
            susp,
            src,
            texts,
            warned,
        } = self;
        let dir = if suspicious { susp } else { src };
        let text = texts.entry((id.to_owned(), suspicious)).or_insert_with(|| {
            let bytes = fs::read(dir.join(id)).unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        });
        let mut chars = |b: u32| -> usize {
            let b = (b as usize).min(text.len());
            text.get(..b).map_or_else(
                || {
                    if warned.insert(id.to_owned()) {
                        eprintln!("pan13: {id}: a span is not on a character boundary");
                    }
                    0
                },
                |s| s.chars().count(),
            )
        };
        let start = chars(span.0);
        start..chars(span.1)
    }
}
