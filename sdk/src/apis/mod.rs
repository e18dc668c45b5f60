//! Typed API objects, one module per group-version, each behind the Cargo feature of its name.

#[cfg(feature = "config_v1")]
pub mod config_v1;
