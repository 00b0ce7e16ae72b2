"""The list of CLI command modules; each has ``register(app)``. Add yours here."""

from ilrs.cli import run_cmd, scenario_cmd, partners_cmd, site_cmd, comms_cmd, campaign_cmd, ops_cmd, risk_cmd, compare_cmd
from ilrs.cli import dem_cmd, export_cmd, map_cmd

MODULES = [run_cmd, scenario_cmd, partners_cmd, site_cmd, comms_cmd, campaign_cmd, ops_cmd, risk_cmd, compare_cmd,
           dem_cmd, export_cmd, map_cmd]
