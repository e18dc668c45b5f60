//! Support for the code `#[gatherer]` emits; not a public API.

use crate::error::Result;
use crate::gather::{Config, Gather};

/// Runs `gather` with `config` and collects what it produced (host target: the records and
/// errors, for unit tests).
#[cfg(not(target_arch = "wasm32"))]
pub fn run(
    config: Vec<(String, String)>,
    gather: fn(&mut Gather) -> Result<()>,
) -> crate::gather::Output {
    let mut ctx = Gather::new(Config::new(config));
    let result = gather(&mut ctx);
    ctx.finish(result)
}

/// The component's `gather` export: the records have gone to the host as they were written,
/// the returned error (if any) is the contract's typed one.
#[cfg(target_arch = "wasm32")]
pub fn run_exported(
    config: Vec<(String, String)>,
    gather: fn(&mut Gather) -> Result<()>,
) -> Result<(), crate::bindings::GatherError> {
    let mut ctx = Gather::new(Config::new(config));
    let result = gather(&mut ctx);
    ctx.finish(result)
        .map_err(|error| crate::bindings::to_wit(&error))
}
