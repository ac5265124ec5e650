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
    /// An option value that cannot work, with what to do instead.
    #[error("invalid option: {0}")]
    InvalidOption(String),
}
