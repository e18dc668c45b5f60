//! The content-addressed store and last-good state, on a real directory.

use std::os::unix::fs::PermissionsExt as _;

use wagather_source::{Digest, LastGood, Revision, Store, StoreError};

fn state(gatherer: &str, digest: Digest) -> LastGood {
    LastGood {
        gatherer: gatherer.into(),
        version: "1.2.0".into(),
        digest,
        source: "oci://127.0.0.1:5055/gatherers/ops:v1".into(),
        stored_at: "2026-01-02T03:04:05Z".parse().unwrap(),
        etag: None,
        manifest_digest: Some(format!("sha256:{}", "ab".repeat(32))),
        signature: Some(
            "untrusted comment: x\nRW..\ntrusted comment: gatherer=ops version=1.2.0\nAA..\n"
                .into(),
        ),
    }
}

#[test]
fn round_trip_and_private_directories() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let store = Store::open(&root).unwrap();
    for d in [root.clone(), root.join("blobs/sha256"), root.join("state")] {
        assert_eq!(
            std::fs::metadata(&d).unwrap().permissions().mode() & 0o777,
            0o700,
            "{}",
            d.display()
        );
    }
    let digest = store.put(b"component bytes").unwrap();
    assert_eq!(digest, Digest::of(b"component bytes"));
    assert_eq!(store.load(&digest).unwrap(), b"component bytes");
    assert_eq!(store.put(b"component bytes").unwrap(), digest, "idempotent");
    let mode = std::fs::metadata(store.blob_path(&digest))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "blobs are private to the host: {mode:o}");
    let names: Vec<_> = std::fs::read_dir(root.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from(digest.hex())],
        "no temp files left behind"
    );

    let absent = Digest::of(b"never stored");
    assert!(matches!(
        store.load(&absent),
        Err(StoreError::Missing { .. })
    ));

    // An existing directory with wide permissions is tightened.
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    Store::open(&root).unwrap();
    assert_eq!(
        std::fs::metadata(&root).unwrap().permissions().mode() & 0o777,
        0o700
    );
}

#[test]
fn corruption_is_detected_on_load_and_repaired_by_put() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let digest = store.put(b"good bytes").unwrap();
    std::fs::write(store.blob_path(&digest), b"evil bytes").unwrap();
    let err = store.load(&digest).unwrap_err();
    let StoreError::Corrupt {
        expected, actual, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*expected, digest);
    assert_eq!(*actual, Digest::of(b"evil bytes"));
    assert!(
        err.to_string().contains("corrupt") && err.to_string().contains(&digest.hex()),
        "{err}"
    );

    store.set_last_good(&state("ops", digest)).unwrap();
    assert!(
        matches!(store.load_last_good("ops"), Err(StoreError::Corrupt { .. })),
        "never handed out"
    );

    assert_eq!(store.put(b"good bytes").unwrap(), digest);
    assert_eq!(store.load(&digest).unwrap(), b"good bytes");
}

#[test]
fn last_good_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let (ops, pods) = {
        let store = Store::open(dir.path()).unwrap();
        let ops = state("ops", store.put(b"ops v1").unwrap());
        let pods = LastGood {
            etag: Some("\"e1\"".into()),
            manifest_digest: None,
            ..state("pods", store.put(b"pods v3").unwrap())
        };
        store.set_last_good(&ops).unwrap();
        store.set_last_good(&pods).unwrap();
        // A newer version replaces the state atomically.
        let ops2 = LastGood {
            version: "1.3.0".into(),
            ..state("ops", store.put(b"ops v2").unwrap())
        };
        store.set_last_good(&ops2).unwrap();
        (ops2, pods)
    };
    let store = Store::open(dir.path()).unwrap();
    let (got, bytes) = store.load_last_good("ops").unwrap().unwrap();
    assert_eq!(got, ops);
    assert_eq!(bytes, b"ops v2");
    assert_eq!(
        got.revision(),
        Revision {
            digest: Digest::of(b"ops v2"),
            etag: None,
            manifest_digest: ops.manifest_digest.clone()
        }
    );
    assert_eq!(store.all_last_good().unwrap(), vec![ops, pods]);
    assert_eq!(store.last_good("other").unwrap(), None);
}

#[test]
fn bad_names_and_dangling_states_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    for name in [
        "", "../x", ".hidden", "a//b", "a/../b", "/a", "a/", "sp ace",
    ] {
        assert!(
            matches!(store.last_good(name), Err(StoreError::Name(_))),
            "{name:?}"
        );
    }
    let err = store
        .set_last_good(&state("ops", Digest::of(b"not stored")))
        .unwrap_err();
    assert!(matches!(err, StoreError::Missing { .. }), "{err}");
    std::fs::write(dir.path().join("state/broken.json"), b"{").unwrap();
    let err = store.last_good("broken").unwrap_err();
    assert!(
        err.to_string().contains("broken.json")
            && err.to_string().contains("not a last-good state"),
        "{err}"
    );
}

#[test]
fn names_with_segments_are_one_state_file_each() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let digest = store.put(b"nodes").unwrap();
    let nodes = state("clusterconfig/nodes", digest);
    store.set_last_good(&nodes).unwrap();
    assert!(
        dir.path()
            .join("state/clusterconfig%2Fnodes.json")
            .is_file()
    );
    assert_eq!(
        store.last_good("clusterconfig/nodes").unwrap(),
        Some(nodes.clone())
    );
    assert_eq!(store.last_good("clusterconfig").unwrap(), None);
    assert_eq!(store.all_last_good().unwrap(), vec![nodes]);
}
