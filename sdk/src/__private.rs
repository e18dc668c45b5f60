//! Support for the code `#[gatherer]` emits; not a public API.

use crate::error::Result;
use crate::gather::{Config, Gather, Output};

/// Runs `gather` with `config` and collects what it produced.
pub fn run(config: Vec<(String, String)>, gather: fn(&mut Gather) -> Result<()>) -> Output {
    let mut ctx = Gather::new(Config::new(config));
    let result = gather(&mut ctx);
    ctx.finish(result)
}

/// The component's `gather` export: [`run`] converted to the WIT types.
#[cfg(target_arch = "wasm32")]
pub fn run_exported(
    config: Vec<(String, String)>,
    gather: fn(&mut Gather) -> Result<()>,
) -> crate::bindings::GatherOutput {
    use crate::bindings;
    use crate::gather::RecordFormat;
    let output = run(config, gather);
    bindings::GatherOutput {
        records: output
            .records
            .into_iter()
            .map(|record| bindings::GatherRecord {
                name: record.name,
                format: match record.format {
                    RecordFormat::Json => bindings::RecordFormat::Json,
                    RecordFormat::Raw => bindings::RecordFormat::Raw,
                },
                data: record.data,
            })
            .collect(),
        errors: output.errors,
    }
}
