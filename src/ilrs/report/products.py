"""One study, computed once: every layer's typed setup, then the products the sections render.

:func:`compile_setup` is the scenario boundary: each layer compiles its own section here, once —

* environment: :func:`ilrs.environment.site_setup` → ``SiteSetup`` (site on its ground, horizon,
  the study grid: the span hourly);
* comms: :func:`ilrs.comms.comms_setup` → ``CommsSetup``;
* campaign: :func:`ilrs.campaign.compile_campaign` → ``CampaignInputs``;
* operations: :func:`ilrs.operations.operations_setup` → ``OperationsSetup``;
* risk: :func:`risk_setup` → :class:`ilrs.risk.StudySetup`.

:class:`RunProducts` then holds each product of the study, computed once, when first read: the
site's timelines (its own mast and every other mast the study needs), the representative comms
period, the downlink timeline on the study grid (reading the Earth's visibility from the
environment timeline), the nominal campaign, one operations run, the Monte Carlo. ``ilrs run``
renders the sections from it; ``ilrs ops`` and ``ilrs risk --ops`` go through the same functions,
so each command's figures equal the report's for the same scenario and seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import numpy as np

from ilrs.campaign import CampaignInputs, CampaignResult, compile_campaign, simulate_campaign
from ilrs.comms import (CommsResult, CommsSetup, DownlinkTimeline, analyze_period, comms_setup, downlink_on_grid,
                        downlink_timeline)
from ilrs.environment import EnvironmentProducts, SiteSetup, environment_products, site_setup
from ilrs.operations import BuiltInputs, OperationsSetup, build_inputs, operations_setup
from ilrs.comms.access import SurfacePoints
from ilrs.operations.study import OperationsRun
from ilrs.report.figure_cache import cached_arrays
from ilrs.risk import OperationsStudy, RiskResult, StudySetup
from ilrs.risk.setup import SUNLIGHT_POSITIONS, SunlightLevels
from ilrs.scenario import Scenario

Stage = Callable[[str], None]


@dataclass(frozen=True)
class RunSetup:
    """Every layer's typed inputs for one scenario, compiled once."""

    scenario: Scenario
    site: SiteSetup
    comms: CommsSetup
    campaign: CampaignInputs
    operations: OperationsSetup

    @property
    def seed(self) -> int:
        return int(self.scenario.seed)


def compile_setup(scenario: Scenario, *, ops_start: dt.date | None = None, ops_years: float | None = None,
                  ops_step_hours: float | None = None, constellation: list[str] | None = None) -> RunSetup:
    """The scenario boundary (the ``ops_*`` options are ``ilrs ops``'s overrides of the window)."""
    site = site_setup(scenario.site, scenario.span.start, scenario.span.end)
    ops = operations_setup(scenario.operations, span_start=scenario.span.start, span_end=scenario.span.end,
                           site_name=site.declared_site.name, start=ops_start, years=ops_years,
                           step_hours=ops_step_hours)
    return RunSetup(scenario, site, comms_setup(scenario.relays, constellation),
                    compile_campaign(scenario.campaign, scenario.uncertainties), ops)


def risk_setup(setup: RunSetup, operations: BuiltInputs | None = None,
               sunlight: SunlightLevels | None = None) -> StudySetup:
    """The risk layer's setup; ``operations`` (built once) makes it a campaign + operations study,
    ``sunlight`` (the visible solar fraction at positions within the horizon bounds) lets each run
    draw where in the range it stands."""
    scenario = setup.scenario
    ops = OperationsStudy(operations, setup.operations, sunlight) if operations is not None else None
    return StudySetup(name=scenario.name, seed=int(scenario.seed), uncertainties=scenario.uncertainties,
                      campaign=setup.campaign,
                      milestone_names={ms.id: (ms.name or ms.id) for ms in scenario.campaign.milestones},
                      identity=scenario.model_dump(mode="json"), operations=ops)


def operations_inputs(setup: RunSetup, environment: EnvironmentProducts, downlink: DownlinkTimeline,
                      campaign: CampaignResult | None) -> BuiltInputs:
    """The operations run's inputs from this study's products (the same path for every command)."""
    rate, label = downlink_on_grid(setup.comms, setup.site, setup.operations.times(), downlink)
    return build_inputs(setup.operations, environment, rate, label, campaign)


def sunlight_at(central: BuiltInputs, environment, setup: RunSetup, campaign: CampaignResult | None) -> BuiltInputs:
    """``central``'s inputs with the sunlight of ``environment`` (the products seen from a position
    within the horizon bounds): the link rates stay the central horizon's (relays and the Earth
    over the point horizon; the Earth-visibility range is the environment section's)."""
    inputs = central.inputs
    return build_inputs(setup.operations, environment, inputs.downlink_rate_bps, central.sources["downlink"], campaign)


def sunlight_levels(products: "RunProducts", positions=SUNLIGHT_POSITIONS) -> SunlightLevels | None:
    """The visible solar fraction on the operations grid at ``positions`` within the horizon bounds
    (0 optimistic … 1 pessimistic), for the risk study's runs to draw from; None without bounds."""
    env = products.environment
    if env.bounds() is None:
        return None
    times = products.setup.operations.times()
    masts = products.setup.operations.mast_heights_m
    fractions, by_mast = [], []
    for p in positions:
        view = env.at_position(p)
        fractions.append(np.asarray(view.track(times)[0].visible_solar_fraction, float))
        by_mast.append({h: np.asarray(view.track(times, h)[0].visible_solar_fraction, float) for h in masts})
    return SunlightLevels(tuple(float(p) for p in positions), tuple(fractions), tuple(by_mast))


class RunProducts:
    """What one study computes, each product once: on first use, then kept (a section that needs
    only the campaign computes no geometry). ``risk_runs`` 0: no Monte Carlo (``ilrs ops`` and
``ilrs risk`` build their products so; ``ilrs run`` always runs one); ``ops_seed``: the
    failure draws of the operations run (default the scenario's seed); ``ops_campaign`` False: the
    operations section alone dates the elements; ``stage(name)`` is called as each product starts
    (progress)."""

    def __init__(self, setup: RunSetup, *, risk_runs: int | None = None, stage: Stage | None = None,
                 ops_campaign: bool = True, ops_seed: int | None = None) -> None:
        self.setup = setup
        self.risk_runs = int(risk_runs if risk_runs is not None else setup.scenario.uncertainties.runs)
        self.ops_campaign = ops_campaign
        self.ops_seed = setup.seed if ops_seed is None else int(ops_seed)
        self._stage = stage or (lambda name: None)

    @cached_property
    def environment(self) -> EnvironmentProducts:
        """The site's timeline on the study grid, and one per mast its arrays stand on (other
        heights, e.g. a published figure's, are computed when first read)."""
        self._stage("environment")
        return environment_products(self.setup.site, self.setup.operations.mast_heights_m)

    @cached_property
    def downlink(self) -> DownlinkTimeline:
        """The downlink timeline on the study grid (Earth visibility read from the environment)."""
        tl = self.environment.timeline
        self._stage("comms timeline")
        return downlink_timeline(self.setup.comms, self.setup.site, tl.times, tl.track)

    @cached_property
    def comms_period(self) -> CommsResult:
        """The representative period (``relays.analysis_days`` at ``relays.step_s``)."""
        self._stage("comms period")
        return analyze_period(self.setup.comms, self.setup.site)

    @cached_property
    def coverage(self) -> tuple[SurfacePoints, dict] | None:
        """Relay coverage of 80-90°S over the representative period (``relays.coverage_*``; None
        without relays or with ``coverage_spacing_km`` 0), read back when its inputs are unchanged."""
        sec, res = self.setup.scenario.relays, self.comms_period
        if not res.relays or sec.coverage_spacing_km <= 0:
            return None
        self._stage("coverage")
        arrays = cached_arrays(coverage_arrays, res, spacing_km=sec.coverage_spacing_km,
                               min_elevation_deg=sec.min_elevation_deg, horizon=sec.coverage_horizon,
                               step_s=max(res.step_s, 300.0))
        fields = {k[4:]: v for k, v in arrays.items() if k.startswith("pts.")}
        points = SurfacePoints(**fields, names=tuple(str(n) for n in arrays.get("names", ())))
        return points, {k[4:]: v for k, v in arrays.items() if k.startswith("cov.")}

    @cached_property
    def campaign(self) -> CampaignResult:
        """The nominal campaign: nothing fails, nothing slips."""
        self._stage("campaign")
        return simulate_campaign(self.setup.campaign, None)

    @cached_property
    def operations_inputs(self) -> BuiltInputs:
        """Sunlight and link rates on the operations grid, with the nominal campaign's elements."""
        campaign = self.campaign if self.ops_campaign and self.setup.campaign.missions else None
        env, downlink = self.environment, self.downlink
        return operations_inputs(self.setup, env, downlink, campaign)

    @cached_property
    def operations(self) -> OperationsRun:
        """One operations run (failures drawn from ``ops_seed``), read back when its inputs are unchanged."""
        from ilrs.report.ops_cache import cached_operations

        built = self.operations_inputs
        self._stage("operations")
        return cached_operations(built, self.ops_seed)

    @cached_property
    def operations_range(self) -> dict[str, OperationsRun] | None:
        """The operations run at each end of the site's horizon bounds (``optimistic``,
        ``pessimistic``): the same campaign, seed and link rates, the sunlight seen against each
        bounding horizon — so every KPI has a range. None where the DEM decides (no bounds)."""
        if self.environment.bounds() is None:
            return None
        from ilrs.report.ops_cache import cached_operations

        central = self.operations_inputs
        campaign = self.campaign if self.ops_campaign and self.setup.campaign.missions else None
        self._stage("operations (horizon bounds)")
        runs = {}
        for end, position in (("optimistic", 0.0), ("pessimistic", 1.0)):
            built = sunlight_at(central, self.environment.at_position(position), self.setup, campaign)
            runs[end] = cached_operations(built, self.ops_seed)
        return runs

    @cached_property
    def risk(self) -> RiskResult | None:
        """The Monte Carlo of the campaign (None without milestones or with no runs asked for)."""
        if self.risk_runs <= 0 or not self.setup.campaign.milestones:
            return None
        from ilrs.report.risk_cache import cached_risk

        self._stage("risk")
        return cached_risk(risk_setup(self.setup), self.risk_runs)


def coverage_arrays(result: CommsResult, **options) -> dict[str, np.ndarray]:
    """:func:`ilrs.comms.analysis.coverage_map` as arrays (``pts.<field>``, ``cov.<figure>``, ``names``)."""
    import dataclasses

    from ilrs.comms.analysis import coverage_map

    pts, cov = coverage_map(result, **options)
    out = {f"pts.{f.name}": getattr(pts, f.name) for f in dataclasses.fields(pts)
           if f.name != "names" and getattr(pts, f.name) is not None}
    out["names"] = np.array(pts.names, dtype=str)
    out.update({f"cov.{k}": np.asarray(v) for k, v in cov.items()})
    return out


def operations_products(setup: RunSetup, *, seed: int | None = None, use_campaign: bool = True,
                        stage: Stage | None = None) -> OperationsRun:
    """``ilrs ops``: the operations run exactly as ``ilrs run`` computes it (the same products);
    ``seed`` replaces the scenario's for the failure draws."""
    return RunProducts(setup, risk_runs=0, stage=stage, ops_campaign=use_campaign, ops_seed=seed).operations


def risk_study(scenario: Scenario, ops: bool = False) -> StudySetup:
    """``ilrs risk``'s study: the scenario compiled once; with ``ops`` the operations inputs are
    built once from this study's products (nominal campaign; each run swaps in its own)."""
    setup = compile_setup(scenario)
    if not ops:
        return risk_setup(setup)
    products = RunProducts(setup, risk_runs=0)
    return risk_setup(setup, products.operations_inputs, sunlight_levels(products))
