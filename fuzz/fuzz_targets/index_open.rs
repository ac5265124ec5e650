//! Opening any file as an index: refused with an error or opened, never a
//! panic; an opened one answers its counts and verifies or says why not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fuzz.redb");
    std::fs::write(&path, data).expect("write");
    if let Ok(index) = reprint::index::Index::open(&path) {
        let _ = index.stats();
        let _ = index.verify();
    }
});
