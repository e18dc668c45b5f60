use wagather_sdk::meta::ObjectMeta;
use wagather_sdk::{Client, ListParams, Resource, scope};

#[derive(serde::Serialize, serde::Deserialize)]
struct Pod {
    metadata: ObjectMeta,
}

impl Resource for Pod {
    const GROUP: &'static str = "";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "Pod";
    const PLURAL: &'static str = "pods";
    type Scope = scope::Namespaced;
    type Metadata = ObjectMeta;
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

fn main() {
    // A namespaced resource is listed through `.namespaced(ns)` or `.all_namespaces()`.
    let _ = Client::<Pod>::new().list(&ListParams::default());
    let _ = Client::<Pod>::new().get("web-0");
    // And a single object is never read across all namespaces.
    let _ = Client::<Pod>::new().all_namespaces().get("web-0");
}
