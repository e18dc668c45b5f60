//! `manifest!` embeds a manifest for a component that implements the export itself.
wagather_sdk_macros::manifest!(
    reads = ["config.openshift.io/v1/clusteroperators", "v1/secrets in openshift-config"],
    name = "hand-made",
    version = "3.0.0",
);

fn main() {
    let manifest = wagather_sdk::Manifest::from_json(__WAGATHER_MANIFEST.as_bytes()).unwrap();
    assert_eq!(manifest.name, "hand-made");
    assert_eq!(manifest.version, "3.0.0");
    assert_eq!(manifest.contract, wagather_sdk::CONTRACT);
    let reads: Vec<String> = manifest.reads.iter().map(ToString::to_string).collect();
    assert_eq!(
        reads,
        ["config.openshift.io/v1/clusteroperators", "v1/secrets in openshift-config"]
    );
}
