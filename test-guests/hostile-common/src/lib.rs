//! Hostile behaviours for the host's sandbox tests.
//!
//! Each `test-guests/hostile-<name>` crate is a gatherer component that
//! embeds its own manifest and runs one [`Mode`] from here. They are written
//! against raw wit-bindgen bindings, not the SDK, so that they can do what
//! the SDK would never let a gatherer do: forge headers, send `POST`, name
//! another server, return records with hostile names.
//!
//! Everything is compiled for `wasm32` only; on the host target the crate is
//! empty, so workspace-wide builds and lints stay cheap.

/// Copies a manifest into a fixed-size array, for a `link_section` static
/// whose length is computed from the JSON literal.
pub const fn manifest_bytes<const N: usize>(json: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = json[i];
        i += 1;
    }
    out
}

/// What a hostile gatherer does when called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Spins forever in pure computation.
    Spin,
    /// Loops forever around host calls (refused requests, clock reads).
    HostLoop,
    /// Allocates until the allocator fails.
    Memory,
    /// Recurses until the call stack is exhausted.
    Stack,
    /// Panics (an abort trap under `panic = "abort"`).
    Panic,
    /// Executes the `unreachable` instruction.
    Unreachable,
    /// Tries every forbidden request, then floods the host with requests.
    Requests,
    /// Asks for the same list until the response budget is spent.
    Response,
    /// Returns hostile record names, duplicates and a million tiny records.
    Records,
    /// Writes to stdout without end.
    Stdout,
}

#[cfg(target_arch = "wasm32")]
mod guest;

#[cfg(target_arch = "wasm32")]
pub use guest::*;

/// Defines a hostile component: its `gather` export running `mode`, and `manifest` (JSON bytes)
/// as the `wagather-manifest` custom section the host reads before instantiating. The manifest is
/// written by hand rather than by `#[gatherer]`: these guests do not use the SDK.
#[macro_export]
macro_rules! gatherer {
    (mode: $mode:expr, manifest: $manifest:expr $(,)?) => {
        const MANIFEST_JSON: &[u8] = $manifest;

        #[allow(
            unsafe_code,
            reason = "a custom section is a `link_section` static, which Rust marks unsafe"
        )]
        #[unsafe(link_section = "wagather-manifest")]
        #[used]
        static MANIFEST: [u8; MANIFEST_JSON.len()] = $crate::manifest_bytes(MANIFEST_JSON);

        #[allow(
            unsafe_code,
            reason = "the component export is wit-bindgen glue that uses the canonical ABI"
        )]
        const _: () = {
            struct HostileGatherer;

            impl $crate::Guest for HostileGatherer {
                fn gather(
                    config: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
                ) -> $crate::GatherOutput {
                    $crate::run($mode, &config)
                }
            }

    $crate::export!(HostileGatherer with_types_in $crate);
        };
    };
}
