"""Errors, and how they become the contract's ``gather-error`` variant.

Every error the SDK raises is a :class:`WagatherError`; :func:`to_gather_error` maps any
exception to the variant the host receives, written as a ``(case, value)`` pair
(``("api", {"path": ..., "status": {...}})``) that the host bindings turn into the contract's
types. Messages follow the Rust SDK's wording, so logs read the same whatever the language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional, Tuple

#: A contract variant value: the case name as in the WIT (``"limit-exceeded"``) and its payload.
Variant = Tuple[str, Any]

#: Longest error body kept as a message when the server did not answer with a ``Status``.
MAX_PLAIN_MESSAGE = 1024


@dataclass(frozen=True)
class Status:
    """The parts of a Kubernetes ``Status`` that say what went wrong."""

    code: int
    reason: str = ""
    message: str = ""

    @staticmethod
    def from_response(http_status: int, body: bytes) -> "Status":
        """A ``Status`` body keeps its fields; anything else becomes the HTTP code and (the first
        1024 bytes of) the trimmed body."""
        try:
            parsed = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            parsed = None
        if isinstance(parsed, dict) and parsed.get("kind") == "Status":
            code = parsed.get("code")
            valid_code = isinstance(code, int) and not isinstance(code, bool) and 0 < code < 65536
            text = lambda v: v if isinstance(v, str) else ""  # noqa: E731
            return Status(
                code if valid_code else http_status,
                text(parsed.get("reason")),
                text(parsed.get("message")),
            )
        text = body.decode("utf-8", errors="replace").strip()
        cut = text.encode("utf-8")[:MAX_PLAIN_MESSAGE].decode("utf-8", errors="ignore")
        return Status(http_status, "", cut)

    def __str__(self) -> str:
        out = str(self.code)
        if self.reason:
            out += f" {self.reason}"
        if self.message:
            out += f": {self.message}"
        return out


class WagatherError(Exception):
    """Base class of every error the SDK raises."""

    def to_gather_error(self) -> Variant:
        """The contract's ``gather-error`` for this error."""
        return ("other", str(self))


class ApiError(WagatherError):
    """The API server answered with an error status; ``status`` keeps what it said."""

    def __init__(self, path: str, status: Status):
        super().__init__(f"{path}: API error {status}")
        self.path = path
        self.status = status

    def to_gather_error(self) -> Variant:
        s = self.status
        return ("api", {"path": self.path,
                        "status": {"code": s.code, "reason": s.reason, "message": s.message}})


_REQUEST_MESSAGES = {
    "denied": lambda reason: f"denied by the host: {reason}",
    "limit-exceeded": lambda reason: f"host limit exceeded: {reason}",
    "timeout": lambda reason: "the run's deadline passed",
    "transport": lambda reason: f"transport error: {reason}",
}


class RequestError(WagatherError):
    """A request got no response: the host denied it (``denied``), a per-run limit would be
    exceeded (``limit-exceeded``), the deadline passed (``timeout``) or the API could not be
    reached (``transport``). ``reason`` is the host's words (``None`` for a timeout)."""

    def __init__(self, path: str, kind: str, reason: Optional[str] = None):
        describe = _REQUEST_MESSAGES.get(kind, lambda r: f"{kind}: {r}")
        super().__init__(f"{path}: {describe(reason)}")
        self.path = path
        self.kind = kind
        self.reason = reason

    def to_gather_error(self) -> Variant:
        return ("request", {"path": self.path, "error": (self.kind, self.reason)})


class DecodeError(WagatherError):
    """A response body could not be decoded."""

    def __init__(self, what: str, message: str):
        super().__init__(f"cannot decode {what}: {message}")
        self.what = what
        self.detail = message

    def to_gather_error(self) -> Variant:
        return ("decode", {"what": self.what, "message": self.detail})


class RecordError(WagatherError):
    """A record was refused, by the SDK's name check (``invalid-name``) or by the host
    (``invalid-name``, ``duplicate``, ``limit-exceeded``)."""

    def __init__(self, name: str, kind: str, reason: str):
        super().__init__(f"invalid record {json.dumps(name, ensure_ascii=False)}: {reason}")
        self.name = name
        self.kind = kind
        self.reason = reason

    def to_gather_error(self) -> Variant:
        return ("record", {"name": self.name, "error": (self.kind, self.reason)})


class ProtocolError(WagatherError):
    """The server's answers were inconsistent (a ``continue`` token that does not advance)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: unexpected response: {reason}")
        self.path = path
        self.reason = reason


class InvalidParamsError(WagatherError):
    """Request parameters the API would refuse (list options, object or namespace names)."""

    def __init__(self, message: str):
        super().__init__(f"invalid request parameters: {message}")


def to_gather_error(error: BaseException) -> Variant:
    """The contract's ``gather-error`` for any exception: the SDK's errors map to their case,
    anything else to ``other`` with its type and message."""
    if isinstance(error, WagatherError):
        return error.to_gather_error()
    return ("other", f"{type(error).__name__}: {error}")
