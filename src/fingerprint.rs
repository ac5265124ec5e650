//! Fingerprint: one text → its words, shingle hashes and passage units —
//! the one path by which `scan` and the gate (`index`) see a text, so that
//! an article checked against an index is tokenized, shingled and cut
//! into paragraphs exactly as a scan of it would be.
//!
//! A [`Fingerprinter`] holds one thread's buffers (the tokenizer's, the
//! words, the shingle hashes) from one text to the next; what each caller
//! computes on top (a scan's signature and content hash, the gate's band
//! keys, paragraph fingerprints and winnowed anchors) starts from here.

use std::cell::RefCell;

use crate::normalize::NormalizeOptions;
use crate::passages::DocUnits;
use crate::shingle::{shingle_hashes, ShingleSet};
use crate::tokenize::{Tokenizer, Word};
use crate::units::UnitOptions;

/// Reads texts into words, shingle hashes and units, one text at a time.
///
/// Not shared between threads: each keeps one (rayon's `map_init`, a
/// thread-local).
#[derive(Debug)]
pub struct Fingerprinter {
    tokenizer: Tokenizer,
    shingle: usize,
    words: Vec<Word>,
    hashes: Vec<u64>,
}

impl Fingerprinter {
    /// A fingerprinter normalizing words with `normalize` and hashing
    /// shingles of `shingle` words (`1..=MAX_SHINGLE`; callers validate it).
    pub fn new(normalize: NormalizeOptions, shingle: usize) -> Self {
        Fingerprinter {
            tokenizer: Tokenizer::new(normalize),
            shingle,
            words: Vec::new(),
            hashes: Vec::new(),
        }
    }

    /// Runs `f` with this thread's fingerprinter for these options, made
    /// when the thread first needs one (or needs other options): a thread
    /// keeps its buffers from one text to the next, however the work is
    /// split among threads. `f` must not call `with_local` itself.
    pub fn with_local<T>(
        normalize: NormalizeOptions,
        shingle: usize,
        f: impl FnOnce(&mut Fingerprinter) -> T,
    ) -> T {
        thread_local! {
            static LOCAL: RefCell<Option<Fingerprinter>> = const { RefCell::new(None) };
        }
        LOCAL.with(|cell| {
            let mut slot = cell.borrow_mut();
            let fp = match slot.as_mut() {
                Some(fp) if fp.options() == (normalize, shingle) => fp,
                _ => slot.insert(Fingerprinter::new(normalize, shingle)),
            };
            f(fp)
        })
    }

    /// The options it was made with: a thread-local fingerprinter is made
    /// again when a caller needs other ones.
    pub fn options(&self) -> (NormalizeOptions, usize) {
        (self.tokenizer.options(), self.shingle)
    }

    /// Reads `text`: returns its shingle hashes in text order (with
    /// repeats); [`Self::words`] holds its words. Both are valid until the
    /// next call.
    pub fn read(&mut self, text: &str) -> &[u64] {
        self.tokenize(text);
        self.hashes.clear();
        shingle_hashes(&self.words, self.shingle, &mut self.hashes);
        &self.hashes
    }

    /// Reads `text` into words only ([`Self::words`]; no shingles):
    /// enough for [`Self::units`].
    pub fn tokenize(&mut self, text: &str) -> &[Word] {
        self.words.clear();
        self.tokenizer.words(text, &mut self.words);
        &self.words
    }

    /// The words of the text last read.
    pub fn words(&self) -> &[Word] {
        &self.words
    }

    /// The passage units of `text`, which must be the text last read
    /// (or tokenized).
    pub fn units(&self, text: &str, opts: UnitOptions) -> DocUnits {
        DocUnits::new(text, self.words.clone(), opts)
    }

    /// The shingle set of `text` (verifying a near-duplicate pair).
    pub fn shingle_set(&mut self, text: &str) -> ShingleSet {
        ShingleSet::from_hashes(self.read(text).to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words, shingles and units of a text are those the stages make
    /// of it one by one.
    #[test]
    fn a_text_reads_as_the_stages_read_it() {
        let text = "The port strike entered a second week.\n\nTalks over automated cranes stalled again on Monday, officials said.";
        let mut fp = Fingerprinter::new(NormalizeOptions::default(), 3);
        let hashes = fp.read(text).to_vec();
        let mut words = Vec::new();
        Tokenizer::new(NormalizeOptions::default()).words(text, &mut words);
        let mut expected = Vec::new();
        shingle_hashes(&words, 3, &mut expected);
        assert_eq!(hashes, expected);
        assert_eq!(fp.words(), &words[..]);
        let units = fp.units(text, UnitOptions::default());
        assert_eq!(
            units.units,
            DocUnits::new(text, words, UnitOptions::default()).units
        );
        assert_eq!(fp.shingle_set(text), ShingleSet::from_hashes(expected));
    }
}
