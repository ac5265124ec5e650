//! The `reprint scan` command line: the seeds, output formats, output
//! files, quiet mode and determinism across thread counts.

mod common;

use common::*;
use std::fs;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");

#[test]
fn seeds_are_not_whole_article_near_duplicates() {
    let report = scan_json(&[DATA]);
    assert_eq!(report["schema"], "reprint.scan/1");
    assert!(report["documents"].as_u64().unwrap() >= 2);
    let pairs = reported_pairs(&report);
    assert!(
        !pairs.contains_key(&(
            "000_85676adcdf0feb57.txt".to_string(),
            "004_d7de4594d4d3c26f.txt".to_string()
        )),
        "the seeds share passages but are different stories"
    );
    // Their whole-article similarity is about 0.18: visible at a low
    // threshold, which shows the pair is compared at all.
    let low = scan_json(&[DATA, "--threshold", "0.1"]);
    let j = reported_pairs(&low)[&(
        "000_85676adcdf0feb57.txt".to_string(),
        "004_d7de4594d4d3c26f.txt".to_string(),
    )];
    assert!((0.15..0.22).contains(&j), "seed Jaccard {j}");
}

#[test]
fn data_fixtures_form_the_expected_clusters() {
    let report = scan_json(&[DATA]);
    assert_eq!(report["documents"], 8);
    let clusters: Vec<&serde_json::Value> = report["clusters"].as_array().unwrap().iter().collect();
    let members: Vec<serde_json::Value> = clusters.iter().map(|c| c["members"].clone()).collect();
    assert_eq!(
        members,
        [
            serde_json::json!([
                "wire/port-strike-herald.html",
                "wire/port-strike-original.txt",
                "wire/port-strike-syndicated.txt"
            ]),
            serde_json::json!(["agency-2291", "agency-2293"]),
        ]
    );
    assert!(warnings(&report).is_empty());
}

#[test]
fn json_report_has_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    write_planted_corpus(dir.path(), 11, 30, 0.0);
    let report = scan_json(&[dir.path().to_str().unwrap(), "--num-perm", "64"]);
    let params = &report["params"];
    assert_eq!(params["threshold"], 0.8);
    assert_eq!(params["shingle"], 5);
    assert_eq!(params["num_perm"], 64);
    assert!(params["bands"].as_u64().unwrap() * params["rows"].as_u64().unwrap() <= 64);
    assert_eq!(params["verify"], "exact");
    let clusters = report["clusters"].as_array().unwrap();
    assert!(!clusters.is_empty());
    for (i, c) in clusters.iter().enumerate() {
        assert_eq!(c["id"], i);
        let members: Vec<&str> = c["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        let mut sorted = members.clone();
        sorted.sort();
        assert_eq!(members, sorted, "members sorted");
        for p in c["pairs"].as_array().unwrap() {
            assert!(members.contains(&p["a"].as_str().unwrap()));
            assert!(p["jaccard"].as_f64().unwrap() >= 0.8);
        }
    }
    assert_eq!(report["summary"]["clusters"], clusters.len());
    assert!(report["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn jsonl_writes_one_cluster_per_line_and_text_ends_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    write_planted_corpus(dir.path(), 12, 30, 0.0);
    let path = dir.path().to_str().unwrap();
    let json = scan_json(&[path]);
    let out = run(&["scan", path, "--format", "jsonl", "-q"]);
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), json["clusters"].as_array().unwrap().len());
    assert_eq!(lines[0], json["clusters"][0]);

    let out = run(&["scan", path]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let last = text.lines().last().unwrap();
    let n = json["documents"].as_u64().unwrap();
    assert!(last.starts_with(&format!("{n} documents")), "{last}");
    assert!(text.contains("cluster 1 ("));
    // The text report carries the summary, so stderr stays quiet.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn output_file_and_quiet_mode() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = run(&[
        "scan",
        DATA,
        "--format",
        "json",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let parsed: serde_json::Value = serde_json::from_slice(&fs::read(&report).unwrap()).unwrap();
    assert_eq!(parsed["schema"], "reprint.scan/1");
    // Not a terminal: no progress bar, just the summary line.
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("reprint: 8 documents"), "{stderr}");

    let out = run(&[
        "scan",
        DATA,
        "--format",
        "json",
        "-q",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
}

/// `--timings` prints each step's wall time on stderr, in the order the
/// steps run, even with `-q`, and leaves the report as it is.
#[test]
fn timings_list_every_step_and_change_no_report() {
    let steps_of = |args: &[&str]| -> (Vec<u8>, Vec<(String, f64)>) {
        let out = run(args);
        assert!(out.status.success());
        let stderr = String::from_utf8(out.stderr).unwrap();
        let mut lines = stderr.lines();
        assert_eq!(
            lines.next(),
            Some("reprint: step timings, wall seconds, 1 thread:")
        );
        let steps = lines
            .map(|l| {
                let (name, secs) = l.trim().rsplit_once(' ').unwrap();
                (name.trim().to_owned(), secs.parse::<f64>().unwrap())
            })
            .collect();
        (out.stdout, steps)
    };
    let json = ["scan", DATA, "--format", "json", "-q", "--threads", "1"];
    let (report, steps) = steps_of(&[&json[..], &["--timings"]].concat());
    assert_eq!(report, run(&json).stdout);
    let names: Vec<&str> = steps.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "read",
            "lsh",
            "verify",
            "clusters",
            "passages/boilerplate",
            "passages/templates",
            "passages/anchors",
            "passages/document pairs",
            "passages/unit pairs",
            "passages/alignment",
            "passages/rewrites",
            "passages/merge",
            "passages/clusters",
            "passages/significance",
            "passages/links",
            "passages/containment",
            "passages/naming",
            "total",
        ]
    );
    // The total is the steps' sum (each printed to the millisecond).
    let (total, each) = steps.split_last().unwrap();
    let sum: f64 = each.iter().map(|(_, s)| s).sum();
    assert!(
        (sum - total.1).abs() <= 0.0005 * steps.len() as f64,
        "{steps:?}"
    );
    let (_, off) = steps_of(&[&json[..], &["--timings", "--passages", "off"]].concat());
    let names: Vec<&str> = off.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["read", "lsh", "verify", "clusters", "total"]);
}

/// Same input, 1 or 2 threads: byte-identical JSON.
#[test]
fn output_does_not_depend_on_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    write_planted_corpus(dir.path(), 13, 200, 0.05);
    fs::write(
        dir.path().join("feed.jsonl"),
        "{\"id\":\"x\",\"text\":\"a b c\"}\n{oops\n",
    )
    .unwrap();
    let mut paths = vec![dir.path().to_str().unwrap().to_owned(), DATA.to_owned()];
    let bbc = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora/bbc");
    if std::path::Path::new(bbc).is_dir() {
        paths.push(bbc.to_owned());
    }
    let outputs: Vec<Vec<u8>> = ["1", "2"]
        .iter()
        .map(|threads| {
            let mut args = vec!["scan".to_owned()];
            args.extend(paths.iter().cloned());
            args.extend(["--format", "json", "-q", "--threads", threads].map(String::from));
            let out = reprint().args(&args).output().unwrap();
            assert!(out.status.success());
            out.stdout
        })
        .collect();
    let parsed: serde_json::Value = serde_json::from_slice(&outputs[0]).unwrap();
    assert!(!parsed["clusters"].as_array().unwrap().is_empty());
    assert!(
        outputs[0] == outputs[1],
        "JSON differs between --threads 1 and 2"
    );
}

#[test]
fn estimate_verification_is_available() {
    let dir = tempfile::tempdir().unwrap();
    write_planted_corpus(dir.path(), 14, 60, 0.02);
    let exact = reported_pairs(&scan_json(&[dir.path().to_str().unwrap()]));
    let report = scan_json(&[dir.path().to_str().unwrap(), "--verify", "estimate"]);
    assert_eq!(report["params"]["verify"], "estimate");
    let estimated = reported_pairs(&report);
    // Estimates are multiples of 1/128 and may disagree near the threshold,
    // but identical-ish copies are found either way.
    let common = exact.keys().filter(|k| estimated.contains_key(*k)).count();
    assert!(
        common as f64 >= 0.8 * exact.len() as f64,
        "{common} of {}",
        exact.len()
    );
    for j in estimated.values() {
        assert!((j * 128.0 - (j * 128.0).round()).abs() < 1e-3);
    }
}

#[test]
fn spelling_folding_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let uk = "The organisation said it would analyse the behaviour of labour \
              markets and recognise the favourable colour of the honourable programme";
    let us = "The organization said it would analyze the behavior of labor \
              markets and recognize the favorable color of the honorable programme";
    fs::write(dir.path().join("uk.txt"), uk).unwrap();
    fs::write(dir.path().join("us.txt"), us).unwrap();
    let path = dir.path().to_str().unwrap();
    let folded = reported_pairs(&scan_json(&[path]));
    assert_eq!(folded.values().next(), Some(&1.0));
    assert!(reported_pairs(&scan_json(&[path, "--no-fold-spelling"])).is_empty());
}

/// `-o` onto something that is not a regular file (a FIFO here; /dev/null
/// in practice) writes into it instead of renaming a temporary file over
/// it, which would replace the special file.
#[test]
fn output_to_a_fifo_writes_through_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    let out = run(&[
        "scan",
        DATA,
        "--format",
        "json",
        "-q",
        "-o",
        fifo.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written: serde_json::Value = serde_json::from_slice(&reader.join().unwrap()).unwrap();
    assert_eq!(written["schema"], "reprint.scan/1");
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

/// `--top N` keeps the N largest clusters and N most significant links of
/// the text output, in the JSON report's order, and says what it left
/// out; it is refused with another format before anything is scanned.
#[test]
fn top_limits_the_text_output_and_says_what_it_left_out() {
    let json = scan_json(&[DATA]);
    let links = json["links"].as_array().unwrap();
    let clusters = json["clusters"].as_array().unwrap();
    assert!(links.len() > 2 && clusters.len() > 1);
    let out = run(&["scan", DATA, "--top", "1", "-q"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let shown: Vec<&str> = text.lines().filter(|l| l.starts_with("link ")).collect();
    assert_eq!(shown.len(), 1);
    let first = format!(
        "link 1: {} ~ {}  ",
        links[0]["a"].as_str().unwrap(),
        links[0]["b"].as_str().unwrap()
    );
    assert!(shown[0].starts_with(&first), "{}", shown[0]);
    assert_eq!(
        text.lines().filter(|l| l.starts_with("cluster ")).count(),
        1
    );
    let more = format!("… {} more links not shown (--top 1", links.len() - 1);
    assert!(text.contains(&more), "{text}");
    let more = format!("… {} more near-duplicate cluster", clusters.len() - 1);
    assert!(text.contains(&more), "{text}");

    let out = run(&["scan", DATA, "--top", "1", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--top"));
}

/// Links carry each story's title: a JSONL title field, an HTML page's
/// `<title>`, else a text file's first line; the text output shows them
/// under the link, and `--title-field` names another JSONL field.
#[test]
fn links_carry_titles_from_the_field_the_page_or_the_first_line() {
    let json = scan_json(&[DATA]);
    let titles = |a: &str, b: &str| -> (String, String) {
        let l = json["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["a"] == a && l["b"] == b)
            .unwrap_or_else(|| panic!("{a} ~ {b} linked"));
        (
            l["a_title"].as_str().unwrap().to_owned(),
            l["b_title"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(
        titles("agency-2291", "agency-2293"),
        (
            "Central bank holds rates".into(),
            "Central bank holds rates (update)".into()
        )
    );
    let original = fs::read_to_string(format!("{DATA}/wire/port-strike-original.txt")).unwrap();
    let first_line = original.lines().next().unwrap().trim().to_owned();
    assert_eq!(
        titles(
            "wire/port-strike-herald.html",
            "wire/port-strike-original.txt"
        ),
        (
            "Port strike enters second week | The Coastal Herald".into(),
            first_line.clone()
        )
    );

    let out = run(&["scan", DATA, "-q"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!(
        "    “Port strike enters second week | The Coastal Herald” ~ “{first_line}”"
    )));

    // Another field: the agency items have none called "headline", so
    // their first lines are shown.
    let json = scan_json(&[DATA, "--title-field", "headline"]);
    let link = json["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["a"] == "agency-2291")
        .unwrap();
    assert!(link["a_title"]
        .as_str()
        .unwrap()
        .starts_with("The central bank kept"));
}

/// Options that cannot work are refused at once with exit code 2 and a
/// message naming them: thousands of threads, a zero request size.
#[test]
fn unusable_thread_counts_and_body_limits_are_refused() {
    let out = run(&["scan", DATA, "--threads", "65535"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--threads"));
    assert!(out.stdout.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.redb");
    let out = run(&["serve", index.to_str().unwrap(), "--max-body", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-body 0"));
    assert!(!index.exists(), "nothing is created");
}

/// A device given where a small file belongs (`/dev/zero` as the token or
/// boilerplate file) is refused after reading a little, not read until
/// memory runs out.
#[cfg(unix)]
#[test]
fn option_files_are_read_with_a_size_limit() {
    let limit = std::time::Duration::from_secs(60);
    let out = reprint()
        .args(["scan", DATA, "--boilerplate", "/dev/zero"])
        .timeout(limit)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a boilerplate file is at most 16 MiB"));

    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("i.redb");
    let out = reprint()
        .args([
            "serve",
            index.to_str().unwrap(),
            "--token-file",
            "/dev/zero",
        ])
        .timeout(limit)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a token file is at most 4096 bytes"));
}
