"""Exports the field can use: CCSDS OEM (relay ephemerides), CZML (a Cesium scene on a Moon globe),
GeoJSON (sites), GeoTIFF (coverage and illumination maps) and a contact report CSV per link.

    study_exports(scenario, folder, kinds=KINDS, start=None, end=None, step_s=None, dem=None)
        -> ExportResult(files, figures)       # what ``ilrs export`` and ``ilrs run --exports`` write

Each writer is its own module (:mod:`.oem`, :mod:`.czml`, :mod:`.geojson`, :mod:`.maps`); contact
windows come from :func:`ilrs.comms.contacts.contact_windows` (root-found edges).
"""

from __future__ import annotations

from ilrs.report.exports.study import KINDS, ExportResult, study_exports

__all__ = ["KINDS", "ExportResult", "study_exports"]
