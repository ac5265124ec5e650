//! The WARC reader on any archive (plain and gzip-compressed): documents
//! and warnings, never a panic; every document has text and every warning
//! is about the file.
#![no_main]

use std::io::Write;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use reprint::read::{read_file, Format, ReadOptions, SourceFile};

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
}

fuzz_target!(|data: &[u8]| {
    let plain = dir().path().join("fuzz.warc");
    let gz = dir().path().join("fuzz.warc.gz");
    std::fs::write(&plain, data).expect("write");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("compress");
    std::fs::write(&gz, e.finish().expect("compress")).expect("write");
    let opts = ReadOptions {
        max_file_size: 1 << 20,
        ..ReadOptions::default()
    };
    for path in [plain, gz] {
        let file = SourceFile {
            id: "fuzz".into(),
            format: Format::Warc,
            path,
        };
        let read = read_file(&file, &opts);
        for doc in &read.documents {
            assert!(!doc.text.trim().is_empty());
        }
        for w in &read.warnings {
            assert!(w.path.ends_with("fuzz.warc") || w.path.ends_with("fuzz.warc.gz"));
        }
    }
});
