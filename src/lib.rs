//! reprint: near-duplicate and text-reuse detection for news.
//!
//! The pipeline, one module per stage, data flowing one way:
//!
//! | stage | module | in → out |
//! |---|---|---|
//! | read | [`read`] | paths → [`read::SourceFile`]s → [`read::Document`]s + [`read::Warning`]s |
//! | tokenize + normalize | [`tokenize`], [`normalize`] | text → [`tokenize::Word`]s (span + normalized-word hash) |
//! | shingle | [`shingle`] | words → shingle hashes / [`shingle::ShingleSet`] |
//! | sketch | [`sketch`] | shingle hashes → [`sketch::Signature`] |
//! | lsh | [`lsh`] | signatures → candidate pairs |
//! | verify | [`verify`] | candidate pairs → [`verify::VerifiedPair`]s |
//! | cluster | [`cluster`] | verified pairs → [`cluster::Cluster`]s |
//! | report | [`report`] | [`ScanResult`] → text / JSON / JSONL |
//!
//! [`Scanner`] runs the whole pipeline; start there.
//!
//! ```
//! use reprint::{read::Document, ScanOptions, Scanner};
//!
//! let story = "Defence ties between the two countries have grown in recent years \
//!              with Moscow providing army training and university scholarships.";
//! let docs = vec![
//!     Document { id: "a".into(), text: story.into(), line: None, title: None, date: None, source: None },
//!     Document { id: "b".into(), text: story.to_uppercase(), line: None, title: None, date: None, source: None },
//! ];
//! let result = Scanner::new(ScanOptions::default())?.scan_documents(docs);
//! assert_eq!(result.clusters[0].members, ["a", "b"]);
//! # Ok::<(), reprint::Error>(())
//! ```
#![warn(missing_docs)]

pub mod align;
pub mod boilerplate;
pub mod cluster;
pub mod containment;
mod error;
mod filter;
pub mod fingerprint;
pub mod html;
mod html_depth;
pub mod index;
pub mod lsh;
pub mod natural;
pub mod normalize;
pub mod passages;
mod prefetch;
pub mod provenance;
pub mod read;
pub mod report;
pub mod scan;
pub mod serve;
pub mod shingle;
pub mod sketch;
mod sorted;
pub mod tokenize;
pub mod units;
pub mod verify;

pub use error::Error;
pub use passages::PassageKind;
pub use scan::{
    DuplicateCluster, DuplicatePair, LinkFilter, LinkOut, OccurrenceOut, PassageClusterOut,
    Progress, ScanOptions, ScanResult, Scanner, SharedOut,
};
