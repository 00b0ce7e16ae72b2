"""Report section: the rival program beside this study — the headline figures of ``ilrs compare``.

The rival is the built-in reference scenario of the other coalition (:data:`RIVAL_OF`: an ILRS study
is set beside ``artemis-reference``, an Artemis Accords study beside ``ilrs-reference``), looked up
among the built-ins when the report runs; if this build has none, the section says so in one line.
This study's products are reused as they are (its Monte Carlo included); the rival's are computed
once, its Monte Carlo with as many runs as this study's, at most :data:`RIVAL_MAX_RISK_RUNS` (the
same precision on both sides: with one seed and one count, one campaign gives the same dates). The full comparison is written beside the
report (``compare/compare.html``) and linked. Options: ``rival`` — a scenario name or file to compare
with instead, or ``"none"`` to leave the rival out.
"""

from __future__ import annotations

import html as _html
import time

from ilrs.report.compare import Member, compare_members, member_labels
from ilrs.report.compare_write import write_comparison
from ilrs.report.markup import html_table
from ilrs.report.products import RunProducts, compile_setup
from ilrs.report.section import RunContext, Section
from ilrs.scenario import Scenario, load_scenario
from ilrs.scenario.loader import builtin_scenarios

RIVAL_OF = {"ilrs": "artemis-reference", "artemis-accords": "ilrs-reference"}
"""The built-in scenario each coalition is compared with."""

RIVAL_MAX_RISK_RUNS = 1000
"""At most this many Monte Carlo runs of the rival's campaign (about a second for a reference campaign)."""

COMPARE_DIR = "compare"
TITLE = "Rival program"


def _absent(message: str, rival: str | None) -> Section:
    return Section("rival", TITLE, f"<p>{_html.escape(message)}</p>", {"rival": rival, "compared": False}, [message])


def rival_scenario(scenario: Scenario, choice: str | None) -> tuple[str | None, Scenario | None, str]:
    """The rival's name as given, the scenario (None when there is none) and why not."""
    if choice == "none":
        return None, None, "Rival comparison switched off (option rival: none)."
    name = choice or RIVAL_OF.get(scenario.coalition)
    if name is None:
        return None, None, f"No rival scenario known for the coalition {scenario.coalition!r}."
    if choice is None and name not in builtin_scenarios():
        return name, None, f"No built-in rival scenario {name!r} in this build of ilrs: no rival comparison."
    if choice is None and name == scenario.name:
        return name, None, f"This study is the rival reference {name!r} itself."
    rival = load_scenario(name)
    day = scenario.campaign.as_known_on
    if day is not None:  # a replayed study meets its rival as known on the same day
        from ilrs.scenario.campaign_asof import scenario_as_known_on

        rival = scenario_as_known_on(rival, day)
    return name, rival, ""


def build(products: RunProducts, ctx: RunContext) -> Section:
    scenario = products.setup.scenario
    name, rival, why = rival_scenario(scenario, ctx.options.get("rival"))
    if rival is None:
        return _absent(why, name)
    t0 = time.perf_counter()
    labels = member_labels(["this study", str(name)], [scenario, rival])
    runs = min(products.risk_runs, RIVAL_MAX_RISK_RUNS)
    rival_products = RunProducts(compile_setup(rival), risk_runs=runs)
    members = [Member("this study", labels[0], products), Member(str(name), labels[1], rival_products)]
    comp = compare_members(members, runs)
    files = write_comparison(comp, ctx.out_dir / COMPARE_DIR)
    link = files["html"].relative_to(ctx.out_dir).as_posix()
    rows = comp.headline().rows
    table = [{"figure": r.label + (f", {r.unit}" if r.unit in ("h", "kWh", "Gbit") else ""),
              **{lab: r.cells[lab].text for lab in comp.labels}, "≠": "≠" if r.differs else ""} for r in rows]
    runs = {m.label: m.products.risk_runs for m in members}
    html = (f"<p>{_html.escape(labels[0])} ({scenario.coalition}) beside {_html.escape(labels[1])} "
            f"({rival.coalition}) on the headline figures. Monte Carlo runs: "
            + ", ".join(f"{_html.escape(k)} {v}" for k, v in runs.items())
            + f". Every topic, the coalition chart and the input differences: "
              f'<a href="{_html.escape(link)}">the full comparison</a>.</p>' + html_table(table))
    summary = {"rival": name, "compared": True, "link": link, "risk_runs": runs,
               "headline": {r.figure: {lab: r.cells[lab].text for lab in comp.labels} for r in rows},
               "elapsed_s": round(time.perf_counter() - t0, 3)}
    lines = [f"beside {labels[1]}: " + "; ".join(f"{r.label} {' vs '.join(r.cells[lab].text for lab in comp.labels)}"
                                                  for r in rows[:4]), f"full comparison: {link}"]
    return Section("rival", TITLE, html, summary, lines)
