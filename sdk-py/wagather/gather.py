"""The run: configuration, records, non-fatal errors, and the component's ``gather`` export."""

from __future__ import annotations

from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple, Union

from . import _host
from .errors import RecordError, WagatherError, to_gather_error
from .records import check_record_name, encode_json

#: The contract this SDK implements (the ``package`` line of ``wit/gatherer.wit``).
CONTRACT = "wagather:gatherer@0.2.0"


class Config:
    """The operator's configuration of this gatherer: key/value pairs in the order given."""

    def __init__(self, entries: Iterable[Tuple[str, str]] = ()):
        self.entries: List[Tuple[str, str]] = [(k, v) for k, v in entries]

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        """The value of ``key`` (the last one when a key is repeated), or ``default``."""
        for k, v in reversed(self.entries):
            if k == key:
                return v
        return default


def _write(name: str, format: str, data: bytes) -> None:
    try:
        _host.host().write_record(name, format, data)
    except _host.HostRefusal as refusal:
        raise RecordError(name, refusal.kind, refusal.reason or "") from None


class Gather:
    """One run of a gatherer: its configuration, and what it hands the host."""

    def __init__(self, config: Optional[Config] = None):
        self.config = config or Config()

    def record_json(self, name: str, value: Any) -> None:
        """Writes a JSON record named ``name`` (archived as ``name.json``): compact UTF-8 JSON,
        without ``metadata.managedFields`` in the value or in the elements of its top-level
        ``items``. The host writes it before this returns; a refusal raises
        :class:`RecordError`."""
        check_record_name(name, "json")
        _write(name, "json", encode_json(value))

    def record_raw(self, name: str, data: Union[bytes, bytearray, str]) -> None:
        """Writes a record of raw bytes (a ``str`` is written as UTF-8) named ``name``."""
        check_record_name(name, "raw")
        if isinstance(data, str):
            data = data.encode("utf-8")
        elif isinstance(data, (bytes, bytearray)):
            data = bytes(data)
        else:
            raise TypeError("a raw record is bytes or a str")
        _write(name, "raw", data)

    def error(self, error: Union[BaseException, str]) -> None:
        """Reports a non-fatal error to the host: the run goes on and its records are kept."""
        variant = ("other", error) if isinstance(error, str) else to_gather_error(error)
        _host.host().report_error(variant)


def _check_manifest(name: str, version: str, reads: Sequence[str]) -> None:
    def non_empty(value: object) -> bool:
        return isinstance(value, str) and value.strip() != ""

    if not non_empty(name):
        raise WagatherError("a gatherer needs a name (a non-empty string)")
    if not non_empty(version):
        raise WagatherError("a gatherer needs a version (a non-empty string)")
    if isinstance(reads, str) or not all(non_empty(r) for r in reads):
        raise WagatherError('reads is a list of rules such as "config.openshift.io/v1/clusteroperators"'
                            ' or "v1/pods/log in ns1,ns2"')
    if len(set(reads)) != len(reads):
        raise WagatherError("a read is declared twice")


class Gatherer:
    """A gatherer function with its manifest; made by :func:`gatherer`."""

    def __init__(self, function: Callable[[Gather], Any], name: str, version: str,
                 reads: Sequence[str]):
        self.function = function
        self.manifest = {"contract": CONTRACT, "name": name, "version": version,
                         "reads": list(reads)}

    def __call__(self, ctx: Gather) -> Any:
        return self.function(ctx)

    def run(self, config: Iterable[Tuple[str, str]] = ()) -> Optional[tuple]:
        """Runs the gatherer as the host calls the export, and returns the ``gather-error`` it
        ended with as a ``(case, value)`` pair, or None."""
        try:
            self.function(Gather(Config(config)))
        except MemoryError:
            # Out of memory is the host's memory cap: the run stops (a trap), as a Rust
            # gatherer's does, rather than going on in an interpreter that cannot allocate.
            raise
        except Exception as e:  # every other error reaches the host, typed
            return to_gather_error(e)
        return None


def gatherer(*, name: str, version: str, reads: Sequence[str]) -> Callable[[Callable], Gatherer]:
    """Declares a gatherer::

        @gatherer(name="cluster-operators", version="0.1.0",
                  reads=["config.openshift.io/v1/clusteroperators"])
        def gather(ctx: Gather) -> None:
            ...

        WitWorld = export(gather)

    ``reads`` lists what the gatherer may read, in the form
    ``[group/]version/resource[/subresource][ in ns1,ns2]``; the build writes them, with the name
    and version, into the component's manifest (``gather.manifest``), and the host denies every
    other request. What the function raises ends the run and reaches the host as a typed
    ``gather-error``; records written before are kept."""
    _check_manifest(name, version, reads)

    def wrap(function: Callable[[Gather], Any]) -> Gatherer:
        return Gatherer(function, name, version, reads)

    return wrap


def export(gather: Gatherer) -> type:
    """The class componentize-py exports as the world: bind it to ``WitWorld`` in the app
    module (``WitWorld = export(gather)``)."""
    if not isinstance(gather, Gatherer):
        raise WagatherError("export() takes a function decorated with @gatherer(...)")

    class WitWorld:
        def gather(self, config: List[Tuple[str, str]]) -> None:
            error = gather.run(config)
            if error is not None:
                raise _host.host().export_error(error)

    WitWorld.manifest = gather.manifest  # type: ignore[attr-defined]
    return WitWorld
