//! Boilerplate: known site chrome, given by the user as a file of lines.
//!
//! Chrome that repeats across many documents is found by document
//! frequency in [`crate::passages`]; this module covers what frequency
//! cannot see in a small corpus (two articles of one site share their
//! chrome exactly as they share a reposted paragraph).
//!
//! File format: one boilerplate paragraph per line, compared after the
//! same normalization as documents (so case, punctuation and spelling
//! variants match). A line ending in `*` is a prefix: it matches every
//! paragraph that starts with those words ("Read also: *"). Blank lines
//! and lines starting with `#` are ignored.

use std::path::Path;

use ahash::AHashMap;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::error::Error;
use crate::normalize::NormalizeOptions;
use crate::tokenize::{Tokenizer, Word};

/// Seed of [`fingerprint`].
const FINGERPRINT_SEED: u64 = 0x7265_7072_696e_7404; // "reprint" + 0x04

/// The stable fingerprint of a word sequence (its word hashes as
/// little-endian bytes, XXH3-64): equal exactly when the normalized words
/// are equal.
pub fn fingerprint(word_hashes: impl IntoIterator<Item = u64>) -> u64 {
    // Sized once and filled a word at a time (collecting a `flat_map` of
    // bytes pushed them one by one).
    let word_hashes = word_hashes.into_iter();
    let mut bytes: Vec<u8> = Vec::with_capacity(8 * word_hashes.size_hint().0);
    for h in word_hashes {
        bytes.extend_from_slice(&h.to_le_bytes());
    }
    xxh3_64_with_seed(&bytes, FINGERPRINT_SEED)
}

/// A list of known boilerplate paragraphs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownBoilerplate {
    /// Fingerprint of a whole paragraph → index of its line.
    exact: AHashMap<u64, usize>,
    /// Word hashes of prefix lines, with their line index.
    prefixes: Vec<(Vec<u64>, usize)>,
    /// The lines as written (for reports).
    lines: Vec<String>,
}

/// The largest boilerplate file read: 16 MiB.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

impl KnownBoilerplate {
    /// Parses boilerplate lines (see the module docs), normalized with
    /// `opts` — which must be the scan's normalization.
    pub fn parse(text: &str, opts: NormalizeOptions) -> Self {
        let mut tokenizer = Tokenizer::new(opts);
        let mut known = KnownBoilerplate::default();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (body, prefix) = match line.strip_suffix('*') {
                Some(body) => (body, true),
                None => (line, false),
            };
            let mut words: Vec<Word> = Vec::new();
            tokenizer.words(body, &mut words);
            if words.is_empty() {
                continue;
            }
            let index = known.lines.len();
            known.lines.push(line.to_owned());
            let hashes: Vec<u64> = words.iter().map(|w| w.hash).collect();
            if prefix {
                known.prefixes.push((hashes, index));
            } else {
                known.exact.entry(fingerprint(hashes)).or_insert(index);
            }
        }
        known
    }

    /// Reads a boilerplate file. Errors when it cannot be read.
    ///
    /// Errors when the file is missing, unreadable or larger than
    /// [`MAX_FILE_BYTES`] (a list of lines is small; `/dev/zero` given by
    /// mistake must not be read until memory runs out).
    pub fn from_file(path: &Path, opts: NormalizeOptions) -> Result<Self, Error> {
        use std::io::Read;
        let io_error = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(path.to_path_buf()),
            _ => Error::Io {
                path: path.to_path_buf(),
                source: e,
            },
        };
        let mut text = Vec::new();
        std::fs::File::open(path)
            .map_err(io_error)?
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut text)
            .map_err(io_error)?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(Error::InvalidOption(format!(
                "{}: a boilerplate file is at most {} MiB; is this the right file?",
                path.display(),
                MAX_FILE_BYTES >> 20
            )));
        }
        Ok(Self::parse(&String::from_utf8_lossy(&text), opts))
    }

    /// Adds the lines of `other`.
    pub fn extend(&mut self, other: KnownBoilerplate) {
        let offset = self.lines.len();
        for (fp, i) in other.exact {
            self.exact.entry(fp).or_insert(i + offset);
        }
        self.prefixes
            .extend(other.prefixes.into_iter().map(|(p, i)| (p, i + offset)));
        self.lines.extend(other.lines);
    }

    /// True when no lines were given.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The index of the line a paragraph (given by its word hashes and
    /// their fingerprint) matches, if any.
    pub fn matches(&self, words: &[u64], fingerprint: u64) -> Option<usize> {
        if let Some(&i) = self.exact.get(&fingerprint) {
            return Some(i);
        }
        self.prefixes
            .iter()
            .find(|(prefix, _)| words.starts_with(prefix))
            .map(|&(_, i)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(text: &str) -> Vec<u64> {
        let mut words = Vec::new();
        Tokenizer::default().words(text, &mut words);
        words.iter().map(|w| w.hash).collect()
    }

    #[test]
    fn exact_and_prefix_lines_match_after_normalization() {
        let known = KnownBoilerplate::parse(
            "# Jakarta Post chrome\nThank you for sharing your thoughts. We appreciate your feedback.\n\nRead also: *\n",
            NormalizeOptions::default(),
        );
        let thanks = hashes("THANK YOU for sharing your thoughts -- we appreciate your feedback");
        assert_eq!(known.matches(&thanks, fingerprint(thanks.clone())), Some(0));
        let read_also = hashes("Read also: Myanmar's COVID-19 cases hit highest since coup");
        assert_eq!(
            known.matches(&read_also, fingerprint(read_also.clone())),
            Some(1)
        );
        let other = hashes("Thank you for sharing your thoughts.");
        assert_eq!(known.matches(&other, fingerprint(other.clone())), None);
    }
}
