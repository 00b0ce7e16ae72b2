"""Print the fuzz summary (cases, ok / exit 0, clean errors, tracebacks, time-outs per file) at the end."""

from __future__ import annotations

from tests.fuzz.harness import COUNTER, full_campaign


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not COUNTER.counts:
        return
    tr = terminalreporter
    tr.section(f"fuzz summary ({'full campaign' if full_campaign() else 'quick slice'})")
    for line in COUNTER.table():
        tr.write_line(line)
    for where, found in sorted(COUNTER.findings.items()):
        for detail in found[:10]:
            tr.write_line(f"  {where}: {detail}")
