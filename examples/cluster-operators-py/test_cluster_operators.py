"""Run with: python3 -m unittest discover -s examples/cluster-operators-py (sdk-py on PYTHONPATH)."""

import json
import unittest
from pathlib import Path

from wagather.testing import FakeApi

from cluster_operators import gather

PATH = "/apis/config.openshift.io/v1/clusteroperators"
SAMPLE = Path(__file__).resolve().parent / "../../testdata/insights-archive-sample/config/clusteroperator"


def sample_operators():
    """The 31 ClusterOperators of the bundled Insights sample archive, by name."""
    operators = {}
    for path in sorted(SAMPLE.glob("*.json")):
        obj = json.loads(path.read_text())
        operators[obj["metadata"]["name"]] = obj
    return operators


def serve_pages(api, objects, size):
    """Serves ``objects`` in pages of ``size``, like the API server; items carry managedFields."""
    pages = [objects[i:i + size] for i in range(0, len(objects), size)]
    for i, chunk in enumerate(pages):
        items = [dict(o, metadata=dict(o["metadata"], managedFields=[{"manager": "cvo", "operation": "Update"}]))
                 for o in chunk]
        query = "?limit=500" if i == 0 else f"?limit=500&continue=page-{i}"
        metadata = {"resourceVersion": "1782215"}
        if i + 1 < len(pages):
            metadata["continue"] = f"page-{i + 1}"
        api.respond_json(f"{PATH}{query}", 200, {"apiVersion": "config.openshift.io/v1",
                                                 "kind": "ClusterOperatorList",
                                                 "metadata": metadata, "items": items})


class ClusterOperators(unittest.TestCase):
    def test_gathers_every_operator_across_pages_without_managed_fields(self):
        operators = sample_operators()
        self.assertEqual(len(operators), 31)
        api = FakeApi()
        serve_pages(api, list(operators.values()), 10)
        self.assertIsNone(api.run(gather))
        self.assertEqual(len(api.requests), 4)
        self.assertEqual(len(api.records), 31)
        for name, source in operators.items():
            path = f"config/clusteroperator/{name}.json"
            self.assertEqual(api.records[path].format, "json")
            self.assertEqual(api.json(path), source, f"record of {name}")

    def test_an_api_error_ends_the_run_with_the_status_kept(self):
        api = FakeApi()
        api.respond(f"{PATH}?limit=500", 403,
                    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
                    '"message":"clusteroperators.config.openshift.io is forbidden","reason":"Forbidden","code":403}')
        self.assertEqual(api.run(gather), ("api", {"path": f"{PATH}?limit=500", "status": {
            "code": 403, "reason": "Forbidden", "message": "clusteroperators.config.openshift.io is forbidden"}}))
        self.assertEqual(api.records, {})

    def test_the_manifest_declares_the_read(self):
        self.assertEqual(gather.manifest, {"contract": "wagather:gatherer@0.2.0", "name": "cluster-operators-py",
                                           "version": "0.1.0", "reads": ["config.openshift.io/v1/clusteroperators"]})


if __name__ == "__main__":
    unittest.main()
