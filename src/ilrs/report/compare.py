"""``ilrs compare``: several studies side by side — the same figures from each study's products.

Each scenario is compiled once (:func:`ilrs.report.products.compile_setup`) and its products
(:class:`ilrs.report.products.RunProducts`: environment, downlink timeline, nominal campaign, one
operations run, the campaign Monte Carlo) are computed once; the figures are read from them
(:mod:`ilrs.report.compare_figures`) and paired by a stable id. A figure one scenario lacks (a
milestone the other program does not have) reads "—". :func:`ilrs.report.compare_write.write_comparison`
writes the report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ilrs.consortium.coalition import CoalitionSeries, coalition_growth, daily
from ilrs.consortium.registry import default_registry
from ilrs.consortium.timeline import SERIES_START
from ilrs.report.compare_figures import (NONE_TEXT, Fig, coalition_figures, crew_figures, energy_figures,
                                         milestone_figures, milestone_list, relay_figures, science_figures,
                                         site_figures)
from ilrs.report.compare_diff import input_diff
from ilrs.report.products import RunProducts, compile_setup
from ilrs.scenario import Scenario

DEFAULT_RISK_RUNS = 200
"""Monte Carlo runs per scenario unless ``--risk-runs`` says otherwise: about half a second for the
reference campaign; the 95 % interval of an on-time probability near 50 % is then about ±7 points."""

PRODUCT_STAGES = ("environment", "comms timeline", "campaign", "operations", "risk")
"""The products each scenario computes, in order (the progress bar's steps)."""

Stage = Callable[[str, str], None]


@dataclass(frozen=True)
class Cell:
    value: float | None
    text: str


@dataclass
class Row:
    """One paired figure: its id, label, unit, and each scenario's cell (by scenario label)."""

    figure: str
    label: str
    unit: str
    cells: dict[str, Cell]
    headline: bool = False

    @property
    def differs(self) -> bool:
        return len({(c.value, c.text) for c in self.cells.values()}) > 1


@dataclass
class Topic:
    key: str
    title: str
    note: str
    rows: list[Row]


@dataclass
class Member:
    """One compared study: how the user named it, its label in the report, its products."""

    source: str
    label: str
    products: RunProducts

    @property
    def scenario(self) -> Scenario:
        return self.products.setup.scenario


@dataclass
class Comparison:
    members: list[Member]
    risk_runs: int
    topics: list[Topic]
    coalition: dict[str, CoalitionSeries]
    milestones_by_scenario: dict[str, list[dict[str, Any]]]
    inputs: list[dict[str, Any]]

    @property
    def labels(self) -> list[str]:
        return [m.label for m in self.members]

    def topic(self, key: str) -> Topic:
        return next(t for t in self.topics if t.key == key)

    def headline(self) -> Topic:
        rows = [r for t in self.topics for r in t.rows if r.headline]
        return Topic("headline", "Headline figures", "The figures of the topics below marked as headline.", rows)


def member_labels(sources: Sequence[str], scenarios: Sequence[Scenario]) -> list[str]:
    """Each scenario's name; where two share one, the name with how the user gave it."""
    names = [s.name for s in scenarios]
    return [n if names.count(n) == 1 else f"{n} ({src})" for n, src in zip(names, sources)]


def make_members(sources: Sequence[str], scenarios: Sequence[Scenario], risk_runs: int,
                 stage: Stage | None = None) -> list[Member]:
    """Compile each scenario once; the products are computed when first read."""
    labels = member_labels(sources, scenarios)
    out = []
    for src, label, s in zip(sources, labels, scenarios):
        hook = (lambda name, _l=label: stage(_l, name)) if stage else None
        out.append(Member(src, label, RunProducts(compile_setup(s), risk_runs=risk_runs, stage=hook)))
    return out


def _pair(per_member: dict[str, list[Fig]]) -> list[Row]:
    """Rows by figure id, in order of first appearance; a missing figure reads "—"."""
    rows: dict[str, Row] = {}
    for label, figs in per_member.items():
        for f in figs:
            row = rows.setdefault(f.figure, Row(f.figure, f.label, f.unit, {}, f.headline))
            row.cells[label] = Cell(None if f.value is None else float(f.value), f.text)
    for row in rows.values():
        for label in per_member:
            row.cells.setdefault(label, Cell(None, NONE_TEXT))
        row.cells = {label: row.cells[label] for label in per_member}
    return list(rows.values())


TOPICS: tuple[tuple[str, str, str], ...] = (
    ("coalition", "Coalition",
     "Who is in each program's coalition (Scenario.coalition). ILRS: members certainly joined by the day; "
     "Artemis Accords: the last reported count, a lower bound (≥) between reports."),
    ("milestones", "Milestones and their on-time probability",
     "Matched by milestone id. Nominal: nothing fails or slips. P(on time): share of Monte Carlo runs reaching "
     "the milestone by its target, with the 95 % Wilson interval; dates p10/p50/p90 over the runs."),
    ("crew", "Crew: first landing, continuous presence, crew-days",
     "First crewed landing: the first crew stay of the nominal campaign, and the Monte Carlo dates of the "
     "milestone whose condition is one crewed landing. Continuous presence: the first day from which crew stays "
     "follow one another without a gap to the end of the span. Crew-days: the operations run."),
    ("site", "Site: Sun and Earth",
     "Hourly over each study's span on the scenario's horizon. Point values: this environment layer gives no "
     "terrain range for these figures (the coarse DEM cannot resolve near-field relief; see the main report's "
     "published figures per site)."),
    ("relays", "Relays and the link to Earth",
     "The downlink timeline over the whole span, hourly, relays in the analytic mode (the timeline the "
     "operations run reads): available when the relay path or direct-to-Earth gives a rate."),
    ("energy", "Energy margins",
     "One operations run (the scenario's seed; failures drawn), its window and the nominal campaign's elements."),
    ("science", "Science returned per partner",
     "Data returned to Earth over the operations window, by owner of the instrument."),
)


def _figures(member: Member, topic: str, series: CoalitionSeries, common_day: dt.date) -> list[Fig]:
    p = member.products
    return {"coalition": lambda: coalition_figures(p, series, common_day), "milestones": lambda: milestone_figures(p),
            "crew": lambda: crew_figures(p), "site": lambda: site_figures(p),
            "relays": lambda: relay_figures(p), "energy": lambda: energy_figures(p),
            "science": lambda: science_figures(p)}[topic]()


def coalition_days(members: Sequence[Member]) -> list[dt.date]:
    """The chart's days: from 2020 (the first Accords signings) to the dataset's last dated fact,
    or a later study start."""
    end = max([default_registry().last_dated_fact()] + [m.scenario.span.start for m in members])
    return daily(min([SERIES_START] + [m.scenario.span.start for m in members]), end)


def compare_members(members: list[Member], risk_runs: int, topics: Sequence[str] | None = None) -> Comparison:
    """Pair the members' figures topic by topic (``topics``: a subset of :data:`TOPICS` keys)."""
    days = coalition_days(members)
    by_coalition = {c: coalition_growth(c, days) for c in dict.fromkeys(m.scenario.coalition for m in members)}
    series = {m.label: by_coalition[m.scenario.coalition] for m in members}
    common_day = min(m.scenario.span.start for m in members)  # coalitions are counted on one day
    out = []
    for key, title, note in TOPICS:
        if topics is not None and key not in topics:
            continue
        out.append(Topic(key, title, note, _pair({m.label: _figures(m, key, series[m.label], common_day)
                                                  for m in members})))
    listing = ({m.label: milestone_list(m.products) for m in members}
               if topics is None or "milestones" in topics else {})
    diff = input_diff([m.scenario.model_dump(mode="json") for m in members], [m.label for m in members],
                      [m.scenario.model_dump(mode="json", exclude_unset=True) for m in members])
    return Comparison(members, risk_runs, out, series, listing, diff)


def compare_scenarios(sources: Sequence[str], scenarios: Sequence[Scenario], *, risk_runs: int = DEFAULT_RISK_RUNS,
                      stage: Stage | None = None) -> Comparison:
    """Compile and compare ``scenarios`` (``sources``: how the user named each)."""
    members = make_members(sources, scenarios, risk_runs, stage)
    for m in members:  # each product once, in a fixed order (the progress bar follows it)
        p = m.products
        p.environment, p.downlink, p.campaign, p.operations, p.risk  # noqa: B018
    return compare_members(members, risk_runs)
