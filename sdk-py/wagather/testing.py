"""Unit-testing gatherers in plain Python.

A :class:`FakeApi` stands in for the host: it answers requests from canned responses (unknown
paths get the API server's 404 ``Status``) and keeps the records and errors the gatherer hands
the host, refusing records the way the host does (bad names, an archive path written twice)::

    api = FakeApi()
    api.respond_json("/apis/config.openshift.io/v1/clusteroperators?limit=500", 200, {...})
    error = api.run(gather)          # the gather-error the export would return, or None
    api.json("config/clusteroperator/dns.json")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

from . import _host
from .gather import Gatherer
from .records import archive_path, record_name_problem


@dataclass
class Request:
    method: str
    path_and_query: str
    headers: List[Tuple[str, str]]


@dataclass
class Record:
    name: str
    format: str
    data: bytes


class _Failure(Exception):
    """The error a gather export returned, as raised by the fake host."""

    def __init__(self, error: tuple):
        super().__init__(error)
        self.error = error


class FakeApi(_host.Host):
    def __init__(self) -> None:
        self.responses: Dict[str, Any] = {}
        #: Every request, in order, as the SDK sent it.
        self.requests: List[Request] = []
        #: Records by archive path, in the order written.
        self.records: Dict[str, Record] = {}
        #: The gather-errors reported with ``output.report-error``, as ``(case, value)`` pairs.
        self.errors: List[tuple] = []

    def respond(self, path_and_query: str, status: int, body: Any) -> "FakeApi":
        """Answers GET ``path_and_query`` with ``status`` and ``body`` (bytes or str)."""
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        self.responses[path_and_query] = (status, data)
        return self

    def respond_json(self, path_and_query: str, status: int, value: Any) -> "FakeApi":
        """Answers GET ``path_and_query`` with ``status`` and ``value`` as JSON."""
        return self.respond(path_and_query, status, json.dumps(value))

    def fail(self, path_and_query: str, kind: str, reason: Optional[str] = None) -> "FakeApi":
        """Fails GET ``path_and_query`` with the ``kube.error`` case ``kind`` (``denied``,
        ``limit-exceeded``, ``timeout``, ``transport``)."""
        self.responses[path_and_query] = _host.HostRefusal(kind, reason)
        return self

    def paths(self) -> List[str]:
        """The paths and queries requested, in order."""
        return [r.path_and_query for r in self.requests]

    def json(self, path: str) -> Any:
        """The data of the record at archive path ``path``, parsed as JSON."""
        if path not in self.records:
            raise KeyError(f"no record at {path}; records: {', '.join(self.records)}")
        return json.loads(self.records[path].data)

    def install(self) -> "FakeApi":
        """Makes this fake the host until the ``with`` block ends (or :meth:`uninstall`)."""
        self._previous = _host.install(self)
        return self

    def uninstall(self) -> None:
        _host.install(getattr(self, "_previous", None))

    def __enter__(self) -> "FakeApi":
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    def run(self, gather: Gatherer, config: Iterable[Tuple[str, str]] = ()) -> Optional[tuple]:
        """Runs ``gather`` against this fake as the host calls the export; returns the
        ``gather-error`` it ended with as a ``(case, value)`` pair, or None."""
        with self:
            return gather.run(config)

    # The host's side.

    def http_request(self, method, path_and_query, headers):
        self.requests.append(Request(method, path_and_query, list(headers)))
        answer = self.responses.get(path_and_query)
        if answer is None:
            status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": f"the server could not find the requested resource (get {path_and_query})",
                      "reason": "NotFound", "code": 404}
            return _host.Response(404, [], json.dumps(status).encode("utf-8"))
        if isinstance(answer, _host.HostRefusal):
            raise answer
        status, body = answer
        return _host.Response(status, [("Content-Type", "application/json")], body)

    def write_record(self, name, format, data):
        problem = record_name_problem(name, format)
        if problem is not None:
            raise _host.HostRefusal("invalid-name", problem)
        path = archive_path(name, format)
        if path in self.records:
            raise _host.HostRefusal("duplicate", f"{path} is already written")
        if not isinstance(data, bytes):
            raise TypeError("record data must be bytes")
        self.records[path] = Record(name, format, data)

    def report_error(self, error):
        self.errors.append(error)

    def export_error(self, error):
        return _Failure(error)
