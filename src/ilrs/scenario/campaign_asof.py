"""A study as it could have been set up on a past day: only what had been published by then.

:func:`scenario_as_known_on` is the one place where a study is replayed "as known on" a day: the
campaign keeps the missions announced by then (each with its newest claim published by then,
:meth:`ilrs.scenario.campaign_catalogue.Catalogue.as_known_on`), past events only if they had
happened, and the milestones whose missions were known. The consortium layer applies the same
rule to the partner registry (:meth:`ilrs.consortium.Registry.as_known_on`).

The day must lie between the first claim of the packaged catalogue and today (the machine's UTC
date): before the first claim nothing was known; after today nothing can be.
"""

from __future__ import annotations

import datetime as dt

from ilrs.errors import InputError
from ilrs.scenario.campaign_catalogue import packaged_catalogue
from ilrs.scenario.loader import scenario_from_dict
from ilrs.scenario.model import Scenario


def today_utc() -> dt.date:
    """The machine's date in UTC: the latest day a study can be replayed as known on."""
    return dt.datetime.now(dt.timezone.utc).date()


def catalogue_reported_range() -> tuple[dt.date, dt.date]:
    """The first and the last day a claim of the packaged missions was reported."""
    days = [c.reported_day for m in packaged_catalogue().missions.values() for c in m.dates]
    return min(days), max(days)


def check_known_on(day: dt.date, option: str = "--as-known-on", first: dt.date | None = None) -> dt.date:
    """``day`` itself, or a one-line InputError when it lies before the first claim (``first``,
    default: the packaged catalogue's) or after today (UTC)."""
    first = first or catalogue_reported_range()[0]
    today = today_utc()
    if day < first or day > today:
        why = "before the first reported claim" if day < first else "in the future"
        raise InputError(f"{day} is {why}", field=option, allowed=f"{first} .. {today} (today, UTC)")
    return day


def scenario_as_known_on(scenario: Scenario, day: dt.date) -> Scenario:
    """The scenario replayed with only what had been published by the end of ``day``.

    Manifest: packaged missions with a claim reported by then (inline missions are the study's
    own and stay); each flies its newest claim known then (the scenario's ``date_claims`` were
    chosen later); milestones that need an unannounced mission are dropped. The result is a
    validated scenario whose ``campaign.as_known_on`` is ``day``."""
    check_known_on(day)
    known = packaged_catalogue().as_known_on(day).missions if scenario.campaign.catalogue else {}
    section = scenario.campaign
    inline = {m.id for m in section.missions}
    manifest = [mid for mid in section.manifest if mid in known or mid in inline]
    flown = set(manifest) | inline
    # only the fields the study gave: a default written out would change its meaning (an unset
    # site.height_m means "from the DEM", a written 0.0 puts the site on the sphere)
    raw = scenario.model_dump(mode="json", exclude_unset=True)
    camp = raw.setdefault("campaign", {})
    camp["as_known_on"] = day.isoformat()
    camp["manifest"] = manifest
    camp["date_claims"] = {mid: known[mid].dates[0].id for mid in manifest if mid in known and mid not in inline}
    camp["milestones"] = [ms for ms, spec in zip(camp.get("milestones", []), section.milestones)
                          if set(spec.condition.missions_succeeded) <= flown]
    _drop_unknown_names(raw.get("uncertainties") or {}, set(known) | inline, {ms["id"] for ms in camp["milestones"]})
    return scenario_from_dict(raw, file=f"{scenario.name} as known on {day}")


def _drop_unknown_names(unc: dict, missions: set[str], milestones: set[str]) -> None:
    """Uncertainties that name a mission not yet announced (or a milestone dropped with it) apply
    to nothing on that day: they are left out, as the missions are."""
    for group in ("landing_failure", "schedule_slip_days"):
        table = unc.get(group)
        if isinstance(table, dict):
            unc[group] = {k: v for k, v in table.items() if k == "default" or k in missions}
    if isinstance(unc.get("target_dates"), dict):
        unc["target_dates"] = {k: v for k, v in unc["target_dates"].items() if k in milestones}


def dropped_on(scenario: Scenario, day: dt.date) -> dict[str, list[str]]:
    """What :func:`scenario_as_known_on` leaves out on ``day``: missions not yet announced and
    milestones that need them."""
    replay = scenario_as_known_on(scenario, day)
    return {"missions": [m for m in scenario.campaign.manifest if m not in replay.campaign.manifest],
            "milestones": [ms.id for ms in scenario.campaign.milestones
                           if ms.id not in {x.id for x in replay.campaign.milestones}]}
