//! Warnings: what went wrong with one file or line, named so that a
//! person can find it — never an error that stops a scan.

use std::path::Path;

use super::display_path;

/// What went wrong with one file or line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WarningKind {
    /// Invalid UTF-8, decoded with replacement characters.
    InvalidUtf8,
    /// More than 1% NUL bytes in the first 8 KiB: skipped.
    Binary,
    /// Stray NUL bytes in text, replaced with spaces (document kept).
    NulBytes,
    /// No text: skipped.
    Empty,
    /// Text without a single word: skipped.
    NoWords,
    /// Larger than `--max-file-size`: skipped.
    TooLarge,
    /// Could not be opened or read: skipped.
    Unreadable,
    /// A JSONL line that is not a usable JSON object: skipped.
    MalformedLine,
    /// A symlink pointing at one of its own ancestors: not followed.
    SymlinkLoop,
    /// An id seen before: the later document is skipped.
    DuplicateId,
    /// The same file reached twice (overlapping paths, a symlink or a hard
    /// link).
    AlreadyRead,
    /// A file that changed between the two passes of a scan.
    Changed,
    /// A FIFO, socket or device met while walking a directory: opening one
    /// can block forever, so it is not read (name it on the command line
    /// to read it, as with `<(command)`).
    SpecialFile,
    /// An HTML page nested deeper than 512 elements: the deeper tags were
    /// removed before parsing, their text kept (document kept).
    DeepHtml,
    /// A metadata field (a date) that could not be read: ignored
    /// (document kept).
    BadField,
    /// A WARC record that could not be read: skipped (or, when the
    /// archive cannot be followed past it, the rest of the file).
    BadRecord,
}

impl WarningKind {
    /// Every kind, for parsing names back.
    pub const ALL: [WarningKind; 16] = [
        WarningKind::InvalidUtf8,
        WarningKind::Binary,
        WarningKind::NulBytes,
        WarningKind::Empty,
        WarningKind::NoWords,
        WarningKind::TooLarge,
        WarningKind::Unreadable,
        WarningKind::MalformedLine,
        WarningKind::SymlinkLoop,
        WarningKind::DuplicateId,
        WarningKind::AlreadyRead,
        WarningKind::Changed,
        WarningKind::SpecialFile,
        WarningKind::DeepHtml,
        WarningKind::BadField,
        WarningKind::BadRecord,
    ];

    /// The kind named `name` (see [`WarningKind::as_str`]).
    pub fn from_name(name: &str) -> Option<WarningKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// A stable machine-readable name (used in JSON output).
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::InvalidUtf8 => "invalid_utf8",
            WarningKind::Binary => "binary",
            WarningKind::NulBytes => "nul_bytes",
            WarningKind::Empty => "empty",
            WarningKind::NoWords => "no_words",
            WarningKind::TooLarge => "too_large",
            WarningKind::Unreadable => "unreadable",
            WarningKind::MalformedLine => "malformed_line",
            WarningKind::SymlinkLoop => "symlink_loop",
            WarningKind::DuplicateId => "duplicate_id",
            WarningKind::AlreadyRead => "already_read",
            WarningKind::Changed => "changed",
            WarningKind::SpecialFile => "special_file",
            WarningKind::DeepHtml => "deep_html",
            WarningKind::BadField => "bad_field",
            WarningKind::BadRecord => "bad_record",
        }
    }
}

/// A problem with one file or line; the run goes on without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file, as found from the given path.
    pub path: String,
    /// 1-based line, for problems inside a JSONL file.
    pub line: Option<u64>,
    /// What kind of problem.
    pub kind: WarningKind,
    /// A sentence saying what happened and what reprint did about it.
    pub message: String,
}

impl Warning {
    pub(super) fn new(
        path: &Path,
        line: Option<u64>,
        kind: WarningKind,
        message: impl Into<String>,
    ) -> Self {
        Warning {
            path: display_path(path),
            line,
            kind,
            message: message.into(),
        }
    }
}

/// For a terminal: control characters (ESC, newlines, …) shown as
/// escapes (`\u{1b}`), so a file name cannot move the cursor, recolour
/// the terminal or split a line of output in two.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (path, message) = (terminal_safe(&self.path), terminal_safe(&self.message));
        match self.line {
            Some(line) => write!(f, "{path}:{line}: {message}"),
            None => write!(f, "{path}: {message}"),
        }
    }
}
