//! `clusterconfig/ceph_cluster`: the status of every Rook CephCluster.
//!
//! IO (`gather_ceph_cluster.go`) lists `cephclusters.ceph.rook.io/v1` with its dynamic client
//! and writes only each cluster's `status` (`null` when it has none) to
//! `config/storage/<namespace>/cephclusters/<name>.json`. A cluster without the resource gives
//! no record and no error.

use wagather_sdk::prelude::*;
use wagather_sdk::serde_json::Value;

/// Records `config/storage/<namespace>/cephclusters/<name>` for every Ceph cluster.
#[gatherer(name = "clusterconfig/ceph_cluster", reads = ["ceph.rook.io/v1/cephclusters"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for cluster in
        insights_common::list_dynamic(&Dynamic::namespaced("ceph.rook.io", "v1", "cephclusters"))?
    {
        let path = format!(
            "config/storage/{}/cephclusters/{}",
            cluster.namespace().unwrap_or(""),
            cluster.name()
        );
        ctx.record_go_json(path, cluster.get(&["status"]).unwrap_or(&Value::Null))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, record_json, sample};
    use serde_json::json;

    const LIST: &str = "/apis/ceph.rook.io/v1/cephclusters";
    const PATH: &str =
        "config/storage/openshift-storage/cephclusters/ocs-storagecluster-cephcluster.json";

    #[test]
    fn writes_the_status_only() {
        // The sample holds the status IO wrote; the cluster around it is what a server sends.
        let cluster = json!({
            "metadata": {"name": "ocs-storagecluster-cephcluster", "namespace": "openshift-storage"},
            "spec": {"dataDirHostPath": "/var/lib/rook", "mon": {"count": 3}},
            "status": sample(PATH),
        });
        let other = json!({"metadata": {"name": "bare", "namespace": "rook"}, "spec": {}});
        let server = Server::new();
        server.list(LIST, "ceph.rook.io/v1", "CephCluster", &[cluster, other]);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_matches_sample(&output, PATH);
        assert_eq!(
            record_json(&output, "config/storage/rook/cephclusters/bare.json"),
            serde_json::Value::Null
        );
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }
}
