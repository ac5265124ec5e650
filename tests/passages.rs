//! Reposted passages: the seeds, and a generated multi-site corpus with
//! planted reposts and site chrome, checked against the plant records.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::fs;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
const SEED_A: &str = "000_85676adcdf0feb57.txt";
const SEED_B: &str = "004_d7de4594d4d3c26f.txt";

fn span_text<'a>(text: &'a str, span: &Value) -> &'a str {
    let (s, e) = (
        span[0].as_u64().unwrap() as usize,
        span[1].as_u64().unwrap() as usize,
    );
    &text[s..e]
}

fn seed_link(report: &Value) -> Value {
    report["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["a"] == SEED_A && l["b"] == SEED_B)
        .cloned()
        .expect("the seeds are linked")
}

/// Words of a text, lowercased, for comparing passages across spellings.
fn words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn seeds_are_linked_through_exactly_the_three_reused_passages() {
    let boilerplate = format!("{DATA}/jakartapost.boilerplate");
    assert_seeds_linked_by_their_passages(&scan_json(&[DATA, "--boilerplate", &boilerplate]));
}

/// Without a list of the site's chrome, its share prompts are recognised
/// by where they sit (after the story, word for word in both) and the
/// seeds are linked by the same three passages, with the same spans.
#[test]
fn seeds_are_linked_by_their_passages_without_a_boilerplate_list() {
    let report = scan_json(&[DATA]);
    assert_seeds_linked_by_their_passages(&report);
    let boilerplate = format!("{DATA}/jakartapost.boilerplate");
    let listed = scan_json(&[DATA, "--boilerplate", &boilerplate]);
    let spans = |r: &Value| -> Vec<(Value, Value)> {
        seed_link(r)["shared"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["a_span"].clone(), s["b_span"].clone()))
            .collect()
    };
    assert_eq!(spans(&report), spans(&listed));
    assert!(report["passage_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["boilerplate"] == true
            && c["quote"]
                .as_str()
                .unwrap()
                .starts_with("Thank you for sharing your thoughts")));
}

/// The seeds' link holds exactly their three reused passages, tight, and
/// their shared chrome is a boilerplate cluster.
fn assert_seeds_linked_by_their_passages(report: &Value) {
    let a = fs::read_to_string(format!("{DATA}/{SEED_A}")).unwrap();
    let b = fs::read_to_string(format!("{DATA}/{SEED_B}")).unwrap();
    let link = seed_link(report);
    assert_eq!(link["near_duplicate"], false);
    let shared = link["shared"].as_array().unwrap();

    // The three passages, as (words that must be inside the span in a,
    // the same in b).
    let expected = [
        (
            "activists have accused moscow of legitimizing myanmar s military junta which came to power in a feb 1 coup by continuing bilateral visits and arms deals",
            "activists have accused moscow of legitimising myanmar s junta which seized power in a feb 1 coup by continuing bilateral visits and arms deals",
        ),
        (
            "myanmar s chief senior general min aung hlaing commander in chief of the myanmar armed forces arrives to pay his respects to myanmar independence hero general aung san and eight others assassinated in 1947 during a ceremony to mark the 71th anniversary of martyrs day in yangon",
            "myanmar s chief senior general min aung hlaing commander in chief of the myanmar armed forces saluting to pay his respects to myanmar independence hero general aung san and eight others assassinated in 1947 during a ceremony to mark the 71th anniversary of martyrs day in yangon",
        ),
        (
            "defence ties between the two countries have grown in recent years with moscow providing army training and university scholarships to thousands of soldiers as well as selling arms to a military blacklisted by several western countries",
            "defence ties between the two countries have grown in recent years with moscow providing army training and university scholarships to thousands of soldiers as well as selling arms to a military blacklisted by several western countries",
        ),
    ];
    let mut clusters_seen = BTreeSet::new();
    for (in_a, in_b) in expected {
        let hit = shared
            .iter()
            .find(|s| {
                words(span_text(&a, &s["a_span"])).contains(in_a)
                    && words(span_text(&b, &s["b_span"])).contains(in_b)
            })
            .unwrap_or_else(|| panic!("no shared span covers {in_a:?}: {shared:#?}"));
        // Tight: the span is the passage, not the whole paragraph around it.
        let a_words = words(span_text(&a, &hit["a_span"]));
        assert!(a_words.len() <= in_a.len() + 12, "span too wide: {a_words}");
        clusters_seen.insert(hit["cluster"].as_u64().unwrap());
    }
    // Exactly these three passage clusters link the seeds; nothing else.
    let all: BTreeSet<u64> = shared
        .iter()
        .map(|s| s["cluster"].as_u64().unwrap())
        .collect();
    assert_eq!(all, clusters_seen);
    assert_eq!(all.len(), 3);
    for s in shared {
        let text = words(span_text(&a, &s["a_span"]));
        assert!(
            !text.contains("share your experiences"),
            "chrome linked the seeds"
        );
        assert!(
            !text.contains("appreciate your feedback"),
            "chrome linked the seeds"
        );
    }
    // The chrome is reported as boilerplate instead.
    let chrome: Vec<&Value> = report["passage_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["boilerplate"] == true)
        .collect();
    assert!(chrome.iter().any(|c| c["quote"]
        .as_str()
        .unwrap()
        .starts_with("Share your experiences")
        && c["documents"] == 2));
}

/// Three paragraphs of a seed, copied into another story as one block
/// hard-wrapped at 60 columns with one word changed, are found as one
/// span covering the whole passage in both documents.
#[test]
fn a_hard_wrapped_copy_of_a_seed_passage_is_one_span() {
    let a = fs::read_to_string(format!("{DATA}/{SEED_A}")).unwrap();
    let start = a.find("Rights activists have accused").unwrap();
    let end =
        a.find("by several Western countries.").unwrap() + "by several Western countries".len();
    let passage = &a[start..end];
    assert_eq!(passage.matches("\n\n").count(), 2, "three paragraphs");
    let copied = hard_wrap(passage, 60).replace("deeply concerned", "gravely concerned");
    assert!(copied.lines().all(|l| l.len() <= 60) && copied.lines().count() > 5);
    let story = format!(
        "Harbour officials said on Tuesday that the container terminal would reopen next week \
         after repairs to two cranes damaged in the storm.\n\n{copied}.\n\nThe terminal \
         handles most of the region's exports of coffee and rubber, officials added."
    );
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), &a).unwrap();
    fs::write(dir.path().join("b.txt"), &story).unwrap();
    let report = scan_json(&[dir.path().to_str().unwrap()]);
    let links = report["links"].as_array().unwrap();
    assert_eq!(links.len(), 1, "{report:#}");
    let shared = links[0]["shared"].as_array().unwrap();
    assert_eq!(shared.len(), 1, "one span: {shared:#?}");
    assert_eq!(span_text(&a, &shared[0]["a_span"]), passage);
    assert_eq!(span_text(&story, &shared[0]["b_span"]), copied);
}

#[test]
fn passages_can_be_turned_off() {
    let report = scan_json(&[DATA, "--passages", "off"]);
    assert!(report["links"].as_array().unwrap().is_empty());
    assert!(report["passage_clusters"].as_array().unwrap().is_empty());
    assert!(report["params"]["passages"].is_null());
    assert_eq!(report["clusters"].as_array().unwrap().len(), 2);
}

/// Where a planted passage sits in the two documents of a pair.
type SpanPair = (std::ops::Range<usize>, std::ops::Range<usize>);

fn overlaps(a: &std::ops::Range<usize>, s: usize, e: usize) -> bool {
    s < a.end && a.start < e
}

/// 5,000 articles from five sites with header and footer chrome; 300
/// paragraphs reposted into 2–6 unrelated articles each with up to 10%
/// word edits and UK→US spelling changes; 20 whole-article republications.
#[test]
fn planted_reposts_are_found_and_chrome_is_boilerplate() {
    let corpus = site_corpus(0xfeed, 5_000, 5, 300);
    let dir = tempfile::tempdir().unwrap();
    corpus.write(dir.path());
    let report = scan_json(&[dir.path().to_str().unwrap()]);
    let index: HashMap<&str, usize> = corpus
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();

    // Pairs of documents that really share a planted passage, with where.
    let mut expected: HashMap<(usize, usize), Vec<SpanPair>> = HashMap::new();
    for p in &corpus.planted {
        for (i, (da, sa)) in p.occurrences.iter().enumerate() {
            for (db, sb) in &p.occurrences[i + 1..] {
                let (x, y) = if corpus.ids[*da] < corpus.ids[*db] {
                    ((*da, sa.clone()), (*db, sb.clone()))
                } else {
                    ((*db, sb.clone()), (*da, sa.clone()))
                };
                expected.entry((x.0, y.0)).or_default().push((x.1, y.1));
            }
        }
    }
    let near: BTreeSet<(usize, usize)> = corpus
        .near_duplicates
        .iter()
        .map(|&(x, y)| {
            if corpus.ids[x] < corpus.ids[y] {
                (x, y)
            } else {
                (y, x)
            }
        })
        .collect();

    let links = report["links"].as_array().unwrap();
    let mut right = 0;
    let mut found_planted = 0;
    let mut linked: HashMap<(usize, usize), &Value> = HashMap::new();
    for link in links {
        let a = index[link["a"].as_str().unwrap()];
        let b = index[link["b"].as_str().unwrap()];
        linked.insert((a, b), link);
        if expected.contains_key(&(a, b)) || near.contains(&(a, b)) {
            right += 1;
        }
        // No link through chrome: every shared region of a story link lies
        // on a planted passage in both documents.
        if !near.contains(&(a, b)) {
            let plants = expected.get(&(a, b));
            for s in link["shared"].as_array().unwrap() {
                let (as_, ae) = (
                    s["a_span"][0].as_u64().unwrap() as usize,
                    s["a_span"][1].as_u64().unwrap() as usize,
                );
                let (bs, be) = (
                    s["b_span"][0].as_u64().unwrap() as usize,
                    s["b_span"][1].as_u64().unwrap() as usize,
                );
                let on_plant = plants.is_some_and(|ps| {
                    ps.iter()
                        .any(|(pa, pb)| overlaps(pa, as_, ae) && overlaps(pb, bs, be))
                });
                assert!(
                    on_plant,
                    "link {} ~ {} shares unplanted text: {:?}",
                    link["a"],
                    link["b"],
                    &corpus.texts[a][as_..ae]
                );
            }
        }
    }
    for ((a, b), spans) in &expected {
        let Some(link) = linked.get(&(*a, *b)) else {
            continue;
        };
        let hit = spans.iter().all(|(pa, pb)| {
            link["shared"].as_array().unwrap().iter().any(|s| {
                overlaps(
                    pa,
                    s["a_span"][0].as_u64().unwrap() as usize,
                    s["a_span"][1].as_u64().unwrap() as usize,
                ) && overlaps(
                    pb,
                    s["b_span"][0].as_u64().unwrap() as usize,
                    s["b_span"][1].as_u64().unwrap() as usize,
                )
            })
        });
        if hit {
            found_planted += 1;
        }
    }
    let recall = found_planted as f64 / expected.len() as f64;
    let precision = right as f64 / links.len() as f64;
    eprintln!(
        "passages: {} planted pairs, {} links, recall {recall:.4}, link precision {precision:.4}",
        expected.len(),
        links.len()
    );
    assert!(expected.len() > 1000);
    assert!(recall >= 0.95, "recall {recall}");
    assert!(precision >= 0.98, "precision {precision}");

    // Every site's chrome is reported as boilerplate, in (nearly) all of
    // the site's articles; the default frequency (max(25, 0.5%) = 26 here)
    // keeps reposts in up to 6 stories as reuse.
    assert_eq!(report["params"]["passages"]["boilerplate_min_docs"], 26);
    let boilerplate: Vec<&Value> = report["passage_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["boilerplate"] == true)
        .collect();
    for (s, lines) in corpus.chrome.iter().enumerate() {
        let site_docs = corpus.site.iter().filter(|&&x| x == s).count();
        for line in lines {
            let cluster = boilerplate
                .iter()
                .find(|c| words(c["quote"].as_str().unwrap()) == words(line))
                .unwrap_or_else(|| panic!("site {s} chrome not boilerplate: {line}"));
            assert_eq!(cluster["documents"], site_docs);
        }
    }
    let reuse_max_docs = report["passage_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["boilerplate"] == false)
        .map(|c| c["documents"].as_u64().unwrap())
        .max()
        .unwrap();
    assert!(
        reuse_max_docs >= 6,
        "a passage reposted in 6 stories stays reuse"
    );
}

/// A story rewritten from another shares no passage the alignment
/// accepts, yet most of its word trigrams: by default a reworded region
/// links it; without rewrite search of unlinked pairs, `--min-containment`
/// links it (with no shared region and its containment on the link); an
/// unrelated story on the same subject is linked neither way. Every link
/// reports its containment.
#[test]
fn a_rewritten_story_is_linked_by_containment() {
    let source =
        "Russian Defence Minister Sergei Shoigu told visiting junta leader Senior General \
        Min Aung Hlaing that Moscow is committed to strengthening military ties with Myanmar. \
        Rights activists have accused Moscow of legitimizing the junta by continuing bilateral \
        visits and arms deals. Defence ties between the two countries have grown in recent years \
        with Moscow providing army training and scholarships to thousands of soldiers.";
    let rewrite = "Moscow is committed to strengthening its military ties with Myanmar, the \
        Russian defence minister said as the visiting junta leader arrived. Activists say the \
        bilateral visits and arms deals are legitimizing the junta. The defence ties between \
        the two countries have grown, and Moscow has been providing army training to thousands \
        of soldiers.";
    let other = "Myanmar's junta leader met officials in Moscow this week. The visit drew \
        criticism from exiled opposition lawmakers, who called on foreign governments to cut \
        all support for the generals and to impose tighter sanctions on the country's banks.";
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("source.txt", source),
        ("rewrite.txt", rewrite),
        ("other.txt", other),
    ] {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let path = dir.path().to_str().unwrap();
    let pair = |report: &Value, a: &str, b: &str| -> Option<Value> {
        report["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["a"] == a && l["b"] == b)
            .cloned()
    };
    let plain = scan_json(&[path, "--rewrites", "linked"]);
    assert!(
        pair(&plain, "rewrite.txt", "source.txt").is_none(),
        "{plain:#}"
    );
    // By default the pair is searched for reworded passages (it shares
    // rare phrases) and linked through one; the unrelated story is not.
    let searched = scan_json(&[path]);
    let link = pair(&searched, "rewrite.txt", "source.txt").expect("a reworded region");
    assert!(!link["shared"].as_array().unwrap().is_empty(), "{link:#}");
    assert!(pair(&searched, "other.txt", "source.txt").is_none());
    assert!(pair(&searched, "other.txt", "rewrite.txt").is_none());

    let report = scan_json(&[path, "--min-containment", "0.2", "--rewrites", "linked"]);
    let link = pair(&report, "rewrite.txt", "source.txt").expect("linked by containment");
    assert!(link["shared"].as_array().unwrap().is_empty());
    let (ca, cb) = (
        link["containment_a"].as_f64().unwrap(),
        link["containment_b"].as_f64().unwrap(),
    );
    assert!(ca >= 0.2 && cb >= 0.2 && ca < 1.0, "{link:#}");
    assert_eq!(report["params"]["passages"]["min_containment"], 0.2);
    assert!(pair(&report, "other.txt", "source.txt").is_none());
    assert!(pair(&report, "other.txt", "rewrite.txt").is_none());

    let text = reprint()
        .args([
            "scan",
            path,
            "--min-containment",
            "0.2",
            "--rewrites",
            "linked",
            "-q",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("link 1: rewrite.txt ~ source.txt")
            && text.contains("no shared passage: linked by containment"),
        "{text}"
    );
}

/// A passage from PAN 2013's training corpus (source-document02227) and
/// its "random obfuscation" in suspicious-document00006: words replaced,
/// dropped and moved within and across sentences.
const PAELLA_SOURCE: [&str; 3] = [
    "Probably the most famous Spanish dish outside of Spain, paella is a rich saffron rice with a variety of meat pieces, seafood and vegetables.",
    "It's believed that the word 'paella' derives from the Arabic word, which means leftovers.",
    "According to a legend, the dish was created by servants of Moorish kings, who were allowed to take mixed leftovers from the courtly feasts home in large pots.",
];
const PAELLA_REWORDED: [&str; 3] = [
    "Take spanish dish guides Paella probably a a other rich Moorish outside of Spain, who is most famous saffron rice with the variety of meat pieces, s and vegetables.",
    "It's seafood believed that the Arabic word derives from the paella word, which means leftovers.",
    "According to the legend, a dish was make by servants of country kings, paella were let to take mixed leftovers from the large dinner home in courtly pots.",
];
const TRAINS: &str = "Train timetables change across the northern network this winter, and delays are expected on most lines while the old signals are replaced by new ones.";
const WINES: &str = "The next part of this guide is about the wines of the region and their history over centuries of trade with merchants from abroad.";

/// A directory holding two stories, `a.txt` and `b.txt`.
fn pair_dir(a: &str, b: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), a).unwrap();
    fs::write(dir.path().join("b.txt"), b).unwrap();
    dir
}

/// `a.txt` holds the first two sentences of the PAELLA source, `b.txt`
/// their reworded form in the other order, each beside unrelated text.
fn reworded_pair() -> tempfile::TempDir {
    pair_dir(
        &format!("{} {}\n\n{WINES}\n", PAELLA_SOURCE[0], PAELLA_SOURCE[1]),
        &format!(
            "{TRAINS}\n\n{} {}\n",
            PAELLA_REWORDED[1], PAELLA_REWORDED[0]
        ),
    )
}

/// The shared spans of the link between `a.txt` and `b.txt`, as text.
fn shared_texts(dir: &std::path::Path, report: &Value) -> Vec<(String, String)> {
    let a = fs::read_to_string(dir.join("a.txt")).unwrap();
    let b = fs::read_to_string(dir.join("b.txt")).unwrap();
    report["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["a"] == "a.txt" && l["b"] == "b.txt")
        .flat_map(|l| l["shared"].as_array().unwrap().clone())
        .map(|s| {
            (
                span_text(&a, &s["a_span"]).to_owned(),
                span_text(&b, &s["b_span"]).to_owned(),
            )
        })
        .collect()
}

/// A passage reworded beyond what word alignment bridges links two stories
/// only when pairs that share no aligned passage are searched for
/// rewrites (`--rewrites rare`, the default, or `all`), and then as one
/// span over the whole passage on both sides. (The first two
/// sentences of the passage, in the reworded story's order.)
#[test]
fn a_reworded_passage_is_found_by_default_and_with_rewrites_all() {
    let dir = reworded_pair();
    let path = dir.path().to_str().unwrap();
    for mode in ["off", "linked"] {
        let report = scan_json(&[path, "--rewrites", mode]);
        assert!(shared_texts(dir.path(), &report).is_empty(), "{mode}");
    }
    // By default (rare) as with all: between two stories every shared
    // phrase is rare.
    for args in [&[path][..], &[path, "--rewrites", "all"]] {
        let report = scan_json(args);
        let shared = shared_texts(dir.path(), &report);
        assert_eq!(shared.len(), 1, "{shared:?}");
        let (a, b) = &shared[0];
        assert!(a.starts_with("Probably the most famous") && a.ends_with("means leftovers"));
        assert!(b.starts_with("It's seafood believed") && b.ends_with("s and vegetables"));
    }
}

/// The default (`--rewrites rare`) searches a pair that shares no aligned
/// passage only when the phrases it shares are rare; when every shared
/// phrase is a stock phrase of the corpus (here in 6 story families), only
/// `--rewrites all` finds the reworded passage.
#[test]
fn pairs_sharing_only_stock_phrases_are_searched_only_with_rewrites_all() {
    let dir = reworded_pair();
    // The two phrases the pair shares ("variety of meat pieces", "word
    // which means leftovers") in four more stories.
    let others = [
        "Our butcher sells a variety of meat pieces every Friday. Grandmother used an old word which means leftovers for the Sunday soup.",
        "The zoo feeds its lions a variety of meat pieces at noon. Keepers have a word which means leftovers in their own slang.",
        "Street vendors grill a variety of meat pieces on skewers. Sailors shouted a word which means leftovers when the cook appeared.",
        "Tourists compared a variety of meat pieces at the market. The guide taught them a word which means leftovers in the local dialect.",
    ];
    for (i, text) in others.iter().enumerate() {
        fs::write(dir.path().join(format!("other{i}.txt")), text).unwrap();
    }
    let path = dir.path().to_str().unwrap();
    let rare = scan_json(&[path]);
    assert_eq!(rare["params"]["passages"]["rewrites"], "rare", "{rare}");
    assert!(shared_texts(dir.path(), &rare).is_empty());
    let all = shared_texts(dir.path(), &scan_json(&[path, "--rewrites", "all"]));
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(all[0].0.starts_with("Probably the most famous"), "{all:?}");
}

/// With `--rewrites linked` (and so by default) a passage partly found by alignment
/// extends over the whole reworded passage in both stories: the passage
/// as PAN's corpus has it, sentences in reverse order.
#[test]
fn a_linked_passage_extends_over_its_reworded_sentences() {
    let reworded: Vec<&str> = PAELLA_REWORDED.iter().rev().copied().collect();
    let dir = pair_dir(
        &format!("{}\n\n{WINES}\n", PAELLA_SOURCE.join(" ")),
        &format!("{TRAINS}\n\n{}\n", reworded.join(" ")),
    );
    let path = dir.path().to_str().unwrap();
    let without = shared_texts(dir.path(), &scan_json(&[path, "--rewrites", "off"]));
    assert_eq!(without.len(), 1, "{without:?}");
    assert!(
        without[0].0.starts_with("According to a legend"),
        "{without:?}"
    );
    let with = shared_texts(dir.path(), &scan_json(&[path]));
    assert_eq!(with.len(), 1, "{with:?}");
    let (a, b) = &with[0];
    assert!(a.starts_with("Probably the most famous") && a.ends_with("in large pots"));
    assert!(b.starts_with("According to the legend") && b.ends_with("s and vegetables"));
}

/// Ten stories carry one wire formula with other figures in each, and two
/// of them also share a reposted paragraph: the formula is reported as one
/// template of ten paragraphs and links no stories, the repost links its
/// two stories through exactly that paragraph.
#[test]
fn a_formula_with_other_figures_links_nothing_and_a_repost_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(15);
    let vocab = vocabulary(20_000);
    let prose = |rng: &mut Rng, n: usize| zipf_prose(rng, &vocab, n);
    let repost = prose(&mut rng, 45);
    for i in 0..10u32 {
        let formula = format!(
            "The selling concession is {} pct while management and underwriting combined \
             pays {}/8 pct, and the bonds due {} will be listed in Luxembourg in \
             denominations of {},000 dlrs, the lead manager said on March {}.",
            i + 1,
            i % 7 + 1,
            1990 + i,
            i * 5 + 1,
            i + 2
        );
        let mut paras = vec![prose(&mut rng, 60), formula, prose(&mut rng, 50)];
        if i == 3 || i == 7 {
            paras.insert(2, repost.clone());
        }
        fs::write(dir.path().join(format!("s{i}.txt")), paras.join("\n\n")).unwrap();
    }
    let report = scan_json(&[dir.path().to_str().unwrap()]);
    let links = report["links"].as_array().unwrap();
    let pairs: Vec<(&str, &str)> = links
        .iter()
        .map(|l| (l["a"].as_str().unwrap(), l["b"].as_str().unwrap()))
        .collect();
    assert_eq!(pairs, [("s3.txt", "s7.txt")], "{links:#?}");
    let a = fs::read_to_string(dir.path().join("s3.txt")).unwrap();
    let shared = links[0]["shared"].as_array().unwrap();
    assert_eq!(shared.len(), 1);
    assert_eq!(
        span_text(&a, &shared[0]["a_span"]),
        repost.trim_end_matches('.')
    );
    let templates: Vec<&serde_json::Value> = report["passage_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "template")
        .collect();
    assert_eq!(templates.len(), 1, "{templates:#?}");
    assert_eq!(templates[0]["documents"], 10);
    assert!(templates[0]["quote"]
        .as_str()
        .unwrap()
        .starts_with("The selling concession is "));
    assert_eq!(report["summary"]["template_clusters"], 1);
}

/// Eight stories share a formula paragraph, two of them also a distinctive
/// paragraph of the same length: the distinctive one ranks first, every
/// link's significance is the sum of its passages', and
/// `--min-significance` keeps the repost while dropping the formula.
#[test]
fn links_are_ranked_by_significance_and_filtered_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(21);
    let vocab = vocabulary(20_000);
    let prose = |rng: &mut Rng, n: usize| zipf_prose(rng, &vocab, n);
    let formula = "The company said the offering would be made through underwriters led by \
                   the usual investment banks and that proceeds would be used for general \
                   corporate purposes including the repayment of debt.";
    let repost = "Quarrying at the Kestrel Ridge site halted after geologists found \
                  fossilised amphibian tracks beneath limestone terraces near Ballyvourney, \
                  where the county engineer Siobhan Maguire ordered a survey of the \
                  escarpment before blasting could resume next spring.";
    for i in 0..20u32 {
        let mut paras = vec![prose(&mut rng, 60), prose(&mut rng, 50)];
        if i < 8 {
            paras.insert(1, formula.to_owned());
        }
        if i == 10 || i == 11 {
            paras.insert(1, repost.to_owned());
        }
        fs::write(dir.path().join(format!("s{i:02}.txt")), paras.join("\n\n")).unwrap();
    }
    let path = dir.path().to_str().unwrap();
    let report = scan_json(&[path]);
    let links = report["links"].as_array().unwrap();
    assert_eq!(links.len(), 28 + 1, "{links:#?}");
    let top = (
        links[0]["a"].as_str().unwrap(),
        links[0]["b"].as_str().unwrap(),
    );
    assert_eq!(top, ("s10.txt", "s11.txt"));
    let significance = |l: &Value| l["significance"].as_f64().unwrap();
    for pair in links.windows(2) {
        assert!(significance(&pair[0]) >= significance(&pair[1]));
    }
    for l in links {
        let sum: f64 = l["shared"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["significance"].as_f64().unwrap())
            .sum();
        assert!((sum - significance(l)).abs() < 1e-3, "{l:#?}");
    }
    let formula_best = significance(&links[1]);
    assert!(significance(&links[0]) > 1.5 * formula_best);

    let cut = format!("{}", (significance(&links[0]) + formula_best) / 2.0);
    let filtered = scan_json(&[path, "--min-significance", &cut]);
    let kept = filtered["links"].as_array().unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["a"], "s10.txt");
    let echoed = filtered["params"]["passages"]["min_significance"]
        .as_f64()
        .unwrap();
    assert!((echoed - cut.parse::<f64>().unwrap()).abs() < 1e-9);

    let out = run(&["scan", path, "-q"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().find(|l| l.starts_with("link 1:")).unwrap();
    assert!(
        first.starts_with("link 1: s10.txt ~ s11.txt  significance "),
        "{first}"
    );

    let bad = run(&["scan", path, "--min-significance=-1"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--min-significance"));
}

/// Five stories end with a contributor's tagline after their last
/// paragraph (as BBC stories do), two of them also share a body
/// paragraph: the tagline is boilerplate at five stories, far below the
/// frequency rule's 25, and links nothing; the body paragraph links its
/// two stories.
#[test]
fn a_tagline_at_the_end_of_stories_is_chrome_and_a_body_paragraph_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(33);
    let vocab = vocabulary(20_000);
    let prose = |rng: &mut Rng, n: usize| zipf_prose(rng, &vocab, n);
    let tagline = "Clark Boyd is technology correspondent for The World, a BBC World \
                   Service and WGBH-Boston co-production.";
    let shared = prose(&mut rng, 45);
    for i in 0..8u32 {
        let mut paras = vec![
            prose(&mut rng, 50),
            prose(&mut rng, 40),
            prose(&mut rng, 45),
        ];
        if i == 1 || i == 6 {
            paras.insert(1, shared.clone());
        }
        if i < 5 {
            paras.push(tagline.to_owned());
        }
        fs::write(dir.path().join(format!("t{i}.txt")), paras.join("\n\n")).unwrap();
    }
    let report = scan_json(&[dir.path().to_str().unwrap()]);
    let pairs: Vec<(&str, &str)> = report["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["a"].as_str().unwrap(), l["b"].as_str().unwrap()))
        .collect();
    assert_eq!(pairs, [("t1.txt", "t6.txt")], "{report:#}");
    let chrome: Vec<&Value> = report["passage_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["boilerplate"] == true)
        .collect();
    assert_eq!(chrome.len(), 1, "{chrome:#?}");
    assert_eq!(chrome[0]["documents"], 5);
    assert!(chrome[0]["quote"]
        .as_str()
        .unwrap()
        .starts_with("Clark Boyd"));
}

/// Two stories end with the same share prompts after a "Read also:" line
/// of their own, one of them with a long subscription pitch among the
/// prompts (as the Jakarta Post seeds do): the prompts are chrome and
/// link nothing. A story sent twice, the second time cut short after
/// three short paragraphs, keeps those paragraphs as story: they follow
/// the same paragraph in both, so they are its end, not chrome, even
/// though the longer copy goes on to a long line among short ones.
#[test]
fn prompts_after_a_pitch_are_chrome_and_the_end_of_a_story_sent_twice_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(51);
    let vocab = vocabulary(20_000);
    let mut prose = |n: usize| zipf_prose(&mut rng, &vocab, n);
    let prompt = "Share your experiences, suggestions, and any issues you've encountered \
                  on The Daily Post. We're here to listen.";
    let thanks = "Thank you for sharing your thoughts. We appreciate your feedback.";
    let pitch = prose(31);
    let mut one = vec![prose(50), prose(45), prose(48), prose(40)];
    one.extend([
        "Read also: Harbour cranes repaired".into(),
        prompt.into(),
        thanks.into(),
    ]);
    let mut two = vec![prose(52), prose(44), prose(47), prose(42)];
    two.extend([
        "Read also: Rail strike ends".into(),
        prompt.into(),
        thanks.into(),
    ]);
    two.extend([prose(14), pitch, prose(12)]);
    let body: Vec<String> = (0..4).map(|_| prose(50)).collect();
    let end: Vec<String> = [18, 20, 15].map(&mut prose).to_vec();
    let mut sent = vec![prose(60)];
    sent.extend(body.iter().chain(&end).cloned());
    sent.extend([prose(35), prose(10)]);
    let mut again = vec![prose(60), prose(60)];
    again.extend(body.iter().chain(&end).cloned());
    for (name, paras) in [
        ("one", &one),
        ("two", &two),
        ("sent", &sent),
        ("again", &again),
    ] {
        fs::write(dir.path().join(format!("{name}.txt")), paras.join("\n\n")).unwrap();
    }
    let report = scan_json(&[dir.path().to_str().unwrap()]);
    let links: Vec<&Value> = report["links"].as_array().unwrap().iter().collect();
    let pairs: Vec<(&str, &str)> = links
        .iter()
        .map(|l| (l["a"].as_str().unwrap(), l["b"].as_str().unwrap()))
        .collect();
    assert_eq!(pairs, [("again.txt", "sent.txt")], "{report:#}");
    let quotes: Vec<&str> = report["passage_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["boilerplate"] == true)
        .map(|c| c["quote"].as_str().unwrap())
        .collect();
    assert_eq!(quotes.len(), 2, "{quotes:?}");
    assert!(quotes
        .iter()
        .any(|q| q.starts_with("Share your experiences")));
    assert!(quotes
        .iter()
        .any(|q| q.starts_with("Thank you for sharing")));
    // The story's end is in the passage that links its two copies.
    let again_text = fs::read_to_string(dir.path().join("again.txt")).unwrap();
    let last = &end[2];
    let covered = links[0]["shared"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| span_text(&again_text, &s["a_span"]).contains(last.trim_end_matches('.')));
    assert!(covered, "{:#}", links[0]);
}
