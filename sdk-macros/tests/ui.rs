//! Compile-time behaviour of `#[gatherer]`: misuse is an error with a useful span, correct use
//! compiles and embeds the manifest.
//!
//! The expected compiler output lives next to each case in `ui/fail/*.stderr`. After an
//! intended change of a message, refresh them with
//! `TRYBUILD=overwrite cargo test -p wagather-sdk-macros --test ui` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
