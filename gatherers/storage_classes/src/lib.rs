//! `clusterconfig/storage_classes`: every StorageClass.
//!
//! IO (`gather_storageclass.go`) lists them with a typed client (no `kind` or `apiVersion` on
//! the items) and writes each to `config/storage/storageclasses/<name>.json` without
//! `managedFields`. Nothing is anonymized.

use wagather_sdk::apis::storage_v1;
use wagather_sdk::prelude::*;

/// Records `config/storage/storageclasses/<name>` for every storage class.
#[gatherer(name = "clusterconfig/storage_classes", reads = ["storage.k8s.io/v1/storageclasses"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for class in storage_v1::storage_classes().list_objects(&ListParams::default())? {
        let class = class.without_type_meta();
        ctx.record_object(
            format!("config/storage/storageclasses/{}", class.name()),
            &class,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, sample_objects};

    #[test]
    fn writes_every_class_as_the_sample_has_it() {
        let classes = sample_objects("config/storage/storageclasses");
        let server = Server::new();
        let items: Vec<_> = classes.iter().map(|(_, c)| c.clone()).collect();
        server.list(
            "/apis/storage.k8s.io/v1/storageclasses",
            "storage.k8s.io/v1",
            "StorageClass",
            &items,
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), classes.len());
        for (path, _) in &classes {
            assert_matches_sample(&output, path);
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }
}
