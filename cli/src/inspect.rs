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
    let mut text = format!(
        "file:     {}\nsize:     {} bytes\ndigest:   {}\n",
        file.display(),
        bytes.len(),
        digest(&bytes)
    );
    match wagather_host::read_manifest(&bytes) {
        Ok(manifest) => {
            let json = serde_json::to_string_pretty(&manifest)?;
            text.push_str(&format!("manifest:\n{json}\n"));
        }
        Err(e) => text.push_str(&format!(
            "manifest: INVALID: {}\n",
            wagather_host::error_chain(&e)
        )),
    }
    text.push_str("imports:\n");
    for import in &interface.imports {
        text.push_str(&format!("  {import}\n"));
    }
    text.push_str("exports:\n");
    for export in &interface.exports {
        text.push_str(&format!("  {export}\n"));
    }
    crate::print_out(&text)?;
    if interface.imports.is_empty() && interface.exports.is_empty() {
        bail!(
            "{} has no component imports or exports: is it a core module rather than a component?",
            file.display()
        );
    }
    Ok(())
}
