//! Builds every guest component and writes a constant with its path per guest (see
//! `src/build.rs`).

#[path = "src/build.rs"]
mod guests;
#[path = "src/polyglot.rs"]
#[allow(dead_code)]
mod polyglot;

use std::fmt::Write as _;
use std::path::Path;

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
        "sdk-js",
        "sdk-py",
        "guests/toolchains",
        "guests/src/polyglot.rs",
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
    let built = match guests::build(&workspace, &[], true) {
        Ok(built) => built,
        Err(e) => panic!("{e}"),
    };
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

    // The JavaScript and Python guests, when node and python are here; when they are not, the
    // reason takes the place of the path and the tests that need them fail with it.
    let polyglot = match polyglot::build(&workspace, &guests::target_dir(&workspace), false) {
        Ok(report) => report,
        Err(e) => panic!("{e:#}"),
    };
    for line in &polyglot.skipped {
        println!("cargo::warning={line}");
    }
    code.push_str(
        "/// The JavaScript and Python guests: component name and path, or why it was not built.\n\
         pub const POLYGLOT: &[(&str, Result<&str, &str>)] = &[\n",
    );
    for (name, built) in polyglot::outcomes(&polyglot) {
        match built {
            Ok(path) => writeln!(
                code,
                "    ({name:?}, Ok({:?})),",
                path.display().to_string()
            ),
            Err(why) => writeln!(code, "    ({name:?}, Err({why:?})),"),
        }
        .expect("writing to a String");
    }
    code.push_str("];\n");
    let out =
        Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("guests.rs");
    std::fs::write(&out, code).expect("writing the guest paths");
}
