//! The instantiate-trap test gatherer: a component that implements the `gatherer` world and
//! carries a valid manifest, but whose core module has a start function that executes
//! `unreachable`, so every instantiation traps before `gather` could be called.
//!
//! It is the component the update service's swap protocol must refuse at its last stage, the
//! test instantiation, while the last good version keeps running. A Rust guest cannot trap
//! there (rustc emits no start function), so it is written in the WebAssembly text format:
//! `component.wat` next to this crate. `wagather-guests` assembles it with the other guests
//! (`wagather_guests::TEST_GUEST_INSTANTIATE_TRAP`); this crate only holds the source.

/// The component's source text.
pub const WAT: &str = include_str!("../component.wat");
