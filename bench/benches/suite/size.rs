//! `size`: the example gatherers' components as they ship (release: opt-level 3, LTO, strip),
//! their largest core module (the gatherer's code; the rest are WASI adapter shims), and that
//! module after `wasm-opt -Oz` when binaryen is installed (it reads core modules, not
//! components). `opt-level-s` adds the same components built for size.

use std::path::{Path, PathBuf};
use std::process::Command;

use wagather_bench::{examples, largest_core_module};
use wagather_figures::{Group, Reason, Unit};

use crate::{Context, Guests};

/// Largest acceptable component of `cluster-operators`, in bytes.
const SIZE_BUDGET: f64 = 150_000.0;

pub fn run(g: &mut Group<'_>, _ctx: &Context) {
    let wasm_opt = which("wasm-opt");
    if wasm_opt.is_none() {
        g.note("wasm-opt (binaryen) is not installed: no size/*/core-module/wasm-opt figures");
    }
    for (name, path) in examples() {
        let component = std::fs::read(path).expect("component");
        let id = format!("size/{name}");
        g.value(
            &id,
            &format!("{name} component, release (opt-level 3, LTO, strip)"),
            Unit::Bytes,
            component.len() as f64,
        );
        let core = largest_core_module(&component).expect("a readable component");
        g.value(
            &format!("{id}/core-module"),
            &format!("{name}: its largest core module, as embedded in the component"),
            Unit::Bytes,
            core.len() as f64,
        );
        if let Some(wasm_opt) = &wasm_opt {
            match optimized_size(wasm_opt, core) {
                Ok(bytes) => {
                    g.value(
                        &format!("{id}/core-module/wasm-opt"),
                        &format!("{name}: that core module after `wasm-opt -Oz`"),
                        Unit::Bytes,
                        bytes as f64,
                    );
                }
                Err(why) => g.note(format!(
                    "{name}: wasm-opt -Oz failed on the core module: {why}"
                )),
            }
        }
        if name == "cluster-operators" {
            let mut cites = vec![format!("{id}/core-module"), format!("{id}/opt-level-s")];
            if g.figure(&format!("{id}/core-module/wasm-opt")).is_some() {
                cites.push(format!("{id}/core-module/wasm-opt"));
            }
            let cites: Vec<&str> = cites.iter().map(String::as_str).collect();
            g.budget(
                &id,
                SIZE_BUDGET,
                Reason::new(
                    "Its core module, and what a build for size and wasm-opt take off it, are \
                     measured apart; where the bytes go is in bench/NOTES.md.",
                    &cites,
                ),
            );
        }
    }
}

/// `size/<name>/opt-level-s` for the guests built for size.
pub fn opt_level_s(g: &mut Group<'_>, small: &Guests) {
    for (name, path) in [
        ("cluster-operators", &small.cluster_operators),
        ("pod-inventory", &small.pod_inventory),
    ] {
        let bytes = std::fs::metadata(path).expect("component").len();
        g.value(
            &format!("size/{name}/opt-level-s"),
            &format!("{name} component built with opt-level \"s\" (LTO, strip)"),
            Unit::Bytes,
            bytes as f64,
        );
    }
}

/// The size of `module` after `wasm-opt -Oz`.
fn optimized_size(wasm_opt: &Path, module: &[u8]) -> Result<u64, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (input, output) = (dir.path().join("in.wasm"), dir.path().join("out.wasm"));
    std::fs::write(&input, module).map_err(|e| e.to_string())?;
    let run = Command::new(wasm_opt)
        .args(["-Oz", "--all-features"])
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .output()
        .map_err(|e| e.to_string())?;
    if !run.status.success() {
        let stderr = String::from_utf8_lossy(&run.stderr);
        return Err(stderr.lines().next().unwrap_or("no message").to_owned());
    }
    std::fs::metadata(&output)
        .map(|m| m.len())
        .map_err(|e| e.to_string())
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}
