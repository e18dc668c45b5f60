"""A gatherer the host's tests run to check that a Python component is held to the same rules
as a Rust one. Its configuration key ``attack`` picks what it does:

- ``undeclared``: lists ClusterOperators, which its manifest (reads: v1/nodes) does not
  declare, records how that failed in ``undeclared-read/outcome``, then fails the run the same
  way;
- ``spin``: writes one record, then loops forever: only the deadline ends it;
- ``alloc``: writes one record, then allocates until the memory cap stops it.
"""

from wagather import Gather, RequestError, export, gatherer, resource

cluster_operators = resource(group="config.openshift.io", version="v1", plural="clusteroperators",
                             kind="ClusterOperator", namespaced=False)


def undeclared(ctx: Gather) -> None:
    try:
        outcome = {"denied": False, "items": len(cluster_operators.list()["items"])}
    except RequestError as e:
        outcome = {"denied": e.kind == "denied", "error": str(e)}
    ctx.record_json("undeclared-read/outcome", outcome)
    cluster_operators.list()


def spin(ctx: Gather) -> None:
    ctx.record_raw("hostile-py/before-spin", "written before the loop")
    n = 0
    while True:
        n = (n * 31 + 7) % 1000003


def alloc(ctx: Gather) -> None:
    ctx.record_raw("hostile-py/before-alloc", "written before the allocations")
    kept = []
    while True:
        kept.append(bytearray(b"x" * (1 << 20)))


ATTACKS = {"undeclared": undeclared, "spin": spin, "alloc": alloc}


@gatherer(name="hostile-py", version="0.1.0", reads=["v1/nodes"])
def gather(ctx: Gather) -> None:
    attack = ctx.config.get("attack")
    if attack not in ATTACKS:
        raise ValueError(f"unknown attack {attack}; one of {', '.join(ATTACKS)}")
    ATTACKS[attack](ctx)


WitWorld = export(gather)
