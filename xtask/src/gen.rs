//! `cargo xtask gen`: regenerates the SDK's typed clients (filled in by the codegen crate).

pub fn run(check: bool) -> anyhow::Result<()> {
    let _ = check;
    anyhow::bail!("cargo xtask gen is not available yet: the code generator has not landed")
}
