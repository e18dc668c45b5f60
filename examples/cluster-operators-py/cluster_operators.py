"""Gathers every ClusterOperator into config/clusteroperator/<name>.json, as the Insights
Operator's clusterconfig/operators gatherer does: the Python twin of examples/cluster-operators."""

from wagather import Gather, export, gatherer, resource

cluster_operators = resource(group="config.openshift.io", version="v1",
                             plural="clusteroperators", kind="ClusterOperator",
                             namespaced=False)


@gatherer(name="cluster-operators-py", version="0.1.0",
          reads=["config.openshift.io/v1/clusteroperators"])
def gather(ctx: Gather) -> None:
    for op in cluster_operators.list_all():
        ctx.record_json(f"config/clusteroperator/{op['metadata']['name']}", op)


# The class componentize-py exports as the component's world.
WitWorld = export(gather)
