import json
import unittest

from wagather import RecordError, check_record_name, encode_json, record_name_problem


class Json(unittest.TestCase):
    def test_managed_fields_are_cut_in_any_position_keeping_the_order(self):
        cases = [
            ({"metadata": {"managedFields": [{"a": 1}], "name": "x"}}, '{"metadata":{"name":"x"}}'),
            ({"metadata": {"name": "x", "managedFields": [], "uid": "u"}}, '{"metadata":{"name":"x","uid":"u"}}'),
            ({"metadata": {"name": "x", "managedFields": {"}": "]"}}}, '{"metadata":{"name":"x"}}'),
            ({"metadata": {"managedFields": "only"}}, '{"metadata":{}}'),
            ({"kind": "A", "metadata": {"managedFields": 1}, "spec": {}}, '{"kind":"A","metadata":{},"spec":{}}'),
        ]
        for value, expected in cases:
            self.assertEqual(encode_json(value).decode(), expected)

    def test_managed_fields_elsewhere_are_kept_and_items_lose_theirs(self):
        value = {
            "managedFields": 1,
            "spec": {"metadata": {"managedFields": 2}},
            "status": {"managedFields": "kept"},
            "items": [{"spec": {"managedFields": 3}}, "not an object", {"metadata": {"managedFields": 4}}],
            "metadata": {"labels": {"managedFields": "a label"}, "name": 'x"managedFields"'},
        }
        before = json.dumps(value)
        out = json.loads(encode_json(value))
        self.assertEqual(out["items"][2], {"metadata": {}})
        self.assertEqual(out["spec"], {"metadata": {"managedFields": 2}})
        self.assertEqual(out["managedFields"], 1)
        self.assertEqual(out["metadata"]["labels"]["managedFields"], "a label")
        self.assertEqual(json.dumps(value), before, "the value itself is not changed")

    def test_what_is_not_an_object_is_written_as_it_is(self):
        for value in [["managedFields"], "managedFields", None, 5]:
            self.assertEqual(encode_json(value), json.dumps(value, separators=(",", ":")).encode())

    def test_records_are_compact_utf8_escaping_as_serde_json_and_javascript_do(self):
        value = {"s": 'café ☃ \u0001 "q" \\ /', "n": [1, -2, 0.5]}
        self.assertEqual(encode_json(value).decode("utf-8"),
                         '{"s":"café ☃ \\u0001 \\"q\\" \\\\ /","n":[1,-2,0.5]}')
        with self.assertRaises(ValueError):
            encode_json({"x": float("nan")})


class Names(unittest.TestCase):
    def test_valid_names(self):
        for name in ["config/clusteroperator/dns", "a", "weird..but.valid/x", "s" * 255, "a/" * 511 + "b"]:
            self.assertIsNone(record_name_problem(name), name)
        for name in ["config/clusteroperator/dns", "s" * 250, "a.json.x", "insights-operator/gathers2"]:
            self.assertIsNone(record_name_problem(name, "json"), name)

    def test_bad_names_are_refused_with_the_reason(self):
        cases = [
            ("", "empty"), ("/etc/passwd", "absolute"), ("a/../../etc", ".. segment"),
            ("..", ".. segment"), ("a/./b", ". segment"), ("a//b", "empty segment"),
            ("a/", "ends with /"), ("a\\b", "backslash"), ("a\0b", "control character"),
            ("a\u0085b", "control character"), ("s" * 256, "segment of 256 bytes"),
            ("é" * 128, "segment of 256 bytes"), ("a/" * 512 + "b", "1025 bytes long"),
            ("insights-operator/gathers", "reserved", "json"),
            ("insights-operator/gathers.json", "reserved"),
            ("a/config.json", "ends with .json", "json"),
            ("x/" + "j" * 251, "segment of 256 bytes", "json"),
            ("a/" * 510 + "bcd", "1028 bytes long", "json"),
        ]
        for name, reason, *format in cases:
            with self.subTest(name=name):
                with self.assertRaises(RecordError) as caught:
                    check_record_name(name, *format)
                self.assertEqual(caught.exception.name, name)
                self.assertEqual(caught.exception.kind, "invalid-name")
                self.assertIn(reason, caught.exception.reason)


if __name__ == "__main__":
    unittest.main()
