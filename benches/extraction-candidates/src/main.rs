//! Runs a candidate extractor — `dom_smoothie` (a readability.js port) or
//! `readability` (a port of arc90's readability) — over the benchmark's
//! pages and prints its predictions as the benchmark's JSON (`{key:
//! {"articleBody": text}}`), for `benches/extraction_score.py`:
//!
//! ```sh
//! cd benches/extraction-candidates
//! cargo run --release -- dom_smoothie ../../../shared/corpora/article-extraction > /tmp/dom_smoothie.json
//! python3 ../extraction_score.py ../../../shared/corpora/article-extraction/ground-truth.json /tmp/dom_smoothie.json
//! ```

use std::io::Write;

fn main() {
    let which = std::env::args()
        .nth(1)
        .expect("dom_smoothie or readability");
    let dir = std::env::args().nth(2).expect("the benchmark folder");
    let mut out = serde_json::Map::new();
    let start = std::time::Instant::now();
    let mut pages: Vec<_> = std::fs::read_dir(format!("{dir}/html"))
        .expect("html/ in the benchmark folder")
        .map(|e| e.expect("readable entry").path())
        .collect();
    pages.sort();
    for path in &pages {
        let key = path.file_stem().unwrap().to_string_lossy().into_owned();
        let html = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        let text = match which.as_str() {
            "dom_smoothie" => dom_smoothie(html),
            "readability" => readability(&html),
            other => panic!("unknown extractor {other}"),
        };
        out.insert(key, serde_json::json!({ "articleBody": text }));
    }
    let ms = start.elapsed().as_secs_f64() * 1000.0 / pages.len().max(1) as f64;
    eprintln!("{which}: {} pages, {ms:.1} ms per page", pages.len());
    std::io::stdout()
        .write_all(serde_json::to_string(&out).unwrap().as_bytes())
        .unwrap();
}

fn dom_smoothie(html: String) -> String {
    let cfg = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        ..Default::default()
    };
    dom_smoothie::Readability::new(html, None, Some(cfg))
        .and_then(|mut r| r.parse())
        .map(|a| a.text_content.to_string())
        .unwrap_or_default()
}

fn readability(html: &str) -> String {
    let url = url::Url::parse("https://example.com/").unwrap();
    readability::extractor::extract(&mut html.as_bytes(), &url)
        .map(|p| p.text)
        .unwrap_or_default()
}
