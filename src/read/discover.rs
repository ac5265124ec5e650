//! Discovery: the paths a user gives → the files to read, in a
//! reproducible order, with a warning for each entry that cannot be
//! walked.

use std::fs;
use std::path::{Path, PathBuf};

use ahash::AHashSet;

use super::{Format, SourceFile, Warning, WarningKind};
use crate::error::Error;

/// The files found under the given paths.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Files to read, in a reproducible order.
    pub files: Vec<SourceFile>,
    /// Files inside directories skipped for their extension.
    pub skipped_unsupported: usize,
    /// Problems met while walking.
    pub warnings: Vec<Warning>,
}

/// Lists the files to read under `roots`.
///
/// Errors only when a root does not exist or cannot be inspected; anything
/// wrong below a root becomes a warning.
pub fn discover<P: AsRef<Path>>(roots: &[P]) -> Result<Discovery, Error> {
    let mut found = Discovery::default();
    let mut seen: AHashSet<FileKey> = AHashSet::new();
    for root in roots {
        let root = root.as_ref();
        let meta = fs::metadata(root).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(root.to_path_buf()),
            _ => Error::Io {
                path: root.to_path_buf(),
                source: e,
            },
        })?;
        if !meta.is_dir() {
            let format = Format::from_path(root).unwrap_or(Format::Text);
            let key = file_key(root, &meta);
            found.add(
                &mut seen,
                key,
                root.to_path_buf(),
                display_path(root),
                format,
            );
            continue;
        }
        // The device of each directory on the way down: a regular file's
        // identity is its directory's device and the inode its directory
        // entry names, known without a system call per file.
        let mut devices: Vec<Option<u64>> = Vec::new();
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    found.warnings.push(walk_warning(root, &err));
                    continue;
                }
            };
            if entry.file_type().is_dir() {
                devices.truncate(entry.depth());
                devices.push(entry.metadata().ok().map(|m| device(&m)));
                continue;
            }
            let Some(format) = Format::from_path(entry.path()) else {
                found.skipped_unsupported += 1;
                continue;
            };
            if !entry.file_type().is_file() {
                found.warnings.push(Warning::new(
                    entry.path(),
                    None,
                    WarningKind::SpecialFile,
                    "not a regular file (a FIFO, socket or device); skipped, as reading it could \
                     wait forever (name it on the command line to read it)",
                ));
                continue;
            }
            let id = relative_id(root, entry.path());
            let device = devices
                .get(entry.depth().wrapping_sub(1))
                .copied()
                .flatten();
            let key = entry_key(&entry, device);
            found.add(&mut seen, key, entry.into_path(), id, format);
        }
    }
    Ok(found)
}

/// What tells one file from another when two paths reach it (overlapping
/// roots, symlinks): its device and inode on Unix (walkdir's loop
/// detection compares directories the same way), its canonical path
/// elsewhere.
#[cfg(unix)]
type FileKey = (u64, u64);
#[cfg(not(unix))]
type FileKey = PathBuf;

#[cfg(unix)]
fn device(meta: &fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::dev(meta)
}

#[cfg(not(unix))]
fn device(_: &fs::Metadata) -> u64 {
    0
}

/// The key of a file named as a root, from its metadata.
#[cfg(unix)]
fn file_key(_: &Path, meta: &fs::Metadata) -> Option<FileKey> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_key(path: &Path, _: &fs::Metadata) -> Option<FileKey> {
    fs::canonicalize(path).ok()
}

/// The key of a file met in a walk, its directory on device `device`:
/// from its directory entry, or (for a symlink, whose entry names the
/// link) from the file it points to. `None` when that cannot be told (the
/// file vanished; it is reported when read).
#[cfg(unix)]
fn entry_key(entry: &walkdir::DirEntry, device: Option<u64>) -> Option<FileKey> {
    use std::os::unix::fs::MetadataExt;
    use walkdir::DirEntryExt;
    match device {
        Some(dev) if !entry.path_is_symlink() => Some((dev, entry.ino())),
        _ => entry.metadata().ok().map(|m| (m.dev(), m.ino())),
    }
}

#[cfg(not(unix))]
fn entry_key(entry: &walkdir::DirEntry, _: Option<u64>) -> Option<FileKey> {
    fs::canonicalize(entry.path()).ok()
}

impl Discovery {
    /// Lists a file unless its `key` was listed already (then warns).
    fn add(
        &mut self,
        seen: &mut AHashSet<FileKey>,
        key: Option<FileKey>,
        path: PathBuf,
        id: String,
        format: Format,
    ) {
        if key.is_some_and(|k| !seen.insert(k)) {
            self.warnings.push(Warning::new(
                &path,
                None,
                WarningKind::AlreadyRead,
                "reached a second time (overlapping paths, a symlink or a hard link); read once",
            ));
            return;
        }
        self.files.push(SourceFile { path, id, format });
    }
}

pub(super) fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

pub(super) fn relative_id(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    // Most paths (UTF-8 names joined by `/`) are their own id: no walk
    // over components, no string per name. Discovery is serial, so this
    // is wall time on a directory of a million files.
    if let Some(plain) = rel
        .to_str()
        .filter(|s| std::path::MAIN_SEPARATOR == '/' && is_plain(s))
    {
        return plain.to_owned();
    }
    joined_components(rel)
}

/// The components of `path`, each [`escaped`], joined by `/`.
fn joined_components(path: &Path) -> String {
    let parts: Vec<String> = path.components().map(|c| escaped(c.as_os_str())).collect();
    parts.join("/")
}

/// Whether `path` is names joined by single `/`s, none of them `.`: what
/// joining its components with `/` gives back unchanged.
fn is_plain(path: &str) -> bool {
    path.split('/').all(|name| !name.is_empty() && name != ".")
}

/// A file name as text: UTF-8 as it is, any other byte as `\xNN`, so
/// that names differing only in invalid bytes (`bad\xff.txt`,
/// `bad\xfe.txt`) keep distinct ids instead of both becoming
/// `bad\u{fffd}.txt`.
pub(super) fn escaped(name: &std::ffi::OsStr) -> String {
    let mut out = String::new();
    for chunk in name.as_encoded_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// A path as shown to users: lossy UTF-8 with `/` separators.
pub(crate) fn display_path(path: &Path) -> String {
    let shown = escaped(path.as_os_str());
    if std::path::MAIN_SEPARATOR == '/' {
        shown
    } else {
        shown.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

pub(super) fn walk_warning(root: &Path, err: &walkdir::Error) -> Warning {
    let path = err.path().unwrap_or(root);
    if let Some(ancestor) = err.loop_ancestor() {
        return Warning::new(
            path,
            None,
            WarningKind::SymlinkLoop,
            format!(
                "symlink loop (points back to {}); not followed",
                display_path(ancestor)
            ),
        );
    }
    let reason = err
        .io_error()
        .map_or_else(|| err.to_string(), |e| e.to_string());
    Warning::new(
        path,
        None,
        WarningKind::Unreadable,
        format!("cannot read: {reason}; skipped"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_path_is_its_own_id_and_any_other_is_joined_by_components() {
        let root = Path::new("corpus");
        for rel in [
            "a.txt",
            "bbc/tech/001.txt",
            "a//b.txt",
            "./a.txt",
            "a/./b.txt",
            "a/",
            "a/..",
            "../x",
            "ä/ü.txt",
            "a/.hidden",
            ".",
        ] {
            let path = root.join(rel);
            assert_eq!(
                relative_id(root, &path),
                joined_components(path.strip_prefix(root).unwrap()),
                "{rel}"
            );
        }
    }
}
