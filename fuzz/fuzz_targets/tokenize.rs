//! Normalizing, tokenizing and cutting any text into paragraphs and
//! sentences: never panics; words and units are ordered spans on char
//! boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reprint::passages::{DocUnits, PassageOptions};
use reprint::tokenize::Tokenizer;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut words = Vec::new();
    Tokenizer::new(Default::default()).words(&text, &mut words);
    let mut last = 0;
    for w in &words {
        assert!(last <= w.start && w.start < w.end);
        assert!(text.is_char_boundary(w.start as usize) && text.is_char_boundary(w.end as usize));
        last = w.end;
    }
    let n = words.len() as u32;
    let doc = DocUnits::new(&text, words, PassageOptions::default().units);
    for u in &doc.units {
        assert!(u.start < u.end && u.end <= n);
    }
});
