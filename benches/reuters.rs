//! Issue #15's check on real wire copy: how many of the top links of a
//! default scan of Reuters-21578 are formulaic items (templates) or
//! headlines alone, and where the reposts a reader found rank.
//!
//! ```sh
//! cargo bench --bench reuters                     # ../shared/corpora/reuters21578/reuters21578.jsonl
//! cargo bench --bench reuters -- PATH [--top N]   # N: 100 by default
//! ```
//!
//! A link is a **template** when every passage it shares, with numbers
//! and month and weekday names masked, reads the same on both sides but
//! differs before masking (the same sentence around other figures). A
//! link is **headline-only** when everything it shares lies in the first
//! line (the headline) of both stories. The masking here is the issue's
//! own definition, written apart from `passages::is_number` on purpose:
//! a check must not share the code it checks. Links are ranked as `scan` lists
//! them (by significance, then score, then ids). Not a test: nothing asserts on the figures.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use reprint::{ScanOptions, Scanner};

/// Reposts a reader found in the collection (issue #15), by id pair.
const KNOWN_REPOSTS: [(&str, &str); 2] = [("13333", "13577"), ("3571", "4174")];

const MONTHS_AND_DAYS: [&str; 19] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mut path = PathBuf::from("../shared/corpora/reuters21578/reuters21578.jsonl");
    let mut top = 100usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--top" => {
                top = it.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                    eprintln!("reuters: --top N");
                    std::process::exit(2);
                })
            }
            _ if !a.starts_with('-') => path = PathBuf::from(a),
            _ => {
                eprintln!("reuters: unknown option {a}");
                std::process::exit(2);
            }
        }
    }
    let texts = read_texts(&path);
    let started = Instant::now();
    let result = Scanner::new(ScanOptions::default())
        .and_then(|s| s.scan_paths(&[&path]))
        .unwrap_or_else(|e| {
            eprintln!("reuters: {e}");
            std::process::exit(2);
        });
    let elapsed = started.elapsed();
    // In the order `scan` lists them (most significant first).
    let links: Vec<_> = result.links.iter().collect();
    let text = |id: &str| texts.get(id).map_or("", String::as_str);
    let span = |id: &str, s: (u32, u32)| text(id).get(s.0 as usize..s.1 as usize).unwrap_or("");
    let template = |l: &reprint::scan::LinkOut| {
        !l.shared.is_empty()
            && l.shared.iter().all(|s| {
                let (a, b) = (words(span(&l.a, s.a_span)), words(span(&l.b, s.b_span)));
                a != b && masked(&a) == masked(&b)
            })
    };
    let headline_only = |l: &reprint::scan::LinkOut| {
        let first_line = |id: &str| text(id).find('\n').unwrap_or(text(id).len()) as u32;
        !l.shared.is_empty()
            && l.shared
                .iter()
                .all(|s| s.a_span.1 <= first_line(&l.a) && s.b_span.1 <= first_line(&l.b))
    };
    let head = &links[..top.min(links.len())];
    println!(
        "Reuters-21578 ({}): {} documents scanned in {:.1} s, {} links",
        path.display(),
        result.stats.documents,
        elapsed.as_secs_f64(),
        links.len()
    );
    println!();
    println!("| | top {top} | all links |");
    println!("|---|---|---|");
    println!(
        "| templates | {} | {} |",
        head.iter().filter(|l| template(l)).count(),
        links.iter().filter(|l| template(l)).count()
    );
    println!(
        "| headline-only | {} | {} |",
        head.iter().filter(|l| headline_only(l)).count(),
        links.iter().filter(|l| headline_only(l)).count()
    );
    println!();
    for (a, b) in KNOWN_REPOSTS {
        match links.iter().position(|l| l.a == a && l.b == b) {
            Some(rank) => println!("repost {a} ~ {b}: rank {}", rank + 1),
            None => println!("repost {a} ~ {b}: not linked"),
        }
    }
}

/// Every story's text by id.
fn read_texts(path: &PathBuf) -> HashMap<String, String> {
    let data = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!(
            "reuters: {}: {e} (pass the collection's JSONL path)",
            path.display()
        );
        std::process::exit(2);
    });
    data.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| {
            let id = match &v["id"] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some((id, v["text"].as_str()?.to_owned()))
        })
        .collect()
}

/// The lowercased words of a text (letters and digits, joined across
/// `.,/-` inside a word as in "7-1/4" and "1,000").
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let inner = matches!(c, '.' | ',' | '/' | '-')
            && !word.is_empty()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if c.is_alphanumeric() || inner {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Words with numbers and month and weekday names replaced by `#`.
fn masked(words: &[String]) -> Vec<&str> {
    words
        .iter()
        .map(|w| {
            if w.chars().any(|c| c.is_numeric()) || MONTHS_AND_DAYS.contains(&w.as_str()) {
                "#"
            } else {
                w.as_str()
            }
        })
        .collect()
}
