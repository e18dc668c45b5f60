import unittest

from wagather import (ApiError, DecodeError, InvalidParamsError, ProtocolError, RequestError,
                      Status, get_raw, resource)
from wagather.testing import FakeApi

OPERATORS = resource(group="config.openshift.io", version="v1", plural="clusteroperators",
                     kind="ClusterOperator", namespaced=False)
PODS = resource(version="v1", plural="pods", kind="Pod", namespaced=True)
BASE = "/apis/config.openshift.io/v1/clusteroperators"


def operator(name):
    return {"apiVersion": "config.openshift.io/v1", "kind": "ClusterOperator", "metadata": {"name": name}}


def names(items):
    return [i["metadata"]["name"] for i in items]


class Client(unittest.TestCase):
    def setUp(self):
        self.api = FakeApi().install()
        self.addCleanup(self.api.uninstall)

    def test_list_all_follows_continue_across_pages(self):
        api = self.api
        api.respond_json(f"{BASE}?limit=500", 200, {"metadata": {"continue": "c1"}, "items": [operator("a"), operator("b")]})
        api.respond_json(f"{BASE}?limit=500&continue=c1", 200, {"metadata": {"continue": "c/2="}, "items": [operator("c")]})
        api.respond_json(f"{BASE}?limit=500&continue=c%2F2%3D", 200, {"metadata": {"continue": ""}, "items": [operator("d")]})
        self.assertEqual(names(OPERATORS.list_all()), ["a", "b", "c", "d"])
        self.assertEqual(api.paths(), [f"{BASE}?limit=500", f"{BASE}?limit=500&continue=c1",
                                       f"{BASE}?limit=500&continue=c%2F2%3D"])
        for request in api.requests:
            self.assertEqual(request.method, "GET")
            self.assertEqual(request.headers, [("Accept", "application/json")])

    def test_list_all_keeps_the_user_limit_and_selectors(self):
        base = ("/api/v1/namespaces/openshift-monitoring/pods?labelSelector=app%3Dprom"
                "&fieldSelector=spec.nodeName%3Dn1&limit=1")
        self.api.respond_json(base, 200, {"metadata": {"continue": "x"}, "items": [{"metadata": {"name": "p0"}}]})
        self.api.respond_json(f"{base}&continue=x", 200, {"metadata": {}, "items": [{"metadata": {"name": "p1"}}]})
        params = {"label_selector": "app=prom", "field_selector": "spec.nodeName=n1", "limit": 1}
        self.assertEqual(names(PODS.namespaced("openshift-monitoring").list_all(params)), ["p0", "p1"])
        self.assertEqual(len(self.api.requests), 2)
        self.assertEqual(params, {"label_selector": "app=prom", "field_selector": "spec.nodeName=n1", "limit": 1})

    def test_list_all_refuses_a_token_that_does_not_advance(self):
        self.api.respond_json("/api/v1/pods?limit=500", 200, {"metadata": {"continue": "t"}, "items": []})
        self.api.respond_json("/api/v1/pods?limit=500&continue=t", 200, {"metadata": {"continue": "t"}, "items": []})
        with self.assertRaises(ProtocolError):
            PODS.all_namespaces().list_all()
        self.assertEqual(len(self.api.requests), 2)

    def test_list_is_one_page_and_tolerates_null_items(self):
        self.api.respond_json("/api/v1/pods", 200, {"metadata": {"continue": "more"}, "items": None})
        page = PODS.all_namespaces().list()
        self.assertEqual(page["items"], [])
        self.assertEqual(page["metadata"]["continue"], "more")

    def test_get_decodes_and_keeps_status_errors(self):
        self.api.respond_json(f"{BASE}/dns", 200, operator("dns"))
        self.assertEqual(OPERATORS.get("dns")["metadata"]["name"], "dns")
        with self.assertRaises(ApiError) as caught:
            OPERATORS.get("nope")
        e = caught.exception
        self.assertEqual(e.path, f"{BASE}/nope")
        self.assertEqual((e.status.code, e.status.reason), (404, "NotFound"))
        self.assertEqual(e.to_gather_error(), ("api", {"path": f"{BASE}/nope", "status": {
            "code": 404, "reason": "NotFound", "message": e.status.message}}))

    def test_a_forbidden_list_keeps_the_status_word_for_word(self):
        self.api.respond(f"{BASE}?limit=500", 403,
                         '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
                         '"message":"clusteroperators.config.openshift.io is forbidden","reason":"Forbidden","code":403}')
        with self.assertRaises(ApiError) as caught:
            OPERATORS.list_all()
        self.assertEqual(str(caught.exception),
                         f"{BASE}?limit=500: API error 403 Forbidden: clusteroperators.config.openshift.io is forbidden")

    def test_undecodable_bodies_name_what_and_where(self):
        self.api.respond("/api/v1/namespaces/x/pods/p", 200, '{"metadata": ')
        self.api.respond("/api/v1/namespaces/x/pods/q", 200, "[1]")
        self.api.respond("/api/v1/namespaces/x/pods/r", 200, b"{\xff}")
        for name, detail in [("p", None), ("q", "expected a JSON object"), ("r", "invalid UTF-8 at byte 1 of 3")]:
            with self.assertRaises(DecodeError) as caught:
                PODS.namespaced("x").get(name)
            self.assertTrue(str(caught.exception).startswith(f"cannot decode Pod from /api/v1/namespaces/x/pods/{name}: "))
            if detail:
                self.assertEqual(caught.exception.detail, detail)
            self.assertEqual(caught.exception.to_gather_error()[0], "decode")

    def test_host_refusals_become_request_errors(self):
        reason = "config.openshift.io/v1/clusteroperators is not in the manifest"
        self.api.fail(f"{BASE}?limit=500", "denied", reason)
        self.api.fail("/api/v1/pods?limit=500", "timeout")
        with self.assertRaises(RequestError) as caught:
            OPERATORS.list_all()
        e = caught.exception
        self.assertEqual(e.kind, "denied")
        self.assertEqual(str(e), f"{BASE}?limit=500: denied by the host: {reason}")
        self.assertEqual(e.to_gather_error(), ("request", {"path": f"{BASE}?limit=500", "error": ("denied", reason)}))
        with self.assertRaises(RequestError) as caught:
            PODS.all_namespaces().list_all()
        self.assertEqual(str(caught.exception), "/api/v1/pods?limit=500: the run's deadline passed")
        self.assertEqual(caught.exception.to_gather_error()[1]["error"], ("timeout", None))

    def test_get_raw(self):
        self.api.respond("/api/v1/namespaces/ns/pods/p/log?container=c", 200, "line 1\n")
        self.assertEqual(get_raw("/api/v1/namespaces/ns/pods/p/log?container=c"), b"line 1\n")
        with self.assertRaises(ApiError):
            get_raw("/api/v1/namespaces/ns/pods/q/log")
        for bad in ["api/v1/pods", "//evil.example/api", "https://x/api"]:
            with self.assertRaises(InvalidParamsError):
                get_raw(bad)
        self.assertEqual(len(self.api.requests), 2)

    def test_the_wrong_scope_is_refused_before_any_request(self):
        with self.assertRaisesRegex(InvalidParamsError, "pods is namespaced"):
            PODS.list_all()
        with self.assertRaises(InvalidParamsError):
            PODS.get("x")
        with self.assertRaisesRegex(InvalidParamsError, "cluster-scoped"):
            OPERATORS.namespaced("x")
        with self.assertRaises(InvalidParamsError):
            OPERATORS.all_namespaces()
        with self.assertRaises(TypeError):
            resource(version="v1", plural="pods")  # namespaced is required
        self.assertEqual(self.api.requests, [])


class StatusBodies(unittest.TestCase):
    def test_status_bodies_and_plain_text(self):
        self.assertEqual(Status.from_response(410, b'{"kind":"Status","reason":"Expired","message":"too old"}'),
                         Status(410, "Expired", "too old"))
        self.assertEqual(Status.from_response(502, b"  Bad Gateway\n"), Status(502, "", "Bad Gateway"))
        self.assertEqual(Status.from_response(500, b'{"kind":"Pod","code":7,"reason":"x"}').reason, "")
        long = Status.from_response(500, ("é" * 1000).encode())
        self.assertLessEqual(len(long.message.encode()), 1024)
        self.assertTrue(set(long.message) == {"é"})
        self.assertEqual(str(Status(404, "NotFound", "gone")), "404 NotFound: gone")


if __name__ == "__main__":
    unittest.main()
