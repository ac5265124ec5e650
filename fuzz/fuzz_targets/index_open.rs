//! Opening any file as an index: refused with an error or opened, never a
//! panic that escapes; an opened one answers its counts and verifies or
//! says why not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // libFuzzer's hook aborts on any panic, even one reprint catches
        // (`Index::open` catches a panic of redb's integrity check on a
        // crafted file and refuses the file): keep the default hook, so
        // that only a panic escaping to the harness counts as a crash.
        let _ = std::panic::take_hook();
    },
    |data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fuzz.redb");
    std::fs::write(&path, data).expect("write");
    if let Ok(index) = reprint::index::Index::open(&path) {
        let _ = index.stats();
        let _ = index.verify();
    }
});
