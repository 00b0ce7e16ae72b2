"""A scenario's campaign compiled once into plain data (:class:`CampaignInputs`).

The typed entry point is :func:`compile_campaign` (the campaign section and the uncertainties
section); :func:`campaign_inputs` checks a bare section's references first. The result holds tuples,
dicts and floats only (and the uncertainties section a sampled run draws from), so that each run
of :func:`ilrs.campaign.simulate_campaign` needs no pydantic and no pandas.

Default parameters of a run without overrides: a vehicle's launch-failure probability is the mean
of its ``uncertainties.launch_failure`` distribution (with ``from_record``, the prior updated by
the vehicle's own record), else its flight record's Jeffreys posterior mean, else
``campaign.new_vehicle_launch_failure``; a landing's is the mean of ``landing_failure``, else
``campaign.landing_failure``; a stand-down is the mean of ``stand_down_days``, else
``campaign.stand_down_days``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from ilrs.errors import ScenarioError
from ilrs.scenario.campaign import CampaignSection, ElementSpec, MissionSpec, ResolvedCampaign
from ilrs.campaign.slip_history import resolve_history_slips
from ilrs.scenario.uncertainties import (BetaDist, FixedDist, LognormalDist, NormalDist, TriangularDist,
                                         UncertaintiesSection, UniformDist)

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class _Mission:
    id: str
    name: str
    kind: str
    lead: str
    site: str | None
    vehicles: tuple[str, ...]
    families: tuple[int, ...]
    planned: float
    transfer: float
    lands: bool
    elements: tuple[int, ...]
    element_ids: tuple[str, ...]
    requires: tuple[int, ...]
    reflight: bool
    crew: tuple[str, ...]
    surface_days: float
    cargo: tuple[float, float, float, tuple[tuple[str, int], ...]] | None
    past: tuple[float, float | None, str] | None  # (launch, arrival, outcome) of a flown mission


@dataclass(frozen=True)
class _Milestone:
    id: str
    target: dt.date | None
    all_op: tuple[int, ...]
    any_op: tuple[int, ...]
    roles: tuple[tuple[int, ...], ...]  # per role: the base elements having it
    base_count: int
    base_elements: tuple[int, ...]
    missions: tuple[int, ...]
    crewed: int


@dataclass(frozen=True)
class CampaignInputs:
    """A scenario's campaign compiled into plain data (build with :func:`compile_campaign`)."""

    missions: tuple[_Mission, ...]
    mission_index: dict[str, int]
    vehicles: tuple[str, ...]
    vehicle_family: dict[str, int]
    families: tuple[str, ...]
    # elements
    element_ids: tuple[str, ...]
    element_static: tuple[tuple[Any, ...], ...]  # (name, role, owner, mass, power, gen, data, deps, base, node)
    element_deploy: tuple[float, ...]
    element_life: tuple[float, ...]  # days; inf without a design life
    element_deps: tuple[tuple[int, ...], ...]
    element_order: tuple[int, ...]  # topological
    milestones: tuple[_Milestone, ...]
    # default parameters
    p_launch: dict[str, float]  # per vehicle
    p_landing: tuple[float, ...]  # per mission
    stand_down: dict[str, float]  # per vehicle
    reflight_enabled: bool
    reflight_lead: float
    max_attempts: int
    slip_dists: tuple[Any, ...]  # per mission: a Distribution or None
    slip_correlation: float
    stand_down_dists: dict[str, Any]  # per vehicle: a Distribution or None
    # what a sampled run draws from (ilrs.campaign.sampling)
    uncertainties: UncertaintiesSection
    vehicle_records: dict[str, tuple[int, int] | None]  # per vehicle: (failures, flights) or None


def _mean(d) -> float:
    if isinstance(d, FixedDist):
        return float(d.value)
    if isinstance(d, BetaDist):
        return d.mean
    if isinstance(d, (UniformDist,)):
        return 0.5 * (d.low + d.high)
    if isinstance(d, TriangularDist):
        return (d.low + d.mode + d.high) / 3.0
    if isinstance(d, NormalDist):
        return float(min(max(d.mean, d.low if d.low is not None else -math.inf),
                         d.high if d.high is not None else math.inf))
    if isinstance(d, LognormalDist):
        return d.median * math.exp(0.5 * d.sigma ** 2) + d.shift
    raise TypeError(type(d).__name__)


def compile_campaign(section: CampaignSection, uncertainties: UncertaintiesSection | None = None) -> CampaignInputs:
    """Compile a campaign section (references already checked, as :func:`ilrs.scenario.load_scenario`
    does) and the study's uncertainties (None: none) into :class:`CampaignInputs`."""
    # from-history: the fitted lognormal, learned from the record as known when the plan was (a replay)
    unc = resolve_history_slips(uncertainties or UncertaintiesSection(), section.as_known_on)
    res = section.resolved()
    elem_ids = _study_elements(section, res)
    eidx = {e: i for i, e in enumerate(elem_ids)}
    specs = [res.elements[e] for e in elem_ids]
    deps = tuple(tuple(eidx[d] for d in s.depends_on) for s in specs)
    vehicles = tuple(sorted(res.vehicles))
    families = tuple(sorted({v.family_id for v in res.vehicles.values()}))
    vfam = {v: families.index(res.vehicles[v].family_id) for v in vehicles}
    midx = {m.id: i for i, m in enumerate(res.missions)}
    missions = tuple(_compile_mission(m, section, eidx, midx, vfam) for m in res.missions)
    p_launch, stand_down, sd_dists = _vehicle_parameters(section, unc, res)
    static = tuple((s.name or s.id, s.role, s.owner, s.mass_kg,
                    (s.power.survival_kw, s.power.nominal_kw, s.power.science_kw), s.generation_kw, s.data_kbps,
                    tuple(s.depends_on), s.base, s.node) for s in specs)
    return CampaignInputs(
        missions=missions, mission_index=midx, vehicles=vehicles, vehicle_family=vfam, families=families,
        element_ids=elem_ids, element_static=static, element_deploy=tuple(s.deploy_days for s in specs),
        element_life=tuple(s.design_life_years * DAYS_PER_YEAR if s.design_life_years else math.inf for s in specs),
        element_deps=deps, element_order=_topological_order(deps),
        milestones=_compile_milestones(section, unc, specs, eidx, midx),
        p_launch=p_launch,
        p_landing=tuple(_landing_probability(section, unc, m) for m in res.missions),
        stand_down=stand_down,
        reflight_enabled=section.reflight.enabled, reflight_lead=section.reflight.lead_time_days,
        max_attempts=section.reflight.max_attempts,
        slip_dists=tuple(unc.for_name("schedule_slip_days", m.id) if m.status == "planned" else None
                         for m in res.missions),
        slip_correlation=unc.schedule_slip_correlation, stand_down_dists=sd_dists, uncertainties=unc,
        vehicle_records={vid: (v.record.failures, v.record.flights) if v.record is not None else None
                         for vid, v in res.vehicles.items()})


def campaign_inputs(section: CampaignSection, uncertainties: UncertaintiesSection | None = None) -> CampaignInputs:
    """:func:`compile_campaign` of a bare section that no scenario has validated: its references
    (catalogue missions, vehicles, partners) are checked first, as ``load_scenario`` would."""
    from ilrs.scenario import ReferenceProblem
    try:
        section.check_references(None)
    except ReferenceProblem as p:
        raise ScenarioError(p.message, field=f"campaign.{p.field}", allowed=p.allowed) from None
    return compile_campaign(section, uncertainties)


def _topological_order(deps: tuple[tuple[int, ...], ...]) -> tuple[int, ...]:
    """Element indices, every element after those it depends on (the references are acyclic)."""
    order: list[int] = []
    seen: set[int] = set()

    def visit(i: int) -> None:
        if i in seen:
            return
        seen.add(i)
        for d in deps[i]:
            visit(d)
        order.append(i)

    for i in range(len(deps)):
        visit(i)
    return tuple(order)


def _compile_mission(m: MissionSpec, section: CampaignSection, eidx: dict[str, int], midx: dict[str, int],
                     vfam: dict[str, int]) -> _Mission:
    claim = m.claim(section.date_claims.get(m.id))
    past = None
    if m.status != "planned":
        outcome = "success" if m.status == "succeeded" else f"{m.failure}-failure"
        past = (float(m.launched.toordinal()),
                float(m.arrived.toordinal()) if m.arrived is not None else None, outcome)
    cargo = None
    if m.cargo is not None:
        cargo = (m.cargo.oxygen_kg, m.cargo.water_kg, m.cargo.food_kg, tuple(sorted(m.cargo.spares.items())))
    return _Mission(
        id=m.id, name=m.name or m.id, kind=m.kind, lead=m.lead, site=m.site,
        vehicles=tuple(launch.vehicle for launch in m.launches),
        families=tuple(vfam[launch.vehicle] for launch in m.launches),
        planned=float(claim.nominal.toordinal()), transfer=float(m.transfer_days), lands=m.lands,
        elements=tuple(eidx[e] for e in m.elements), element_ids=tuple(m.elements),
        requires=tuple(midx[r] for r in m.requires), reflight=m.reflight,
        crew=tuple(m.crew.nationalities) if m.crew else (), surface_days=m.crew.surface_days if m.crew else 0.0,
        cargo=cargo, past=past)


def _study_elements(section: CampaignSection, res) -> tuple[str, ...]:
    """The elements this study can field: those its flown missions deliver, its inline ones and
    those its milestones name, with everything they depend on. The rest of the catalogue (another
    program's base, e.g. Artemis elements in an ILRS study) has no place in its runs."""
    wanted = {e for m in res.missions for e in m.elements} | {e.id for e in section.elements}
    for ms in section.milestones:
        wanted |= set(ms.condition.all_operational) | set(ms.condition.any_operational)
    todo = [e for e in wanted if e in res.elements]
    found: set[str] = set()
    while todo:
        e = todo.pop()
        if e not in found:
            found.add(e)
            todo.extend(d for d in res.elements[e].depends_on if d not in found)
    return tuple(sorted(found))


def _compile_milestones(section: CampaignSection, unc: UncertaintiesSection, specs: list[ElementSpec],
                        eidx: dict[str, int], midx: dict[str, int]) -> tuple[_Milestone, ...]:
    roles_base: dict[str, tuple[int, ...]] = {}
    for i, s in enumerate(specs):
        if s.base:
            roles_base[s.role] = roles_base.get(s.role, ()) + (i,)
    base_elements = tuple(i for i, s in enumerate(specs) if s.base)
    out = []
    for ms in section.milestones:
        c = ms.condition
        out.append(_Milestone(
            id=ms.id, target=unc.target_dates.get(ms.id, ms.target),
            all_op=tuple(eidx[e] for e in c.all_operational), any_op=tuple(eidx[e] for e in c.any_operational),
            roles=tuple(roles_base.get(r, ()) for r in c.roles_operational),
            base_count=c.base_elements_operational, base_elements=base_elements,
            missions=tuple(midx[x] for x in c.missions_succeeded), crewed=c.crewed_landings))
    return tuple(out)


def _landing_probability(section: CampaignSection, unc: UncertaintiesSection, m: MissionSpec) -> float:
    d = unc.for_name("landing_failure", m.id)
    if d is not None:
        return _mean(d)
    return section.landing_failure if m.lands else 0.0


def _vehicle_parameters(section: CampaignSection, unc: UncertaintiesSection, res: ResolvedCampaign):
    """Per vehicle: launch-failure probability, stand-down days and the stand-down distribution."""
    p_launch: dict[str, float] = {}
    stand_down: dict[str, float] = {}
    sd_dists: dict[str, Any] = {}
    for vid, v in res.vehicles.items():
        d = unc.for_name("launch_failure", vid)
        if isinstance(d, BetaDist) and d.from_record:  # the prior updated by this vehicle's own record
            rec = v.record
            a, b = d.shape_with_record(rec.failures if rec else None, rec.flights if rec else None)
            p_launch[vid] = a / (a + b)
        elif d is not None:
            p_launch[vid] = _mean(d)
        elif v.record is not None and v.record.flights > 0:
            p_launch[vid] = v.record.failure_probability
        else:
            p_launch[vid] = section.new_vehicle_launch_failure
        sd = unc.for_name("stand_down_days", vid)
        sd_dists[vid] = sd
        stand_down[vid] = _mean(sd) if sd is not None else section.stand_down_days
    return p_launch, stand_down, sd_dists


def sites_not_in_catalogue(inputs: CampaignInputs) -> dict[str, str]:
    """Mission id → target site, for targets the packaged site catalogue (``data/sites.yaml``) does
    not name. Sites are validated softly: a far-side or equatorial target need not be a catalogue
    site, so this is a note for the report, not an error."""
    from ilrs.data import sites_catalogue
    from ilrs.errors import DatasetError

    try:
        names = {s.get("name") for s in sites_catalogue()["sites"]}
    except DatasetError:
        names = set()
    return {m.id: m.site for m in inputs.missions if m.site is not None and m.site not in names}
