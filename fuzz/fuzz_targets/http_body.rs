//! Any `/check` request body against a small index: a verdict or a 400's
//! reason, never a panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use reprint::index::{Index, IndexParams};
use reprint::read::ReadOptions;

fn index() -> &'static Index {
    static INDEX: OnceLock<(tempfile::TempDir, Index)> = OnceLock::new();
    &INDEX
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let index = Index::create(
                &dir.path().join("i.redb"),
                IndexParams::new(0.8, 5, 128, None, true),
            )
            .expect("index");
            let seeds = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../data/000_85676adcdf0feb57.txt"
            );
            let text = std::fs::read_to_string(seeds).expect("seed article");
            let doc = reprint::read::Document {
                id: "seed".into(),
                text,
                line: None,
                title: None,
                date: None,
                source: None,
            };
            index.admit(&doc, Default::default()).expect("admit");
            (dir, index)
        })
        .1
}

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = reprint::serve::request_article(data, &ReadOptions::default(), false) {
        index().check(&doc).expect("check");
    }
});
