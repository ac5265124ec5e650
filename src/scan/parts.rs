//! The document stage in parts, for a job that runs it on many machines
//! (the Python package's Spark job): what one worker computes for one
//! text, and for one candidate pair, exactly as [`Scanner`]'s own run
//! computes it, so that grouping, joining and connected components done
//! elsewhere give the scan's pairs and clusters.
//!
//! A scan, in these parts: [`Scanner::keys`] for every document (a
//! document without keys has no words and is skipped); documents with
//! equal [`DocumentKeys::content`] are exact duplicates, represented by
//! the first; two representatives sharing a band key (same band, same
//! key) are a candidate; [`Scanner::jaccard`] verifies a candidate against
//! [`Params::threshold`](super::Params::threshold); verified pairs are expanded to the duplicates
//! (every pair inside a group of at most [`MAX_EXPANDED_GROUP`] members at
//! Jaccard 1, the representative's pairs for each member; a larger group
//! by its representative only, plus a star of 1.0 pairs to it); clusters
//! are the connected components.

use super::{content_fingerprint, Scanner};
use crate::fingerprint::Fingerprinter;
use crate::lsh::band_key;
use crate::sketch::Sketcher;
use crate::verify::VerifyMode;

pub use super::naming::MAX_EXPANDED_GROUP;

/// What the document stage keeps of one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentKeys {
    /// The fingerprint of its normalized word sequence: equal for exact
    /// duplicates (the scan collapses them before LSH).
    pub content: u64,
    /// Its LSH band keys, band 0 first ([`Params::lsh`](super::Params::lsh)'s `bands` of
    /// them); two documents are candidates when they share the key of one
    /// band.
    pub band_keys: Vec<u64>,
}

impl Scanner {
    /// The keys of `text` as a scan computes them; `None` when the text
    /// has no words (a scan skips such a document with a warning).
    pub fn keys(&self, text: &str) -> Option<DocumentKeys> {
        let p = &self.params;
        Fingerprinter::with_local(p.normalize, p.shingle, |fp| {
            let hashes = fp.read(text);
            let signature = Sketcher::new(p.num_perm).sketch(hashes)?;
            Some(DocumentKeys {
                content: content_fingerprint(hashes),
                band_keys: (0..p.lsh.bands)
                    .map(|band| band_key(&signature, p.lsh, band))
                    .collect(),
            })
        })
    }

    /// The similarity a scan verifies a candidate pair by: the exact
    /// Jaccard of the two texts' shingle sets (the pair is kept when it is
    /// at least [`Params::threshold`](super::Params::threshold)). With `--verify estimate` a scan
    /// compares signatures instead; this is the exact measure either way
    /// (see [`Scanner::verifies_exactly`]).
    pub fn jaccard(&self, a: &str, b: &str) -> f64 {
        let p = &self.params;
        Fingerprinter::with_local(p.normalize, p.shingle, |fp| {
            let sa = fp.shingle_set(a);
            sa.jaccard(&fp.shingle_set(b))
        })
    }

    /// Whether this scan verifies candidates exactly (the default), so
    /// that [`Scanner::jaccard`] decides its pairs.
    pub fn verifies_exactly(&self) -> bool {
        self.params.verify == VerifyMode::Exact
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::doc;
    use super::*;
    use crate::read::Document;
    use crate::ScanOptions;

    /// The parts, put together as the module says, give the scan's pairs.
    #[test]
    fn the_parts_give_the_scans_pairs() {
        let base = "The central bank raised its key interest rate by a quarter point on Tuesday, citing inflation that has stayed above target for a year, and signalled more increases could follow if prices keep rising. Markets had expected the move after weeks of strong data on wages and consumer spending, and the currency barely moved. Economists said the bank would probably pause in the summer to see how households cope with higher mortgage payments before deciding whether to tighten again.";
        let texts = [
            base.to_string(),
            base.replace("Tuesday", "Wednesday"),
            base.to_string(),
            "Heavy rain flooded roads across the north of the country overnight and officials warned residents to stay indoors.".to_string(),
            String::new(),
        ];
        let docs: Vec<Document> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| doc(&i.to_string(), t))
            .collect();
        let opts = ScanOptions {
            passages: None,
            ..ScanOptions::default()
        };
        let scanner = Scanner::new(opts).expect("default options are valid");
        let result = scanner.scan_documents(docs);
        let keys: Vec<Option<DocumentKeys>> = texts.iter().map(|t| scanner.keys(t)).collect();
        assert!(keys[4].is_none(), "no words, no keys");
        assert_eq!(
            keys[0].as_ref().map(|k| k.content),
            keys[2].as_ref().map(|k| k.content)
        );
        assert_ne!(
            keys[0].as_ref().map(|k| k.content),
            keys[1].as_ref().map(|k| k.content)
        );
        let shares_a_band = |a: usize, b: usize| match (&keys[a], &keys[b]) {
            (Some(x), Some(y)) => x.band_keys.iter().zip(&y.band_keys).any(|(p, q)| p == q),
            _ => false,
        };
        assert!(shares_a_band(0, 1));
        assert!(!shares_a_band(0, 3));
        let jaccard = scanner.jaccard(&texts[0], &texts[1]);
        let pairs = &result.clusters[0].pairs;
        let scanned = pairs
            .iter()
            .find(|p| (p.a.as_str(), p.b.as_str()) == ("0", "1"))
            .expect("0 ~ 1 is a scanned pair");
        assert_eq!(scanned.jaccard, jaccard);
        assert!(scanner.verifies_exactly());
        assert_eq!(
            scanner.keys(&texts[1]).map(|k| k.band_keys.len()),
            Some(scanner.params().lsh.bands)
        );
    }
}
