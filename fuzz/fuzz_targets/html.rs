//! The HTML reader on any page, as an article and whole: never panics, and
//! its text's words lie on char boundaries of that text (spans index it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use reprint::read::{html_page_with, HtmlMode};

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    for mode in [HtmlMode::Article, HtmlMode::Full] {
        let page = html_page_with(&html, mode);
        let mut words = Vec::new();
        reprint::tokenize::Tokenizer::new(Default::default()).words(&page.text, &mut words);
        for w in &words {
            assert!(page.text.is_char_boundary(w.start as usize));
            assert!(page.text.is_char_boundary(w.end as usize));
        }
    }
});
