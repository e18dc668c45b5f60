"""wagather's Python SDK: write a gatherer as a module and build it into a component with
componentize-py. See README.md for a complete gatherer."""

from .client import AllNamespaces, InNamespace, Resource, continue_token, get_raw, resource
from .errors import (ApiError, DecodeError, InvalidParamsError, ProtocolError, RecordError,
                     RequestError, Status, WagatherError, to_gather_error)
from .gather import CONTRACT, Config, Gather, Gatherer, export, gatherer
from .records import (MAX_NAME_BYTES, MAX_SEGMENT_BYTES, RESERVED_PATHS, archive_path,
                      check_record_name, encode_json, record_name_problem)
from .request import (DEFAULT_PAGE_SIZE, collection_path, list_path, list_query,
                      object_path)

__all__ = [
    "AllNamespaces", "ApiError", "CONTRACT", "Config", "DEFAULT_PAGE_SIZE", "DecodeError",
    "Gather", "Gatherer", "InNamespace", "InvalidParamsError", "MAX_NAME_BYTES",
    "MAX_SEGMENT_BYTES", "ProtocolError", "RESERVED_PATHS", "RecordError", "RequestError", "Resource", "Status",
    "WagatherError", "archive_path", "check_record_name", "collection_path", "continue_token", "encode_json",
    "export", "gatherer", "get_raw", "list_path", "list_query", "object_path",
    "record_name_problem", "resource", "to_gather_error",
]
