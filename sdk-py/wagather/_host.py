"""The contract's imports.

This is the only module that names the generated bindings (``wit_world``, written by
componentize-py when the component is built). They are imported on first use, so the SDK also
loads in plain Python, where :mod:`wagather.testing` installs a fake host instead.

The rest of the SDK speaks in plain values: responses as :class:`Response`, contract variants
as ``(case, value)`` pairs; this module converts them to and from the bindings' types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from .errors import Variant


@dataclass
class Response:
    status: int
    headers: List[Tuple[str, str]]
    body: bytes


class HostRefusal(Exception):
    """The host answered a call with the ``err`` of its ``result``: ``kind`` is the case of
    ``kube.error`` or ``output.record-error``, ``reason`` its string (None when it has none)."""

    def __init__(self, kind: str, reason: Optional[str]):
        super().__init__(f"{kind}: {reason}" if reason is not None else kind)
        self.kind = kind
        self.reason = reason


class Host:
    """What the SDK needs from the host; :class:`WitHost` in a component, a fake in tests."""

    def http_request(self, method: str, path_and_query: str,
                     headers: List[Tuple[str, str]]) -> Response:
        raise NotImplementedError

    def write_record(self, name: str, format: str, data: bytes) -> None:
        raise NotImplementedError

    def report_error(self, error: Variant) -> None:
        raise NotImplementedError

    def export_error(self, error: Variant) -> BaseException:
        """The exception the ``gather`` export raises to return ``error``."""
        raise NotImplementedError


def _case_name(binding_value: Any) -> str:
    # componentize-py names variant cases Type_CaseName (Error_LimitExceeded).
    name = type(binding_value).__name__.split("_", 1)[-1]
    return "".join("-" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _binding_case(module: Any, type_name: str, case: str) -> Any:
    return getattr(module, f"{type_name}_{''.join(p.capitalize() for p in case.split('-'))}")


class WitHost(Host):
    """The host's imports, through the bindings componentize-py generates."""

    def __init__(self) -> None:
        from componentize_py_types import Err  # noqa: F401  (fails early outside a component)
        from wit_world.imports import kube, output

        self.kube = kube
        self.output = output

    def http_request(self, method, path_and_query, headers):
        from componentize_py_types import Err

        request = self.kube.Request(method=method, path_and_query=path_and_query,
                                    headers=headers, body=None)
        try:
            response = self.kube.http_request(request)
        except Err as err:
            raise HostRefusal(_case_name(err.value), getattr(err.value, "value", None)) from None
        return Response(response.status, response.headers, bytes(response.body))

    def write_record(self, name, format, data):
        from componentize_py_types import Err

        fmt = self.output.RecordFormat.JSON if format == "json" else self.output.RecordFormat.RAW
        try:
            self.output.write_record(name, fmt, data)
        except Err as err:
            raise HostRefusal(_case_name(err.value), err.value.value) from None

    def _gather_error(self, error: Variant) -> Any:
        out = self.output
        case, value = error
        if case == "api":
            s = value["status"]
            payload = out.ApiFailure(value["path"], out.ApiStatus(s["code"], s["reason"], s["message"]))
        elif case == "request":
            kind, reason = value["error"]
            cls = _binding_case(self.kube, "Error", kind)
            payload = out.RequestFailure(value["path"], cls() if kind == "timeout" else cls(reason))
        elif case == "decode":
            payload = out.DecodeFailure(value["what"], value["message"])
        elif case == "record":
            kind, reason = value["error"]
            payload = out.RecordFailure(value["name"], _binding_case(out, "RecordError", kind)(reason))
        else:
            return out.GatherError_Other(str(value))
        return _binding_case(out, "GatherError", case)(payload)

    def report_error(self, error):
        self.output.report_error(self._gather_error(error))

    def export_error(self, error):
        from componentize_py_types import Err

        return Err(self._gather_error(error))


_active: Optional[Host] = None


def host() -> Host:
    """The host calls go to: the one installed (tests), else the component's imports."""
    global _active
    if _active is None:
        _active = WitHost()
    return _active


def install(new: Optional[Host]) -> Optional[Host]:
    """Makes ``new`` the host and returns the previous one (None: the component's imports)."""
    global _active
    previous, _active = _active, new
    return previous
