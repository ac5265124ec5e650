//! Scale behaviour that must hold whatever the machine: a story syndicated
//! 10,000 times must not make candidate generation (or the passage stage)
//! quadratic. Asserts on work counts, not on time.

mod common;

use common::*;
use std::fmt::Write as _;

#[test]
fn ten_thousand_identical_copies_stay_linear() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(99);
    let vocab = vocabulary(20_000);
    let article = |rng: &mut Rng| -> String {
        let mut t = String::new();
        for i in 0..300 {
            t.push_str(zipf_word(rng, &vocab));
            t.push_str(if i % 60 == 59 { ".\n\n" } else { " " });
        }
        t
    };
    let wire = article(&mut rng);
    let mut feed = String::new();
    for i in 0..10_000 {
        writeln!(
            feed,
            "{}",
            serde_json::json!({"id": format!("copy-{i:05}"), "text": wire})
        )
        .unwrap();
    }
    for i in 0..300 {
        writeln!(
            feed,
            "{}",
            serde_json::json!({"id": format!("other-{i:03}"), "text": article(&mut rng)})
        )
        .unwrap();
    }
    // One more story that reposts a paragraph of the wire story.
    let paragraph = wire.split("\n\n").nth(1).unwrap();
    let reposting = format!("{}\n\n{paragraph}", article(&mut rng));
    writeln!(
        feed,
        "{}",
        serde_json::json!({"id": "reposter", "text": reposting})
    )
    .unwrap();
    std::fs::write(dir.path().join("feed.jsonl"), feed).unwrap();

    let report = scan_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(report["documents"], 10_301);
    // Exact copies collapse before LSH: candidates are not ~50 million.
    assert!(report["summary"]["candidate_pairs"].as_u64().unwrap() < 1_000);
    let cluster = &report["clusters"][0];
    assert_eq!(cluster["members"].as_array().unwrap().len(), 10_000);
    // A star around the first copy, every pair exact.
    let pairs = cluster["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 9_999);
    assert!(pairs
        .iter()
        .all(|p| p["jaccard"] == 1.0 && p["a"] == "copy-00000"));

    // The passage stage links the reposting story to the copies without
    // aligning the copies with each other, and the wire paragraphs (in one
    // family) are not boilerplate.
    let links = report["links"].as_array().unwrap();
    assert!(links.iter().all(|l| l["near_duplicate"] == false));
    assert!(links
        .iter()
        .any(|l| l["b"] == "reposter" || l["a"] == "reposter"));
    assert!(links.len() <= 10_000);
    assert!(report["passage_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["boilerplate"] == false));
}
