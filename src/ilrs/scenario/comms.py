"""Scenario section ``relays``: relay satellites and ground stations.

Owned by the comms layer's issue; fields may be added, never renamed.
"""

from __future__ import annotations

from pydantic import Field

from ilrs.scenario.base import StrictModel


class RelaysSection(StrictModel):
    constellation: list[str] = Field(default_factory=list, description="Built-in relay names, e.g. ['queqiao-2'].")
