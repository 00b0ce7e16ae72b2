"""Build the engine's plain inputs from a scenario and the lower layers' results.

* Sunlight: the environment layer's :func:`ilrs.environment.sun_earth_azel` on the operations
  grid (visible solar fraction against the site's horizon, Sun distance, azimuth/elevation).
* Downlink: the comms layer's rate timeline when it offers one; otherwise direct-to-Earth at
  ``operations.data.direct_to_earth_kbps`` while the Earth is above the horizon (recorded as such).
* Elements, crew stays, deliveries: the campaign layer's :class:`CampaignResult` when given (or
  built through the campaign API), with the scenario's ``operations`` section on top (its element
  specs win for elements both name; its stays and deliveries are added); without a campaign, the
  ``operations`` section alone. Deliveries dated before the window start arrive at its start;
  stays that began before it count from it. Campaign crew stays count only at this station (the
  scenario's site, or the campaign's generic ``south-pole``; :func:`at_station`).

Whatever is used is recorded in :attr:`BuiltInputs.sources` so that reports can say it.
A product already computed by an earlier report section (``ctx.products``) may be passed in; it is
resampled onto the operations grid (linear interpolation in time) where it covers it, and the rest of
the grid (e.g. operations years past the scenario span) is computed through the layer's API — a
product is never extrapolated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ilrs.errors import ComputationError, InputError
from ilrs.operations.model import (
    CrewStay,
    Delivery,
    ElementActivation,
    ElementParams,
    ExperimentParams,
    NuclearParams,
    OperationsInputs,
    OperationsParams,
    SolarArrayParams,
)
from ilrs.operations.params import params_from_section, role_failure, seconds_since

AU_M = 149_597_870_700.0  # IAU 2012 Resolution B2 (exact)
ROLE_AREA = {"lander": "lunar-physics-chemistry", "research": "lunar-physics-chemistry",
             "mobility": "lunar-physics-chemistry", "observatory": "astronomy", "isru": "technology",
             "command": "technology", "comms": "technology", "energy": "technology",
             "habitation": "medicine", "life-support": "medicine"}
"""Research area of the data a campaign element produces (the campaign gives only a rate)."""
ROLE_MAP = {"energy": "power", "comms": "comms", "mobility": "mobility", "lander": "science",
            "research": "science", "observatory": "science", "isru": "science", "habitation": "habitat",
            "life-support": "life-support"}
"""Campaign element roles → operations roles (the rest: generic)."""
SITE_NODE = "south-pole"
"""Campaign elements at this node are the station's; orbiters, relays and other nodes are not."""


@dataclass(frozen=True)
class BuiltInputs:
    inputs: OperationsInputs
    params: OperationsParams
    sources: dict[str, str] = field(default_factory=dict)
    darkness: np.ndarray | None = None  # visible solar fraction < 1e-3 per step (for plots)
    earth_visible: np.ndarray | None = None
    start_date: dt.date | None = None


def operations_window(scenario, start: dt.date | None = None, years: float | None = None) -> tuple[dt.date, float]:
    """Start date and length in days: CLI option, else ``operations.start/years``, else the span."""
    ops = scenario.operations
    s = start or ops.start or scenario.span.start
    if years is not None:
        days = years * 365.25
    elif ops.years is not None:
        days = ops.years * 365.25
    else:
        days = float((scenario.span.end - s).days)
    if days <= 0:
        raise InputError(f"the operations window starting {s} is empty (span ends {scenario.span.end})",
                         field="operations.start")
    return s, days


def _ns(times: Any) -> np.ndarray:
    return np.asarray(times).astype("datetime64[ns]").astype(np.int64)


def _covered(times_ns: np.ndarray, src_times: Any) -> np.ndarray:
    """Which grid times lie within a product's time range (it is interpolated there, never beyond)."""
    src = _ns(src_times)
    if src.size == 0:
        return np.zeros(times_ns.shape, bool)
    return (times_ns >= src.min()) & (times_ns <= src.max())


def _outside_blocks(times: np.ndarray, inside: np.ndarray):
    """The grid's runs of times a product does not cover (before its start, after its end), each as
    a regular grid of at least two instants (the layers' APIs need a step) and the count to keep."""
    t = np.asarray(times).astype("datetime64[ns]")
    step = t[1] - t[0] if t.size > 1 else np.timedelta64(3600, "s")
    edges = np.diff(np.r_[0, (~inside).astype(np.int8), 0])
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        block = t[a:b] if b - a > 1 else np.array([t[a], t[a] + step])
        yield slice(a, b), block, b - a


def _resample(times_ns: np.ndarray, src_times: Any, values: Any) -> np.ndarray:
    """Linear interpolation of a product onto ``times_ns``; every time must lie within its range."""
    src = _ns(src_times)
    v = np.asarray(values, dtype=float)
    if len(src) == len(times_ns) and np.array_equal(src, times_ns):
        return v
    if times_ns.size and (src.size == 0 or times_ns.min() < src.min() or times_ns.max() > src.max()):
        span = f"{np.datetime64(int(src.min()), 'ns')}..{np.datetime64(int(src.max()), 'ns')}" if src.size else "empty"
        raise ComputationError(f"a product covering {span} cannot give values at "
                               f"{np.datetime64(int(times_ns.min()), 'ns')}..{np.datetime64(int(times_ns.max()), 'ns')}")
    return np.interp(times_ns.astype(np.float64), src.astype(np.float64), v)


def sky_on_grid(scenario, times: np.ndarray, product: Any = None) -> tuple[dict[str, np.ndarray], str]:
    """Sun and Earth quantities on ``times`` from an environment product or the environment API."""
    track = None
    label = ""
    if product is not None:
        track = product
        for attr in ("track", "sky"):  # an EnvironmentTimeline carries its SkyTrack as .track
            if getattr(product, attr, None) is not None:
                track = getattr(product, attr)
                break
        if not hasattr(track, "visible_solar_fraction"):
            track = None
        else:
            label = "environment product of this run"
    if track is None:
        track, label = _api_track(scenario, times)
    ns = _ns(times)
    names = ("visible_solar_fraction", "sun_distance_m", "sun_azimuth_deg", "sun_elevation_deg")
    inside = _covered(ns, track.times)
    out = {name: np.empty(ns.size) for name in names}
    ev = np.empty(ns.size, bool)
    if inside.any():
        for name in names:
            out[name][inside] = _resample(ns[inside], track.times, getattr(track, name))
        ev[inside] = _resample(ns[inside], track.times, np.asarray(track.earth_visible, dtype=float)) >= 0.5
    if not inside.all():  # the product ends (or starts) inside the grid: the rest from the layer's API
        for sl, block, keep in _outside_blocks(times, inside):
            rest, _ = _api_track(scenario, block)
            for name in names:
                out[name][sl] = np.asarray(getattr(rest, name), dtype=float)[:keep]
            ev[sl] = np.asarray(rest.earth_visible, dtype=bool)[:keep]
        label += f"; {int((~inside).sum())} steps outside it from the environment layer"
    out["earth_visible"] = ev
    return out, label


def _api_track(scenario, times: np.ndarray, mast_height_m: float | None = None):
    """The environment layer's Sun/Earth track at the scenario's site and horizon on ``times``, seen
    from ``mast_height_m`` (None: the site's own mast; the terrain horizon depends on the height)."""
    from ilrs import environment as env

    site = env.site_from_spec(scenario.site)
    if mast_height_m is not None:
        site = site.with_mast(mast_height_m)
    kind = scenario.site.horizon
    horizon = env.horizon_for_site(site, kind)
    label = f"environment: {site.name}, horizon {kind}"
    return env.sun_earth_azel(site, times, horizon), label


def masts_on_grid(scenario, times: np.ndarray, site_fraction: np.ndarray) -> dict[float, np.ndarray]:
    """Visible solar fraction at each distinct ``mast_height_m`` of the scenario's solar arrays,
    computed once per height through the environment layer (the site seen from that height, with
    its own terrain horizon); the site's own mast height reuses ``site_fraction``."""
    heights = sorted({a.mast_height_m for a in scenario.operations.power.solar_arrays if a.mast_height_m is not None})
    out = {}
    for h in heights:
        if h == float(scenario.site.mast_height_m):
            out[h] = site_fraction
        else:
            out[h] = np.asarray(_api_track(scenario, times, h)[0].visible_solar_fraction, dtype=float)
    return out


def downlink_on_grid(scenario, times: np.ndarray, earth_visible: np.ndarray, product: Any = None) -> tuple[np.ndarray, str]:
    """Achievable site → Earth rate (bit/s) on ``times``."""
    ns = _ns(times)
    for candidate in (product,):
        if candidate is None:
            continue
        rate = getattr(candidate, "downlink_rate_bps", None)
        t = getattr(candidate, "times", None)
        if rate is None and isinstance(candidate, dict):
            rate, t = candidate.get("downlink_rate_bps"), candidate.get("times")
        if rate is not None and t is not None:
            inside = _covered(ns, t)
            out = np.empty(ns.size)
            if inside.any():
                out[inside] = _resample(ns[inside], t, rate)
            if inside.all():
                return out, "comms product of this run"
            # the product ends (or starts) inside the grid: the rest through the comms layer's API
            rest_label = ""
            for sl, block, keep in _outside_blocks(times, inside):
                ev = earth_visible[sl] if keep > 1 else np.r_[earth_visible[sl], earth_visible[sl]]
                rest, rest_label = downlink_on_grid(scenario, block, ev)
                out[sl] = rest[:keep]
            return out, f"comms product of this run; {int((~inside).sum())} steps outside it from {rest_label}"
    try:  # the comms layer's timeline, when it exists
        from ilrs import comms
        fn = getattr(comms, "downlink_rate_timeline", None)
        if fn is None:
            from ilrs.comms.analysis import downlink_rate_timeline as fn
        if fn is not None:
            tl = fn(scenario, times)
            return _resample(ns, tl.times, tl.downlink_rate_bps), "comms: relay and direct-to-Earth links"
    except ImportError:  # pragma: no cover
        pass
    dte = scenario.operations.data.direct_to_earth_kbps * 1e3
    return np.where(earth_visible, dte, 0.0), (
        f"direct-to-Earth only: {dte / 1e3:g} kbit/s while the Earth is above the horizon (no comms timeline)")


def _scenario_stays(section, s0: dt.date) -> tuple[CrewStay, ...]:
    return tuple(CrewStay(seconds_since(s0, c.arrival), seconds_since(s0, c.departure), tuple(c.crew))
                 for c in section.crew.stays)


def _scenario_deliveries(section, s0: dt.date) -> tuple[Delivery, ...]:
    return tuple(Delivery(seconds_since(s0, d.date), {"oxygen": d.oxygen_kg, "water": d.water_kg, "food": d.food_kg},
                          dict(d.spares)) for d in section.crew.deliveries)


def _nominal_campaign(scenario):
    manifest = getattr(scenario.campaign, "manifest", None)
    if not manifest:
        return None
    try:
        from ilrs.campaign import nominal_campaign
    except ImportError:  # pragma: no cover - the campaign layer is part of the package
        return None
    return nominal_campaign(scenario)


def _owner_partners() -> dict[str, str]:
    """Agency id → the state it belongs to (``cnsa`` → ``china``), from the consortium registry."""
    from ilrs.consortium import default_registry

    reg = default_registry()
    states = {p.country: p.id for p in reg.parties.values() if p.kind == "state"}
    return {p.id: states[p.country] for p in reg.parties.values()
            if p.kind != "state" and p.country in states and p.kind == "agency"}


def _date_s(start: dt.date, d: dt.date | None) -> float:
    return math.inf if d is None else seconds_since(start, d)


def build_inputs(scenario, *, start: dt.date | None = None, years: float | None = None,
                 step_hours: float | None = None, environment: Any = None, comms: Any = None,
                 campaign: Any = "nominal") -> BuiltInputs:
    """Inputs and parameters of one operations run of ``scenario`` (see the module docstring).

    ``campaign``: a :class:`~ilrs.campaign.CampaignResult`; ``"nominal"`` (default) runs the
    campaign layer's nominal campaign when the scenario has a manifest; ``None`` uses only the
    scenario's ``operations`` section.
    """
    from ilrs.environment import SOLAR_CONSTANT_W_M2, time_grid

    ops = scenario.operations
    s0, days = operations_window(scenario, start, years)
    step_s = (step_hours or ops.step_hours) * 3600.0
    times = time_grid(s0, days=days, step_s=step_s)
    sky, sky_label = sky_on_grid(scenario, times, environment)
    rate, rate_label = downlink_on_grid(scenario, times, sky["earth_visible"], comms)
    irradiance = SOLAR_CONSTANT_W_M2 * (AU_M / sky["sun_distance_m"]) ** 2  # as the environment layer's
    sources = {"sunlight": sky_label, "downlink": rate_label}
    by_mast = masts_on_grid(scenario, times, sky["visible_solar_fraction"])
    if by_mast:
        sources["sunlight"] += "; arrays on their own masts: " + ", ".join(f"{h:g} m" for h in sorted(by_mast))
    inputs = OperationsInputs(
        start=np.datetime64(s0, "s"), step_s=step_s, solar_irradiance_w_m2=irradiance,
        visible_solar_fraction=sky["visible_solar_fraction"], downlink_rate_bps=rate,
        sun_azimuth_deg=sky["sun_azimuth_deg"], sun_elevation_deg=sky["sun_elevation_deg"],
        visible_solar_fraction_at_mast_m=by_mast)
    built = BuiltInputs(inputs, params_from_section(ops, start=s0), sources,
                        darkness=sky["visible_solar_fraction"] < 1e-3, earth_visible=sky["earth_visible"],
                        start_date=s0)
    if isinstance(campaign, str):
        campaign = _nominal_campaign(scenario) if campaign == "nominal" else None
    return with_campaign(built, scenario, campaign)


def with_campaign(built: BuiltInputs, scenario, campaign: Any) -> BuiltInputs:
    """The same sunlight and link arrays with the elements, crew stays and deliveries of another
    campaign (a Monte Carlo run): nothing geometric is recomputed. ``campaign=None``: the
    scenario's ``operations`` section alone."""
    ops = scenario.operations
    s0 = built.start_date
    params = params_from_section(ops, start=s0)
    sources = dict(built.sources)
    if campaign is not None:
        params, activations, stays, deliveries = _from_campaign(campaign, params, s0, ops, scenario.site.name)
        elsewhere = [c for c in campaign.crew_stays if not at_station(getattr(c, "site", None), scenario)]
        if elsewhere:
            sources["crew"] = (f"{len(elsewhere)} campaign crew stay(s) at other sites left out: "
                               + ", ".join(f"{c.mission} ({c.site})" for c in elsewhere))
        sources["elements"] = ("campaign result (operational and end-of-life dates, crew stays, deliveries) "
                               "+ the scenario's element specs, crew stays and deliveries")
        listed = {e.name for e in ops.elements}
        by_role = sorted(e.name for e in params.elements if e.name not in listed and e.failure is not None)
        if by_role:
            sources["failures"] = (f"{len(by_role)} campaign element(s) not in the operations section fail by the "
                                   "default model of their role (operations.failure_by_role, else "
                                   "ops_defaults.yaml: assumption): " + ", ".join(by_role))
        deliveries = tuple(sorted(deliveries + _scenario_deliveries(ops, s0), key=lambda d: d.time_s))
        stays = tuple(sorted(stays + _scenario_stays(ops, s0), key=lambda c: c.arrival_s))
    else:
        activations = tuple(ElementActivation(e.name, _date_s(s0, e.operational_from) if e.operational_from else 0.0)
                            for e in ops.elements)
        stays = _scenario_stays(ops, s0)
        deliveries = _scenario_deliveries(ops, s0)
        sources["elements"] = "scenario operations section (operational_from, crew.stays, crew.deliveries)"
    inputs = dataclasses.replace(built.inputs, activations=tuple(activations), crew_stays=stays,
                                 deliveries=deliveries)
    return dataclasses.replace(built, inputs=inputs, params=params, sources=sources)


def at_station(site: str | None, scenario_or_name) -> bool:
    """Whether a campaign crew stay at ``site`` is at this station: the scenario's site, the
    south-pole region the campaign names generically (``south-pole``), or no site given. Stays at
    other nodes (``equator``, ``far-side`` …) consume nothing here."""
    name = scenario_or_name if isinstance(scenario_or_name, str) else scenario_or_name.site.name
    return site is None or site in (name, SITE_NODE)


def _from_campaign(campaign, params: OperationsParams, s0: dt.date, section, site: str = SITE_NODE):
    """Merge a CampaignResult: its dates rule; the scenario's element specs (priority, failures,
    experiments) win where both name an element; campaign-only elements join the station's bus only
    when they are part of the permanent base at the site node (``base: true``: a visiting lander or
    its rover has its own power and is not the base's load) and get their loads and data
    rate from the campaign's element spec and a failure model by role
    (:func:`~ilrs.operations.params.role_failure`: the scenario's ``failure_by_role``, else the
    labelled assumption of ``ops_defaults.yaml``)."""
    from ilrs.environment import SOLAR_CONSTANT_W_M2

    spec = {e.name: e for e in params.elements}
    elements = list(params.elements)
    experiments = list(params.experiments)
    activations = []
    arrays = list(params.solar_arrays)
    nuclear = list(params.nuclear)
    owners = _owner_partners()
    for eid, rec in campaign.elements.items():
        if eid not in spec and (getattr(rec, "node", SITE_NODE) != SITE_NODE or not getattr(rec, "base", True)):
            continue  # orbiters, other nodes, and visiting landers with their own power (Luna-27, rovers)
        if rec.operational is None:  # lost or never delivered in this run: listed, never operating (so
            activations.append(ElementActivation(eid, math.inf))  # every run has the same elements)
        else:
            activations.append(ElementActivation(eid, seconds_since(s0, rec.operational),
                                                 _date_s(s0, rec.end_of_life)))
        if eid in spec:
            continue
        owner = owners.get(rec.owner, rec.owner)
        surv, nom, sci = (float(x) * 1e3 for x in rec.power_kw)
        nom, sci = max(nom, surv), max(sci, nom, surv)
        role = ROLE_MAP.get(rec.role, "generic")
        elements.append(ElementParams(eid, owner=owner, role=role, priority=5,
                                      survival_w=surv, nominal_w=nom, science_w=sci,
                                      failure=role_failure(role, section)))
        if rec.data_kbps and rec.data_kbps > 0:
            experiments.append(ExperimentParams(f"{eid}-data", eid, owner, ROLE_AREA.get(rec.role, "technology"),
                                                rec.data_kbps * 1e3))
        if rec.generation_kw and rec.generation_kw > 0:
            if "solar" in eid:  # rated output at normal incidence, 1 au: area x efficiency = P / S0
                arrays.append(SolarArrayParams(f"{eid}-array", area_m2=rec.generation_kw * 1e3 / (0.3 * SOLAR_CONSTANT_W_M2),
                                               efficiency=0.3, degradation_per_year=0.01, element=eid))
            else:  # radioisotope and fission units: constant output
                nuclear.append(NuclearParams(f"{eid}-unit", rec.generation_kw * 1e3, element=eid))
    for e in section.elements:  # elements the campaign does not know keep the scenario's date
        if e.name not in campaign.elements:
            activations.append(ElementActivation(e.name, _date_s(s0, e.operational_from) if e.operational_from else 0.0))
    known = {e.name for e in elements}
    stays = tuple(CrewStay(seconds_since(s0, c.arrival), seconds_since(s0, c.departure), tuple(c.crew))
                  for c in campaign.crew_stays if at_station(getattr(c, "site", None), site))
    deliveries = tuple(Delivery(seconds_since(s0, d.date), {"oxygen": d.oxygen_kg, "water": d.water_kg,
                                                            "food": d.food_kg},
                                 {k: v for k, v in d.spares.items() if k in known})
                       for d in campaign.deliveries)
    params = dataclasses.replace(params, elements=tuple(elements), experiments=tuple(experiments),
                                 solar_arrays=tuple(arrays), nuclear=tuple(nuclear))
    return params, tuple(activations), stays, deliveries
