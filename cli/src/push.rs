//! `wagather push`: publishes a gatherer component to an OCI registry in the CNCF wasm layout,
//! optionally signed, so that a gatherer author releases without docker or another tool.
//!
//! The config's `component.imports`/`exports` are read from the component, `target` is the
//! world of the contract its manifest names. With `--sign`, the minisign signature (trusted
//! comment `gatherer=<name> version=<version>` from the manifest) rides in the manifest
//! annotation `io.github.wagather.signature.minisign`, where `wagather run` looks for it.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use wagather_source::{
    Credentials, FetchOptions, OciSpec, PushOptions, RegistryAuth, sign_with_key_file,
};

#[derive(Debug, Args)]
pub struct PushArgs {
    /// The gatherer component (.wasm); it must carry a manifest.
    pub file: PathBuf,
    /// Where to push: oci://registry/repository:tag (the registry host is explicit).
    #[arg(value_name = "OCI-REF")]
    pub reference: String,
    /// Sign with this unencrypted minisign secret key (`minisign -G -W`).
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
    /// Reach this reference's registry over plain HTTP (a local registry on loopback).
    #[arg(long)]
    pub insecure: bool,
    /// PEM certificates to trust besides the system's (a private registry's CA).
    #[arg(long, value_name = "PEM")]
    pub ca_file: Vec<PathBuf>,
    /// Basic-auth credentials: a file holding `username:password`.
    #[arg(long, value_name = "FILE", conflicts_with = "bearer_file")]
    pub basic_file: Option<PathBuf>,
    /// A bearer token in a file.
    #[arg(long, value_name = "FILE")]
    pub bearer_file: Option<PathBuf>,
}

pub async fn run(args: PushArgs) -> Result<()> {
    let reference: OciSpec = args
        .reference
        .parse()
        .with_context(|| format!("invalid reference {}", args.reference))?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("could not read {}", args.file.display()))?;
    let manifest = wagather_host::read_manifest(&bytes).with_context(|| {
        format!(
            "{} is not a gatherer component the host would run",
            args.file.display()
        )
    })?;
    let signature = match &args.sign {
        Some(key) => Some(sign_with_key_file(
            key,
            &bytes,
            &manifest.name,
            &manifest.version,
        )?),
        None => None,
    };
    let mut registry = FetchOptions::default();
    if args.insecure {
        registry
            .insecure_registries
            .push(reference.registry().to_owned());
    }
    for pem in &args.ca_file {
        registry.add_root_pem_file(pem)?;
    }
    let auth = match (&args.basic_file, &args.bearer_file) {
        (Some(file), _) => RegistryAuth::Basic(Credentials::File(file.clone())),
        (_, Some(file)) => RegistryAuth::Bearer(Credentials::File(file.clone())),
        _ => RegistryAuth::Anonymous,
    };
    let signed = signature.is_some();
    let pushed = wagather_source::push(
        &bytes,
        &reference,
        &PushOptions {
            registry,
            auth,
            signature,
            target: Some(world_of(&manifest.contract)),
            ..PushOptions::default()
        },
    )
    .await?;
    println!(
        "pushed {} {} ({}{})",
        manifest.name,
        manifest.version,
        pushed.component_digest,
        if signed { ", signed" } else { "" }
    );
    println!("manifest: {}", pushed.manifest_digest);
    println!("pinned:   {}", pushed.pinned);
    Ok(())
}

/// The world a contract's gatherers target: `wagather:gatherer@0.2.0` has
/// `wagather:gatherer/gatherer@0.2.0`.
fn world_of(contract: &str) -> String {
    match contract.split_once('@') {
        Some((package, version)) => format!("{package}/gatherer@{version}"),
        None => format!("{contract}/gatherer"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_world_of_a_contract() {
        assert_eq!(
            super::world_of("wagather:gatherer@0.2.0"),
            "wagather:gatherer/gatherer@0.2.0"
        );
    }
}
