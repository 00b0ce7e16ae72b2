"""HTML building blocks of the report's sections: tables and headline boxes, escaped."""

from __future__ import annotations

import html as _html
from typing import Any, Iterable, Sequence


def html_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None,
               headers: Sequence[str] | None = None, numeric: Iterable[str] = ()) -> str:
    """An escaped HTML table of ``rows`` (dicts)."""
    if not rows:
        return "<p><em>none</em></p>"
    columns = list(columns or rows[0].keys())
    headers = list(headers or columns)
    numeric = set(numeric)
    head = "".join(f"<th>{_html.escape(str(h))}</th>" for h in headers)
    body = []
    for r in rows:
        cells = []
        for c in columns:
            v = r.get(c, "")
            v = "" if v is None else v
            cls = ' class="num"' if c in numeric else ""
            cells.append(f"<td{cls}>{_html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def kpi_boxes(items: dict[str, Any]) -> str:
    return "".join(f'<span class="kpi"><b>{_html.escape(str(v))}</b>{_html.escape(k)}</span>'
                   for k, v in items.items())
