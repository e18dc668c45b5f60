//! The hostile test gatherer: one component whose configuration picks the attack on the host.
//!
//! It is written against raw wit-bindgen bindings, not the SDK, so that it can do what the SDK
//! would never let a gatherer do: forge headers, send `POST`, name another server, write records
//! with hostile names, ignore every refusal. The host's tests run it under a name per attack
//! (`--gatherer hostile-spin=hostile.wasm --config hostile-spin:attack=spin`).
//!
//! Configuration:
//! - `attack`: `spin`, `host-loop`, `memory`, `stack` (with `depth`), `panic`, `unreachable`,
//!   `requests` (with `flood`), `response`, `records` (with `tiny-records`), `stdout`, `post`,
//!   or `none`;
//! - `records-before`: how many records (`hostile/before/<i>`, raw) to write before the attack,
//!   so that a test can check that a run stopped by a trap or a limit keeps them.
//!
//! What the guest observes (how the host answered its attempts) it reports through
//! `output.report-error` as `other` errors, so the host's `gathers.json` shows both sides of
//! every attempt.
//!
//! Everything is compiled for `wasm32` only; on the host target the crate is empty, so
//! workspace-wide builds and lints stay cheap.

// Every read an attack may try, declared so that only the host's own rules (not the manifest)
// stand between the guest and the resource.
wagather_sdk_macros::manifest!(
    name = "hostile",
    version = "0.2.0",
    reads = [
        "config.openshift.io/v1/clusteroperators",
        "v1/secrets",
        "v1/pods/exec",
        "v1/configmaps",
    ],
);

#[cfg(target_arch = "wasm32")]
mod guest;
