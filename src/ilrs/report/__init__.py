"""Reports: the self-contained HTML report and summary.json of ``ilrs run``; the study it renders.

Public surface: :func:`build_report`; :mod:`ilrs.report.products` (:func:`compile_setup`,
:class:`RunProducts`: every layer's typed setup and each product once);
:func:`html_table`, :func:`kpi_boxes` (markup helpers).
"""

from ilrs.report.build import build_report
from ilrs.report.markup import html_table, kpi_boxes

__all__ = ["build_report", "html_table", "kpi_boxes"]
