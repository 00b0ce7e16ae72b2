"""HTML building blocks of the report's sections: tables, headline boxes and source links, escaped.

Every cell goes through :func:`cell_text`, so a date reads one way everywhere (``2028-07-01``, a time
``2028-07-01 12:00``), a list reads as words (never ``['…']``) and a mapping as ``key: value``
pairs (never ``{'china': 92.0}``). A table longer than :data:`FOLD_ROWS` is folded in a
``<details>``; every table sorts by a click on its header (the page's few lines of script).
"""

from __future__ import annotations

import datetime as dt
import html as _html
import re
from typing import Any, Iterable, Mapping, Sequence

FOLD_ROWS = 12
"""A table with more rows than this opens folded (its first line says how many rows it has)."""

_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|\+00:00)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ADDRESS = re.compile(r"^(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?)$", re.IGNORECASE)
_SEED = re.compile(r"seeds/[0-9]{3}(?:_[0-9a-f]{16})?(?:\.txt)?")
_SOURCE_COLUMNS = ("source", "sources", "basis")
_NUMBER = re.compile(r"^[-+−]?[\d,]*\.?\d+\s*(?:%|[kMGT]?bit|h|kg|km|d)?$")


def date_text(value: Any) -> str:
    """A date as ``YYYY-MM-DD``, a date-time (UTC) as ``YYYY-MM-DD HH:MM``; anything else unchanged."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        m = _ISO_TIME.match(value)
        if m:
            return f"{m.group(1)} {m.group(2)}"
    return str(value)


def cell_text(value: Any) -> str:
    """Plain text of one value: dates uniform, lists joined with ``; ``, mappings as ``k: v``."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {cell_text(v)}" for k, v in value.items()) or "—"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "; ".join(cell_text(v) for v in value)
    if hasattr(value, "dtype") and "datetime64" in str(getattr(value, "dtype", "")):
        return date_text(str(value)[:16].replace("T", " "))
    return date_text(value)


def public_source(text: str) -> str:
    """A source as a reader can follow it: an internal file name (``seeds/…txt``, the project's
    ``ilrs-facts.md`` notes) becomes what it is, public reporting collected for the project."""
    text = _SEED.sub("news article (collected for the project)", text)
    text = re.sub(r"\b(?:ilrs-facts|[\w-]+\.md)\b(?:\.md)?", "public reporting (project notes)", text)
    return text.replace("(public reporting (project notes))", "(public reporting, project notes)")


def source_html(text: Any) -> str:
    """One source, escaped: a web address becomes a link (``https://``), the rest plain text."""
    if isinstance(text, (list, tuple)):
        return "; ".join(source_html(t) for t in text)
    s = str(text or "").strip()
    parts = []
    for piece in (p.strip() for p in s.split(";")):
        m = _ADDRESS.match(piece)
        if m and "." in m.group(1).split("/")[0]:
            url = "https://" + m.group(1)
            parts.append(f'<a href="{_html.escape(url)}" rel="noreferrer">{_html.escape(m.group(1))}</a>')
        elif piece:
            parts.append(_html.escape(public_source(piece)))
    return "; ".join(parts)


def link(title: str, address: str | None) -> str:
    """A titled link to a public address (``https://`` added), or the title alone when none is known."""
    t = _html.escape(public_source(title))
    if not address:
        return t
    url = address if address.startswith(("http://", "https://")) else "https://" + address
    return f'<a href="{_html.escape(url)}" rel="noreferrer">{t}</a>'


def _cell(column: str, value: Any, numeric: set[str], html_columns: set[str]) -> str:
    text = cell_text(value)
    classes = []
    if column in numeric or _NUMBER.match(text):  # numbers right-aligned, units and all
        classes.append("num")
    if _ISO_DATE.match(text[:10]) and len(text) <= 16:
        classes.append("date")
    cls = f' class="{" ".join(classes)}"' if classes else ""
    if column in html_columns:
        body = str(value)
    elif column.lower() in _SOURCE_COLUMNS:
        body = source_html(value if isinstance(value, (list, tuple)) else text)
    else:
        body = _html.escape(public_source(text))
    return f"<td{cls}>{body}</td>"


def html_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None,
               headers: Sequence[str] | None = None, numeric: Iterable[str] = (),
               fold_after: int = FOLD_ROWS, html_columns: Iterable[str] = (), title: str = "rows") -> str:
    """An escaped, sortable HTML table of ``rows`` (dicts), folded in a ``<details>`` when it has more
    than ``fold_after`` rows. ``html_columns``: columns whose values are HTML already."""
    if not rows:
        return "<p><em>none</em></p>"
    columns = list(columns or rows[0].keys())
    headers = list(headers or columns)
    numeric, html_cols = set(numeric), set(html_columns)
    head = "".join(f'<th title="sort">{_html.escape(str(h))}</th>' for h in headers)
    body = "".join("<tr>" + "".join(_cell(c, r.get(c, ""), numeric, html_cols) for c in columns) + "</tr>"
                   for r in rows)
    table = f'<table class="sortable"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    if len(rows) <= fold_after:
        return table
    return (f'<details class="fold"><summary>{len(rows)} {_html.escape(title)} '
            f'(click to unfold; click a column header to sort)</summary>{table}</details>')


def kpi_boxes(items: dict[str, Any]) -> str:
    return "".join(f'<span class="kpi"><b>{_html.escape(cell_text(v))}</b>{_html.escape(k)}</span>'
                   for k, v in items.items())


SORT_SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(function (th) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0], col = th.cellIndex;
    var up = th.dataset.dir !== 'asc'; th.dataset.dir = up ? 'asc' : 'desc';
    var key = function (tr) { var t = tr.cells[col] ? tr.cells[col].textContent.trim() : '';
      var s = t.replace(/\u2212/g, '-').replace(/^\\+/, '').replace(/[,%\\s]/g, '');
      return /^-?\\d*\\.?\\d+$/.test(s) ? parseFloat(s) : t; };
    Array.from(body.rows).sort(function (a, b) { var x = key(a), y = key(b);
      var c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
      return up ? c : -c; }).forEach(function (tr) { body.appendChild(tr); });
  });
});
"""
"""The page's table sorting (no library, no network): a header click sorts its column, numbers as numbers."""
