//! Containment on Clough & Stevenson's corpus of plagiarised short
//! answers: how well linking an answer to its source at a containment
//! threshold tells plagiarised answers (`cut`, `light`, `heavy`) from
//! independent ones (`non`):
//!
//! ```sh
//! cargo bench --bench clough                 # ../shared/corpora/clough-stevenson
//! cargo bench --bench clough -- DIR
//! ```
//!
//! The corpus is scanned once with `--min-containment 0` (every pair
//! sharing two anchors gets its containment; the same library call as the
//! CLI). An answer's score is the containment of the answer in its
//! task's source (0 when the pair shares fewer anchors). The threshold is
//! chosen by leave-one-out cross-validation: for each answer, the
//! threshold that classifies the other answers best (the midpoint between
//! neighbouring scores), applied to it. Not a test: nothing asserts.

use std::collections::HashMap;
use std::path::PathBuf;

use reprint::{ScanOptions, Scanner};

fn main() {
    let root = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/corpora/clough-stevenson"));
    let info = root.join("file_information.csv");
    let Ok(csv) = std::fs::read_to_string(&info) else {
        eprintln!("clough: no {} (pass the corpus folder)", info.display());
        std::process::exit(2);
    };
    // File,Task,Category; the source texts are orig_task<t>.txt.
    let answers: Vec<(String, String, String)> = csv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.trim().split(',').collect();
            (f.len() == 3 && f[2] != "orig").then(|| (f[0].into(), f[1].into(), f[2].into()))
        })
        .collect();

    let mut options = ScanOptions::default();
    if let Some(p) = options.passages.as_mut() {
        p.min_containment = Some(0.0);
    }
    let result = Scanner::new(options)
        .expect("valid options")
        .scan_paths(&[&root])
        .expect("corpus folder exists");
    let mut contained: HashMap<(&str, &str), (f64, bool)> = HashMap::new();
    for l in &result.links {
        let passage = !l.shared.is_empty();
        contained.insert((&l.a, &l.b), (l.containment_a, passage));
        contained.insert((&l.b, &l.a), (l.containment_b, passage));
    }
    // (score, plagiarised, category, linked by a passage)
    let scored: Vec<(f64, bool, &str, bool)> = answers
        .iter()
        .map(|(file, task, cat)| {
            let source = format!("orig_task{task}.txt");
            let (c, passage) = contained
                .get(&(file.as_str(), source.as_str()))
                .copied()
                .unwrap_or((0.0, false));
            (c, cat != "non", cat.as_str(), passage)
        })
        .collect();

    let loo_correct = (0..scored.len())
        .filter(|&i| {
            let rest: Vec<(f64, bool)> = scored
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, s)| (s.0, s.1))
                .collect();
            let t = best_threshold(&rest);
            (scored[i].0 >= t) == scored[i].1
        })
        .count();
    let all: Vec<(f64, bool)> = scored.iter().map(|s| (s.0, s.1)).collect();
    let t = best_threshold(&all);
    println!(
        "Clough & Stevenson ({} answers): leave-one-out accuracy {:.3} ({loo_correct}/{}); \
         threshold on all answers {t:.3} (accuracy {:.3})",
        scored.len(),
        loo_correct as f64 / scored.len() as f64,
        scored.len(),
        accuracy(&all, t)
    );
    println!();
    println!("| category | answers | containment min / median / max | linked at {t:.3} | linked by a passage (defaults) |");
    println!("|---|---|---|---|---|");
    for cat in ["cut", "light", "heavy", "non"] {
        let mut xs: Vec<f64> = scored.iter().filter(|s| s.2 == cat).map(|s| s.0).collect();
        xs.sort_by(f64::total_cmp);
        let linked = xs.iter().filter(|&&x| x >= t).count();
        let by_passage = scored.iter().filter(|s| s.2 == cat && s.3).count();
        println!(
            "| {cat} | {} | {:.3} / {:.3} / {:.3} | {linked} | {by_passage} |",
            xs.len(),
            xs[0],
            xs[xs.len() / 2],
            xs[xs.len() - 1]
        );
    }
}

fn accuracy(scored: &[(f64, bool)], t: f64) -> f64 {
    scored.iter().filter(|&&(s, y)| (s >= t) == y).count() as f64 / scored.len() as f64
}

/// The threshold (a midpoint between neighbouring scores) with the best
/// accuracy on `scored`; the lowest such on ties.
fn best_threshold(scored: &[(f64, bool)]) -> f64 {
    let mut xs: Vec<f64> = scored.iter().map(|s| s.0).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let mut cuts: Vec<f64> = xs.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect();
    cuts.push(xs[0] - 1e-9);
    cuts.push(xs[xs.len() - 1] + 1e-9);
    let mut best = (f64::MIN, 0.0);
    for t in cuts {
        let a = accuracy(scored, t);
        if a > best.0 || (a == best.0 && t < best.1) {
            best = (a, t);
        }
    }
    best.1
}
