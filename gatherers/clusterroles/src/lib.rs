//! `clusterconfig/clusterroles`: the `admin` and `edit` ClusterRoles.
//!
//! IO (`gather_cluster_roles.go`) GETs each with a typed client (no `kind` or `apiVersion`)
//! and writes it to
//! `cluster-scoped-resources/rbac.authorization.k8s.io/clusterroles/<name>.json` without
//! `managedFields`. An error for one (including a missing role) is reported and the other is
//! still gathered.

use wagather_sdk::apis::rbac_v1;
use wagather_sdk::prelude::*;

/// Records the `admin` and `edit` cluster roles.
#[gatherer(
    name = "clusterconfig/clusterroles",
    reads = ["rbac.authorization.k8s.io/v1/clusterroles"]
)]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    for name in ["admin", "edit"] {
        match rbac_v1::cluster_roles().get_object(name) {
            Ok(role) => ctx.record_object(
                format!(
                    "cluster-scoped-resources/rbac.authorization.k8s.io/clusterroles/{}",
                    role.name()
                ),
                &role.without_type_meta(),
            )?,
            Err(e) => ctx.error(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, sample};

    const DIR: &str = "cluster-scoped-resources/rbac.authorization.k8s.io/clusterroles";

    #[test]
    fn writes_both_roles_as_the_sample_has_them() {
        let server = Server::new();
        for name in ["admin", "edit"] {
            server.object(
                &format!("/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}"),
                &sample(&format!("{DIR}/{name}.json")),
                "rbac.authorization.k8s.io/v1",
                "ClusterRole",
            );
        }
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        for name in ["admin", "edit"] {
            assert_matches_sample(&output, &format!("{DIR}/{name}.json"));
        }
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn one_missing_role_is_an_error_and_the_other_is_written() {
        let server = Server::new();
        server.object(
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/edit",
            &sample(&format!("{DIR}/edit.json")),
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(output.records.len(), 1);
        assert_eq!(output.errors.len(), 1);
        assert!(
            matches!(&output.errors[0], wagather_sdk::Error::Api { path, status }
                if status.code == 404 && path.ends_with("clusterroles/admin")),
            "{:?}",
            output.errors
        );
    }
}
