//! The commands' bodies, one module per command (or family of
//! commands); `main.rs` keeps the argument types and the dispatch.

pub(crate) mod extract;
pub(crate) mod gate;
pub(crate) mod index;
pub(crate) mod output;
pub(crate) mod scan;
pub(crate) mod serve;
