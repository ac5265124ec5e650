//! A damaged index file never panics reprint and never gives a wrong
//! answer: copies of a real index with random bits flipped are either
//! refused with a message naming the file, or answer exactly as the intact
//! index does.

mod common;

use std::fmt::Write as _;
use std::process::Output;

use common::*;

/// `index verify`, `index stats` and a `check` of every article of the
/// corpus, against `index`: (exit code, stdout, stderr) of each.
fn answers(index: &str, feed: &str) -> Vec<(Option<i32>, String, String)> {
    let run = |args: &[&str]| -> Output {
        reprint()
            .args(args)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("runs")
    };
    [
        run(&["index", "verify", index]),
        run(&["index", "stats", index, "--format", "json"]),
        run(&["check", index, feed]),
    ]
    .into_iter()
    .map(|o| {
        (
            o.status.code(),
            // `index verify` names the file it verified.
            String::from_utf8_lossy(&o.stdout).replace(index, "INDEX"),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    })
    .collect()
}

/// An answer without the bytes the file's storage uses (`disk_bytes` in
/// `index stats`): a copy whose free-space map was damaged and repaired
/// on opening counts its free pages anew. What it says of articles stays.
fn comparable(out: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(out) {
        Ok(serde_json::Value::Object(mut stats)) => {
            stats.remove("disk_bytes");
            serde_json::Value::Object(stats).to_string()
        }
        _ => out.to_owned(),
    }
}

#[test]
fn bit_flipped_indexes_are_refused_or_answer_as_the_intact_one() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let mut rng = Rng::new(7);
    let vocab = vocabulary(5_000);
    let mut feed = String::new();
    for i in 0..300 {
        let text = zipf_prose(&mut rng, &vocab, 200);
        std::fs::write(corpus.join(format!("{i:03}.txt")), &text).unwrap();
        writeln!(
            feed,
            "{}",
            serde_json::json!({ "id": format!("probe-{i}"), "text": text })
        )
        .unwrap();
    }
    let feed_path = dir.path().join("feed.jsonl");
    std::fs::write(&feed_path, feed).unwrap();
    let feed_path = feed_path.to_str().unwrap();
    let intact = dir.path().join("intact.redb");
    let built = run(&[
        "index",
        "build",
        intact.to_str().unwrap(),
        corpus.to_str().unwrap(),
        "-q",
    ]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let bytes = std::fs::read(&intact).unwrap();
    let want = answers(intact.to_str().unwrap(), feed_path);
    assert!(want
        .iter()
        .all(|(code, _, _)| code.is_some_and(|c| c != 2 && c != 101)));

    // 50 copies with 200 flips (the file is dense: each is damaged in
    // used pages), then 50 with one flip (some land where nothing reads).
    let (mut refused, mut served) = (0, 0);
    for copy in 0..100 {
        let flips = if copy < 50 { 200 } else { 1 };
        let mut damaged = bytes.clone();
        for _ in 0..flips {
            let at = rng.below(damaged.len());
            damaged[at] ^= 1 << rng.below(8);
        }
        let path = dir.path().join(format!("copy{copy}.redb"));
        std::fs::write(&path, &damaged).unwrap();
        let path = path.to_str().unwrap();
        for ((code, out, err), (_, want_out, _)) in answers(path, feed_path).iter().zip(&want) {
            assert_ne!(*code, Some(101), "copy {copy} panicked: {err}");
            if *code == Some(2) {
                assert!(
                    err.contains(path) && err.contains("damaged"),
                    "copy {copy}: {err}"
                );
                refused += 1;
            } else {
                assert_eq!(
                    comparable(out),
                    comparable(want_out),
                    "copy {copy} answered otherwise: {err}"
                );
                served += 1;
            }
        }
        std::fs::remove_file(path).unwrap();
    }
    assert!(refused > 0, "refused {refused}, served {served}");
}

/// A file found by fuzzing on which redb's own integrity check panics (an
/// assertion on a page address, with debug assertions on) is refused as
/// damaged, never a panic.
#[test]
fn a_file_that_panics_the_integrity_check_is_refused() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/corpus/index_open/redb-check-assertion.redb"
    );
    let out = reprint()
        .args(["index", "verify", path])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("the file is damaged"), "{err}");
}

/// A build killed while creating its index leaves no index without
/// parameters: the file is made under another name and renamed into place
/// whole. A leftover of such a build is replaced by the next one, and a
/// database file without parameters (what a creation killed before its
/// first commit left before that) is refused with a message naming it.
#[test]
fn an_index_appears_whole_and_one_without_parameters_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::write(
        corpus.join("a.txt"),
        "The river rose overnight and the town's bridge was closed to traffic by the police.",
    )
    .unwrap();
    let index = dir.path().join("i.redb");
    let partial = dir.path().join("i.redb.partial");
    std::fs::write(&partial, b"left by a build killed while creating the index").unwrap();
    let run = |args: &[&str]| -> Output {
        reprint()
            .args(args)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap()
    };
    let (i, c) = (index.to_str().unwrap(), corpus.to_str().unwrap());
    let built = run(&["index", "build", i, c, "-q"]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    assert!(
        !partial.exists(),
        "the partial file is gone once the index is in place"
    );
    let stats = run(&["index", "stats", i, "--format", "json"]);
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(stats["documents"], 1);

    let bare = dir.path().join("bare.redb");
    drop(redb::Database::create(&bare).unwrap());
    let out = run(&["index", "stats", bare.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(bare.to_str().unwrap()) && err.contains("not a reprint index"),
        "{err}"
    );
}
