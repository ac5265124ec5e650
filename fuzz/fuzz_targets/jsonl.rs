//! The JSONL reader on any line: a document or a warning naming the line,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reprint::read::{parse_line, Format, ReadOptions, SourceFile};

fuzz_target!(|data: &[u8]| {
    let file = SourceFile {
        path: "fuzz.jsonl".into(),
        id: "fuzz.jsonl".into(),
        format: Format::Jsonl,
    };
    let opts = ReadOptions::default();
    for (n, line) in String::from_utf8_lossy(data).lines().enumerate() {
        // A warning — a skipped line's, or a kept line's about its date —
        // names the line it is about.
        if let Some(Err(w) | Ok((_, Some(w)))) = parse_line(&file, n as u64 + 1, line, &opts) {
            assert_eq!(w.line, Some(n as u64 + 1));
        }
    }
});
