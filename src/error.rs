//! The library's error type: the failures that stop a whole run.
//!
//! Problems with one file or one line are not errors; they are
//! [`crate::read::Warning`]s and the run goes on.

use std::path::PathBuf;

/// A failure that stops a scan before any output is written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path given on the command line (or to the API) does not exist.
    #[error("{}: no such file or directory", .0.display())]
    NotFound(PathBuf),
    /// A path given on the command line could not be inspected.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The index file could not be used.
    #[error("{}: {message}", path.display())]
    Index {
        /// The index file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The index was built with other parameters.
    #[error("{}: built with other parameters ({differences}); use the index's parameters or build a new index", path.display())]
    IncompatibleIndex {
        /// The index file.
        path: PathBuf,
        /// Which parameters differ.
        differences: String,
    },
    /// An admitted id came again with different text.
    #[error("id \"{id}\" is already admitted with different text; use --replace to replace it")]
    IdConflict {
        /// The id.
        id: String,
    },
    /// The HTML report could not be rendered or written.
    #[error("report: {0}")]
    Report(String),
    /// The HTTP service could not start or run.
    #[error("serve: {0}")]
    Serve(String),
    /// An option value that cannot work, with what to do instead.
    #[error("invalid option: {0}")]
    InvalidOption(String),
}
