use wagather_sdk::meta::ObjectMeta;
use wagather_sdk::{Client, Resource, scope};

#[derive(serde::Serialize, serde::Deserialize)]
struct Node {
    metadata: ObjectMeta,
}

impl Resource for Node {
    const GROUP: &'static str = "";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "Node";
    const PLURAL: &'static str = "nodes";
    type Scope = scope::Cluster;
    type Metadata = ObjectMeta;
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

fn main() {
    // A cluster-scoped resource has no namespaces.
    let _ = Client::<Node>::new().namespaced("default");
    let _ = Client::<Node>::new().all_namespaces();
}
