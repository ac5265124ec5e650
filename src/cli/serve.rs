//! `reprint serve`: the gate as an HTTP service.

use std::io::Read;

use anyhow::{Context, Result};

use reprint::read::DEFAULT_MAX_FILE_SIZE;
use reprint::serve::ServeOptions;

use crate::*;

pub(crate) fn serve(args: ServeArgs) -> Result<()> {
    anyhow::ensure!(
        args.max_body > 0,
        "--max-body 0 would refuse every request; give a size such as 8MiB"
    );
    let token = match &args.token_file {
        Some(path) => {
            // A token is short: read a little past the limit to tell, so a
            // device given by mistake (/dev/zero) is not read forever.
            const MAX_TOKEN: u64 = 4096;
            let mut bytes = Vec::new();
            std::fs::File::open(path)
                .and_then(|f| f.take(MAX_TOKEN + 1).read_to_end(&mut bytes))
                .with_context(|| format!("cannot read the token file {}", path.display()))?;
            anyhow::ensure!(
                bytes.len() as u64 <= MAX_TOKEN,
                "{}: a token file is at most {MAX_TOKEN} bytes; is this the right file?",
                path.display()
            );
            let t = String::from_utf8(bytes)
                .with_context(|| format!("{}: the token is not UTF-8", path.display()))?;
            let t = t.trim().to_owned();
            anyhow::ensure!(!t.is_empty(), "{}: the token file is empty", path.display());
            Some(t)
        }
        None => None,
    };
    let index = args.judge.open(&args.index)?;
    // A file-size limit (`ulimit -f`) reached while the index grows is then
    // an I/O error (EFBIG), which the service recovers from like a full
    // disk, instead of a signal that kills it.
    // SAFETY: setting a signal's disposition to "ignore" before any other
    // thread of ours runs; no handler code is involved.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    if !args.addr.ip().is_loopback() && token.is_none() {
        eprintln!(
            "reprint: warning: listening on {} without --token-file: anyone who can reach it can admit articles",
            args.addr
        );
    }
    let opts = ServeOptions {
        addr: args.addr,
        token,
        open_reads: args.open_reads,
        header_timeout: std::time::Duration::from_secs(args.header_timeout),
        request_timeout: std::time::Duration::from_secs(args.request_timeout),
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        max_body: usize::try_from(args.max_body).unwrap_or(usize::MAX),
        policy: args.policy.policy(),
        fields: args.fields.read_options(DEFAULT_MAX_FILE_SIZE),
    };
    let reopen: reprint::serve::Reopen = {
        let (judge, path) = (args.judge.clone(), args.index.clone());
        Box::new(move || {
            // The library's error as it is (it names the file already).
            judge.open(&path).map_err(|e| {
                e.downcast::<reprint::Error>()
                    .unwrap_or_else(|e| reprint::Error::Index {
                        path: path.clone(),
                        message: format!("{e:#}"),
                    })
            })
        })
    };
    reprint::serve::serve(index, reopen, opts, |addr| {
        eprintln!("reprint: listening on http://{addr}");
    })?;
    Ok(())
}
