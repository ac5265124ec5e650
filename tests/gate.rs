//! The ingestion gate: `reprint index build`, `check`, `gate`, `index
//! stats|remove`, run as real processes — verdicts, exit codes,
//! idempotency, parameter refusal, agreement with `scan`, and durability
//! under `kill -9`.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command as Process, Stdio};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("reprint")
}

fn build(index: &Path, paths: &[&str], extra: &[&str]) -> std::process::Output {
    let mut args = vec!["index", "build", index.to_str().unwrap()];
    args.extend_from_slice(paths);
    args.extend_from_slice(extra);
    args.push("-q");
    run(&args)
}

fn stats(index: &Path) -> Value {
    let out = run(&[
        "index",
        "stats",
        index.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Creates an empty index with default parameters at `index`.
fn create_empty(index: &Path) {
    let empty = tempfile::tempdir().unwrap();
    assert!(build(index, &[empty.path().to_str().unwrap()], &[])
        .status
        .success());
}

/// A `[start, end]` span of a verdict as byte offsets.
fn span(v: &Value) -> (usize, usize) {
    (
        v[0].as_u64().unwrap() as usize,
        v[1].as_u64().unwrap() as usize,
    )
}

/// Feeds JSONL lines to `reprint gate` and returns the verdict lines.
fn gate(index: &Path, lines: &[String], extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["gate", index.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = reprint()
        .args(&args)
        .write_stdin(lines.join("\n"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const DEFENCE: &str = "Defence ties between the two countries have grown in recent years with \
    Moscow providing army training and university scholarships to thousands of soldiers, as well \
    as selling arms to a military blacklisted by several Western countries.";

#[test]
fn check_gives_verdicts_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.redb");
    assert!(build(&index, &[DATA], &[]).status.success());
    let s = stats(&index);
    assert_eq!(s["documents"], 8);
    // The file's size and what it occupies on disk (allocated blocks,
    // fewer where redb grew the file without writing its tail).
    let (file, disk) = (
        s["file_bytes"].as_u64().unwrap(),
        s["disk_bytes"].as_u64().unwrap(),
    );
    assert!(disk > 0 && disk <= file, "disk {disk}, file {file}");

    // A near-duplicate: exit 1, the admitted copies named, most similar first.
    let out = run(&[
        "check",
        index.to_str().unwrap(),
        &format!("{DATA}/wire/port-strike-syndicated.txt"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "duplicate");
    assert_eq!(v["admitted"], false);
    let dups = v["duplicate_of"].as_array().unwrap();
    assert_eq!(dups[0]["id"], "wire/port-strike-syndicated.txt");
    assert_eq!(dups[0]["jaccard"], 1.0);
    assert!(dups
        .iter()
        .any(|d| d["id"] == "wire/port-strike-original.txt"));

    // Reposts a passage: exit 3, spans in both articles.
    let article =
        format!("An unrelated opening paragraph about the local weather this week.\n\n{DEFENCE}");
    let path = dir.path().join("new.txt");
    std::fs::write(&path, &article).unwrap();
    let out = run(&["check", index.to_str().unwrap(), path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "reposts");
    let seed = std::fs::read_to_string(format!("{DATA}/000_85676adcdf0feb57.txt")).unwrap();
    let p = v["passages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "000_85676adcdf0feb57.txt")
        .expect("passage from the seed");
    let (s, e) = span(&p["span"]);
    let (os, oe) = span(&p["other_span"]);
    assert_eq!(&article[s..e], DEFENCE.trim_end_matches('.'));
    assert_eq!(&seed[os..oe], DEFENCE.trim_end_matches('.'));

    // New: exit 0; check never modifies the index.
    std::fs::write(
        &path,
        "A village fair with prize pumpkins and a brass band that played all afternoon long.",
    )
    .unwrap();
    let out = run(&["check", index.to_str().unwrap(), path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stats(&index)["documents"], 8);

    // A JSONL stream on stdin: one verdict per line.
    let out = reprint()
        .args(["check", index.to_str().unwrap(), "-"])
        .write_stdin(format!(
            "{}\n{}\n",
            json!({"id": "a", "text": DEFENCE}),
            json!({"id": "b", "text": "tiny"})
        ))
        .output()
        .unwrap();
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["verdict"], "reposts");
    assert_eq!(lines[1]["verdict"], "new");
}

#[test]
fn gate_admits_in_order_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.redb");
    assert!(build(&index, &[DATA], &[]).status.success());
    let fair = "A village fair with prize pumpkins, cakes and a brass band that played all afternoon long in the square.";
    let lines = vec![
        json!({"id": "fair", "text": fair}).to_string(),
        json!({"id": "fair-copy", "text": fair}).to_string(),
        "{not json".to_string(),
        json!({"id": "report", "text": format!("A new report on trade.\n\n{DEFENCE}")}).to_string(),
    ];
    let verdicts = gate(&index, &lines, &[]);
    assert_eq!(verdicts.len(), 4, "one line out per line in");
    assert_eq!(
        (
            verdicts[0]["verdict"].as_str(),
            verdicts[0]["admitted"].as_bool()
        ),
        (Some("new"), Some(true))
    );
    assert_eq!(
        (
            verdicts[1]["verdict"].as_str(),
            verdicts[1]["admitted"].as_bool()
        ),
        (Some("duplicate"), Some(false))
    );
    assert_eq!(verdicts[1]["duplicate_of"][0]["id"], "fair");
    assert_eq!(verdicts[2]["line"], 3);
    assert!(verdicts[2]["error"]
        .as_str()
        .unwrap()
        .contains("malformed JSON"));
    assert_eq!(
        (
            verdicts[3]["verdict"].as_str(),
            verdicts[3]["admitted"].as_bool()
        ),
        (Some("reposts"), Some(true))
    );
    assert_eq!(stats(&index)["documents"], 10);

    // The same again: nothing changes, the admitted ones say so.
    let again = gate(&index, &lines, &[]);
    assert_eq!(again[0]["admitted"], true);
    assert_eq!(again[0]["verdict"], "new");
    assert_eq!(stats(&index)["documents"], 10);
    // Re-running the build is idempotent too.
    assert!(build(&index, &[DATA], &[]).status.success());
    assert_eq!(stats(&index)["documents"], 10);

    // Same id, different text: an error for that line unless --replace.
    let changed = vec![json!({"id": "fair", "text": "Something else entirely about the harbour strike and its effect on shipping."}).to_string()];
    let v = gate(&index, &changed, &[]);
    assert!(v[0]["error"].as_str().unwrap().contains("--replace"));
    let v = gate(&index, &changed, &["--replace"]);
    assert_eq!(v[0]["admitted"], true);
    assert_eq!(stats(&index)["documents"], 10);

    // Remove.
    let out = run(&["index", "remove", index.to_str().unwrap(), "fair", "nope"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope: not in the index"));
    assert_eq!(stats(&index)["documents"], 9);
}

#[test]
fn incompatible_parameters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.redb");
    assert!(build(&index, &[DATA], &[]).status.success());
    let out = build(&index, &[DATA], &["--shingle", "4"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("shingle") && err.contains("other parameters"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    let out = run(&[
        "check",
        dir.path().join("missing.redb").to_str().unwrap(),
        DATA,
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// Feeding a corpus through `gate` in id order (admitting duplicates, so
/// every article is there to be compared with) finds the same
/// near-duplicate pairs as `scan`.
#[test]
fn gate_agrees_with_scan() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    write_planted_corpus(&corpus, 21, 150, 0.05);
    let scanned = reported_pairs(&scan_json(&[corpus.to_str().unwrap()]));
    assert!(scanned.len() >= 10);

    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let lines: Vec<String> = files
        .iter()
        .map(|p| {
            let id = p.file_name().unwrap().to_str().unwrap();
            json!({"id": id, "text": std::fs::read_to_string(p).unwrap()}).to_string()
        })
        .collect();
    let index = dir.path().join("i.redb");
    create_empty(&index);
    let verdicts = gate(&index, &lines, &["--admit-duplicates"]);
    let mut gated = std::collections::BTreeMap::new();
    for v in &verdicts {
        for d in v["duplicate_of"].as_array().unwrap() {
            let (a, b) = (
                v["id"].as_str().unwrap().to_owned(),
                d["id"].as_str().unwrap().to_owned(),
            );
            let key = if a < b { (a, b) } else { (b, a) };
            gated.insert(key, d["jaccard"].as_f64().unwrap());
        }
    }
    assert_eq!(
        gated.keys().collect::<Vec<_>>(),
        scanned.keys().collect::<Vec<_>>()
    );
}

/// An admit acknowledged on stdout survives `kill -9` of the gate right
/// after.
#[test]
fn acknowledged_admits_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.redb");
    create_empty(&index);
    let mut child = Process::new(bin())
        .args(["gate", index.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut rng = Rng::new(5);
    let vocab = vocabulary(5000);
    for i in 0..5 {
        let text: Vec<&str> = (0..80).map(|_| zipf_word(&mut rng, &vocab)).collect();
        writeln!(
            stdin,
            "{}",
            json!({"id": format!("doc-{i}"), "text": text.join(" ")})
        )
        .unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["admitted"], true);
    }
    // Acknowledged: kill without letting it exit cleanly.
    let pid = child.id().to_string();
    assert!(Process::new("kill")
        .args(["-9", &pid])
        .status()
        .unwrap()
        .success());
    child.wait().unwrap();
    assert_eq!(stats(&index)["documents"], 5);
}

/// `kill -9` in the middle of `index build` leaves an index that opens and
/// holds whole batches; running the build again completes it.
#[test]
fn killed_build_keeps_whole_batches() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    write_planted_corpus(&corpus, 22, 600, 0.05);
    let total = std::fs::read_dir(&corpus).unwrap().count();
    let index = dir.path().join("i.redb");
    let mut child = Process::new(bin())
        .args([
            "index",
            "build",
            index.to_str().unwrap(),
            corpus.to_str().unwrap(),
            "--batch",
            "50",
            "-q",
        ])
        .spawn()
        .unwrap();
    // Kill it once the first batches are in.
    let started = std::time::Instant::now();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(20));
        let size = std::fs::metadata(&index).map(|m| m.len()).unwrap_or(0);
        if size > 0 && started.elapsed().as_millis() > 300 {
            break;
        }
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
    }
    let pid = child.id().to_string();
    let _ = Process::new("kill").args(["-9", &pid]).status();
    child.wait().unwrap();
    // Opening the index (for `stats`) indexes what the killed build had
    // stored but not indexed yet: every stored article has its band keys.
    let s = stats(&index);
    let docs = s["documents"].as_u64().unwrap() as usize;
    eprintln!("killed build: {docs} of {total} documents stored");
    assert!(
        docs % 50 == 0 || docs == total,
        "{docs} documents: not whole batches"
    );
    assert_eq!(
        s["band_entries"].as_u64().unwrap(),
        docs as u64 * s["params"]["bands"].as_u64().unwrap()
    );
    assert!(
        build(&index, &[corpus.to_str().unwrap()], &["--batch", "50"])
            .status
            .success()
    );
    assert_eq!(stats(&index)["documents"].as_u64().unwrap() as usize, total);
}

/// The gate finds planted reposts: index a multi-site corpus without one
/// copy of each planted passage, then check those copies. Every planted
/// passage in a checked article must come back with a span on it and an
/// admitted article that really holds the passage; site chrome (frequent
/// in the index) must never be reported.
#[test]
fn gate_finds_planted_reposts() {
    let corpus = site_corpus(0xbeef, 1_200, 3, 80);
    // One probe article per planted passage: its last occurrence, when
    // that article is not needed as another passage's indexed copy.
    let mut probe: std::collections::BTreeSet<usize> = Default::default();
    for p in &corpus.planted {
        if let Some(&(d, _)) = p.occurrences.last() {
            probe.insert(d);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("indexed.jsonl");
    let mut lines = String::new();
    for (i, (id, text)) in corpus.ids.iter().zip(&corpus.texts).enumerate() {
        if !probe.contains(&i) {
            lines.push_str(&json!({"id": id, "text": text}).to_string());
            lines.push('\n');
        }
    }
    std::fs::write(&feed, lines).unwrap();
    let index = dir.path().join("i.redb");
    assert!(build(&index, &[feed.to_str().unwrap()], &[])
        .status
        .success());

    let probes: Vec<String> = probe
        .iter()
        .map(|&d| json!({"id": corpus.ids[d], "text": corpus.texts[d]}).to_string())
        .collect();
    let out = reprint()
        .args(["check", index.to_str().unwrap(), "-"])
        .write_stdin(probes.join("\n"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let verdicts: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_id: std::collections::HashMap<&str, usize> = corpus
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();

    let (mut expected, mut found) = (0, 0);
    for v in &verdicts {
        let d = by_id[v["id"].as_str().unwrap()];
        let passages = v["passages"].as_array().unwrap();
        // Nothing reported outside planted passages (chrome in particular).
        for p in passages {
            let (s, e) = span(&p["span"]);
            let on_plant = corpus.planted.iter().any(|pl| {
                pl.occurrences
                    .iter()
                    .any(|(od, r)| *od == d && s < r.end && r.start < e)
            });
            assert!(
                on_plant || v["verdict"] == "duplicate",
                "unplanted passage in {}: {:?}",
                v["id"],
                &corpus.texts[d][s..e]
            );
        }
        if v["verdict"] == "duplicate" {
            continue; // a republication: the whole article is shared
        }
        for pl in &corpus.planted {
            let Some((_, r)) = pl.occurrences.iter().find(|(od, _)| *od == d) else {
                continue;
            };
            // Only plants with another copy in the index can be found.
            let others: Vec<usize> = pl
                .occurrences
                .iter()
                .map(|(od, _)| *od)
                .filter(|od| !probe.contains(od))
                .collect();
            if others.is_empty() {
                continue;
            }
            expected += 1;
            let hit = passages.iter().any(|p| {
                let (s, e) = span(&p["span"]);
                s < r.end && r.start < e && others.contains(&by_id[p["id"].as_str().unwrap()])
            });
            found += usize::from(hit);
        }
    }
    let recall = found as f64 / expected as f64;
    eprintln!("gate passages: {found} of {expected} planted reposts found (recall {recall:.3})");
    assert!(expected >= 40);
    assert!(recall >= 0.95, "recall {recall}");
}

/// Spans of passages: (in one document, in the other).
type SpanPairs = std::collections::BTreeSet<((usize, usize), (usize, usize))>;

/// The spans `check` reports for seed B against an index of seed A.
fn seed_passages(extra: &[&str]) -> SpanPairs {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.redb");
    let a = format!("{DATA}/000_85676adcdf0feb57.txt");
    let b = format!("{DATA}/004_d7de4594d4d3c26f.txt");
    assert!(build(&index, &[&a], &[]).status.success());
    let mut args = vec!["check", index.to_str().unwrap(), &b];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(3), "reposts");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["passages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (span(&p["span"]), span(&p["other_span"])))
        .collect()
}

/// `check --boilerplate FILE` leaves out the listed chrome exactly as
/// `scan --boilerplate FILE` does: with the Jakarta Post's chrome listed,
/// the seeds share what the scan reports between them, and nothing else;
/// without it (one article indexed, so nothing is frequent) the chrome is
/// still left out, by where it sits in both.
#[test]
fn check_with_known_boilerplate_agrees_with_scan() {
    let known = format!("{DATA}/jakartapost.boilerplate");
    let with = seed_passages(&["--boilerplate", &known]);
    let out = run(&[
        "scan",
        &format!("{DATA}/000_85676adcdf0feb57.txt"),
        &format!("{DATA}/004_d7de4594d4d3c26f.txt"),
        "--boilerplate",
        &known,
        "--format",
        "json",
    ]);
    let scan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let links = scan["links"].as_array().unwrap();
    assert_eq!(links.len(), 1);
    // The scan's `a` is seed A (the indexed one): its spans are the
    // verdict's `other_span`.
    assert!(links[0]["a"]
        .as_str()
        .unwrap()
        .ends_with("000_85676adcdf0feb57.txt"));
    let from_scan: std::collections::BTreeSet<_> = links[0]["shared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (span(&s["b_span"]), span(&s["a_span"])))
        .collect();
    assert_eq!(with, from_scan);

    // Without the list, the chrome both seeds end with is recognised by
    // its place, as the scan recognises it: the same spans.
    assert_eq!(seed_passages(&[]), with);
}

/// `check` finds a hard-wrapped, lightly edited copy of three paragraphs
/// of a seed exactly as `scan` does: one region, the same spans on both
/// sides (the gate cuts units, aligns and merges as the scan does).
#[test]
fn check_agrees_with_scan_on_hard_wrapped_reuse() {
    let seed = format!("{DATA}/000_85676adcdf0feb57.txt");
    let a = std::fs::read_to_string(&seed).unwrap();
    let start = a.find("Rights activists have accused").unwrap();
    let end = a.find("Western countries.").unwrap() + "Western countries".len();
    let wrapped = hard_wrap(&a[start..end], 60);
    let story = format!(
        "Harbour officials said on Tuesday that the container terminal would reopen next week \
         after repairs.\n\n{}.\n\nThe terminal handles most of the region's coffee exports.",
        wrapped.replace("deeply concerned", "gravely concerned")
    );
    let dir = tempfile::tempdir().unwrap();
    let story_path = dir.path().join("story.txt");
    std::fs::write(&story_path, &story).unwrap();
    let index = dir.path().join("i.redb");
    assert!(build(&index, &[&seed], &[]).status.success());
    let out = run(&[
        "check",
        index.to_str().unwrap(),
        story_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "reposts");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let checked: SpanPairs = v["passages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (span(&p["span"]), span(&p["other_span"])))
        .collect();

    let scan = scan_json(&[&seed, story_path.to_str().unwrap()]);
    let link = &scan["links"][0];
    // Ids of files given directly are their paths: either may sort first.
    let seed_is_a = link["a"]
        .as_str()
        .unwrap()
        .ends_with("000_85676adcdf0feb57.txt");
    let (story_side, seed_side) = if seed_is_a {
        ("b_span", "a_span")
    } else {
        ("a_span", "b_span")
    };
    let scanned: SpanPairs = link["shared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (span(&s[story_side]), span(&s[seed_side])))
        .collect();
    assert_eq!(checked, scanned);
    assert_eq!(checked.len(), 1, "one region: {checked:?}");
    let (in_story, in_seed) = *checked.iter().next().unwrap();
    assert_eq!(&a[in_seed.0..in_seed.1], &a[start..end]);
    assert_eq!(
        &story[in_story.0..in_story.1],
        wrapped.replace("deeply concerned", "gravely concerned")
    );
}

/// Lines without an id get an id derived from their text, the same in
/// every stream: a second stream's different article is admitted, not
/// refused as a conflict with the first stream's line 1; the same text
/// again is the same article. Blank lines and empty texts get an error
/// line each, so the output stays in step with the input.
#[test]
fn gate_ids_articles_without_one_by_content_and_answers_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.redb");
    create_empty(&index);
    let first = serde_json::json!({ "text": DEFENCE }).to_string();
    let other = serde_json::json!({
        "text": "Harbour officials said on Tuesday that the container terminal would reopen \
                 next week after repairs to two cranes damaged in the storm, and that ships \
                 waiting offshore would be berthed in the order they arrived."
    })
    .to_string();
    let out = gate(&index, std::slice::from_ref(&first), &[]);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["verdict"], "new", "{out:?}");
    let id = out[0]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("xxh3:") && id.len() == 5 + 16, "{id}");

    let lines = [other, String::new(), r#"{"text": "   "}"#.to_owned(), first];
    let out = gate(&index, &lines, &[]);
    assert_eq!(out.len(), 4, "{out:?}");
    assert_eq!(out[0]["verdict"], "new", "{out:?}");
    assert_ne!(out[0]["id"], id.as_str());
    assert!(
        out[1]["error"].as_str().unwrap().contains("blank line"),
        "{out:?}"
    );
    assert_eq!(out[1]["line"], 2);
    assert!(
        out[2]["error"].as_str().unwrap().contains("empty"),
        "{out:?}"
    );
    // The same text again is the same article: admitting it is idempotent.
    assert_eq!(out[3]["id"], id.as_str());
    assert_eq!(stats(&index)["documents"], 2);
}

/// A line longer than `--max-line` gets an error line naming the limit and
/// is skipped; the lines around it are judged as usual. A limit of 0 is
/// refused before anything is read.
#[test]
fn gate_skips_lines_longer_than_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.redb");
    create_empty(&index);
    let short = serde_json::json!({ "id": "a", "text": DEFENCE }).to_string();
    let long = serde_json::json!({ "id": "b", "text": DEFENCE.repeat(20) }).to_string();
    let other =
        serde_json::json!({ "id": "c", "text": DEFENCE.replace("Moscow", "Paris") }).to_string();
    let out = gate(&index, &[short, long, other], &["--max-line", "1K"]);
    assert_eq!(out.len(), 3, "{out:?}");
    assert_eq!(out[0]["verdict"], "new", "{out:?}");
    assert_eq!(out[1]["line"], 2);
    assert!(
        out[1]["error"]
            .as_str()
            .unwrap()
            .contains("longer than --max-line (1024 bytes)"),
        "{out:?}"
    );
    assert_eq!(out[2]["id"], "c", "{out:?}");
    assert_eq!(stats(&index)["documents"], 2);

    let refused = reprint()
        .args(["gate", index.to_str().unwrap(), "--max-line", "0"])
        .write_stdin("")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--max-line 0"));
}

/// Openings that share no phrase with each other.
const OPENINGS: [&str; 12] = [
    "Harbour officials in Rotterdam expect the dredging works to finish before the spring tides arrive.",
    "A bakery chain based in Lyon plans to open forty new shops across southern France next year.",
    "Farmers near Ballarat reported the wettest winter in living memory after weeks of flooding.",
    "The museum of modern art unveiled a restored fresco that had been hidden behind plaster.",
    "Shipping rates for grain cargoes from the Black Sea climbed sharply during the quarter.",
    "Engineers finished testing the new suspension bridge over the estuary without any faults.",
    "A coalition of teachers' unions called for smaller classes in primary schools nationwide.",
    "Copper miners in Chile returned to work once the wage dispute was settled by arbitration.",
    "The city council approved a cycling lane network linking every district to the centre.",
    "Astronomers announced the discovery of a comet that will be visible to the naked eye.",
    "Tea auctions in Mombasa saw record demand from buyers in Pakistan and Egypt this week.",
    "Volunteers planted twelve thousand oak saplings along the banks of the river Severn.",
];

/// A bond issue told in the wire's formula: long stretches of the same
/// words between the issue's own figures.
fn bond_issue(amount: u32, year: u32, coupon: &str) -> String {
    format!(
        "The company said it is raising {amount} mln dlrs through an offering of convertible \
         subordinated debentures that will be sold by an underwriting group led by the investment \
         bank and its affiliates, due {year} with a coupon of {coupon} pct and convertible into \
         common stock at a premium to the market price of the shares."
    )
}

/// The gate applies the scan's template rule: once enough admitted
/// articles fill one formula with their own figures, an article sharing
/// only that formula with them — even one with the same figures as one
/// of them — is `new`; a real repost among the same articles still
/// reposts, naming only its source.
#[test]
fn the_gate_does_not_take_a_formula_for_a_repost() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.redb");
    create_empty(&index);
    // Figures written alike, so that every filling has one shape (a
    // coupon of "8" would mask to a shorter one than "8-1/2").
    let coupons = [
        "7-1/4", "6-3/4", "8-1/2", "5-1/2", "9-1/8", "7-7/8", "6-1/4", "8-1/4", "7-1/2", "5-3/4",
    ];
    let mut lines: Vec<String> = (0..10)
        .map(|i| {
            let mut text = format!(
                "{}\n\n{}",
                OPENINGS[i],
                bond_issue(25 + 25 * i as u32, 1995 + i as u32, coupons[i])
            );
            if i == 2 {
                text.push_str(&format!("\n\n{DEFENCE}"));
            }
            json!({"id": format!("issue{i}"), "text": text}).to_string()
        })
        .collect();
    // The formula with the figures of issue 3 (a second issue on the
    // same terms), and a story reposting issue 2's background paragraph.
    lines.push(
        json!({"id": "same-terms", "text": format!("{}\n\n{}", OPENINGS[10], bond_issue(100, 1998, "5-1/2"))})
            .to_string(),
    );
    lines.push(
        json!({"id": "repost", "text": format!("{}\n\n{DEFENCE}", OPENINGS[11])}).to_string(),
    );
    let out = gate(&index, &lines, &[]);
    assert_eq!(out.len(), 12, "{out:?}");
    // The fifth filling on makes the formula a template.
    for v in &out[4..11] {
        assert_eq!(v["verdict"], "new", "{v}");
        assert_eq!(v["admitted"], true, "{v}");
    }
    let repost = &out[11];
    assert_eq!(repost["verdict"], "reposts", "{repost}");
    let sources: Vec<&str> = repost["passages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["issue2"], "{repost}");

    // `scan` of the same articles: the formula is one template of eleven
    // fillings, and the repost the only link.
    let corpus = dir.path().join("issues.jsonl");
    std::fs::write(&corpus, lines.join("\n")).unwrap();
    let out = run(&["scan", corpus.to_str().unwrap(), "--format", "json", "-q"]);
    let scan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let links: Vec<(&str, &str)> = scan["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["a"].as_str().unwrap(), l["b"].as_str().unwrap()))
        .collect();
    assert_eq!(links, [("issue2", "repost")]);
    let templates: Vec<usize> = scan["passage_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "template")
        .map(|c| c["occurrences"].as_array().unwrap().len())
        .collect();
    assert_eq!(templates, [11]);

    // An index built in bulk (counts in a segment) judges alike.
    let issues = dir.path().join("issues10.jsonl");
    std::fs::write(&issues, lines[..10].join("\n")).unwrap();
    let bulk = dir.path().join("bulk.redb");
    assert!(build(&bulk, &[issues.to_str().unwrap()], &[])
        .status
        .success());
    let same_terms = dir.path().join("same-terms.txt");
    let text: Value = serde_json::from_str(&lines[10]).unwrap();
    std::fs::write(&same_terms, text["text"].as_str().unwrap()).unwrap();
    let out = run(&[
        "check",
        bulk.to_str().unwrap(),
        same_terms.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "new", "{v}");
}

/// Each passage of a verdict carries its significance: a paragraph many
/// admitted articles share weighs less than one of the same length that
/// only one of them holds, as in `scan`'s links.
#[test]
fn verdict_passages_weigh_what_they_share() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.redb");
    create_empty(&index);
    let common = "Officials from the regional water board met with farmers and residents at the town hall \
        to discuss how the reservoir should be shared between irrigation and drinking supplies over the summer.";
    let rare = "Divers searching the flooded quarry recovered a bronze helmet that archaeologists believe \
        belonged to a cavalry officer stationed near the frontier fort during the second century.";
    let mut lines: Vec<String> = (0..6)
        .map(|i| {
            json!({"id": format!("water{i}"), "text": format!("{}\n\n{common}", OPENINGS[i])})
                .to_string()
        })
        .collect();
    lines.push(json!({"id": "quarry", "text": format!("{}\n\n{rare}", OPENINGS[6])}).to_string());
    lines.push(
        json!({"id": "both", "text": format!("{}\n\n{common}\n\n{rare}", OPENINGS[7])}).to_string(),
    );
    let out = gate(&index, &lines, &[]);
    let both = &out[7];
    assert_eq!(both["verdict"], "reposts", "{both}");
    let weight = |id: &str| -> f64 {
        let p = both["passages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id);
        p.unwrap_or_else(|| panic!("no passage from {id}: {both}"))["significance"]
            .as_f64()
            .unwrap()
    };
    let (shared_widely, held_once) = (weight("water0"), weight("quarry"));
    assert!(shared_widely > 0.0, "{both}");
    assert!(held_once > 1.5 * shared_widely, "{both}");

    // The scan of the same articles weighs the links alike: here every
    // anchor of a paragraph is held by as many articles as the anchors the
    // index keeps, so the gate's estimate is exact.
    let corpus = dir.path().join("water.jsonl");
    std::fs::write(&corpus, lines.join("\n")).unwrap();
    let out = run(&["scan", corpus.to_str().unwrap(), "--format", "json", "-q"]);
    let scan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let link = |id: &str| -> f64 {
        let l = scan["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| (l["a"] == "both" && l["b"] == id) || (l["a"] == id && l["b"] == "both"));
        l.unwrap_or_else(|| panic!("no link both ~ {id}"))["significance"]
            .as_f64()
            .unwrap()
    };
    for id in ["water0", "water5", "quarry"] {
        assert!(
            (link(id) - weight(id)).abs() < 1e-6,
            "{id}: scan {} gate {}",
            link(id),
            weight(id)
        );
    }
}

/// With `--window`, a verdict matches only admitted articles dated near
/// the article's own date; an undated admitted article matches none.
#[test]
fn the_window_matches_only_articles_dated_near_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.redb");
    create_empty(&index);
    let story = |n: usize| format!("{}\n\n{DEFENCE}", OPENINGS[n]);
    let admitted = [
        json!({"id": "old", "text": story(0), "date": "2024-01-01T00:00:00Z"}).to_string(),
        json!({"id": "undated", "text": story(1)}).to_string(),
    ];
    gate(&index, &admitted, &[]);
    let feed = dir.path().join("new.jsonl");
    let new = [
        json!({"id": "near", "text": story(2), "date": "2024-01-02T12:00:00Z"}).to_string(),
        json!({"id": "far", "text": story(2), "date": "2024-03-01"}).to_string(),
        json!({"id": "copy", "text": story(0), "date": "2024-03-01"}).to_string(),
    ];
    std::fs::write(&feed, new.join("\n")).unwrap();
    let check = |extra: &[&str]| -> Vec<Value> {
        let mut args = vec!["check", index.to_str().unwrap(), feed.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = run(&args);
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let sources = |v: &Value| -> Vec<String> {
        let mut ids: Vec<String> = v["passages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let all = check(&[]);
    assert_eq!(sources(&all[0]), ["old", "undated"]);
    assert_eq!(all[2]["verdict"], "duplicate");
    let windowed = check(&["--window", "2d"]);
    assert_eq!(windowed[0]["verdict"], "reposts");
    assert_eq!(
        sources(&windowed[0]),
        ["old"],
        "36 h after the source; the undated one never matches"
    );
    assert_eq!(windowed[1]["verdict"], "new", "two months later");
    assert_eq!(
        windowed[2]["verdict"], "new",
        "a copy outside the window is not its duplicate"
    );

    // An index built in bulk keeps the dates too.
    let admitted_file = dir.path().join("admitted.jsonl");
    std::fs::write(&admitted_file, admitted.join("\n")).unwrap();
    let bulk = dir.path().join("bulk.redb");
    assert!(build(&bulk, &[admitted_file.to_str().unwrap()], &[])
        .status
        .success());
    let out = run(&[
        "check",
        bulk.to_str().unwrap(),
        feed.to_str().unwrap(),
        "--window",
        "2d",
    ]);
    let verdicts: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(sources(&verdicts[0]), ["old"]);
    assert_eq!(verdicts[1]["verdict"], "new");
}
