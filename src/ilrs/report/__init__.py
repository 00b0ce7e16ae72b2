"""Reports: the self-contained HTML report and summary.json of ``ilrs run``; shared plot helpers."""

from ilrs.report.html import build_report, html_table, kpi_boxes

__all__ = ["build_report", "html_table", "kpi_boxes"]
