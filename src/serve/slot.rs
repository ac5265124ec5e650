//! The service's index, closed and reopened after an I/O error.
//!
//! redb refuses every operation after one I/O error ("Previous I/O error
//! occurred. Please close and re-open the database."): a disk that filled
//! once would leave the service answering 500 until restarted. The slot
//! turns such an error into a *fault*: the index is closed and reopened
//! at once, and again on later requests or failures (at most once per
//! [`RETRY`]) while reopening fails or the storage keeps failing; requests that find it closed get 503 with the fault's
//! message. The fault stands — `/health` reports it — until an operation
//! of its kind succeeds again: a failed admit until an admit goes through
//! (space was freed), a failed read until a read does. So a fault that
//! clears ends without a restart.
//!
//! Which errors are faults: [`Error::Index`] — the storage failing. A
//! conflict or a refused article is an answer, not a fault.

use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::index::Index;

/// A closed index is reopened at most this often.
pub const RETRY: Duration = Duration::from_secs(1);

/// Reopens the index (with the options it was first opened with).
pub type Reopen = Box<dyn Fn() -> Result<Index, Error> + Send + Sync>;

/// What an operation does to the index: a fault of a write is cleared
/// only by a write that succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// Why an operation on the slot did not give its answer.
#[derive(Debug)]
pub enum SlotError {
    /// The storage failed, now or before (503): the fault's message.
    Unavailable(String),
    /// The operation failed for a reason of its own (a conflict).
    Failed(Error),
}

struct Fault {
    message: String,
    since: Instant,
    access: Access,
    /// When reopening was last tried.
    tried: Instant,
}

/// The open index (none while reopening fails) and the fault, if any.
pub struct IndexSlot {
    index: RwLock<Option<Index>>,
    fault: Mutex<Option<Fault>>,
    reopen: Reopen,
}

impl IndexSlot {
    /// A slot holding `index`, reopened with `reopen` after a fault.
    pub fn new(index: Index, reopen: Reopen) -> Self {
        IndexSlot {
            index: RwLock::new(Some(index)),
            fault: Mutex::new(None),
            reopen,
        }
    }

    /// Runs `op` (which reads or writes, `access`) on the index, reopening
    /// it first if a fault closed it. An [`Error::Index`] from `op` is a
    /// fault (see the module), returned as [`SlotError::Unavailable`].
    pub fn with<T>(
        &self,
        access: Access,
        op: impl FnOnce(&Index) -> Result<T, Error>,
    ) -> Result<T, SlotError> {
        self.reopen_if_closed();
        let result = {
            let guard = self.index.read().unwrap_or_else(|e| e.into_inner());
            match guard.as_ref() {
                Some(index) => op(index),
                None => return Err(SlotError::Unavailable(self.describe())),
            }
        };
        match result {
            Ok(v) => {
                self.succeeded(access);
                Ok(v)
            }
            Err(e @ Error::Index { .. }) => {
                self.failed(access, e.to_string());
                Err(SlotError::Unavailable(self.describe()))
            }
            Err(e) => Err(SlotError::Failed(e)),
        }
    }

    /// The standing fault, described with its age, if any (reopening the
    /// index first if it is closed and the last try is [`RETRY`] old).
    pub fn fault(&self) -> Option<String> {
        self.reopen_if_closed();
        let fault = self.fault.lock().unwrap_or_else(|e| e.into_inner());
        fault.as_ref().map(describe)
    }

    fn describe(&self) -> String {
        let fault = self.fault.lock().unwrap_or_else(|e| e.into_inner());
        fault
            .as_ref()
            .map_or_else(|| "the index is closed".to_owned(), describe)
    }

    fn succeeded(&self, access: Access) {
        let mut fault = self.fault.lock().unwrap_or_else(|e| e.into_inner());
        if fault
            .as_ref()
            .is_some_and(|f| access == Access::Write || f.access == Access::Read)
        {
            *fault = None;
        }
    }

    /// Records the fault and closes and reopens the index — at once for a
    /// new fault, then at most once per [`RETRY`]: a burst of requests
    /// failing together (the disk filled under all of them) reopens once,
    /// not once each.
    fn failed(&self, access: Access, message: String) {
        let due = {
            let mut fault = self.fault.lock().unwrap_or_else(|e| e.into_inner());
            let due = fault.as_ref().map_or(true, |f| f.tried.elapsed() >= RETRY);
            let since = fault.as_ref().map_or_else(Instant::now, |f| f.since);
            let access = match fault.as_ref() {
                Some(f) if f.access == Access::Write => Access::Write,
                _ => access,
            };
            let tried = match fault.as_ref() {
                Some(f) if !due => f.tried,
                _ => Instant::now(),
            };
            *fault = Some(Fault {
                message,
                since,
                access,
                tried,
            });
            due
        };
        if due {
            self.reopen();
        }
    }

    fn reopen_if_closed(&self) {
        let due = {
            let fault = self.fault.lock().unwrap_or_else(|e| e.into_inner());
            fault.as_ref().is_some_and(|f| f.tried.elapsed() >= RETRY)
        };
        let closed = || self.index.read().map_or(true, |i| i.is_none());
        if due && closed() {
            self.reopen();
        }
    }

    /// Closes the index (waiting for the operations in flight) and opens
    /// it again; a failure to open is the fault's message until the next
    /// try.
    fn reopen(&self) {
        let mut slot = self.index.write().unwrap_or_else(|e| e.into_inner());
        // Closed first: the file is locked while a handle is open.
        *slot = None;
        let opened = (self.reopen)();
        let mut fault = self.fault.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = fault.as_mut() {
            f.tried = Instant::now();
        }
        match opened {
            Ok(index) => *slot = Some(index),
            Err(e) => {
                if let Some(f) = fault.as_mut() {
                    f.message = e.to_string();
                }
            }
        }
    }
}

fn describe(f: &Fault) -> String {
    format!(
        "{} (since {} s ago)",
        f.message,
        f.since.elapsed().as_secs()
    )
}
