//! Records the compiler that builds this crate (and so the benchmarks using it), a fact of the
//! machine every run of figures reports.

fn main() {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("-V")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo::rustc-env=WAGATHER_FIGURES_RUSTC={version}");
    println!("cargo::rerun-if-env-changed=RUSTC");
}
