//! What the commands share: writing a file all at once or not at all,
//! the progress bar and the step timings.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use reprint::Progress;

/// Writes to a temporary file beside `path` and renames it into place, so
/// a failed or interrupted run never leaves a half-written report.
///
/// Paths that exist but are not regular files (`/dev/null`, a FIFO) are
/// written in place: renaming over them would replace the device node.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    let shown = path.display();
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot write {shown}"))?;
        let mut w = io::BufWriter::new(file);
        write(&mut w).with_context(|| format!("cannot write {shown}"))?;
        w.flush().with_context(|| format!("cannot write {shown}"))?;
        return Ok(());
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Reports are for sharing: readable by others, as a plain `>` would
    // make them (tempfile's default is owner-only).
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir).with_context(|| {
        format!(
            "cannot write {shown}: cannot create a file in {}",
            dir.display()
        )
    })?;
    {
        let mut w = io::BufWriter::new(tmp.as_file_mut());
        write(&mut w).with_context(|| format!("cannot write {shown}"))?;
        w.flush().with_context(|| format!("cannot write {shown}"))?;
    }
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot write {shown}"))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {shown}"))?;
    Ok(())
}

/// An indicatif progress bar on stderr, one stage at a time.
pub(crate) struct Bar(ProgressBar);

impl Bar {
    pub(crate) fn new() -> Self {
        // Hidden until the first stage starts, so no empty bar is drawn.
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} files ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Bar(bar)
    }
}

impl Progress for Bar {
    fn start(&self, stage: &'static str, total: u64) {
        self.0.set_message(stage);
        self.0.set_length(total);
        self.0.set_position(0);
        self.0.reset_eta();
        self.0.set_draw_target(ProgressDrawTarget::stderr());
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
        self.0.set_draw_target(ProgressDrawTarget::hidden());
    }
}

/// The scan's step timings (`--timings`), with progress passed on to a bar
/// when there is one.
pub(crate) struct Timings {
    bar: Option<Bar>,
    steps: Mutex<Vec<(&'static str, Duration)>>,
}

impl Timings {
    pub(crate) fn new(bar: Option<Bar>) -> Self {
        Timings {
            bar,
            steps: Mutex::new(Vec::new()),
        }
    }

    /// Writes the steps, one a line, in the order they ran, and their sum.
    pub(crate) fn write(&self, threads: usize, out: &mut dyn Write) -> io::Result<()> {
        let steps = self.steps.lock().unwrap_or_else(|e| e.into_inner());
        let s = if threads == 1 { "" } else { "s" };
        writeln!(
            out,
            "reprint: step timings, wall seconds, {threads} thread{s}:"
        )?;
        let width = steps.iter().map(|(s, _)| s.len()).max().unwrap_or(0);
        for (step, elapsed) in steps.iter() {
            writeln!(out, "  {step:<width$}  {:8.3}", elapsed.as_secs_f64())?;
        }
        let total: Duration = steps.iter().map(|(_, e)| *e).sum();
        writeln!(out, "  {:<width$}  {:8.3}", "total", total.as_secs_f64())
    }
}

impl Progress for Timings {
    fn start(&self, stage: &'static str, total: u64) {
        if let Some(bar) = &self.bar {
            bar.start(stage, total);
        }
    }
    fn advance(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.advance(n);
        }
    }
    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
    fn step(&self, step: &'static str, elapsed: Duration) {
        self.steps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((step, elapsed));
    }
}
