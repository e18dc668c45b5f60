//! `clusterconfig/sap_config`: on clusters running SAP Data Intelligence, the `anyuid` and
//! `privileged` SecurityContextConstraints and the cluster role bindings that grant them.
//!
//! IO (`gather_sap_config.go`) lists `datahubs.installers.datahub.sap.com/v1alpha1`; when
//! there are none (or the resource is not served) it writes nothing. Otherwise it GETs, with
//! typed clients (no `kind` or `apiVersion`), the SCCs `anyuid` and `privileged` and writes
//! each to `config/securitycontextconstraint/<name>.json`, then the
//! `authorization.openshift.io` cluster role bindings `system:openshift:scc:anyuid` and
//! `system:openshift:scc:privileged` to `config/clusterrolebinding/<name, ':' as '_'>.json`,
//! all without `managedFields`. A missing one is skipped; any other error drops every record.

use wagather_sdk::apis::{authorization_openshift_v1, security_v1};
use wagather_sdk::prelude::*;

/// Records the SCCs and their bindings when a DataHub exists.
#[gatherer(
    name = "clusterconfig/sap_config",
    reads = [
        "installers.datahub.sap.com/v1alpha1/datahubs",
        "security.openshift.io/v1/securitycontextconstraints",
        "authorization.openshift.io/v1/clusterrolebindings",
    ]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let datahubs = Dynamic::namespaced("installers.datahub.sap.com", "v1alpha1", "datahubs");
    if insights_common::list_dynamic(&datahubs)?.is_empty() {
        return Ok(());
    }
    let mut records = Vec::new();
    for name in ["anyuid", "privileged"] {
        if let Some(scc) = found(security_v1::security_context_constraints().get_object(name))? {
            records.push((
                format!("config/securitycontextconstraint/{}", scc.name()),
                scc,
            ));
        }
    }
    for name in [
        "system:openshift:scc:anyuid",
        "system:openshift:scc:privileged",
    ] {
        if let Some(crb) =
            found(authorization_openshift_v1::cluster_role_bindings().get_object(name))?
        {
            records.push((
                format!("config/clusterrolebinding/{}", crb.name().replace(':', "_")),
                crb,
            ));
        }
    }
    for (path, object) in &records {
        ctx.record_object(path, object)?;
    }
    Ok(())
}

/// The object as a typed GET returns it; `None` when it does not exist.
fn found(result: Result<Object>) -> Result<Option<Object>> {
    match result {
        Ok(object) => Ok(Some(object.without_type_meta())),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, sample};

    const DATAHUBS: &str = "/apis/installers.datahub.sap.com/v1alpha1/datahubs";

    fn serve_all(server: &Server) {
        for name in ["anyuid", "privileged"] {
            server.object(
                &format!("/apis/security.openshift.io/v1/securitycontextconstraints/{name}"),
                &sample(&format!("config/securitycontextconstraint/{name}.json")),
                "security.openshift.io/v1",
                "SecurityContextConstraints",
            );
            server.object(&format!("/apis/authorization.openshift.io/v1/clusterrolebindings/system:openshift:scc:{name}"),
                &sample(&format!("config/clusterrolebinding/system_openshift_scc_{name}.json")), "authorization.openshift.io/v1", "ClusterRoleBinding");
        }
    }

    #[test]
    fn writes_the_sample_sccs_and_bindings_when_a_datahub_exists() {
        let server = Server::new();
        server.list(
            DATAHUBS,
            "installers.datahub.sap.com/v1alpha1",
            "DataHub",
            &[sample(
                "customresources/installers.datahub.sap.com/datahubs/sdi/default.json",
            )],
        );
        serve_all(&server);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_eq!(output.records.len(), 4);
        for path in [
            "config/securitycontextconstraint/anyuid.json",
            "config/securitycontextconstraint/privileged.json",
            "config/clusterrolebinding/system_openshift_scc_anyuid.json",
            "config/clusterrolebinding/system_openshift_scc_privileged.json",
        ] {
            assert_matches_sample(&output, path);
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn nothing_without_a_datahub_and_nothing_on_errors() {
        let server = Server::new();
        server.list(
            DATAHUBS,
            "installers.datahub.sap.com/v1alpha1",
            "DataHub",
            &[],
        );
        serve_all(&server);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.records.is_empty() && output.errors.is_empty());

        let server = Server::new();
        server.list(
            DATAHUBS,
            "installers.datahub.sap.com/v1alpha1",
            "DataHub",
            &[sample(
                "customresources/installers.datahub.sap.com/datahubs/sdi/default.json",
            )],
        );
        serve_all(&server);
        server.api().respond("/apis/authorization.openshift.io/v1/clusterrolebindings/system:openshift:scc:privileged", 403, "forbidden");
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.records.is_empty());
        assert_eq!(output.errors.len(), 1);
    }
}
