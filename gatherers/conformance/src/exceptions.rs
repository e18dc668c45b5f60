//! The one exception table of the conformance check: every sample path the catalog may write
//! differently from the sample, or may not write, and why. [`crate::compare`] uses it; an
//! entry that no longer matches anything fails the check.

/// Why a sample path may differ or be missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The sample file is older than IO's current code, which writes it differently; the
    /// catalog follows the code.
    Stale,
    /// IO's current code does not write this path from the sample's objects (a file named
    /// after another object, a producer IO removed); neither does the catalog. Writing it
    /// is a failure.
    NotWritten,
    /// The sample's files come from different clusters, and this one does not agree with the
    /// objects IO builds it from.
    Inconsistent,
    /// IO built the file from objects the archive does not hold, so the snapshot cannot
    /// give them back.
    InputsAbsent,
    /// IO wrote times in its process's local zone; the catalog writes UTC. The values are
    /// compared as instants.
    Zone,
}

impl Why {
    /// A short label for reports.
    pub fn label(self) -> &'static str {
        match self {
            Why::Stale => "sample older than IO's code",
            Why::NotWritten => "IO's code does not write it",
            Why::Inconsistent => "sample files from different clusters",
            Why::InputsAbsent => "built from objects the archive lacks",
            Why::Zone => "local time zone",
        }
    }
}

/// One entry of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Exception {
    /// The sample path.
    pub path: &'static str,
    /// JSON pointers (`*` for any member or element) of the fields that may differ, prefixed
    /// `instant:` when they must be the same instant; empty for the whole file.
    pub fields: &'static [&'static str],
    /// The kind of reason.
    pub why: Why,
    /// The reason, specific to the path.
    pub reason: &'static str,
}

/// Shorthand for the table's entries.
const fn entry(
    path: &'static str,
    fields: &'static [&'static str],
    why: Why,
    reason: &'static str,
) -> Exception {
    Exception {
        path,
        fields,
        why,
        reason,
    }
}

const VALIDATING_COPY: &str = "holds the object snapshot.storage.k8s.io (a copy of that file); IO names the file after the object";
const MACHINE_CONFIG_UNUSED: &str = "no pool or node uses this config: IO's current code only counts it in aggregated/unused_machine_configs_count.json; the sample predates that";
const REMOVED_LOG: &str = "the gatherer that wrote errors.log and messages.log files was removed from IO (commit b25447645)";
const SAP_POD: &str = "the sample's DataHub is in namespace sdi; IO writes failing pods of DataHub namespaces only, and this pod's namespace di-288312 holds none";

/// The table.
pub static EXCEPTIONS: &[Exception] = &[
    // --- whole files IO's current code does not write from the sample's objects
    entry(
        "config/clusteroperator/operator.openshift.io/ingresscontroller/openshift-ingress-operator/default.json",
        &[],
        Why::NotWritten,
        "the sample's ingress ClusterOperator names its related object by kind (IngressController), not by resource; IO looks the version up by resource, finds none, and its GET fails",
    ),
    entry(
        "config/clusteroperator/operator.openshift.io/insightsoperator/cluster.json",
        &[],
        Why::NotWritten,
        "no ClusterOperator of the sample names an InsightsOperator (its insights operator, 4.7, names none); the file comes from a newer cluster",
    ),
    entry(
        "config/cost_management_metrics_configs/00-basic.json",
        &[],
        Why::NotWritten,
        "holds the object costmanagementmetricscfg-sample-token; IO names the file after the object (written as config/cost_management_metrics_configs/costmanagementmetricscfg-sample-token.json)",
    ),
    entry(
        "config/cost_management_metrics_configs/00-token.json",
        &[],
        Why::NotWritten,
        "holds the object costmanagementmetricscfg-sample-token; IO names the file after the object (written as config/cost_management_metrics_configs/costmanagementmetricscfg-sample-token.json)",
    ),
    entry(
        "config/machineconfigpools/master.json",
        &[],
        Why::NotWritten,
        "holds the pool named worker (a copy of worker.json); IO names the file after the object",
    ),
    entry(
        "config/mutatingwebhookconfigurations/machine-api.json",
        &[],
        Why::NotWritten,
        "holds the object pod-identity-webhook (a copy of that file); IO names the file after the object",
    ),
    entry(
        "config/validatingwebhookconfigurations/autoscaling.openshift.io.json",
        &[],
        Why::NotWritten,
        VALIDATING_COPY,
    ),
    entry(
        "config/validatingwebhookconfigurations/machine-api.json",
        &[],
        Why::NotWritten,
        VALIDATING_COPY,
    ),
    entry(
        "config/validatingwebhookconfigurations/multus.openshift.io.json",
        &[],
        Why::NotWritten,
        VALIDATING_COPY,
    ),
    entry(
        "config/validatingwebhookconfigurations/prometheusrules.openshift.io.json",
        &[],
        Why::NotWritten,
        VALIDATING_COPY,
    ),
    entry(
        "config/persistentvolumes/monitoring-persistent-volume.json",
        &[],
        Why::NotWritten,
        "holds the volume pvc-99ffaeb3-8ff8-4137-a1fc-0bf72e7209a5; IO names the file after the volume (written as config/persistentvolumes/pvc-99ffaeb3-8ff8-4137-a1fc-0bf72e7209a5.json)",
    ),
    entry(
        "config/persistentvolumes/task-pv-volume.json",
        &[],
        Why::NotWritten,
        "bound to the claim openshift-sdn/task-pvc-volume, which neither the image registry (emptyDir storage in the sample) nor Prometheus uses",
    ),
    entry(
        "config/subscriptions/openshift-cnv/community-kubevirt-hyperconverged.json",
        &[],
        Why::NotWritten,
        "holds a Subscription of namespace kubevirt-hyperconverged; IO's path is the object's namespace (written as config/subscriptions/kubevirt-hyperconverged/community-kubevirt-hyperconverged.json)",
    ),
    entry(
        "config/opentelemetry/example-namespace/otel.json",
        &[],
        Why::NotWritten,
        "holds a collector of namespace openshift-opentelemetry-operator at opentelemetry.io/v1alpha1; IO reads v1beta1, which the archive does not hold, and names the path after the object's namespace",
    ),
    entry(
        "namespaces/openshift-logging/lokistack-sample.json",
        &[],
        Why::NotWritten,
        "no IO code writes this path: its lokistack gatherer writes namespace/<namespace>/loki.grafana.com/lokistacks/<name>.json",
    ),
    entry(
        "config/pod/di-288312/auditlog-retention-28566720-t22qj.json",
        &[],
        Why::NotWritten,
        SAP_POD,
    ),
    entry(
        "config/pod/di-288312/data-hub-flow-agent-1a3a7e88888b7fe0630189-qcwhm-547b57cc5fvmg8.json",
        &[],
        Why::NotWritten,
        SAP_POD,
    ),
    entry(
        "config/pod/di-288312/default-2k58azz-backup-deletion-5rdw4.json",
        &[],
        Why::NotWritten,
        SAP_POD,
    ),
    entry(
        "config/pod/di-288312/vsystem-867f4b77cc-pqcns.json",
        &[],
        Why::NotWritten,
        SAP_POD,
    ),
    entry(
        "config/pod/openshift-apiserver-operator/logs/openshift-apiserver-operator-6ddb679b87-4kn55/errors.log",
        &[],
        Why::NotWritten,
        REMOVED_LOG,
    ),
    entry(
        "config/pod/openshift-authentication/logs/oauth-openshift-6c98668d5b-ftt5n/errors.log",
        &[],
        Why::NotWritten,
        REMOVED_LOG,
    ),
    entry(
        "config/pod/openshift-kube-controller-manager/logs/kube-controller-manager-ip-10-0-168-11.us-east-2.compute.internal/errors.log",
        &[],
        Why::NotWritten,
        REMOVED_LOG,
    ),
    entry(
        "config/pod/openshift-kube-scheduler/logs/openshift-kube-scheduler-ip-10-0-141-107.us-east-2.compute.internal/messages.log",
        &[],
        Why::NotWritten,
        REMOVED_LOG,
    ),
    entry(
        "config/pod/openshift-kube-scheduler/logs/openshift-kube-scheduler-ip-10-0-177-226.us-east-2.compute.internal/messages.log",
        &[],
        Why::NotWritten,
        REMOVED_LOG,
    ),
    entry(
        "config/pod/openshift-kube-scheduler/logs/openshift-kube-scheduler-ip-10-0-211-255.us-east-2.compute.internal/messages.log",
        &[],
        Why::NotWritten,
        REMOVED_LOG,
    ),
    entry(
        "config/pod/sdi/logs/license-manager-da1d2e8fadfb8dd7022f08-4hjh7-6887768c5b-qzxb6/errors.log",
        &[],
        Why::NotWritten,
        REMOVED_LOG,
    ),
    entry(
        "config/machineconfigs/00-master.json",
        &[],
        Why::Stale,
        MACHINE_CONFIG_UNUSED,
    ),
    entry(
        "config/machineconfigs/00-worker.json",
        &[],
        Why::Stale,
        MACHINE_CONFIG_UNUSED,
    ),
    entry(
        "config/machineconfigs/01-master-container-runtime.json",
        &[],
        Why::Stale,
        MACHINE_CONFIG_UNUSED,
    ),
    entry(
        "config/machineconfigs/01-master-kubelet.json",
        &[],
        Why::Stale,
        MACHINE_CONFIG_UNUSED,
    ),
    entry(
        "config/machineconfigs/01-worker-container-runtime.json",
        &[],
        Why::Stale,
        MACHINE_CONFIG_UNUSED,
    ),
    entry(
        "config/machineconfigs/01-worker-kubelet.json",
        &[],
        Why::Stale,
        MACHINE_CONFIG_UNUSED,
    ),
    entry(
        "config/machineconfigs/99-master-generated-registries.json",
        &[],
        Why::Stale,
        MACHINE_CONFIG_UNUSED,
    ),
    entry(
        "config/machineconfigs/99-master-ssh.json",
        &[],
        Why::Stale,
        MACHINE_CONFIG_UNUSED,
    ),
    entry(
        "config/machineconfigs/99-worker-generated-registries.json",
        &[],
        Why::Stale,
        MACHINE_CONFIG_UNUSED,
    ),
    entry(
        "config/machineconfigs/99-worker-ssh.json",
        &[],
        Why::Stale,
        MACHINE_CONFIG_UNUSED,
    ),
    // --- fields of files the catalog writes
    entry(
        "config/containerruntimeconfigs/set-log-and-pid.json",
        &["/metadata/managedFields"],
        Why::Stale,
        "IO's current code drops managedFields (ResourceMarshaller); the sample still has them",
    ),
    entry(
        "config/machineautoscalers/openshift-machine-api/worker-us-east-1a.json",
        &["/metadata/managedFields"],
        Why::Stale,
        "IO's current code drops managedFields (ResourceMarshaller); the sample still has them",
    ),
    entry(
        "config/pdbs/openshift-machine-config-operator/etcd-quorum-guard.json",
        &["/kind", "/apiVersion"],
        Why::Stale,
        "written from a policy/v1beta1 object that kept kind and apiVersion; IO's typed list of policy/v1 has neither",
    ),
    entry(
        "machinesets/openshift-machine-api/ci-ln-fyvthbt-f76d1-nl2fh-worker-b.json",
        &["/spec/template/spec/providerSpec/value/serviceAccounts/*/email"],
        Why::Stale,
        "IO's current code hides service account e-mails; the sample predates that",
    ),
    entry(
        "machinesets/openshift-machine-api/ci-ln-fyvthbt-f76d1-nl2fh-worker-c.json",
        &["/spec/template/spec/providerSpec/value/serviceAccounts/*/email"],
        Why::Stale,
        "IO's current code hides service account e-mails; the sample predates that",
    ),
    entry(
        "machinesets/openshift-machine-api/ci-ln-fyvthbt-f76d1-nl2fh-worker-d.json",
        &["/spec/template/spec/providerSpec/value/serviceAccounts/*/email"],
        Why::Stale,
        "IO's current code hides service account e-mails; the sample predates that",
    ),
    entry(
        "config/serviceaccounts.json",
        &[
            "/serviceAccounts/namespaces",
            "/serviceAccounts/TOTAL_COUNT",
        ],
        Why::Stale,
        "IO's current code writes only TOTAL_COUNT, not the per-namespace list; and the count is of 352 service accounts the archive does not hold",
    ),
    entry(
        "config/machineconfigs/rendered-master-025110333ea44423ccb1052723956671.json",
        &["/metadata/annotations/insights.operator.openshift.io~1cr-size"],
        Why::InputsAbsent,
        "cr-size is the length of the object's JSON as the server sent it, managedFields included, which the archive does not keep",
    ),
    entry(
        "config/machineconfigs/rendered-worker-39c9df4a2c026c3149a02abe6f88cfc8.json",
        &["/metadata/annotations/insights.operator.openshift.io~1cr-size"],
        Why::InputsAbsent,
        "cr-size is the length of the object's JSON as the server sent it, managedFields included, which the archive does not keep",
    ),
    entry(
        "events/openshift-machine-api.json",
        &["instant:/items/*/lastTimestamp"],
        Why::Zone,
        "IO wrote the times in its process's zone (+02:00); the catalog writes UTC, the same instants",
    ),
    // --- whole files built from objects the archive does not hold
    entry(
        "config/id",
        &[],
        Why::Inconsistent,
        "IO writes spec.clusterID of the ClusterVersion (84ef291d-..., from config/version.json); the sample's config/id comes from another cluster",
    ),
    entry(
        "config/namespaces_with_overlapping_uids.json",
        &[],
        Why::InputsAbsent,
        "built from the namespaces' UID range annotations; the archive holds no Namespace objects",
    ),
    entry(
        "config/podnetworkconnectivitychecks.json",
        &[],
        Why::InputsAbsent,
        "built from PodNetworkConnectivityCheck objects (failures of the last 24 hours); the archive holds none",
    ),
    entry(
        "config/running_containers.json",
        &[],
        Why::InputsAbsent,
        "built from the images of running pods; the archive holds only crash-looping and failing ones",
    ),
    entry(
        "config/versioned_object_revision_counts.json",
        &[],
        Why::InputsAbsent,
        "built from the config maps and secrets of openshift-kube-apiserver; the archive holds none",
    ),
    entry(
        "config/olm_operators.json",
        &[],
        Why::InputsAbsent,
        "built from OLM Operator and ClusterServiceVersion objects; the archive holds none (the gatherer's own test rebuilds them from this file and writes it back)",
    ),
    entry(
        "aggregated/custom_prometheuses_alertmanagers.json",
        &[],
        Why::InputsAbsent,
        "built from Prometheus and Alertmanager objects outside openshift-monitoring; the archive holds none (the gatherer's own test rebuilds them and writes it back)",
    ),
    entry(
        "aggregated/pods_and_netnamespaces_with_sdn_annotations.json",
        &[],
        Why::InputsAbsent,
        "counts of annotated pods and NetNamespaces; the archive's pods have no such annotation and it holds no NetNamespace",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_names_a_sample_path_once() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/insights-archive-sample");
        let mut seen = std::collections::BTreeSet::new();
        for e in EXCEPTIONS {
            assert!(
                root.join(e.path).is_file(),
                "{} is not a sample file",
                e.path
            );
            assert!(seen.insert(e.path), "{} is listed twice", e.path);
            assert!(!e.reason.is_empty());
        }
    }
}
