//! `wagather manifest set`: gives any component the manifest the host reads, so a gatherer
//! built by another toolchain (componentize-js, componentize-py, ...) is held to the same
//! policy as one built with `#[gatherer]`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use wagather_contract::{Manifest, ReadRule};

#[derive(Debug, Args)]
pub struct ManifestArgs {
    #[command(subcommand)]
    pub command: ManifestCommand,
}

#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Write a component's manifest, replacing any it has (at any depth).
    Set(SetArgs),
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The component (.wasm); rewritten in place unless --out is given.
    pub file: PathBuf,
    /// The gatherer's name (letters, digits, '-', '_', '.', '/').
    #[arg(long)]
    pub name: String,
    /// The gatherer's version.
    #[arg(long)]
    pub version: String,
    /// A read the gatherer may make, `[group/]version/resource[/subresource][ in ns1,ns2]`
    /// (`config.openshift.io/v1/clusteroperators`, `"v1/pods/log in ns1,ns2"`); once per read.
    /// Without any, the gatherer may read API discovery only.
    #[arg(long = "reads", value_name = "RULE")]
    pub reads: Vec<String>,
    /// Where to write the component with its manifest.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub out: Option<PathBuf>,
}

pub fn run(args: &ManifestArgs) -> Result<()> {
    match &args.command {
        ManifestCommand::Set(set) => run_set(set),
    }
}

/// The manifest `args` describe, checked as the host checks it.
pub fn manifest_of(args: &SetArgs) -> Result<Manifest> {
    let reads = args
        .reads
        .iter()
        .map(|rule| rule.parse::<ReadRule>())
        .collect::<Result<Vec<_>, _>>()?;
    let manifest = Manifest::new(&args.name, &args.version, reads);
    manifest.validate()?;
    Ok(manifest)
}

fn run_set(args: &SetArgs) -> Result<()> {
    let manifest = manifest_of(args)?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("could not read {}", args.file.display()))?;
    let out_bytes = wagather_contract::embed::embed(&bytes, &manifest)
        .with_context(|| format!("could not set the manifest of {}", args.file.display()))?;
    let out = args.out.as_ref().unwrap_or(&args.file);
    // Written beside the destination and renamed, so a reader never sees half a component.
    let partial = out.with_extension("wasm.partial");
    std::fs::write(&partial, &out_bytes)
        .with_context(|| format!("could not write {}", partial.display()))?;
    std::fs::rename(&partial, out)
        .with_context(|| format!("could not move {} to {}", partial.display(), out.display()))?;
    println!("{}: {}", out.display(), manifest.to_json());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::parse;

    fn set_args(args: &[&str]) -> SetArgs {
        let mut all = vec!["manifest", "set"];
        all.extend_from_slice(args);
        match parse(&all).expect("parse").command {
            crate::Command::Manifest(ManifestArgs {
                command: ManifestCommand::Set(set),
            }) => set,
            other => panic!("not manifest set: {other:?}"),
        }
    }

    #[test]
    fn reads_are_parsed_one_per_flag() {
        let args = set_args(&[
            "g.wasm",
            "--name",
            "cluster-operators-js",
            "--version",
            "0.1.0",
            "--reads",
            "config.openshift.io/v1/clusteroperators",
            "--reads",
            "v1/pods/log in ns1,ns2",
            "-o",
            "out.wasm",
        ]);
        assert_eq!(args.out, Some(PathBuf::from("out.wasm")));
        let manifest = manifest_of(&args).expect("manifest");
        assert_eq!(manifest.name, "cluster-operators-js");
        assert_eq!(manifest.reads.len(), 2);
        assert_eq!(manifest.reads[1].subresource.as_deref(), Some("log"));
        assert_eq!(
            manifest.reads[1].namespaces,
            Some(vec!["ns1".to_owned(), "ns2".to_owned()])
        );
    }

    #[test]
    fn bad_manifests_are_refused_before_the_file_is_read() {
        let bad_read = set_args(&["g.wasm", "--name", "x", "--version", "1", "--reads", "pods"]);
        assert!(manifest_of(&bad_read).is_err());
        let bad_name = set_args(&["g.wasm", "--name", "a b", "--version", "1"]);
        assert!(manifest_of(&bad_name).is_err());
        let no_reads = set_args(&["g.wasm", "--name", "x", "--version", "1"]);
        assert!(
            manifest_of(&no_reads)
                .expect("discovery only")
                .reads
                .is_empty()
        );
    }

    #[test]
    fn sets_the_manifest_of_a_component_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("in.wasm");
        // The smallest component: the preamble alone.
        std::fs::write(&input, b"\0asm\x0d\0\x01\0").expect("write");
        let output = dir.path().join("out.wasm");
        let args = set_args(&[
            input.to_str().expect("utf-8"),
            "--name",
            "x",
            "--version",
            "1",
            "--reads",
            "v1/nodes",
            "-o",
            output.to_str().expect("utf-8"),
        ]);
        run_set(&args).expect("set");
        let written = std::fs::read(&output).expect("read");
        let manifest = wagather_host::read_manifest(&written).expect("the host reads it");
        assert_eq!(manifest.name, "x");
        assert_eq!(manifest.reads[0].resource, "nodes");
        assert!(!dir.path().join("out.wasm.partial").exists());
    }
}
