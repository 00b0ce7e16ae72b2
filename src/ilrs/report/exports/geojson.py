"""GeoJSON (RFC 7946) of the site catalogue (``src/ilrs/data/sites.yaml``) and the study's site.

Coordinates are lunar, not WGS84: [longitude, latitude] in degrees, planetocentric, Moon
mean-Earth/polar-axis frame, on the 1737.4 km sphere — RFC 7946 §4 allows another CRS "by prior
arrangement"; the collection says which in its foreign member ``ilrs_crs``. Longitudes are written
in −180..180 (the catalogue's 0..360 east longitudes, wrapped).

No region in the catalogue has a published outline (NASA showed the Artemis III regions, ~15 ×
15 km each, on a map with no coordinates, 2024-10-28; CNSA published none for Chang'e-7/8), so
every entry is a Point standing for its region, with its uncertainty as properties:
``position_uncertain`` (the catalogue's ``uncertain``), ``is_region`` and, where the source gives
one, ``region_extent_km``. No outline is drawn that no source drew.
"""

from __future__ import annotations

from pathlib import Path

CRS_NOTE = ("Moon ME (mean-Earth/polar-axis) planetocentric longitude/latitude, degrees, on the IAU "
            "1737.4 km sphere; not WGS84")
ARTEMIS3_SOURCE = "nasa-artemis3-regions-2024"
ARTEMIS3_EXTENT_KM = 15.0  # "each ~15 x 15 km" (NASA 2024-10-28, sites.yaml source nasa-artemis3-regions-2024)


def _lon180(lon_deg: float) -> float:
    return (float(lon_deg) + 180.0) % 360.0 - 180.0


def site_feature(entry: dict, refs: dict[str, str], *, role: str = "catalogue") -> dict:
    """One catalogue entry as a Point Feature with its sources and uncertainty."""
    sources = list(entry.get("sources") or [])
    note = str(entry.get("note", ""))
    is_region = ARTEMIS3_SOURCE in sources or "a region, not a landing point" in note
    props = {"name": entry["name"], "label": entry.get("label", entry["name"]), "role": role,
             "lat_deg": float(entry["lat_deg"]), "lon_deg": _lon180(entry["lon_deg"]),
             "height_m": entry.get("height_m"), "position_uncertain": bool(entry.get("uncertain", True)),
             "is_region": is_region, "note": note,
             "sources": [{"id": s, "ref": refs.get(s, "")} for s in sources]}
    if ARTEMIS3_SOURCE in sources:
        props["region_extent_km"] = ARTEMIS3_EXTENT_KM
    return {"type": "Feature", "id": entry["name"],
            "geometry": {"type": "Point", "coordinates": [_lon180(entry["lon_deg"]), float(entry["lat_deg"])]},
            "properties": props}


def sites_collection(study_site=None) -> dict:
    """The catalogue as a FeatureCollection; ``study_site`` (an environment Site) is added with role
    ``study`` when it is not a catalogue entry (e.g. a scenario's ``--lat/--lon`` site)."""
    from ilrs.data import sites_catalogue

    cat = sites_catalogue()
    refs = {s["id"]: s["ref"] for s in cat.get("sources", [])}
    feats = [site_feature(e, refs) for e in cat["sites"]]
    names = {e["name"] for e in cat["sites"]}
    if study_site is not None and study_site.name not in names:
        feats.append(site_feature({"name": study_site.name, "lat_deg": study_site.lat_deg,
                                   "lon_deg": study_site.lon_deg, "height_m": study_site.height_m,
                                   "uncertain": False, "note": "the study's site (scenario)"}, refs, role="study"))
    elif study_site is not None:
        for f in feats:
            if f["id"] == study_site.name:
                f["properties"]["role"] = "study"
    return {"type": "FeatureCollection", "ilrs_crs": CRS_NOTE, "features": feats}


def write_geojson(path: Path, study_site=None) -> Path:
    """Write :func:`sites_collection` to ``path`` (atomic)."""
    import json

    from ilrs._io import write_text_atomic

    return write_text_atomic(path, json.dumps(sites_collection(study_site), ensure_ascii=False, indent=1) + "\n")
