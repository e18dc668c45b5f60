//! A gatherer as the SDK built it for contract `wagather:gatherer@0.1.0`: the 0.1.0 world
//! (records returned all at once from `gather`, errors as strings, `wit/gatherer.wit` here is
//! that version's contract) and a manifest naming 0.1.0. The host must refuse it before it
//! runs, with a message naming both contract versions.

wagather_sdk_macros::manifest!(
    name = "contract-v0-1",
    version = "0.1.0",
    reads = ["config.openshift.io/v1/clusteroperators"],
    contract = "wagather:gatherer@0.1.0",
);

#[cfg(target_arch = "wasm32")]
#[allow(
    unsafe_code,
    reason = "wit-bindgen's canonical ABI glue is unsafe by nature; it is generated, not hand-written"
)]
mod guest {
    wit_bindgen::generate!({ path: "wit", world: "gatherer" });

    struct Old;

    impl Guest for Old {
        fn gather(_config: Vec<(String, String)>) -> GatherOutput {
            GatherOutput {
                records: vec![GatherRecord {
                    name: "old/record".to_owned(),
                    format: RecordFormat::Raw,
                    data: b"written by a 0.1.0 gatherer".to_vec(),
                }],
                errors: Vec::new(),
            }
        }
    }

    export!(Old);
}
