"""Records: the name rules and the JSON encoding.

JSON records are written as the Rust SDK writes them: compact, UTF-8 (non-ASCII characters
as they are, not ``\\u`` escapes), and without ``metadata.managedFields`` in the value or in any
object element of its top-level ``items`` list. Keys keep the order they have in the value,
which for an object read from the API is the server's order.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from .errors import RecordError

#: Longest record name, in UTF-8 bytes.
MAX_NAME_BYTES = 1024
#: Longest segment of a record's archive path, in UTF-8 bytes.
MAX_SEGMENT_BYTES = 255

_CONTROL = re.compile("[\u0000-\u001f\u007f-\u009f]")


#: Archive paths the host writes itself; no record may take them.
RESERVED_PATHS = ("insights-operator/gathers.json",)


def archive_path(name: str, format: str) -> str:
    """The archive path of a record: ``name``, plus ``.json`` for JSON records."""
    return f"{name}.json" if format == "json" else name


def _quoted(path: str) -> str:
    return json.dumps(path, ensure_ascii=False)


def _path_problem(path: str) -> Optional[str]:
    if path == "":
        return "the record name is empty"
    size = len(path.encode("utf-8", errors="surrogatepass"))
    if size > MAX_NAME_BYTES:
        return f"the record name is {size} bytes long; at most {MAX_NAME_BYTES} are allowed"
    q = _quoted(path)
    if _CONTROL.search(path):
        return f"the record name {q} contains a control character"
    if "\\" in path:
        return f"the record name {q} contains a backslash"
    if path.startswith("/"):
        return f"the record name {q} is absolute: it must be relative to the archive"
    if path.endswith("/"):
        return f"the record name {q} ends with /: it must name a file"
    for segment in path.split("/"):
        if segment == "":
            return f"the record name {q} has an empty segment (//)"
        if segment in (".", ".."):
            return f"the record name {q} has a {segment} segment: names cannot leave or repeat a folder"
        length = len(segment.encode("utf-8", errors="surrogatepass"))
        if length > MAX_SEGMENT_BYTES:
            return (f"the record name {q} has a segment of {length} bytes; "
                    f"at most {MAX_SEGMENT_BYTES} are allowed")
    return None


def record_name_problem(name: object, format: str = "raw") -> Optional[str]:
    """Why a record named ``name`` in ``format`` (``json`` or ``raw``) would be refused, or None.
    The contract's rules (wagather-contract's ``check_record_name``): the name and its archive
    path are relative paths of at most 1024 bytes, without control characters or ``\\``,
    leading or trailing ``/``, empty, ``.`` or ``..`` segments, with segments of at most 255
    bytes; a JSON record's name has no ``.json`` of its own; the path is not one the host
    writes itself."""
    if not isinstance(name, str):
        return "the record name must be a string"
    problem = _path_problem(name)
    if problem is not None:
        return problem
    if format == "json" and name.endswith(".json"):
        return f"the record name {_quoted(name)} ends with .json: JSON records are named without it"
    path = archive_path(name, format)
    problem = _path_problem(path)
    if problem is not None:
        return problem
    if path in RESERVED_PATHS:
        return f"the archive path {_quoted(path)} is reserved for the host's own metadata"
    return None


def check_record_name(name: str, format: str = "raw") -> None:
    """Raises a :class:`RecordError` (``invalid-name``) when a record named ``name`` would be
    refused."""
    problem = record_name_problem(name, format)
    if problem is not None:
        raise RecordError(name, "invalid-name", problem)


def _without_managed_fields(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    metadata = value.get("metadata")
    if not isinstance(metadata, dict) or "managedFields" not in metadata:
        return value
    copy = dict(value)  # keeps the key order; "metadata" keeps its place
    copy["metadata"] = {k: v for k, v in metadata.items() if k != "managedFields"}
    return copy


def encode_json(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON, without ``metadata.managedFields`` in it or in any
    object element of its top-level ``items``. The value is not changed. NaN and infinities,
    which JSON cannot carry, are refused (``ValueError``)."""
    out = _without_managed_fields(value)
    if isinstance(out, dict) and isinstance(out.get("items"), list):
        items = [_without_managed_fields(item) for item in out["items"]]
        if any(new is not old for new, old in zip(items, out["items"])):
            out = dict(out)
            out["items"] = items
    text = json.dumps(out, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")
