//! Test guest: asks the host for a POST (which the policy must refuse before
//! anything reaches the API server) and then for an allowed GET, and records
//! both outcomes as text in the raw record `post/result`:
//!
//! ```text
//! post: denied: <reason>
//! get: 200
//! ```

/// The manifest, embedded by hand (this guest does not use wagather-sdk).
const MANIFEST_JSON: &str = r#"{"contract":"wagather:gatherer@0.1.0","name":"post","version":"0.1.0","reads":[{"group":"","version":"v1","resource":"configmaps"}]}"#;

#[allow(
    unsafe_code,
    reason = "link_section is an unsafe attribute; it only places these bytes in a custom section"
)]
#[unsafe(link_section = "wagather-manifest")]
#[used]
static MANIFEST: [u8; MANIFEST_JSON.len()] = bytes(MANIFEST_JSON);

const fn bytes<const N: usize>(text: &str) -> [u8; N] {
    let text = text.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = text[i];
        i += 1;
    }
    out
}

#[allow(
    unsafe_code,
    reason = "wit-bindgen's import and export glue is unsafe ABI code; the guest's own code is safe"
)]
mod guest {
    wit_bindgen::generate!({ path: "../../wit", world: "gatherer" });

    use wagather::gatherer::kube::{Error, Request, http_request};

    struct Post;

    const PATH: &str = "/api/v1/namespaces/default/configmaps";

    fn outcome(request: &Request) -> String {
        match http_request(request) {
            Ok(response) => response.status.to_string(),
            Err(Error::Denied(reason)) => format!("denied: {reason}"),
            Err(Error::LimitExceeded(reason)) => format!("limit-exceeded: {reason}"),
            Err(Error::Timeout) => "timeout".to_owned(),
            Err(Error::Transport(reason)) => format!("transport: {reason}"),
        }
    }

    impl Guest for Post {
        fn gather(_config: Vec<(String, String)>) -> GatherOutput {
            let post = Request {
                method: "POST".to_owned(),
                path_and_query: PATH.to_owned(),
                headers: vec![("content-type".to_owned(), "application/json".to_owned())],
                body: Some(
                    br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"planted"}}"#
                        .to_vec(),
                ),
            };
            let get = Request {
                method: "GET".to_owned(),
                path_and_query: PATH.to_owned(),
                headers: Vec::new(),
                body: None,
            };
            let text = format!("post: {}\nget: {}\n", outcome(&post), outcome(&get));
            GatherOutput {
                records: vec![GatherRecord {
                    name: "post/result".to_owned(),
                    format: RecordFormat::Raw,
                    data: text.into_bytes(),
                }],
                errors: Vec::new(),
            }
        }
    }

    export!(Post);
}
