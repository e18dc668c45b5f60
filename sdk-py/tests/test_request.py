"""Paths and queries: the same bytes as the Rust SDK's request and params tests expect."""

import unittest

from wagather import InvalidParamsError, collection_path, list_path, list_query, object_path

POD = ("", "v1", "pods")
OPERATOR = ("config.openshift.io", "v1", "clusteroperators")


class Paths(unittest.TestCase):
    def test_core_group_uses_api_v1_and_named_groups_apis(self):
        self.assertEqual(collection_path(*POD), "/api/v1/pods")
        self.assertEqual(collection_path(*POD, "openshift-monitoring"),
                         "/api/v1/namespaces/openshift-monitoring/pods")
        self.assertEqual(object_path(*POD, "default", "web-0"), "/api/v1/namespaces/default/pods/web-0")
        self.assertEqual(collection_path(*OPERATOR), "/apis/config.openshift.io/v1/clusteroperators")
        self.assertEqual(object_path(*OPERATOR, None, "authentication"),
                         "/apis/config.openshift.io/v1/clusteroperators/authentication")

    def test_list_paths_carry_the_escaped_query(self):
        self.assertEqual(
            list_path(*POD, "default", {"label_selector": "app in (a,b),tier!=x", "limit": 500}),
            "/api/v1/namespaces/default/pods?labelSelector=app+in+%28a%2Cb%29%2Ctier%21%3Dx&limit=500")
        self.assertEqual(list_path(*OPERATOR, None, {}), "/apis/config.openshift.io/v1/clusteroperators")

    def test_names_are_escaped(self):
        self.assertEqual(object_path(*OPERATOR, None, "system:node bootstrap#1?x"),
                         "/apis/config.openshift.io/v1/clusteroperators/system:node%20bootstrap%231%3Fx")
        self.assertEqual(object_path(*POD, "ns é", "a"), "/api/v1/namespaces/ns%20%C3%A9/pods/a")

    def test_names_that_would_change_the_path_are_refused(self):
        for name in ["", ".", "..", "a/b", "a%2Fb"]:
            with self.assertRaisesRegex(InvalidParamsError, "^invalid request parameters: name "):
                object_path(*OPERATOR, None, name)
            with self.assertRaisesRegex(InvalidParamsError, "namespace "):
                collection_path(*POD, name)


class Queries(unittest.TestCase):
    def test_every_option_in_a_fixed_order(self):
        params = {"timeout_seconds": 30, "resource_version": "12345",
                  "resource_version_match": "NotOlderThan", "limit": 10,
                  "field_selector": "metadata.name=foo", "label_selector": "app=web"}
        self.assertEqual(list_query(params),
                         "labelSelector=app%3Dweb&fieldSelector=metadata.name%3Dfoo&limit=10"
                         "&resourceVersion=12345&resourceVersionMatch=NotOlderThan&timeoutSeconds=30")
        self.assertEqual(list_query({}), "")
        self.assertEqual(list_query(None), "")

    def test_values_are_form_encoded_like_the_rust_sdk(self):
        self.assertEqual(list_query({"field_selector": "spec.nodeName=n1&x=y#z+w"}),
                         "fieldSelector=spec.nodeName%3Dn1%26x%3Dy%23z%2Bw")
        self.assertEqual(list_query({"limit": 2, "continue_token": "eyJ2Ijoi+/a=="}),
                         "limit=2&continue=eyJ2Ijoi%2B%2Fa%3D%3D")
        # `*-._` stay; `~` and non-ASCII are escaped (unlike urllib.parse.quote_plus).
        self.assertEqual(list_query({"label_selector": "a*-._~é"}), "labelSelector=a*-._%7E%C3%A9")
        self.assertEqual(list_query({"label_selector": "", "continue_token": ""}), "")

    def test_invalid_combinations_are_refused_naming_the_option(self):
        cases = [
            ({"limit": 0}, "limit"),
            ({"limit": True}, "limit"),
            ({"limit": 1.5}, "limit"),
            ({"resource_version_match": "Exact"}, "needs resource_version"),
            ({"resource_version": "0", "resource_version_match": "Exact"}, "Exact"),
            ({"resource_version": "1", "resource_version_match": "Newest"}, "NotOlderThan or Exact"),
            ({"continue_token": "t", "resource_version": "5"}, "continue_token"),
            ({"label_selector": "a=b\nc"}, "label_selector"),
            ({"labels": "a=b"}, "unknown list option"),
        ]
        for params, needle in cases:
            with self.subTest(params=params):
                with self.assertRaises(InvalidParamsError) as caught:
                    list_query(params)
                self.assertIn(needle, str(caught.exception))


if __name__ == "__main__":
    unittest.main()
