//! Pushing and pulling against a real registry: Debian's `docker-registry` (distribution 2.8)
//! started by each test on 127.0.0.1 with its own config, installed by
//! source/scripts/install-docker-registry.sh; the tests fail, not skip, without it.

mod common;

use common::{Keys, Registry, component};
use oci_client::client::{Config, ImageLayer};
use oci_client::secrets::RegistryAuth as OciAuth;
use wagather_source::{
    CNCF_WASM_CONFIG_MEDIA_TYPE, Cause, Digest, ExpectedSigner, FetchOptions, Fetched, Fetcher,
    LEGACY_WASM_CONFIG_MEDIA_TYPE, LEGACY_WASM_LAYER_MEDIA_TYPE, OciSpec, PushOptions,
    SignatureMode, Source, SourceSpec, Stage, TrustedKeys, Update, WASM_LAYER_MEDIA_TYPE, push,
    sign_with_key_file,
};

fn options(reg: &Registry) -> FetchOptions {
    FetchOptions {
        insecure_registries: vec![reg.addr.clone()],
        connect_timeout: std::time::Duration::from_secs(2),
        read_timeout: std::time::Duration::from_secs(5),
        ..FetchOptions::default()
    }
}

fn push_options(reg: &Registry) -> PushOptions {
    PushOptions {
        registry: options(reg),
        target: Some("wagather:gatherer/gatherer@0.1.0".into()),
        ..PushOptions::default()
    }
}

fn spec(text: &str) -> OciSpec {
    text.parse().expect("oci reference")
}

fn source(text: &str) -> Source {
    let mut s = Source::new(text.parse::<SourceSpec>().expect("source"));
    s.signatures = SignatureMode::Required;
    s
}

fn new(update: Update) -> Fetched {
    match update {
        Update::New(f) => f,
        Update::Unchanged(r) => panic!("expected new bytes, got unchanged {r:?}"),
    }
}

#[tokio::test]
async fn push_pull_by_tag_and_digest_then_move_the_tag() {
    let reg = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::generate(dir.path(), "publisher");
    let mut trusted = TrustedKeys::new();
    trusted.add_file(&keys.public).unwrap();
    let fetcher = Fetcher::new(options(&reg)).unwrap();
    let tag = format!("oci://{}/gatherers/ops:v1", reg.addr);

    let v1 = component(1);
    let sig1 = sign_with_key_file(&keys.secret, &v1, "ops", "1.0.0").unwrap();
    let pushed1 = push(
        &v1,
        &spec(&tag),
        &PushOptions {
            signature: Some(sig1.clone()),
            ..push_options(&reg)
        },
    )
    .await
    .unwrap();
    assert_eq!(pushed1.component_digest, Digest::of(&v1));
    assert_eq!(pushed1.pinned, format!("{tag}@{}", pushed1.manifest_digest));

    // By tag: HEAD, then pull by the digest it named.
    let got = new(fetcher.check(&source(&tag), None).await.unwrap());
    assert_eq!(got.bytes, v1);
    assert_eq!(got.revision.digest, Digest::of(&v1));
    assert_eq!(
        got.revision.manifest_digest.as_deref(),
        Some(pushed1.manifest_digest.as_str())
    );
    assert_eq!(got.signature.as_deref(), Some(sig1.as_str()));
    let ok = trusted
        .verify(
            &got.bytes,
            got.signature.as_deref().unwrap(),
            ExpectedSigner {
                gatherer: "ops",
                version: "1.0.0",
            },
        )
        .unwrap();
    assert_eq!(ok.trusted_comment, "gatherer=ops version=1.0.0");

    // Nothing moved: unchanged, same revision.
    let again = fetcher
        .check(&source(&tag), Some(&got.revision))
        .await
        .unwrap();
    assert!(
        matches!(&again, Update::Unchanged(r) if *r == got.revision),
        "{again:?}"
    );

    // By digest: the same bytes; once running, a digest reference is never re-fetched.
    let by_digest = new(fetcher.check(&source(&pushed1.pinned), None).await.unwrap());
    assert_eq!(by_digest.bytes, v1);
    assert!(matches!(
        fetcher
            .check(&source(&pushed1.pinned), Some(&by_digest.revision))
            .await
            .unwrap(),
        Update::Unchanged(_)
    ));

    // Move the tag: v2 under the same tag is seen as new, with the new manifest digest.
    let v2 = component(2);
    let pushed2 = push(&v2, &spec(&tag), &push_options(&reg)).await.unwrap();
    assert_ne!(pushed2.manifest_digest, pushed1.manifest_digest);
    let moved = new(fetcher
        .check(&source(&tag), Some(&got.revision))
        .await
        .unwrap());
    assert_eq!(moved.bytes, v2);
    assert_eq!(
        moved.revision.manifest_digest.as_deref(),
        Some(pushed2.manifest_digest.as_str())
    );
    assert_eq!(moved.signature, None, "v2 was pushed unsigned");
    let err = trusted
        .check(
            SignatureMode::Required,
            &moved.bytes,
            None,
            &moved.signature_location,
            ExpectedSigner {
                gatherer: "ops",
                version: "2.0.0",
            },
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("io.github.wagather.signature.minisign"),
        "{err}"
    );

    // The digest reference still names v1.
    let pinned = new(fetcher.check(&source(&pushed1.pinned), None).await.unwrap());
    assert_eq!(pinned.bytes, v1);
}

#[tokio::test]
async fn pushed_config_follows_the_cncf_wasm_layout() {
    let reg = Registry::start();
    let tag = format!("oci://{}/gatherers/layout:v1", reg.addr);
    let bytes = component(3);
    let created: jiff::Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
    let pushed = push(
        &bytes,
        &spec(&tag),
        &PushOptions {
            created: Some(created),
            ..push_options(&reg)
        },
    )
    .await
    .unwrap();

    wagather_source::install_crypto_provider();
    let client = oci_client::Client::new(oci_client::client::ClientConfig {
        protocol: oci_client::client::ClientProtocol::HttpsExcept(vec![reg.addr.clone()]),
        ..Default::default()
    });
    let reference = spec(&pushed.pinned).reference().clone();
    let (manifest, digest, config) = client
        .pull_manifest_and_config(&reference, &OciAuth::Anonymous)
        .await
        .unwrap();
    assert_eq!(digest, pushed.manifest_digest);
    assert_eq!(
        manifest.media_type.as_deref(),
        Some("application/vnd.oci.image.manifest.v1+json")
    );
    assert_eq!(manifest.config.media_type, CNCF_WASM_CONFIG_MEDIA_TYPE);
    assert_eq!(manifest.layers.len(), 1);
    assert_eq!(manifest.layers[0].media_type, WASM_LAYER_MEDIA_TYPE);
    let config: serde_json::Value = serde_json::from_str(&config).unwrap();
    assert_eq!(
        config,
        serde_json::json!({
            "created": "2026-01-02T03:04:05Z",
            "architecture": "wasm",
            "os": "wasip2",
            "layerDigests": [Digest::of(&bytes).to_string()],
            "component": {
                "imports": ["wagather:gatherer/kube@0.1.0"],
                "exports": ["gather"],
                "target": "wagather:gatherer/gatherer@0.1.0"
            }
        })
    );
}

/// Pushes an artifact with oci-client directly, for shapes `push` never makes.
async fn push_raw(
    reg: &Registry,
    repo_tag: &str,
    layers: Vec<ImageLayer>,
    config_type: &str,
) -> String {
    wagather_source::install_crypto_provider();
    let client = oci_client::Client::new(oci_client::client::ClientConfig {
        protocol: oci_client::client::ClientProtocol::HttpsExcept(vec![reg.addr.clone()]),
        ..Default::default()
    });
    let reference: oci_client::Reference = format!("{}/{repo_tag}", reg.addr).parse().unwrap();
    let config = Config::new(b"{}".to_vec(), config_type.to_string(), None);
    let mut manifest = oci_client::manifest::OciImageManifest::build(&layers, &config, None);
    manifest.media_type = Some(oci_client::manifest::OCI_IMAGE_MEDIA_TYPE.to_string());
    client
        .push(
            &reference,
            &layers,
            config,
            &OciAuth::Anonymous,
            Some(manifest),
        )
        .await
        .unwrap();
    format!("oci://{}/{repo_tag}", reg.addr)
}

#[tokio::test]
async fn legacy_layer_type_is_accepted() {
    let reg = Registry::start();
    let bytes = component(4);
    let layer = ImageLayer::new(
        bytes.clone(),
        LEGACY_WASM_LAYER_MEDIA_TYPE.to_string(),
        None,
    );
    let tag = push_raw(
        &reg,
        "gatherers/legacy:v1",
        vec![layer],
        LEGACY_WASM_CONFIG_MEDIA_TYPE,
    )
    .await;
    let fetcher = Fetcher::new(options(&reg)).unwrap();
    let got = new(fetcher.check(&source(&tag), None).await.unwrap());
    assert_eq!(got.bytes, bytes);
}

#[tokio::test]
async fn other_shapes_are_refused() {
    let reg = Registry::start();
    let fetcher = Fetcher::new(options(&reg)).unwrap();
    let wasm = |n| ImageLayer::new(component(n), WASM_LAYER_MEDIA_TYPE.to_string(), None);

    let two = push_raw(
        &reg,
        "gatherers/two:v1",
        vec![wasm(5), wasm(6)],
        CNCF_WASM_CONFIG_MEDIA_TYPE,
    )
    .await;
    let err = fetcher.check(&source(&two), None).await.unwrap_err();
    assert_eq!(err.stage, Stage::Fetch);
    assert!(matches!(err.cause, Cause::Layout(_)), "{err}");
    assert!(
        err.to_string()
            .contains("2 layers, expected exactly one `application/wasm` layer"),
        "{err}"
    );

    let image = push_raw(
        &reg,
        "gatherers/image:v1",
        vec![wasm(7)],
        "application/vnd.oci.image.config.v1+json",
    )
    .await;
    let err = fetcher.check(&source(&image), None).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("config media type `application/vnd.oci.image.config.v1+json`"),
        "{err}"
    );

    let tar = ImageLayer::oci_v1(component(8), None);
    let tarred = push_raw(
        &reg,
        "gatherers/tar:v1",
        vec![tar],
        CNCF_WASM_CONFIG_MEDIA_TYPE,
    )
    .await;
    let err = fetcher.check(&source(&tarred), None).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("layer media type `application/vnd.oci.image.layer.v1.tar`"),
        "{err}"
    );

    let missing = format!("oci://{}/gatherers/none:v1", reg.addr);
    let err = fetcher.check(&source(&missing), None).await.unwrap_err();
    assert_eq!(err.stage, Stage::Fetch);
    assert!(
        err.to_string().starts_with(&format!("{missing}: fetch: ")),
        "{err}"
    );
}

#[tokio::test]
async fn layer_over_the_cap_is_refused_from_its_descriptor() {
    let reg = Registry::start();
    let bytes = component(9);
    let tag = format!("oci://{}/gatherers/big:v1", reg.addr);
    push(&bytes, &spec(&tag), &push_options(&reg))
        .await
        .unwrap();
    let fetcher = Fetcher::new(FetchOptions {
        max_bytes: 16,
        ..options(&reg)
    })
    .unwrap();
    let err = fetcher.check(&source(&tag), None).await.unwrap_err();
    assert!(
        matches!(err.cause, Cause::TooLarge { cap: 16, announced: Some(n) } if n == bytes.len() as u64),
        "{err}"
    );
}

#[tokio::test]
async fn https_is_the_default_and_plain_http_needs_the_registry_listed() {
    let reg = Registry::start();
    let tag = format!("oci://{}/gatherers/tls:v1", reg.addr);
    let https_only = FetchOptions {
        insecure_registries: vec!["127.0.0.1:1".into()],
        ..FetchOptions::default()
    };

    let err = push(
        &component(10),
        &spec(&tag),
        &PushOptions {
            registry: https_only.clone(),
            ..PushOptions::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.stage, Stage::Fetch, "{err}");

    push(&component(10), &spec(&tag), &push_options(&reg))
        .await
        .unwrap();
    let err = Fetcher::new(https_only)
        .unwrap()
        .check(&source(&tag), None)
        .await
        .unwrap_err();
    assert_eq!(err.stage, Stage::Fetch);
    assert!(matches!(err.cause, Cause::Transport(_)), "{err}");
    eprintln!("{err}");
}

#[tokio::test]
async fn push_refuses_what_is_not_a_component() {
    let reg = Registry::start();
    let tag = spec(&format!("oci://{}/gatherers/bad:v1", reg.addr));
    let core = wat::parse_str("(module)").unwrap();
    let err = push(&core, &tag, &push_options(&reg)).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("a core WebAssembly module, not a component"),
        "{err}"
    );
    let err = push(b"\0asm garbage", &tag, &push_options(&reg))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not valid WebAssembly"), "{err}");
    let err = push(
        &component(1),
        &tag,
        &PushOptions {
            signature: Some("nope".into()),
            ..push_options(&reg)
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.stage, Stage::Signature, "{err}");
    let by_digest = spec(&format!(
        "oci://{}/gatherers/bad@{}",
        reg.addr,
        Digest::of(b"x")
    ));
    let err = push(&component(1), &by_digest, &push_options(&reg))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("push to a tag"), "{err}");
}
