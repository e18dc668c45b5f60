//! `wagather-codegen`: generates a crate of typed clients from API specs and CRDs.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::Parser;

/// Generates typed wagather clients (a crate depending on wagather-sdk) from Kubernetes
/// and OpenShift API descriptions. Every input option may be repeated.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Swagger 2.0 document with Kubernetes-style paths (e.g. a cluster's /openapi/v2).
    #[arg(long, value_name = "FILE")]
    swagger: Vec<PathBuf>,
    /// OpenAPI 3 document, or a directory of them (a cluster's /openapi/v3/...).
    #[arg(long, value_name = "DIR")]
    openapi3: Vec<PathBuf>,
    /// Definitions-only Swagger 2.0 document (openshift/api's openapi/openapi.json).
    #[arg(long, value_name = "FILE")]
    definitions: Vec<PathBuf>,
    /// CRD manifest, or a directory searched recursively for .yaml/.yml/.json.
    #[arg(long, value_name = "DIR")]
    crds: Vec<PathBuf>,
    /// `crate`: a standalone crate depending on wagather-sdk. `sdk`: the content of
    /// wagather-sdk's `src/apis` (used by `cargo xtask gen`).
    #[arg(long, value_enum, default_value_t = OutputMode::Crate)]
    mode: OutputMode,
    /// Output directory for the generated crate (or `src/apis` in `--mode sdk`).
    #[arg(long, value_name = "DIR", required_unless_present_any = ["coverage", "catalog"])]
    out: Option<PathBuf>,
    /// Name of the generated crate.
    #[arg(long, default_value = "wagather-apis")]
    crate_name: String,
    /// Depend on wagather-sdk by path instead of from the registry.
    #[arg(long, value_name = "DIR")]
    sdk_path: Option<PathBuf>,
    /// Print coverage: listable vs generated group-version-kinds per kind of input.
    #[arg(long)]
    coverage: bool,
    /// Write the kind catalog (group, version, kind, plural, scope, printer columns) here.
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum OutputMode {
    Crate,
    Sdk,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let start = Instant::now();
    let inputs = wagather_codegen::Inputs {
        swagger: args.swagger,
        openapi3: args.openapi3,
        definitions: args.definitions,
        crds: args.crds,
    };
    let api = wagather_codegen::load(&inputs)?;
    let rendered = wagather_codegen::render(
        &api,
        match args.mode {
            OutputMode::Crate => wagather_codegen::Mode::Standalone,
            OutputMode::Sdk => wagather_codegen::Mode::Sdk,
        },
        &args.crate_name,
        args.sdk_path.as_deref(),
    )?;
    if let Some(out) = &args.out {
        let written = wagather_codegen::write(out, &rendered)?;
        eprintln!(
            "wrote {} files to {} in {:.2?}",
            written.len(),
            out.display(),
            start.elapsed()
        );
    }
    if let Some(catalog) = &args.catalog {
        // Entries of an existing catalog keep the fields the specs cannot provide (short names).
        let existing = match std::fs::read_to_string(catalog) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("reading {}", catalog.display())),
        };
        let json = wagather_codegen::catalog_json(&api, existing.as_deref())
            .with_context(|| format!("merging with {}", catalog.display()))?;
        std::fs::write(catalog, json).with_context(|| format!("writing {}", catalog.display()))?;
    }
    if args.coverage {
        print!("{}", wagather_codegen::coverage(&api, &rendered.generated));
    }
    Ok(())
}
