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


def record_name_problem(name: object) -> Optional[str]:
    """Why ``name`` is not a valid record name, or None. The contract's rules: a relative
    archive path, at most 1024 bytes, no control character or ``\\``, no leading or trailing
    ``/``, no empty, ``.`` or ``..`` segment, segments of at most 255 bytes."""
    if not isinstance(name, str):
        return "the record name must be a string"
    if name == "":
        return "the record name is empty"
    size = len(name.encode("utf-8", errors="surrogatepass"))
    if size > MAX_NAME_BYTES:
        return f"the record name is {size} bytes long; at most {MAX_NAME_BYTES} are allowed"
    if _CONTROL.search(name):
        return "the record name contains a control character"
    if "\\" in name:
        return "the record name contains a backslash"
    if name.startswith("/"):
        return "the record name is absolute: it must be relative to the archive"
    if name.endswith("/"):
        return "the record name ends with /: it must name a file"
    for segment in name.split("/"):
        if segment == "":
            return "the record name has an empty segment (//)"
        if segment in (".", ".."):
            return f"the record name has a {segment} segment: names cannot leave or repeat a folder"
        length = len(segment.encode("utf-8", errors="surrogatepass"))
        if length > MAX_SEGMENT_BYTES:
            return (f"the record name has a segment of {length} bytes; "
                    f"at most {MAX_SEGMENT_BYTES} are allowed")
    return None


def check_record_name(name: str) -> None:
    """Raises a :class:`RecordError` (``invalid-name``) when ``name`` breaks the rules."""
    problem = record_name_problem(name)
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
