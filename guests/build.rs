//! Builds every guest component and writes a constant with its path per guest (see
//! `src/build.rs`).

#[path = "src/build.rs"]
mod guests;

use std::fmt::Write as _;
use std::path::Path;

/// Guests written in the WebAssembly text format (package, source): components no Rust guest
/// can be, such as one that traps while it is instantiated. Assembled here with the `wat` crate
/// (`cargo xtask build-guests` builds the Rust guests only).
const WAT_GUESTS: &[(&str, &str)] = &[(
    "test-guest-instantiate-trap",
    "test-guests/instantiate-trap/component.wat",
)];

fn main() {
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let workspace = Path::new(&manifest_dir)
        .parent()
        .expect("guests/ lives in the workspace root")
        .to_owned();
    // Anything a guest is built from; a directory is scanned whole.
    for input in [
        "Cargo.toml",
        "Cargo.lock",
        "wit",
        "contract",
        "sdk",
        "sdk-macros",
    ]
    .into_iter()
    .chain(guests::GUEST_FOLDERS.iter().copied())
    {
        // A path that does not exist would make cargo run this script on every build.
        let path = workspace.join(input);
        if path.exists() {
            println!("cargo::rerun-if-changed={}", path.display());
        }
    }
    println!("cargo::rerun-if-env-changed=CARGO_TARGET_DIR");
    let mut built = match guests::build(&workspace, &[], true) {
        Ok(built) => built,
        Err(e) => panic!("{e}"),
    };
    // Components written in the WebAssembly text format, for what no Rust guest can do.
    for (package, source) in WAT_GUESTS {
        let source = workspace.join(source);
        let bytes = match wat::parse_file(&source) {
            Ok(bytes) => bytes,
            Err(e) => panic!("{}: {e}", source.display()),
        };
        let path = guests::target_dir(&workspace)
            .join("wat")
            .join(format!("{}.wasm", package.replace('-', "_")));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("creating the WAT guests' directory");
        }
        std::fs::write(&path, bytes).expect("writing a WAT guest");
        built.push(guests::Guest {
            package: (*package).to_owned(),
            path,
        });
    }
    let mut code = String::from("// Paths of the guest components, written by build.rs.\n");
    for guest in &built {
        let constant = guest.package.to_uppercase().replace('-', "_");
        writeln!(
            code,
            "/// The `{}` component.\npub const {constant}: &str = {:?};",
            guest.package,
            guest.path.display().to_string()
        )
        .expect("writing to a String");
    }
    code.push_str(
        "/// Every guest: package name and component path.\npub const ALL: &[(&str, &str)] = &[\n",
    );
    for guest in &built {
        writeln!(
            code,
            "    ({:?}, {:?}),",
            guest.package,
            guest.path.display().to_string()
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    let out =
        Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("guests.rs");
    std::fs::write(&out, code).expect("writing the guest paths");
}
