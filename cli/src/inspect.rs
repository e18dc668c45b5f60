//! `wagather inspect`: what a component says about itself, checked as the host would.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use wagather_host::load::{component_interface, digest};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The gatherer component (.wasm).
    pub file: PathBuf,
}

pub fn run(args: &InspectArgs) -> Result<()> {
    let file = &args.file;
    let bytes =
        std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    let interface = component_interface(&bytes)
        .with_context(|| format!("could not inspect {}", file.display()))?;
    println!("file:     {}", file.display());
    println!("size:     {} bytes", bytes.len());
    println!("digest:   {}", digest(&bytes));
    match wagather_host::read_manifest(&bytes) {
        Ok(manifest) => {
            println!("manifest:");
            println!("{}", serde_json::to_string_pretty(&manifest)?);
        }
        Err(e) => println!("manifest: INVALID: {}", wagather_host::error_chain(&e)),
    }
    println!("imports:");
    for import in &interface.imports {
        println!("  {import}");
    }
    println!("exports:");
    for export in &interface.exports {
        println!("  {export}");
    }
    if interface.imports.is_empty() && interface.exports.is_empty() {
        bail!(
            "{} has no component imports or exports: is it a core module rather than a component?",
            file.display()
        );
    }
    Ok(())
}
