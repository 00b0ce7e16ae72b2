"""What differs in the inputs: a structured diff of validated scenarios (field paths and values).

Each scenario is compared as its validated model (``Scenario.model_dump(mode="json")``: defaults
filled in, dates as ISO strings), so two files that spell one study differently show no difference
— except where a field given explicitly means something else than its default left out (a site's
``height_m: 0`` stands the site on the sphere, none puts it on the DEM's ground): such a field
shows its value with "(given)" or "(default)".
Lists of records with an ``id`` (or a ``name``) are matched by it (``campaign.milestones[basic-model].target``),
other lists by position.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

ABSENT = "(absent)"
"""The value shown where a field exists in one scenario and not in another."""


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    """A list of records keyed by their ``id`` (or ``name``) when every record has a distinct one."""
    for key in ("id", "name"):
        if items and all(isinstance(x, dict) and isinstance(x.get(key), str) for x in items):
            keys = [x[key] for x in items]
            if len(set(keys)) == len(keys):
                return dict(zip(keys, items))
    return None


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaf values of a JSON-like tree by field path (``relays.constellation[0]``)."""
    if isinstance(value, dict):
        if not value:
            return {path: {}}
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(value, list):
        if not value:
            return {path: []}
        keyed = _keyed(value)
        items = keyed.items() if keyed is not None else enumerate(value)
        out = {}
        for k, v in items:
            out.update(flatten(v, f"{path}[{k}]"))
        return out
    return {path: value}


def _text(value: Any) -> str:
    if value is ABSENT:
        return ABSENT
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def input_diff(models: Sequence[dict[str, Any]], labels: Sequence[str],
               given: Sequence[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One row per field path whose value is not the same in every model: ``{"path", "values":
    {label: text}}`` (a missing field reads :data:`ABSENT`), in the order the fields first appear.
    ``given``: the same models with only the fields set explicitly (``model_dump(exclude_unset=True)``);
    a field equal everywhere but given in some models only is listed too, marked "(given)"/"(default)"."""
    flat = [flatten(m) for m in models]
    set_paths = [set(flatten(g)) for g in given] if given is not None else None
    paths: dict[str, None] = {}
    for f in flat:
        paths.update(dict.fromkeys(f))
    rows = []
    for path in paths:
        texts = [_text(f.get(path, ABSENT)) for f in flat]
        if len(set(texts)) > 1:
            rows.append({"path": path, "values": dict(zip(labels, texts))})
        elif set_paths is not None and len({path in s for s in set_paths}) > 1:
            marks = [f"{t} ({'given' if path in s else 'default'})" for t, s in zip(texts, set_paths)]
            rows.append({"path": path, "values": dict(zip(labels, marks))})
    return rows
