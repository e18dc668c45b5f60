//! `clusterconfig/crds`: the CustomResourceDefinitions of volume snapshots.
//!
//! IO (`gather_custom_resource_definitions.go`) GETs the CRDs
//! `volumesnapshots.snapshot.storage.k8s.io` and
//! `volumesnapshotcontents.snapshot.storage.k8s.io` with a typed client (no `kind` or
//! `apiVersion`) and writes each to `config/crd/<name>.json` without `managedFields`. A
//! missing CRD is skipped; any other error drops every record and is reported.

use wagather_sdk::apis::apiextensions_v1;
use wagather_sdk::prelude::*;

/// The CRDs IO gathers, in its order.
const CRDS: [&str; 2] = [
    "volumesnapshots.snapshot.storage.k8s.io",
    "volumesnapshotcontents.snapshot.storage.k8s.io",
];

/// Records `config/crd/<name>` for each of [`CRDS`] that exists.
#[gatherer(
    name = "clusterconfig/crds",
    reads = ["apiextensions.k8s.io/v1/customresourcedefinitions"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let mut found = Vec::new();
    for name in CRDS {
        match apiextensions_v1::custom_resource_definitions().get_object(name) {
            Ok(crd) => found.push(crd.without_type_meta()),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    for crd in &found {
        ctx.record_object(format!("config/crd/{}", crd.name()), crd)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, sample};

    const BASE: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

    #[test]
    fn writes_both_crds_as_the_sample_has_them() {
        let server = Server::new();
        for name in super::CRDS {
            server.object(
                &format!("{BASE}/{name}"),
                &sample(&format!("config/crd/{name}.json")),
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
            );
        }
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), 2);
        for name in super::CRDS {
            assert_matches_sample(&output, &format!("config/crd/{name}.json"));
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn missing_crds_are_skipped_and_other_errors_drop_everything() {
        let server = Server::new();
        let name = super::CRDS[0];
        server.object(
            &format!("{BASE}/{name}"),
            &sample(&format!("config/crd/{name}.json")),
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
        );
        server.missing(&format!("{BASE}/{}", super::CRDS[1]));
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(output.records.len(), 1);
        assert!(output.errors.is_empty());

        let server = Server::new();
        server.object(
            &format!("{BASE}/{name}"),
            &sample(&format!("config/crd/{name}.json")),
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
        );
        server
            .api()
            .respond(&format!("{BASE}/{}", super::CRDS[1]), 500, "etcd is down");
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.records.is_empty());
        assert_eq!(output.errors.len(), 1);
    }
}
