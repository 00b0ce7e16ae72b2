"""Plan drift: how the announced dates of missions and milestones moved as reports came in.

Two views, both from the packaged, dated claims (``data/missions.yaml``, every claim with its
``reported`` day):

* :func:`mission_drift` — for each mission flown by a scenario, every announced launch date
  against the day it was announced (and the actual launch, for flown missions). Luna-25:
  announced for 2014 (reported 2013-04-08), 2018 (2014-10-03), May 2022 (2021-08-20), flew
  2023-08-11.
* :func:`milestone_drift` — for each milestone, the day the nominal campaign reaches it when the
  study is replayed as known on each day a claim changed
  (:func:`ilrs.scenario.campaign_asof.scenario_as_known_on`): a forecast, computed, not quoted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from ilrs.campaign.engine import simulate_campaign
from ilrs.campaign.inputs import compile_campaign
from ilrs.scenario.campaign_catalogue import MissionSpec, nominal_day


@dataclass(frozen=True)
class ClaimPoint:
    """One announcement: a mission's planned launch date as published on ``reported``."""

    mission: str
    claim: str
    announced: str  # as published: YYYY, YYYY-MM or YYYY-MM-DD
    announced_day: dt.date  # its nominal day (year → 1 July, month → the 15th)
    reported: dt.date
    source: str
    launched: dt.date | None  # the actual launch, for a flown mission

    @property
    def slip_days(self) -> int | None:
        """Actual launch minus this announcement's nominal day (None while not flown)."""
        return None if self.launched is None else (self.launched - self.announced_day).days

    def as_dict(self) -> dict:
        out = asdict(self)
        out.update(announced_day=self.announced_day.isoformat(), reported=self.reported.isoformat(),
                   launched=self.launched.isoformat() if self.launched else None, slip_days=self.slip_days)
        return out


@dataclass(frozen=True)
class MilestonePoint:
    """A milestone's nominal date as the campaign known on ``known_on`` reaches it (None: not reached)."""

    milestone: str
    known_on: dt.date
    reached: dt.date | None
    target: dt.date | None

    def as_dict(self) -> dict:
        return {"milestone": self.milestone, "known_on": self.known_on.isoformat(),
                "reached": self.reached.isoformat() if self.reached else None,
                "target": self.target.isoformat() if self.target else None}


def mission_drift(missions: list[MissionSpec]) -> list[ClaimPoint]:
    """Every dated claim of each mission, in order of mission then reported day; a flown
    mission's ``flown`` claim (its launch day) included."""
    out = []
    for m in missions:
        for c in sorted(m.dates, key=lambda c: (c.reported_day or dt.date.max)):
            if c.reported_day is None:
                continue
            out.append(ClaimPoint(m.id, c.id, c.date, nominal_day(c.date), c.reported_day, c.source,
                                  m.launched))
    return out


def replay_days(scenario) -> list[dt.date]:
    """The days on which what the scenario's packaged missions announce changed (each claim's
    reported day), within the range a study can be replayed on (up to the scenario's own
    ``as_known_on`` day when it is a replay)."""
    from ilrs.scenario.campaign_asof import catalogue_reported_range, today_utc

    first, _ = catalogue_reported_range()
    last = scenario.campaign.as_known_on or today_utc()
    res = scenario.campaign.resolved()
    days = {c.reported_day for m in res.missions for c in m.dates if c.reported_day is not None}
    days |= {d for m in res.missions for d in (m.launched, m.arrived) if d is not None}
    return sorted(d for d in days if first <= d <= last)


def milestone_drift(scenario, days: list[dt.date] | None = None) -> list[MilestonePoint]:
    """Each milestone's nominal date in the study replayed as known on each of ``days``
    (default :func:`replay_days`). A milestone absent on a day (it needs a mission not yet
    announced) has no point that day."""
    from ilrs.scenario.campaign_asof import scenario_as_known_on

    out = []
    for day in days if days is not None else replay_days(scenario):
        replay = scenario_as_known_on(scenario, day)
        result = simulate_campaign(compile_campaign(replay.campaign, replay.uncertainties), None)
        for ms, reached in result.milestones.items():
            out.append(MilestonePoint(ms, day, reached, result.targets.get(ms)))
    return out


def plot_drift(claims: list[ClaimPoint], milestones: list[MilestonePoint], *, title: str = "Plan drift"):
    """Two panels: announced launch date against the day of announcement (one line per mission,
    ● per claim, ★ the actual launch), and each milestone's nominal date as known on each day.
    A point above the grey diagonal was announced for the future; the diagonal is 'now'."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.5), sharex=True)
    by_mission: dict[str, list[ClaimPoint]] = {}
    for c in claims:
        by_mission.setdefault(c.mission, []).append(c)
    for mission, points in by_mission.items():
        line, = ax1.step([p.reported for p in points], [p.announced_day for p in points], where="post",
                         marker="o", ms=4, lw=1.2, label=mission)
        if points[0].launched is not None:
            ax1.plot([points[0].launched], [points[0].launched], "*", color=line.get_color(), ms=11)
    by_ms: dict[str, list[MilestonePoint]] = {}
    for p in milestones:
        if p.reached is not None:
            by_ms.setdefault(p.milestone, []).append(p)
    for name, points in by_ms.items():
        ax2.step([p.known_on for p in points], [p.reached for p in points], where="post", marker=".",
                 lw=1.2, label=name)
    for ax in (ax1, ax2):
        lo, hi = ax.get_xlim()
        ax.plot([lo, hi], [lo, hi], color="#999", lw=0.8, ls=":")  # the day itself
        ax.set_xlim(lo, hi)
        ax.grid(alpha=0.3)
        ax.set_xlabel("date of announcement (as known on)")
        ax.legend(fontsize=6, ncol=2, loc="upper left")
    ax1.set_ylabel("announced launch date (★ actual launch)")
    ax1.set_title("Missions: announced date vs date of announcement", fontsize=10)
    ax2.set_ylabel("nominal date reached")
    ax2.set_title("Milestones: nominal campaign replayed as known on each day", fontsize=10)
    fig.suptitle(title)
    fig.autofmt_xdate()
    return fig
