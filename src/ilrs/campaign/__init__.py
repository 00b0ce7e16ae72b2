"""The campaign that builds the ILRS: missions, vehicles, landings, deliveries, milestones.

>>> from ilrs.scenario import load_scenario
>>> from ilrs.campaign import compile_campaign, simulate_campaign
>>> s = load_scenario("ilrs-reference")
>>> inputs = compile_campaign(s.campaign, s.uncertainties)        # compile once (pydantic → tuples)
>>> nominal = simulate_campaign(inputs, None)                     # nothing fails, nothing slips
>>> str(nominal.milestones["groundbreaking"])
'2029-07-31'

Compiling: ``compile_campaign(section: CampaignSection, uncertainties: UncertaintiesSection | None)
-> CampaignInputs`` (typed; :mod:`ilrs.campaign.inputs`); ``campaign_inputs(section)`` checks a
bare section's references first.

One risk run alone: ``sampled_campaign(inputs, rng) -> (draws, CampaignResult)`` samples every
uncertain input (:func:`sample_campaign_inputs`, one slip model) and flies the campaign with them on
the same generator; ``ilrs.risk`` run i is this with ``SeedSequence(seed, spawn_key=(i,))``
(:mod:`ilrs.campaign.sampling`), and so is ``ilrs campaign --seed SEED --run I``.

Entry point for the risk layer::

    simulate_campaign(inputs: CampaignInputs, rng: numpy.random.Generator | None = None,
                      overrides: Mapping | None = None) -> CampaignResult

* ``rng=None``: nominal run — no launch or landing fails; slips only where ``overrides`` give them.
  The reference scenario then reproduces the public plan dates.
* with an ``rng``: each launch fails with its vehicle's probability, each landing with the
  mission's; a launch failure grounds the vehicle family (``stand_down_days``); a lost mission is
  re-flown after ``reflight_lead_days`` (``campaign.reflight``); slips are drawn from
  ``uncertainties.schedule_slip_days`` unless overridden. Same seed → same campaign.
* ``overrides``: a plain dict of sampled parameters, keys ``<group>.<name>`` (the keys
  :func:`sample_campaign_inputs` produces) or nested ``{group: {name: value}}``;
  ``name`` may be ``default``:

  ============================  ====================================================================
  ``launch_failure.<vehicle>``   probability that one launch of that vehicle fails
  ``landing_failure.<mission>``  probability that the mission's landing fails (landers, crewed, cargo)
  ``schedule_slip_days.<mission>`` days added to the mission's planned launch date
  ``stand_down_days.<vehicle>``  days the vehicle's family is grounded after one of its launches fails
  ``reflight_lead_days[.<mission>]`` loss to re-flight launch, days
  ============================  ====================================================================

  Without an override, probabilities are the means of the scenario's ``uncertainties`` (else the
  vehicle's flight record under a Jeffreys prior, else ``campaign.new_vehicle_launch_failure`` /
  ``campaign.landing_failure``).

:class:`CampaignResult` (frozen dataclass): ``missions`` (one :class:`MissionRecord` per attempt:
id, vehicles, launch, arrival, outcome), ``elements`` (id → :class:`ElementRecord` with its
operational and end-of-life dates and its spec: owner, mass, power by mode, data rate,
dependencies), ``milestones`` (id → date or None), ``targets``, ``crew_stays``, ``deliveries``.
"""

from ilrs.campaign.engine import nominal_campaign, simulate_campaign
from ilrs.campaign.inputs import CampaignInputs, campaign_inputs, compile_campaign, sites_not_in_catalogue
from ilrs.campaign.result import CampaignResult, CrewStay, Delivery, ElementRecord, MissionRecord
from ilrs.campaign.sampling import sample_campaign_inputs, sampled_campaign

__all__ = ["CampaignInputs", "CampaignResult", "CrewStay", "Delivery", "ElementRecord", "MissionRecord",
           "campaign_inputs", "compile_campaign", "nominal_campaign", "sample_campaign_inputs", "sampled_campaign",
           "simulate_campaign", "sites_not_in_catalogue"]
