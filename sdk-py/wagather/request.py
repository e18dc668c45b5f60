"""Pure request building: paths and queries, no I/O. The same paths and query strings, byte for
byte, as the Rust SDK's ``request`` and ``params`` modules."""

from __future__ import annotations

import json
import re
from typing import Mapping, Optional

from .errors import InvalidParamsError

#: Page size ``list_all`` uses when the params set no ``limit``.
DEFAULT_PAGE_SIZE = 500

_FORM_KEPT = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz*-._")
_SEGMENT_ESCAPED = frozenset(b' "#<>?`{}/%[]\\^|')
# Unicode general category Cc, which Rust's char::is_control tests.
_CONTROL = re.compile("[\u0000-\u001f\u007f-\u009f]")


def form_encode(text: str) -> str:
    """``application/x-www-form-urlencoded`` as Kubernetes clients send query values: ASCII
    letters, digits and ``*-._`` stay, space becomes ``+``, every other UTF-8 byte is ``%XX``."""
    out = []
    for byte in text.encode("utf-8"):
        if byte in _FORM_KEPT:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def encode_segment(segment: str) -> str:
    """``segment`` percent-encoded for a path (controls, non-ASCII and URL delimiters)."""
    out = []
    for byte in segment.encode("utf-8"):
        if byte < 0x20 or byte >= 0x7F or byte in _SEGMENT_ESCAPED:
            out.append(f"%{byte:02X}")
        else:
            out.append(chr(byte))
    return "".join(out)


def check_segment(what: str, name: str) -> None:
    """Checks a name used as a path segment the way the API server does: not empty, not ``.``
    or ``..``, no ``/`` or ``%``."""
    if not isinstance(name, str):
        problem = "must be a string"
    elif name == "":
        problem = "may not be empty"
    elif name in (".", ".."):
        problem = "may not be '.' or '..'"
    elif "/" in name:
        problem = "may not contain '/'"
    elif "%" in name:
        problem = "may not contain '%'"
    else:
        return
    raise InvalidParamsError(f"{what} {_quoted(name)} {problem}")


def _quoted(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


_OPTIONS = (
    ("label_selector", "labelSelector"),
    ("field_selector", "fieldSelector"),
    ("limit", "limit"),
    ("continue_token", "continue"),
    ("resource_version", "resourceVersion"),
    ("resource_version_match", "resourceVersionMatch"),
    ("timeout_seconds", "timeoutSeconds"),
)
_VERSION_MATCHES = ("NotOlderThan", "Exact")


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFFFFFF


def list_query(params: Optional[Mapping[str, object]] = None) -> str:
    """The validated query string of list options, without the leading ``?`` (empty when no
    option is set). Options, in the order they are written: ``label_selector``,
    ``field_selector``, ``limit``, ``continue_token``, ``resource_version``,
    ``resource_version_match`` (``NotOlderThan`` or ``Exact``), ``timeout_seconds``."""
    p = dict(params or {})
    known = [name for name, _ in _OPTIONS]
    for key in p:
        if key not in known:
            raise InvalidParamsError(f"unknown list option {key!r}; options are {', '.join(known)}")
    get = lambda key: p.get(key)  # noqa: E731
    if get("limit") is not None and not (_is_count(get("limit")) and get("limit") >= 1):
        raise InvalidParamsError("limit must be at least 1 (leave it unset for no limit)")
    if get("timeout_seconds") is not None and not _is_count(get("timeout_seconds")):
        raise InvalidParamsError("timeout_seconds must be a whole number of seconds")
    match = get("resource_version_match")
    if match is not None:
        if match not in _VERSION_MATCHES:
            raise InvalidParamsError("resource_version_match is NotOlderThan or Exact")
        if get("resource_version") is None:
            raise InvalidParamsError("resource_version_match needs resource_version")
        if match == "Exact" and get("resource_version") == "0":
            raise InvalidParamsError(
                'resource_version_match Exact cannot be used with resource_version "0"')
    if get("continue_token") is not None and (
            get("resource_version") is not None or match is not None):
        raise InvalidParamsError(
            "continue_token cannot be combined with resource_version or resource_version_match")
    for option in ("label_selector", "field_selector", "continue_token", "resource_version"):
        value = get(option)
        if value is not None and not isinstance(value, str):
            raise InvalidParamsError(f"{option} must be a string")
        if value is not None and _CONTROL.search(value):
            raise InvalidParamsError(f"{option} contains a control character")
    pairs = []
    for option, key in _OPTIONS:
        value = get(option)
        if value is not None and value != "":
            pairs.append(f"{form_encode(key)}={form_encode(str(value))}")
    return "&".join(pairs)


def collection_path(group: str, version: str, plural: str, namespace: Optional[str] = None) -> str:
    """Path of a collection, e.g. ``/api/v1/namespaces/default/pods``; ``namespace`` None for
    cluster-scoped resources and for all namespaces."""
    path = f"/apis/{group}/{version}" if group else f"/api/{version}"
    if namespace is not None:
        check_segment("namespace", namespace)
        path += f"/namespaces/{encode_segment(namespace)}"
    return f"{path}/{plural}"


def object_path(group: str, version: str, plural: str, namespace: Optional[str], name: str) -> str:
    """Path of the object ``name``."""
    check_segment("name", name)
    return f"{collection_path(group, version, plural, namespace)}/{encode_segment(name)}"


def list_path(group: str, version: str, plural: str, namespace: Optional[str],
              params: Optional[Mapping[str, object]] = None) -> str:
    """Path and query of a list with ``params``."""
    path = collection_path(group, version, plural, namespace)
    query = list_query(params)
    return f"{path}?{query}" if query else path
