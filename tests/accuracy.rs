//! Accuracy against exact ground truth computed in the test itself.

mod common;

use common::*;
use std::path::Path;

/// Planted near-duplicates (word edits of up to 10%): every pair with exact
/// 5-shingle Jaccard >= 0.8 is found (recall >= 0.99) and nothing else is
/// reported (precision 1.0), with the exact similarity.
#[test]
fn planted_near_duplicates_are_found_exactly() {
    let dir = tempfile::tempdir().unwrap();
    write_planted_corpus(dir.path(), 0x5eed, 900, 0.10);
    let truth = exact_pairs(&shingle_sets(dir.path()), 0.8);
    // The corpus must exercise the threshold: many pairs, some close to it.
    assert!(truth.len() >= 100, "only {} true pairs", truth.len());
    let near = truth.values().filter(|&&j| j < 0.9).count();
    assert!(near >= 20, "only {near} true pairs in [0.8, 0.9)");

    let report = scan_json(&[dir.path().to_str().unwrap()]);
    let reported = reported_pairs(&report);
    let (precision, recall) = precision_recall(&reported, &truth);
    eprintln!(
        "planted: {} true pairs, {} reported, precision {precision}, recall {recall:.4}",
        truth.len(),
        reported.len()
    );
    assert_eq!(precision, 1.0);
    assert!(recall >= 0.99, "recall {recall}");
    for (pair, j) in &reported {
        assert!(
            (truth[pair] - j).abs() < 1e-6,
            "{pair:?}: {j} vs {}",
            truth[pair]
        );
    }
}

/// The BBC corpus (when `../shared/corpora/bbc` is present): reported
/// pairs against every pair with exact 5-shingle Jaccard >= 0.8.
#[test]
fn bbc_pairs_match_exact_ground_truth() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/bbc");
    if !root.is_dir() {
        eprintln!("skipped: {} not present", root.display());
        return;
    }
    let truth = exact_pairs(&shingle_sets(&root), 0.8);
    // The corpus README counts 157 such pairs with `\w+` words; UAX #29
    // words (with apostrophes kept inside words) agree on this corpus.
    assert!(truth.len() >= 150, "{} true pairs", truth.len());

    let report = scan_json(&[root.to_str().unwrap(), "--threshold", "0.8"]);
    let reported = reported_pairs(&report);
    let (precision, recall) = precision_recall(&reported, &truth);
    eprintln!(
        "bbc: {} true pairs, {} reported, precision {precision}, recall {recall:.4}",
        truth.len(),
        reported.len()
    );
    assert_eq!(precision, 1.0);
    assert!(recall >= 0.99, "recall {recall}");
}
