"""The GeoTIFF writer: tags read back with tifffile directly, and through ilrs's validating reader."""

from __future__ import annotations

import numpy as np
import tifffile

from ilrs.environment.geotiff_write import PolarGrid, write_polar_stereo_geotiff
from ilrs.environment.terrain import PolarStereoDEM


def test_written_tags_place_pixel_centres_where_the_grid_says(tmp_path):
    z = np.arange(12.0).reshape(3, 4)
    z[0, 0] = np.nan
    path = write_polar_stereo_geotiff(tmp_path / "m.tif", z, PolarGrid(100.0, -200.0, 50.0, lon0_deg=10.0))
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        tags = {t.code: t.value for t in page.tags.values()}
        raster = page.asarray()
    assert tags[33550][:2] == (50.0, 50.0)
    assert tags[33922][3:5] == (75.0, -175.0)  # upper-left corner = centre − half a pixel
    assert np.isnan(raster[0, 0]) and raster[2, 3] == 11.0
    dem = PolarStereoDEM.from_geotiff(path)
    assert (dem.x0_m, dem.y0_m, dem.pixel_m, dem.lon0_deg) == (100.0, -200.0, 50.0, 10.0)
    assert list(tmp_path.iterdir()) == [path]  # no temporary left beside it
