//! Where a scan's documents come from — files read again in pass 2, or
//! documents in memory — and what pass 1 keeps of each.

use crate::passages::DocUnits;
use crate::read::{
    display_path, read_file, read_file_chunks, read_file_lines, Document, FileRead, ReadOptions,
    SourceFile, Warning,
};
use crate::sketch::Signature;

/// Pass 2's yield for one file: values by record index, and warnings for
/// documents that changed.
pub(super) type Reloaded<T> = (Vec<(usize, T)>, Vec<Warning>);

/// What pass 1 keeps of a document.
pub(super) struct Record {
    pub(super) id: String,
    pub(super) line: Option<u64>,
    /// Which file of the source it came from, and its position among that
    /// file's documents: how pass 2 finds it again.
    pub(super) file: u32,
    pub(super) pos: u32,
    pub(super) text_hash: u64,
    pub(super) text_len: u32,
    /// The title shown beside the id ([`shown_title`]).
    pub(super) title: Box<str>,
    /// Its date and source ([`Document::date`], [`Document::source`]).
    pub(super) date: Option<crate::read::Timestamp>,
    pub(super) source: Option<Box<str>>,
    /// Fingerprint of the shingle sequence: equal for exact duplicates
    /// after normalization (in-memory only, never persisted).
    pub(super) content: u64,
    /// `None` when the document has no words. Moved out after pass 1.
    pub(super) signature: Option<Signature>,
    /// Words and units for the passage stage (when it runs). Moved out
    /// when the stage starts.
    pub(super) units: Option<DocUnits>,
}

/// Lines of a JSONL feed read and fingerprinted together in pass 1: enough
/// to keep both threads busy, few enough that a feed's documents are not
/// all in memory at once.
pub(super) const CHUNK_LINES: usize = 4096;

/// Where documents come from: files that can be read, and read again in
/// pass 2.
pub(super) trait Source: Sync {
    fn len(&self) -> usize;
    fn read(&self, file: usize) -> FileRead;
    /// What [`Source::read`] returns, in order, in chunks: those of a
    /// JSONL file [`CHUNK_LINES`] lines at a time; any other file whole.
    fn read_chunks(&self, file: usize) -> Box<dyn Iterator<Item = FileRead> + '_> {
        Box::new(std::iter::once(self.read(file)))
    }
    /// The documents of `file` on the given 1-based lines (sorted): those
    /// of a JSONL file without parsing its other lines; a source without
    /// lines reads the whole file.
    fn read_lines(&self, file: usize, _lines: &[u64]) -> FileRead {
        self.read(file)
    }
    /// How warnings name the file.
    fn path(&self, file: usize) -> String;
}

pub(super) struct FileSource<'a> {
    pub(super) files: &'a [SourceFile],
    pub(super) opts: &'a ReadOptions,
}

impl Source for FileSource<'_> {
    fn len(&self) -> usize {
        self.files.len()
    }
    fn read(&self, file: usize) -> FileRead {
        read_file(&self.files[file], self.opts)
    }
    fn read_chunks(&self, file: usize) -> Box<dyn Iterator<Item = FileRead> + '_> {
        Box::new(read_file_chunks(&self.files[file], self.opts, CHUNK_LINES))
    }
    fn read_lines(&self, file: usize, lines: &[u64]) -> FileRead {
        read_file_lines(&self.files[file], self.opts, lines)
    }
    fn path(&self, file: usize) -> String {
        display_path(&self.files[file].path)
    }
}

/// In-memory documents: each document is its own "file".
pub(super) struct MemorySource(pub(super) Vec<Document>);

impl Source for MemorySource {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn read(&self, file: usize) -> FileRead {
        FileRead {
            documents: vec![self.0[file].clone()],
            warnings: Vec::new(),
        }
    }
    fn path(&self, file: usize) -> String {
        self.0[file].id.clone()
    }
}
