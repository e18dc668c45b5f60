//! A resource's scope decides which client methods exist: using the wrong one does not compile.
//!
//! The expected compiler output is in `ui/*.stderr`; after an intended change refresh it with
//! `TRYBUILD=overwrite cargo test -p wagather-sdk --test scope` and review the diff.

#[test]
fn wrong_scope_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
