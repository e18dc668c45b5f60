"""The Kubernetes client: get, list (one page), list_all (every page) and raw reads, through
the host's ``kube.http-request``."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional

from . import _host
from .errors import (ApiError, DecodeError, InvalidParamsError, ProtocolError, RequestError,
                     Status)
from .request import DEFAULT_PAGE_SIZE, list_path, object_path

Object = Dict[str, Any]

_HEADERS = [("Accept", "application/json")]


def _fetch(path: str) -> bytes:
    """GETs ``path`` (path and query) and returns the body of a 2xx response."""
    try:
        response = _host.host().http_request("GET", path, list(_HEADERS))
    except _host.HostRefusal as refusal:
        raise RequestError(path, refusal.kind, refusal.reason) from None
    if 200 <= response.status < 300:
        return response.body
    raise ApiError(path, Status.from_response(response.status, response.body))


def _decode_object(body: bytes, what: str) -> Object:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DecodeError(what, f"invalid UTF-8 at byte {e.start} of {len(body)}") from None
    try:
        value = json.loads(text)
    except ValueError as e:
        raise DecodeError(what, str(e)) from None
    if not isinstance(value, dict):
        raise DecodeError(what, "expected a JSON object")
    return value


def get_raw(path_and_query: str) -> bytes:
    """Reads ``path_and_query`` (e.g. ``/api/v1/namespaces/ns/pods/p/log?container=c``) and
    returns the body of a successful response; error statuses raise :class:`ApiError`. For what
    the resource clients do not cover, such as subresources."""
    if (not isinstance(path_and_query, str) or not path_and_query.startswith("/")
            or path_and_query.startswith("//")):
        raise InvalidParamsError(
            f"{path_and_query!r} is not an absolute API path (it must start with a single '/')")
    return _fetch(path_and_query)


def continue_token(page: Object) -> Optional[str]:
    """The token of the next page of ``page``, or None on the last one."""
    metadata = page.get("metadata")
    token = metadata.get("continue") if isinstance(metadata, dict) else None
    return token if isinstance(token, str) and token else None


class _Scope:
    def __init__(self, resource: "Resource", namespace: Optional[str]):
        self._resource = resource
        self._namespace = namespace

    def _list_path(self, params: Optional[Mapping[str, Any]]) -> str:
        r = self._resource
        return list_path(r.group, r.version, r.plural, self._namespace, params)

    def _get(self, name: str) -> Object:
        r = self._resource
        path = object_path(r.group, r.version, r.plural, self._namespace, name)
        return _decode_object(_fetch(path), f"{r.kind} from {path}")

    def list(self, params: Optional[Mapping[str, Any]] = None) -> Object:
        """Reads one page: the server's list object, with ``items`` (always a list) and
        ``metadata.continue``."""
        path = self._list_path(params)
        what = f"{self._resource.kind} list from {path}"
        page = _decode_object(_fetch(path), what)
        if page.get("items") is None:
            page["items"] = []
        if not isinstance(page["items"], list):
            raise DecodeError(what, "`items` is not a list")
        return page

    def list_all(self, params: Optional[Mapping[str, Any]] = None) -> List[Object]:
        """Reads every page, following ``metadata.continue`` (500 per page unless ``limit`` is
        set), and returns the items."""
        page_params = dict(params or {})
        if page_params.get("limit") is None:
            page_params["limit"] = DEFAULT_PAGE_SIZE
        items: List[Object] = []
        while True:
            sent = page_params.get("continue_token")
            page = self.list(page_params)
            items.extend(page["items"])
            token = continue_token(page)
            if token is None:
                return items
            # A token that does not advance would page forever.
            if token == sent:
                raise ProtocolError(self._list_path(page_params),
                                    "the list's continue token did not change between pages")
            page_params["continue_token"] = token


class InNamespace(_Scope):
    """A namespaced resource in one namespace; from :meth:`Resource.namespaced`."""

    def get(self, name: str) -> Object:
        """Reads the object named ``name``."""
        return self._get(name)


class AllNamespaces(_Scope):
    """A namespaced resource across all namespaces; from :meth:`Resource.all_namespaces`."""


class Resource:
    """The client of one resource. Cluster-scoped resources have ``get``, ``list`` and
    ``list_all``; namespaced ones have ``namespaced(ns)`` and ``all_namespaces()``, which have
    them. Using the wrong one raises :class:`InvalidParamsError` before any request."""

    def __init__(self, *, group: str = "", version: str, plural: str,
                 namespaced: bool, kind: Optional[str] = None):
        for field, value in (("version", version), ("plural", plural)):
            if not isinstance(value, str) or not value or "/" in value:
                raise InvalidParamsError(f"a resource's {field} must be a non-empty string without '/'")
        if not isinstance(group, str) or "/" in group:
            raise InvalidParamsError("a resource's group must be a string without '/'")
        if not isinstance(namespaced, bool):
            raise InvalidParamsError(f"say whether {plural} is namespaced (namespaced=True or False)")
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind or plural
        self.is_namespaced = namespaced

    def _cluster(self, method: str) -> _Scope:
        if self.is_namespaced:
            raise InvalidParamsError(
                f"{self.plural} is namespaced: {method} through .namespaced(ns) or .all_namespaces()")
        return _Scope(self, None)

    def _namespaced_only(self, method: str) -> None:
        if not self.is_namespaced:
            raise InvalidParamsError(f"{self.plural} is cluster-scoped: it has no {method}()")

    def get(self, name: str) -> Object:
        """Reads the (cluster-scoped) object named ``name``."""
        return self._cluster("get")._get(name)

    def list(self, params: Optional[Mapping[str, Any]] = None) -> Object:
        """Reads one page of a cluster-scoped resource."""
        return self._cluster("list").list(params)

    def list_all(self, params: Optional[Mapping[str, Any]] = None) -> List[Object]:
        """Reads every page of a cluster-scoped resource."""
        return self._cluster("list_all").list_all(params)

    def namespaced(self, namespace: str) -> InNamespace:
        """The objects of a namespaced resource in ``namespace``."""
        self._namespaced_only("namespaced")
        return InNamespace(self, namespace)

    def all_namespaces(self) -> AllNamespaces:
        """The objects of a namespaced resource in every namespace."""
        self._namespaced_only("all_namespaces")
        return AllNamespaces(self, None)


def resource(*, group: str = "", version: str, plural: str, namespaced: bool,
             kind: Optional[str] = None) -> Resource:
    """The client of a resource; see :class:`Resource`."""
    return Resource(group=group, version=version, plural=plural, namespaced=namespaced, kind=kind)
