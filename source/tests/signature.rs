//! Signatures made and checked with the real `minisign` CLI (Debian package `minisign`, installed
//! by source/scripts/install-minisign.sh); these tests fail, not skip, without it.

mod common;

use std::process::Command;

use common::{Keys, minisign, run};
use wagather_source::{
    ExpectedSigner, SignatureError, SignatureMode, TrustedKeys, sign_with_key_file,
};

const OPS: ExpectedSigner<'static> = ExpectedSigner {
    gatherer: "ops",
    version: "1.2.0",
};

struct Fixture {
    dir: tempfile::TempDir,
    trusted: Keys,
    stranger: Keys,
    keys: TrustedKeys,
    wasm: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let trusted = Keys::generate(dir.path(), "trusted");
    let stranger = Keys::generate(dir.path(), "stranger");
    let mut keys = TrustedKeys::new();
    keys.add_file(&trusted.public).unwrap();
    let wasm = dir.path().join("g.wasm");
    std::fs::write(&wasm, common::component(1)).unwrap();
    Fixture {
        dir,
        trusted,
        stranger,
        keys,
        wasm,
    }
}

#[test]
fn cli_signature_with_the_right_comment_verifies() {
    let f = fixture();
    let sig = f.trusted.sign(&f.wasm, "gatherer=ops version=1.2.0");
    let bytes = std::fs::read(&f.wasm).unwrap();
    let ok = f.keys.verify(&bytes, &sig, OPS).unwrap();
    assert_eq!(ok.trusted_comment, "gatherer=ops version=1.2.0");
    // minisign prints the key id in the public key's comment line.
    assert!(
        f.trusted.public_text().contains(&ok.key_id),
        "{} / {}",
        ok.key_id,
        f.trusted.public_text()
    );

    // The base64 line alone works as well as the .pub file.
    let mut from_line = TrustedKeys::new();
    from_line
        .add(f.trusted.public_text().lines().nth(1).unwrap())
        .unwrap();
    assert!(from_line.verify(&bytes, &sig, OPS).is_ok());
}

#[test]
fn tampered_bytes_are_a_bad_signature() {
    let f = fixture();
    let sig = f.trusted.sign(&f.wasm, "gatherer=ops version=1.2.0");
    let mut bytes = std::fs::read(&f.wasm).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    let err = f.keys.verify(&bytes, &sig, OPS).unwrap_err();
    assert!(matches!(err, SignatureError::Invalid { .. }), "{err}");
}

#[test]
fn altered_trusted_comment_is_a_bad_signature() {
    let f = fixture();
    let sig = f.trusted.sign(&f.wasm, "gatherer=ops version=1.1.0");
    let forged = sig.replace("version=1.1.0", "version=1.2.0");
    let err = f
        .keys
        .verify(&std::fs::read(&f.wasm).unwrap(), &forged, OPS)
        .unwrap_err();
    assert!(matches!(err, SignatureError::Invalid { .. }), "{err}");
}

#[test]
fn signature_from_an_untrusted_key_is_refused() {
    let f = fixture();
    let sig = f.stranger.sign(&f.wasm, "gatherer=ops version=1.2.0");
    let err = f
        .keys
        .verify(&std::fs::read(&f.wasm).unwrap(), &sig, OPS)
        .unwrap_err();
    let SignatureError::UntrustedKey { key_id } = &err else {
        panic!("{err}")
    };
    assert!(f.stranger.public_text().contains(key_id.as_str()));
    assert!(
        err.to_string().contains("not among the trusted keys"),
        "{err}"
    );
}

#[test]
fn valid_signature_for_another_gatherer_or_version_is_refused() {
    let f = fixture();
    let bytes = std::fs::read(&f.wasm).unwrap();
    let other = f.trusted.sign(&f.wasm, "gatherer=pods version=1.2.0");
    let err = f.keys.verify(&bytes, &other, OPS).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the signature is for gatherer `pods`, but the component's manifest names `ops`"
    );
    let older = f.trusted.sign(&f.wasm, "gatherer=ops version=1.1.0");
    let err = f.keys.verify(&bytes, &older, OPS).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the signature is for version 1.1.0 of `ops`, but the component's manifest declares version 1.2.0"
    );
    // minisign's default comment (timestamp and file name) binds nothing and is refused.
    run(Command::new(minisign())
        .args(["-S", "-s"])
        .arg(&f.trusted.secret)
        .arg("-m")
        .arg(&f.wasm));
    let default = std::fs::read_to_string(f.dir.path().join("g.wasm.minisig")).unwrap();
    let err = f.keys.verify(&bytes, &default, OPS).unwrap_err();
    assert!(matches!(err, SignatureError::Comment { .. }), "{err}");
}

#[test]
fn legacy_signatures_are_refused() {
    let f = fixture();
    let sig = f.dir.path().join("legacy.minisig");
    run(Command::new(minisign())
        .args(["-S", "-l", "-s"])
        .arg(&f.trusted.secret)
        .arg("-m")
        .arg(&f.wasm)
        .arg("-x")
        .arg(&sig)
        .args(["-t", "gatherer=ops version=1.2.0"]));
    let err = f
        .keys
        .verify(
            &std::fs::read(&f.wasm).unwrap(),
            &std::fs::read_to_string(&sig).unwrap(),
            OPS,
        )
        .unwrap_err();
    assert_eq!(err, SignatureError::Legacy);
}

#[test]
fn modes_decide_about_a_missing_signature() {
    let f = fixture();
    let bytes = std::fs::read(&f.wasm).unwrap();
    assert_eq!(
        f.keys.check(
            SignatureMode::IfPresent,
            &bytes,
            None,
            "g.wasm.minisig",
            OPS
        ),
        Ok(None)
    );
    assert_eq!(
        f.keys
            .check(SignatureMode::Off, &bytes, Some("garbage"), "-", OPS),
        Ok(None)
    );
    let err = f
        .keys
        .check(
            SignatureMode::Required,
            &bytes,
            None,
            "https://x/g.wasm.minisig",
            OPS,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "a signature is required, but there is none at https://x/g.wasm.minisig"
    );
    let err = f
        .keys
        .check(SignatureMode::IfPresent, &bytes, Some("garbage"), "-", OPS)
        .unwrap_err();
    assert!(matches!(err, SignatureError::Malformed(_)), "{err}");
}

#[test]
fn crate_signatures_verify_with_the_cli_and_use_cli_keys() {
    let f = fixture();
    let bytes = std::fs::read(&f.wasm).unwrap();
    // A key made by `minisign -G -W` signs through the crate ...
    let sig = sign_with_key_file(&f.trusted.secret, &bytes, "ops", "1.2.0").unwrap();
    let sig_path = f.dir.path().join("crate.minisig");
    std::fs::write(&sig_path, &sig).unwrap();
    // ... and the CLI accepts the result, trusted comment included.
    let out = run(Command::new(minisign())
        .args(["-V", "-p"])
        .arg(&f.trusted.public)
        .arg("-m")
        .arg(&f.wasm)
        .arg("-x")
        .arg(&sig_path));
    assert!(
        out.contains("Trusted comment: gatherer=ops version=1.2.0"),
        "{out}"
    );
    assert!(f.keys.verify(&bytes, &sig, OPS).is_ok());

    // An encrypted key is refused with a message that says what to do.
    let enc = f.dir.path().join("enc.key");
    let text = std::fs::read_to_string(&f.trusted.secret).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Flip the KDF algorithm bytes ("Ed" + "\0\0" -> "Ed" + "Sc") to mark the key encrypted.
    use base64::Engine as _;
    let mut blob = base64::engine::general_purpose::STANDARD
        .decode(&lines[1])
        .unwrap();
    blob[2] = b'S';
    blob[3] = b'c';
    lines[1] = base64::engine::general_purpose::STANDARD.encode(&blob);
    std::fs::write(&enc, lines.join("\n") + "\n").unwrap();
    let err = sign_with_key_file(&enc, &bytes, "ops", "1.2.0").unwrap_err();
    assert!(err.to_string().contains("minisign -G -W"), "{err}");
}

/// The whole path: an https source with `<url>.minisig`, fetched, then checked as the host does,
/// every refusal a `SourceError` at stage `signature` naming the source.
#[tokio::test]
async fn https_source_with_minisig_end_to_end() {
    use common::{HttpsServer, Reply};
    use wagather_source::{Cause, FetchOptions, Fetcher, Source, SourceSpec, Stage, Update};

    let f = fixture();
    let server = HttpsServer::start().await;
    let bytes = std::fs::read(&f.wasm).unwrap();
    server.set(
        "/g.wasm",
        Reply::Body {
            body: bytes.clone(),
            etag: None,
        },
    );
    let fetcher = Fetcher::new(FetchOptions {
        extra_roots_pem: vec![server.cert_pem.clone()],
        ..FetchOptions::default()
    })
    .unwrap();
    let url = server.url("/g.wasm");
    let mut src = Source::new(url.parse::<SourceSpec>().unwrap());
    src.signatures = SignatureMode::Required;
    let fetch = || async {
        match fetcher.check(&src, None).await.unwrap() {
            Update::New(f) => f,
            Update::Unchanged(_) => panic!("nothing runs yet"),
        }
    };
    let sig_reply = |text: String| Reply::Body {
        body: text.into_bytes(),
        etag: None,
    };

    // Unsigned while required.
    let err = fetch()
        .await
        .verify_signature(&f.keys, SignatureMode::Required, OPS)
        .unwrap_err();
    assert_eq!(err.stage, Stage::Signature);
    assert_eq!(
        err.to_string(),
        format!("{url}: signature: a signature is required, but there is none at {url}.minisig")
    );

    // Signed right.
    server.set(
        "/g.wasm.minisig",
        sig_reply(f.trusted.sign(&f.wasm, "gatherer=ops version=1.2.0")),
    );
    let got = fetch().await;
    let ok = got
        .verify_signature(&f.keys, SignatureMode::Required, OPS)
        .unwrap()
        .unwrap();
    assert_eq!(ok.trusted_comment, "gatherer=ops version=1.2.0");

    // Each refusal at stage signature, with its cause.
    for (sig, want) in [
        (
            f.stranger.sign(&f.wasm, "gatherer=ops version=1.2.0"),
            "not among the trusted keys",
        ),
        (
            f.trusted.sign(&f.wasm, "gatherer=ops version=1.1.0"),
            "for version 1.1.0 of `ops`",
        ),
        (
            f.trusted.sign(&f.wasm, "gatherer=pods version=1.2.0"),
            "for gatherer `pods`",
        ),
        (
            f.trusted
                .sign_bytes(f.dir.path(), b"other bytes", "gatherer=ops version=1.2.0"),
            "does not match",
        ),
    ] {
        server.set("/g.wasm.minisig", sig_reply(sig));
        let err = fetch()
            .await
            .verify_signature(&f.keys, SignatureMode::Required, OPS)
            .unwrap_err();
        assert_eq!(err.stage, Stage::Signature, "{err}");
        assert!(matches!(err.cause, Cause::Signature(_)), "{err}");
        assert!(
            err.to_string().starts_with(&format!("{url}: signature: ")),
            "{err}"
        );
        assert!(err.to_string().contains(want), "{err}");
    }
}
