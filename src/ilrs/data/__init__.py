"""Packaged datasets. Data, not code: every fact carries a source id (see ``sources.yaml``)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from ilrs.errors import DatasetError, shorten

MAX_YAML_BYTES = 2_000_000
"""Refuse YAML files larger than this (a scenario or dataset is kilobytes, not megabytes)."""

MAX_YAML_DEPTH = 64
"""Refuse YAML nested deeper than this (the deepest scenario field is about 6 levels down)."""

MAX_YAML_NODES = 100_000
"""Refuse YAML whose nodes, counted with every alias expanded, exceed this. Checked while composing,
before any Python object is built: a 490-byte "billion laughs" alias bomb (9 levels of 9 aliases,
387 million nodes expanded) used to take 22 GB before it was killed; it is now refused in
milliseconds. The largest packaged file (``partners.yaml``) has about 1,700 nodes."""

MAX_YAML_ALIASES = 1_000
"""Refuse YAML with more alias references (``*name``) than this (the packaged files have none)."""


class StrictSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys, impossible dates, runaway nesting, alias bombs
    and values its tag cannot hold, with the line.

    Plain PyYAML keeps the last of two equal keys, raises a bare ``ValueError`` for ``2027-02-30``
    (``KeyError`` for ``!!bool "maybe"``, ``AttributeError`` for ``!!timestamp "x"``), recurses once
    per nesting level and expands aliases without limit; here each is a YAML error that carries its
    position. Sizes are bounded while composing (:data:`MAX_YAML_NODES`, :data:`MAX_YAML_ALIASES`,
    :data:`MAX_YAML_DEPTH`), before any Python object is constructed.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._nodes = 0  # nodes composed so far, each alias counted as the size of what it expands to
        self._sizes: dict[int, int] = {}  # id(node) -> its size with aliases expanded, once composed

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            event = self.peek_event()
            if self._depth > MAX_YAML_DEPTH:
                raise ComposerError(None, None, f"nested more than {MAX_YAML_DEPTH} levels deep", event.start_mark)
            if isinstance(event, yaml.AliasEvent):
                self._aliases += 1
                if self._aliases > MAX_YAML_ALIASES:
                    raise ComposerError(None, None, f"more than {MAX_YAML_ALIASES} aliases", event.start_mark)
                target = self.anchors.get(event.anchor)
                if target is not None and id(target) not in self._sizes:
                    raise ComposerError(None, None, f"alias *{event.anchor} refers to a node that contains it",
                                        event.start_mark)
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:  # a node composed just now (its children, aliases included, are known)
                size = 1 + sum(self._sizes.get(id(c), 1) for c in _children(node))
                self._sizes[id(node)] = size
                self._nodes += 1
            else:  # an alias: it stands for the whole node it names
                self._nodes += size
            if self._nodes > MAX_YAML_NODES or size > MAX_YAML_NODES:
                raise ComposerError(None, None, f"more than {MAX_YAML_NODES:,} nodes (aliases expanded)",
                                    event.start_mark)
            return node
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (KeyError, AttributeError, ValueError, TypeError, OverflowError, IndexError) as exc:
            # a tag given a value it cannot hold: !!bool "maybe", !!timestamp "x", !!int "0x", !!float "e"
            what = shorten(node.value) if isinstance(node, yaml.ScalarNode) else "this node"
            raise ConstructorError(None, None, f"{what} is not a valid {shorten(node.tag.rsplit(':', 1)[-1], quote=False)}",
                                   node.start_mark) from None

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # '<<' merge keys may legitimately repeat keys of the merged mapping
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # unhashable key: the base constructor reports it
                    continue
                if first is not None:
                    raise ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"duplicate key {key!r} (first at line {first.line + 1})", key_node.start_mark)
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError, AttributeError) as exc:
            reason = "not YYYY-MM-DD[THH:MM:SS]" if isinstance(exc, AttributeError) else shorten(str(exc), quote=False)
            raise ConstructorError(None, None, f"{shorten(node.value)} is not a valid date ({reason})",
                                   node.start_mark) from None


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


StrictSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", StrictSafeLoader.construct_yaml_timestamp)
# YAML 1.1 (PyYAML) reads ``2.0e6`` and ``1e6`` as strings: its float pattern wants a dot and a signed
# exponent. YAML 1.2's core schema (yaml.org/spec/1.2.2, 10.3.2) reads them as numbers, as a user expects.
StrictSafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


def data_path(*parts: str) -> Path:
    """Path of a packaged data file, e.g. ``data_path("kernels", "moon_080317.tf")``."""
    return Path(str(resources.files("ilrs.data").joinpath(*parts)))


def read_yaml_file(path: str | Path, *, error: type[DatasetError] = DatasetError) -> Any:
    """Load a YAML file safely (no object construction), refusing oversized or malformed files.

    Every problem — bad syntax, a duplicate key, an impossible date, nesting deeper than
    :data:`MAX_YAML_DEPTH` — is raised as ``error`` naming the file and, where known, the line.
    """
    p = Path(path)
    if not p.is_file():
        raise error("file not found", file=str(p))
    size = p.stat().st_size
    if size > MAX_YAML_BYTES:
        raise error(f"file is {size} bytes, more than the {MAX_YAML_BYTES} allowed", file=str(p))
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error("not a UTF-8 text file", file=str(p)) from None
    try:
        return yaml.load(text, Loader=StrictSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        raise error(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", file=str(p), field=where) from None
    except RecursionError:
        raise error("not valid YAML: nested too deeply", file=str(p)) from None
    except (ValueError, TypeError) as exc:
        raise error(f"not valid YAML: {exc}", file=str(p)) from None


@lru_cache(maxsize=None)
def load_dataset(name: str) -> Any:
    """Raw content of a packaged YAML dataset (``name`` without extension)."""
    return read_yaml_file(data_path(f"{name}.yaml"))


# -- the catalogues: one cached reader per file; every layer calls these, none reads the file itself --

def _catalogue(name: str, key: str, kind: type) -> dict:
    raw = load_dataset(name)
    if not isinstance(raw, dict) or not isinstance(raw.get(key), kind):
        raise DatasetError(f"missing '{key}' {'list' if kind is list else 'mapping'}",
                           file=str(data_path(f"{name}.yaml")))
    return raw


@lru_cache(maxsize=1)
def sites_catalogue() -> dict:
    """``data/sites.yaml``: ``{"sites": [{"name", "lat_deg", "lon_deg", ...}], "sources": [...]}``
    (shared and cached: read it, never change it)."""
    return _catalogue("sites", "sites", list)


@lru_cache(maxsize=1)
def partners_catalogue() -> dict:
    """``data/partners.yaml``: ``{"sources", "parties": [{"id", ...}], "agreements", ...}`` — the raw
    consortium dataset (``ilrs.consortium.Registry`` validates it; read it, never change it)."""
    return _catalogue("partners", "parties", list)


@lru_cache(maxsize=1)
def accords_catalogue() -> dict:
    """``data/accords.yaml``: ``{"sources", "signatories": [{"id", "signed", ...}], "counts", "agencies"}``
    — the raw Artemis Accords dataset (``ilrs.consortium.accords`` validates it; read it, never change it)."""
    return _catalogue("accords", "signatories", list)


@lru_cache(maxsize=1)
def partner_ids() -> frozenset[str]:
    """The ids scenario files may name as owners, leads and crews: the parties of ``data/partners.yaml``
    and the Artemis Accords signatories and agencies of ``data/accords.yaml`` (the rival program's)."""
    accords = accords_catalogue()
    return frozenset([p["id"] for p in partners_catalogue()["parties"]]
                     + [p["id"] for p in accords["signatories"]] + [a["id"] for a in accords.get("agencies", [])])


@lru_cache(maxsize=1)
def relays_catalogue() -> dict:
    """``data/relays.yaml``: ``{"relays": {key: {...}}, "constellations": {...}, "sources": {...}}``
    (read it, never change it)."""
    return _catalogue("relays", "relays", dict)


@lru_cache(maxsize=1)
def ground_stations_catalogue() -> dict:
    """``data/ground_stations.yaml``: ``{"ground_stations": {key: {...}}, "sources": {...}}``."""
    return _catalogue("ground_stations", "ground_stations", dict)


@lru_cache(maxsize=1)
def ops_defaults() -> dict:
    """``data/ops_defaults.yaml``: the sourced station-operations defaults (consumables, closure
    ratios, failure models by role, nuclear unit sizes; read it, never change it)."""
    return _catalogue("ops_defaults", "failure_by_role", dict)
