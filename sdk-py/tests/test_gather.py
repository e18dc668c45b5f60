import unittest

from wagather import CONTRACT, Config, WagatherError, export, gatherer, resource
from wagather.testing import FakeApi

OPERATORS = resource(group="config.openshift.io", version="v1", plural="clusteroperators", namespaced=False)


def define(function, **manifest):
    args = {"name": "x", "version": "1", "reads": []}
    args.update(manifest)
    return gatherer(**args)(function)


class Manifest(unittest.TestCase):
    def test_the_decorator_carries_the_manifest_the_build_embeds(self):
        reads = ["v1/pods/log in a,b", "config.openshift.io/v1/clusteroperators"]
        g = define(lambda ctx: None, version="1.2.3", reads=reads)
        self.assertEqual(g.manifest, {"contract": CONTRACT, "name": "x", "version": "1.2.3", "reads": reads})
        self.assertEqual(CONTRACT, "wagather:gatherer@0.2.0")
        self.assertEqual(export(g).manifest, g.manifest)

    def test_bad_declarations_are_refused(self):
        for bad in [{"name": " "}, {"version": ""}, {"reads": "v1/pods"}, {"reads": [""]},
                    {"reads": ["v1/pods", "v1/pods"]}]:
            with self.subTest(bad=bad), self.assertRaises(WagatherError):
                define(lambda ctx: None, **bad)
        with self.assertRaises(WagatherError):
            export(lambda ctx: None)


class Records(unittest.TestCase):
    def test_records_stream_to_the_host_and_json_ones_lose_managed_fields(self):
        def body(ctx):
            ctx.record_json("config/a", {"metadata": {"name": "a", "managedFields": [{}]}, "status": {"managedFields": "kept"}})
            ctx.record_raw("logs/a.log", "line\n")
            ctx.record_raw("bin", b"\x00\x01\x02")

        api = FakeApi()
        self.assertIsNone(api.run(define(body)))
        self.assertEqual(list(api.records), ["config/a.json", "logs/a.log", "bin"])
        self.assertEqual(api.json("config/a.json"), {"metadata": {"name": "a"}, "status": {"managedFields": "kept"}})
        self.assertEqual(api.records["config/a.json"].format, "json")
        self.assertEqual(api.records["logs/a.log"].format, "raw")
        self.assertEqual(api.records["bin"].data, b"\x00\x01\x02")

    def test_a_refused_record_ends_the_run_typed(self):
        def body(ctx):
            ctx.record_json("a", {})
            ctx.record_json("a", {})

        api = FakeApi()
        self.assertEqual(api.run(define(body)),
                         ("record", {"name": "a", "error": ("duplicate", "a.json is already written")}))
        self.assertEqual(len(api.records), 1)

    def test_names_are_checked_before_they_reach_the_host(self):
        api = FakeApi()
        case, value = api.run(define(lambda ctx: ctx.record_json("a.json", {})))
        self.assertEqual(case, "record")
        self.assertEqual(value["error"][0], "invalid-name")
        self.assertIn("ends with .json: JSON records are named without it", value["error"][1])
        self.assertEqual(api.run(define(lambda ctx: ctx.record_raw("../x", "y")))[1]["error"][0], "invalid-name")
        self.assertEqual(api.records, {})


class Errors(unittest.TestCase):
    def test_reported_errors_go_on_and_raised_ones_end_the_run_typed(self):
        api = FakeApi()
        api.respond("/apis/config.openshift.io/v1/clusteroperators?limit=500", 403,
                    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
                    '"message":"forbidden","reason":"Forbidden","code":403}')

        def body(ctx):
            ctx.error(RuntimeError("first problem"))
            ctx.error("plain words")
            ctx.record_raw("kept", "k")
            OPERATORS.list_all()
            ctx.record_raw("never", "n")

        error = api.run(define(body))
        self.assertEqual(api.errors, [("other", "RuntimeError: first problem"), ("other", "plain words")])
        self.assertEqual(error, ("api", {"path": "/apis/config.openshift.io/v1/clusteroperators?limit=500",
                                         "status": {"code": 403, "reason": "Forbidden", "message": "forbidden"}}))
        self.assertEqual(list(api.records), ["kept"])

    def test_any_exception_becomes_other_but_out_of_memory_stops_the_run(self):
        api = FakeApi()
        self.assertEqual(api.run(define(lambda ctx: {}["missing"])), ("other", "KeyError: 'missing'"))

        def oom(ctx):
            raise MemoryError()

        with self.assertRaises(MemoryError):
            api.run(define(oom))

    def test_the_export_raises_the_hosts_error_type(self):
        api = FakeApi()
        world = export(define(lambda ctx: ctx.record_raw("x", "y") or 1 / 0))
        with api, self.assertRaises(Exception) as caught:
            world().gather([])
        self.assertEqual(caught.exception.error, ("other", "ZeroDivisionError: division by zero"))
        with api:
            self.assertIsNone(export(define(lambda ctx: None))().gather([]))


class Configuration(unittest.TestCase):
    def test_last_value_wins(self):
        config = Config([("a", "1"), ("a", "2")])
        self.assertEqual(config.get("a"), "2")
        self.assertIsNone(config.get("b"))
        self.assertEqual(config.get("b", "d"), "d")
        seen = []
        FakeApi().run(define(lambda ctx: seen.append(ctx.config.get("k"))), [("k", "v")])
        self.assertEqual(seen, ["v"])


if __name__ == "__main__":
    unittest.main()
