//! Gatherers written in JavaScript and Python, built into components like the Rust ones.
//!
//! The toolchains are the Bytecode Alliance's componentize-js (npm) and componentize-py (PyPI),
//! pinned by exact version in `guests/toolchains/` and installed into the guests' target
//! directory (`target/guests/polyglot-tools/`), never globally: `npm ci` from the committed lock file, and a
//! virtualenv with `pip install -r requirements.txt`. A language whose tools (node and npm,
//! python3 with venv) are not on the machine is skipped with the reason, unless the caller
//! requires every language, as CI does.
//!
//! Each guest is built in four steps:
//! 1. its manifest declaration (`defineGatherer({...})` / `@gatherer(...)`) is read by loading
//!    the module in node or python with the SDK's fake host, so the reads are written once, in
//!    the source;
//! 2. the toolchain builds the component against `wit/` (componentize-js with its `http` and
//!    `fetch-event` features off: the host links no `wasi:http`);
//! 3. `wagather_contract::embed` writes the manifest, its reads parsed and checked as the
//!    host checks them;
//! 4. the component's imports are checked: the contract's two interfaces and WASI p2
//!    interfaces that the host links, nothing else, and the `gather` export.
//!
//! A guest is rebuilt only when its sources, its SDK, the WIT or the toolchain pin changed.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use wagather_contract::{Manifest, ReadRule};
use wasmparser::{ComponentExternalKind, ComponentTypeRef, Parser, Payload};

/// componentize-js, as pinned in `guests/toolchains/js/package.json` (checked at install).
pub const COMPONENTIZE_JS: &str = "0.23.0";
/// componentize-py, as pinned in `guests/toolchains/py/requirements.txt` (checked at install).
pub const COMPONENTIZE_PY: &str = "0.25.1";

/// The WIT world every guest targets.
const WORLD: &str = "gatherer";

/// WASI p2 packages the host links (wasmtime-wasi's p2 linker), with nothing granted.
const LINKED_WASI: &[&str] = &[
    "wasi:io/",
    "wasi:clocks/",
    "wasi:random/",
    "wasi:cli/",
    "wasi:filesystem/",
    "wasi:sockets/",
];

/// The language of a guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    JavaScript,
    Python,
}

impl Language {
    fn name(self) -> &'static str {
        match self {
            Language::JavaScript => "JavaScript",
            Language::Python => "Python",
        }
    }
}

/// One guest to build.
struct Guest {
    language: Language,
    /// Directory of the guest's sources, relative to the workspace root.
    dir: &'static str,
    /// JavaScript: the module file in `dir`; Python: the module name.
    entry: &'static str,
    /// File stem of the component in [`output_dir`].
    output: &'static str,
}

const GUESTS: &[Guest] = &[
    Guest {
        language: Language::JavaScript,
        dir: "examples/cluster-operators-js",
        entry: "gatherer.js",
        output: "cluster_operators_js",
    },
    Guest {
        language: Language::JavaScript,
        dir: "sdk-js/guests",
        entry: "hostile.js",
        output: "hostile_js",
    },
    Guest {
        language: Language::Python,
        dir: "examples/cluster-operators-py",
        entry: "cluster_operators",
        output: "cluster_operators_py",
    },
    Guest {
        language: Language::Python,
        dir: "sdk-py/guests",
        entry: "hostile",
        output: "hostile_py",
    },
];

/// A component that was built (or found up to date).
#[derive(Clone, Debug)]
pub struct Built {
    /// The component's file stem (`cluster_operators_js`).
    pub output: &'static str,
    pub language: Language,
    /// The manifest's name.
    pub name: String,
    pub path: PathBuf,
    pub bytes: u64,
    /// Every WASI interface the component imports, e.g. `wasi:cli/stdout@0.2.12`.
    pub wasi_imports: Vec<String>,
    /// Exports besides `gather` (componentize-py leaves its `exports` interface in).
    pub extra_exports: Vec<String>,
}

/// What [`build`] did.
#[derive(Debug, Default)]
pub struct Report {
    pub built: Vec<Built>,
    /// One line per language that was not built, saying why.
    pub skipped: Vec<String>,
    /// The guests not built, with the reason.
    pub not_built: Vec<(&'static str, String)>,
}

/// Every guest by file stem: its component, or why it was not built.
pub fn outcomes(report: &Report) -> Vec<(&'static str, Result<PathBuf, String>)> {
    GUESTS
        .iter()
        .map(|guest| {
            let built = report.built.iter().find(|b| b.output == guest.output);
            let outcome = match built {
                Some(built) => Ok(built.path.clone()),
                None => Err(report
                    .not_built
                    .iter()
                    .find(|(name, _)| *name == guest.output)
                    .map_or_else(|| "not built".to_owned(), |(_, why)| why.clone())),
            };
            (guest.output, outcome)
        })
        .collect()
}

/// Where the components go: `<guests target dir>/polyglot/<name>.wasm`.
pub fn output_dir(target_dir: &Path) -> PathBuf {
    target_dir.join("polyglot")
}

/// Where the toolchains are installed.
fn tools_dir(target_dir: &Path) -> PathBuf {
    target_dir.join("polyglot-tools")
}

/// Builds every JavaScript and Python guest. With `require_all`, a missing tool is an error
/// instead of a skipped language.
pub fn build(root: &Path, target_dir: &Path, require_all: bool) -> Result<Report> {
    let mut report = Report::default();
    let wit = root.join("wit");
    let contract = wit_contract(&wit)?;
    for language in [Language::JavaScript, Language::Python] {
        let guests: Vec<&Guest> = GUESTS.iter().filter(|g| g.language == language).collect();
        let missing = match language {
            Language::JavaScript => missing_js_tools(),
            Language::Python => missing_py_tools(),
        };
        if let Some(why) = missing {
            let names: Vec<&str> = guests.iter().map(|g| g.output).collect();
            let line = format!(
                "{} guests ({}) not built: {why}",
                language.name(),
                names.join(", ")
            );
            if require_all {
                bail!("{line}");
            }
            eprintln!("  skipped: {line}");
            for guest in &guests {
                report.not_built.push((guest.output, line.clone()));
            }
            report.skipped.push(line);
            continue;
        }
        let tools = match language {
            Language::JavaScript => install_js_tools(root, target_dir)?,
            Language::Python => install_py_tools(root, target_dir)?,
        };
        for guest in guests {
            let built = build_guest(root, target_dir, &tools, guest, &contract)
                .with_context(|| format!("building {}/{}", guest.dir, guest.entry))?;
            eprintln!(
                "  {} ({}): {} ({:.1} MiB, {} WASI imports{})",
                built.name,
                built.language.name(),
                built.path.display(),
                built.bytes as f64 / (1024.0 * 1024.0),
                built.wasi_imports.len(),
                if built.extra_exports.is_empty() {
                    String::new()
                } else {
                    format!(", also exports {}", built.extra_exports.join(", "))
                }
            );
            report.built.push(built);
        }
    }
    Ok(report)
}

/// The contract the WIT defines: its `package` line, e.g. `wagather:gatherer@0.2.0`.
fn wit_contract(wit: &Path) -> Result<String> {
    let path = wit.join("gatherer.wit");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .find_map(|line| {
            let rest = line.trim().strip_prefix("package ")?;
            Some(rest.trim_end_matches(';').trim().to_owned())
        })
        .with_context(|| format!("{} has no package line", path.display()))
}

/// The major version of `node --version` (`v20.20.2`), if node runs.
fn node_major() -> Option<u32> {
    let out = Command::new("node").arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Why the JavaScript guests cannot be built here, if they cannot.
fn missing_js_tools() -> Option<String> {
    match node_major() {
        None => return Some("node is not on PATH (Node.js 20.6 or newer is needed)".into()),
        // module.register, which the SDK's test host and the manifest step use, is 20.6+.
        Some(major) if major < 20 => {
            return Some(format!("node {major} is too old (20.6 or newer is needed)"));
        }
        Some(_) => {}
    }
    if !runs("npm", &["--version"]) {
        return Some("npm is not on PATH".into());
    }
    None
}

/// Why the Python guests cannot be built here, if they cannot.
fn missing_py_tools() -> Option<String> {
    if !runs("python3", &["--version"]) {
        return Some("python3 is not on PATH".into());
    }
    if !runs("python3", &["-m", "venv", "--help"]) {
        return Some("python3 has no venv module (Debian: apt-get install python3-venv)".into());
    }
    None
}

/// Installed toolchain: the command that builds a component.
struct Tools {
    componentize: PathBuf,
    /// Hash of the pin, part of every guest's input hash.
    pin: u64,
}

/// `npm ci` of the pinned lock into `target/polyglot-tools/js`, unless already there.
fn install_js_tools(root: &Path, target_dir: &Path) -> Result<Tools> {
    let pins = root.join("guests/toolchains/js");
    let dir = tools_dir(target_dir).join("js");
    let package = read(&pins.join("package.json"))?;
    let lock = read(&pins.join("package-lock.json"))?;
    let pinned: serde_json::Value = serde_json::from_slice(&package)?;
    let version = pinned["dependencies"]["@bytecodealliance/componentize-js"].as_str();
    ensure!(
        version == Some(COMPONENTIZE_JS),
        "guests/toolchains/js/package.json pins componentize-js {version:?}, the builder expects {COMPONENTIZE_JS}"
    );
    let pin = hash_bytes(&[&package, &lock]);
    let stamp = dir.join(".wagather-installed");
    let componentize = dir.join("node_modules/.bin/componentize-js");
    if std::fs::read_to_string(&stamp).ok() != Some(pin.to_string()) || !componentize.exists() {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(dir.join("package.json"), &package)?;
        std::fs::write(dir.join("package-lock.json"), &lock)?;
        eprintln!(
            "  installing componentize-js {COMPONENTIZE_JS} into {}",
            dir.display()
        );
        run(Command::new("npm").current_dir(&dir).args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ]))?;
        std::fs::write(&stamp, pin.to_string())?;
    }
    let installed = tool_output(Command::new(&componentize).arg("--version"))?;
    ensure!(
        installed.trim() == COMPONENTIZE_JS,
        "{} is version {}, not the pinned {COMPONENTIZE_JS}",
        componentize.display(),
        installed.trim()
    );
    Ok(Tools { componentize, pin })
}

/// A virtualenv in `target/polyglot-tools/py` with the pinned componentize-py.
fn install_py_tools(root: &Path, target_dir: &Path) -> Result<Tools> {
    let requirements = root.join("guests/toolchains/py/requirements.txt");
    let pinned = read(&requirements)?;
    ensure!(
        String::from_utf8_lossy(&pinned)
            .lines()
            .any(|line| line.trim() == format!("componentize-py=={COMPONENTIZE_PY}")),
        "{} does not pin componentize-py=={COMPONENTIZE_PY}",
        requirements.display()
    );
    let dir = tools_dir(target_dir).join("py");
    let pin = hash_bytes(&[&pinned]);
    let stamp = dir.join(".wagather-installed");
    let componentize = dir.join("bin/componentize-py");
    if std::fs::read_to_string(&stamp).ok() != Some(pin.to_string()) || !componentize.exists() {
        eprintln!(
            "  installing componentize-py {COMPONENTIZE_PY} into {}",
            dir.display()
        );
        run(Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&dir))?;
        run(Command::new(dir.join("bin/pip"))
            .args([
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "-q",
                "-r",
            ])
            .arg(&requirements))?;
        std::fs::write(&stamp, pin.to_string())?;
    }
    let installed = tool_output(Command::new(&componentize).arg("--version"))?;
    ensure!(
        installed.trim() == format!("componentize-py {COMPONENTIZE_PY}"),
        "{} is {}, not the pinned {COMPONENTIZE_PY}",
        componentize.display(),
        installed.trim()
    );
    Ok(Tools { componentize, pin })
}

fn build_guest(
    root: &Path,
    target_dir: &Path,
    tools: &Tools,
    guest: &Guest,
    contract: &str,
) -> Result<Built> {
    let out_dir = output_dir(target_dir);
    std::fs::create_dir_all(&out_dir)?;
    let out = out_dir.join(format!("{}.wasm", guest.output));
    let stamp = out_dir.join(format!("{}.inputs", guest.output));
    let sdk = match guest.language {
        Language::JavaScript => "sdk-js/src",
        Language::Python => "sdk-py/wagather",
    };
    let inputs = hash_inputs(root, &[guest.dir, sdk, "wit"], tools.pin)?;
    let up_to_date =
        out.exists() && std::fs::read_to_string(&stamp).ok() == Some(inputs.to_string());
    if !up_to_date {
        let started = Instant::now();
        let declared = match guest.language {
            Language::JavaScript => js_manifest(root, guest)?,
            Language::Python => py_manifest(root, guest)?,
        };
        let manifest = manifest_from_declaration(&declared, contract)?;
        let raw = out_dir.join(format!("{}.componentized.wasm", guest.output));
        let wit = Path::new("wit");
        let mut cmd = Command::new(&tools.componentize);
        cmd.current_dir(root);
        match guest.language {
            Language::JavaScript => {
                // Relative paths: componentize-js resolves the module's imports within the
                // working directory, here the workspace root.
                cmd.arg(Path::new(guest.dir).join(guest.entry))
                    .arg("--wit")
                    .arg(wit)
                    .args(["--world-name", WORLD, "--disable", "http", "fetch-event"])
                    .arg("-o")
                    .arg(&raw);
            }
            Language::Python => {
                cmd.arg("-q")
                    .arg("-d")
                    .arg(wit)
                    .args(["-w", WORLD, "componentize", "-p", guest.dir, "-p", "sdk-py"])
                    .arg(guest.entry)
                    .arg("-o")
                    .arg(&raw)
                    // Only the paths given: no virtualenv or site-packages of the caller's.
                    .env_remove("VIRTUAL_ENV");
            }
        }
        run(&mut cmd)?;
        let component = read(&raw)?;
        let with_manifest = wagather_contract::embed::embed(&component, &manifest)
            .with_context(|| format!("embedding the manifest into {}", raw.display()))?;
        // The rewrite copies sections byte for byte; validating the result proves it.
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(&with_manifest)
            .with_context(|| format!("{} with its manifest is not valid", raw.display()))?;
        std::fs::write(&out, with_manifest)
            .with_context(|| format!("writing {}", out.display()))?;
        std::fs::remove_file(&raw).ok();
        std::fs::write(&stamp, inputs.to_string())?;
        eprintln!("  built {} in {:.1?}", out.display(), started.elapsed());
    }
    let wasm = read(&out)?;
    let (name, interface) =
        check_component(&wasm, contract).with_context(|| format!("checking {}", out.display()))?;
    Ok(Built {
        output: guest.output,
        language: guest.language,
        name,
        bytes: wasm.len() as u64,
        path: out,
        wasi_imports: interface.wasi_imports,
        extra_exports: interface.extra_exports,
    })
}

/// The declaration `defineGatherer` attached to the module's `gather` export, read in node with
/// the SDK's fake host standing in for the contract's imports.
fn js_manifest(root: &Path, guest: &Guest) -> Result<serde_json::Value> {
    let module = root.join(guest.dir).join(guest.entry);
    let script = "import { pathToFileURL } from 'node:url'; \
                  const m = await import(pathToFileURL(process.env.WAGATHER_MODULE).href); \
                  process.stdout.write(JSON.stringify(m.gather?.manifest ?? null));";
    let text = tool_output(
        Command::new("node")
            .current_dir(root)
            .env("WAGATHER_MODULE", &module)
            .arg("--import")
            .arg(root.join("sdk-js/testing/register.js"))
            .args(["--input-type=module", "-e", script]),
    )
    .with_context(|| format!("loading {} to read its manifest", module.display()))?;
    parse_declaration(&text, &module)
}

/// The declaration `@gatherer(...)` made, read through the module's `WitWorld` in python.
fn py_manifest(root: &Path, guest: &Guest) -> Result<serde_json::Value> {
    let script = "import importlib, json, sys\n\
                  sys.path[:0] = sys.argv[1:3]\n\
                  module = importlib.import_module(sys.argv[3])\n\
                  print(json.dumps(getattr(getattr(module, 'WitWorld', None), 'manifest', None)))";
    let text = tool_output(
        Command::new("python3")
            .current_dir(root)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .args(["-c", script])
            .arg(root.join("sdk-py"))
            .arg(root.join(guest.dir))
            .arg(guest.entry),
    )
    .with_context(|| format!("importing {} to read its manifest", guest.entry))?;
    parse_declaration(&text, &root.join(guest.dir).join(guest.entry))
}

fn parse_declaration(text: &str, module: &Path) -> Result<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_str(text.trim())
        .with_context(|| format!("the manifest of {} is not JSON: {text}", module.display()))?;
    ensure!(
        value.is_object(),
        "{} declares no gatherer (JavaScript: export const gather = defineGatherer({{...}}); \
         Python: WitWorld = export(gather))",
        module.display()
    );
    Ok(value)
}

/// The manifest from an SDK's declaration `{contract, name, version, reads: [rule, ...]}`,
/// checked as the host checks it.
fn manifest_from_declaration(declared: &serde_json::Value, contract: &str) -> Result<Manifest> {
    let field = |key: &str| declared[key].as_str().unwrap_or_default();
    ensure!(
        field("contract") == contract,
        "the gatherer's SDK implements {}, but wit/ is {contract}",
        field("contract")
    );
    let reads: Vec<ReadRule> = declared["reads"]
        .as_array()
        .context("the declaration has no reads list")?
        .iter()
        .map(|r| {
            let rule = r.as_str().context("a read is not a string")?;
            Ok(rule.parse::<ReadRule>()?)
        })
        .collect::<Result<_>>()?;
    let manifest = Manifest::new(field("name"), field("version"), reads);
    ensure!(
        manifest.contract == contract,
        "this builder writes manifests for {}, but wit/ is {contract}",
        manifest.contract
    );
    manifest.validate()?;
    Ok(manifest)
}

/// A component's interface as far as the build checks it.
#[derive(Debug, Default, PartialEq)]
struct Interface {
    wasi_imports: Vec<String>,
    extra_exports: Vec<String>,
}

/// Checks that `wasm` imports the contract's `kube` and `output` and otherwise only WASI p2
/// interfaces the host links, exports `gather`, and carries one manifest; returns the
/// manifest's name and the interface.
fn check_component(wasm: &[u8], contract: &str) -> Result<(String, Interface)> {
    let (package, version) = contract
        .split_once('@')
        .context("the contract has no version")?;
    let wanted = [
        format!("{package}/kube@{version}"),
        format!("{package}/output@{version}"),
    ];
    let (imports, exports) = top_level_interface(wasm)?;
    let mut interface = Interface::default();
    for name in &wanted {
        ensure!(
            imports.contains(name),
            "the component does not import {name}"
        );
    }
    for import in &imports {
        if wanted.contains(import) {
            continue;
        }
        ensure!(
            LINKED_WASI.iter().any(|prefix| import.starts_with(prefix)),
            "the component imports {import}, which the host does not provide"
        );
        interface.wasi_imports.push(import.clone());
    }
    ensure!(
        exports.iter().any(|e| e == "gather"),
        "the component does not export gather"
    );
    interface.extra_exports = exports.into_iter().filter(|e| e != "gather").collect();
    let sections = wagather_contract::embed::manifest_sections(wasm)?;
    ensure!(
        sections.len() == 1,
        "the component has {} manifest sections",
        sections.len()
    );
    let manifest = Manifest::from_json(&sections[0])?;
    Ok((manifest.name, interface))
}

/// The names of a component's top-level imports and exports (instances and functions).
fn top_level_interface(wasm: &[u8]) -> Result<(Vec<String>, Vec<String>)> {
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    let import = import?;
                    if !matches!(import.ty, ComponentTypeRef::Type(_)) {
                        imports.push(import.name.name.to_owned());
                    }
                }
            }
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    let export = export?;
                    if export.kind != ComponentExternalKind::Type {
                        exports.push(export.name.name.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

/// Runs `cmd`, its output on our standard error; a failure is an error that names it.
fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!(
        "{} {}",
        cmd.get_program().to_string_lossy(),
        cmd.get_args()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    eprintln!("$ {shown}");
    // Standard output too goes to standard error: in a build script, standard output is
    // cargo's instructions.
    let status = cmd
        .stdout(std::io::stderr())
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    ensure!(status.success(), "`{shown}` failed with {status}");
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Runs `cmd` and returns its standard output; a failure shows its standard error.
fn tool_output(cmd: &mut Command) -> Result<String> {
    let shown = format!("{:?}", cmd.get_program());
    let out = cmd
        .output()
        .with_context(|| format!("could not start {shown}"))?;
    if !out.status.success() {
        bail!(
            "{shown} failed with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn hash_bytes(parts: &[&[u8]]) -> u64 {
    let mut hasher = DefaultHasher::new();
    for part in parts {
        hasher.write_usize(part.len());
        hasher.write(part);
    }
    hasher.finish()
}

/// A hash of every file under `dirs` (paths and contents, in path order) and `pin`.
fn hash_inputs(root: &Path, dirs: &[&str], pin: u64) -> Result<u64> {
    let mut files = Vec::new();
    for dir in dirs {
        collect_files(&root.join(dir), &mut files)?;
    }
    files.sort();
    let mut hasher = DefaultHasher::new();
    hasher.write_u64(pin);
    for file in files {
        let relative = file.strip_prefix(root).unwrap_or(&file);
        hasher.write(relative.to_string_lossy().as_bytes());
        let contents = read(&file)?;
        hasher.write_usize(contents.len());
        hasher.write(&contents);
    }
    Ok(hasher.finish())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name == "__pycache__" || name == "node_modules" || name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_become_manifests_for_the_wit_contract() {
        let declared = serde_json::json!({
            "contract": "wagather:gatherer@0.2.0", "name": "x-js", "version": "0.1.0",
            "reads": ["config.openshift.io/v1/clusteroperators"],
        });
        let manifest = manifest_from_declaration(&declared, "wagather:gatherer@0.2.0").unwrap();
        assert_eq!(manifest.name, "x-js");
        assert_eq!(
            manifest.reads,
            ["config.openshift.io/v1/clusteroperators"
                .parse::<ReadRule>()
                .unwrap()]
        );
        let err = manifest_from_declaration(&declared, "wagather:gatherer@0.3.0").unwrap_err();
        assert!(
            err.to_string().contains("wit/ is wagather:gatherer@0.3.0"),
            "{err}"
        );
        let bad = serde_json::json!({"contract": "wagather:gatherer@0.2.0", "name": "x", "version": "1", "reads": ["pods"]});
        assert!(manifest_from_declaration(&bad, "wagather:gatherer@0.2.0").is_err());
    }

    #[test]
    fn the_wit_package_line_names_the_contract() {
        let dir = std::env::temp_dir().join(format!("wagather-wit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("gatherer.wit"),
            "/// doc\npackage wagather:gatherer@0.2.0;\n\ninterface kube {}\n",
        )
        .unwrap();
        assert_eq!(wit_contract(&dir).unwrap(), "wagather:gatherer@0.2.0");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_guest_has_its_sources() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        assert!(
            root.join("guests/toolchains/js/package-lock.json")
                .is_file()
        );
        for guest in GUESTS {
            let entry = match guest.language {
                Language::JavaScript => guest.entry.to_owned(),
                Language::Python => format!("{}.py", guest.entry),
            };
            assert!(
                root.join(guest.dir).join(&entry).is_file(),
                "{}/{entry}",
                guest.dir
            );
        }
    }
}
