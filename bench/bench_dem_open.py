#!/usr/bin/env python3
"""Opening full-size LOLA products: time and memory (issue 13 item 3: < 1 s and < 1 GiB for 30 000²).

Writes, in a temporary folder, sparse files of the size users download (nothing is fetched):
  1. PDS3 LDEM_80S_20M layout: 30 400 × 30 400 int16 (1.85 GB), detached .LBL;
  2. GeoTIFF 30 000 × 30 000 int16 (1.8 GB), uncompressed, striped (the layout that maps);
then, each in a fresh Python process: the time to open it (label/tag parsing, validation, memory
map), the process's peak resident memory (VmHWM) over the interpreter's baseline, and the time to
sample heights as the horizon ray march does (720 azimuths, every half pixel to 15 km from the
centre: windowed reads through the page cache) —
and, for comparison, what decoding the whole raster as float64 would need (× 8 bytes a pixel).

Usage: python bench/bench_dem_open.py [--n 30000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, sys, time
def status(key):
    for line in open('/proc/self/status'):
        if line.startswith(key + ':'):
            return int(line.split()[1]) * 1024
def hwm():
    return status('VmHWM')
import numpy as np
from ilrs.environment.terrain import PolarStereoDEM
import pvl, tifffile  # the readers' imports, not part of the open time
base = hwm()
t0 = time.perf_counter()
dem = PolarStereoDEM.open(sys.argv[1])
t_open = time.perf_counter() - t0
open_peak = hwm() - base
anon0 = status('RssAnon')
nr, nc = dem.heights_m.shape
# the ray march's access pattern: 720 azimuths, a sample every half pixel out to 15 km from the centre
az = np.radians(np.arange(0, 360, 0.5))[:, None]
d_px = np.arange(0.5, 15_000 / dem.pixel_m, 0.5)[None, :]
t0 = time.perf_counter()
h = np.concatenate([dem.sample_rc(nr / 2 - d_px * np.cos(a), nc / 2 + d_px * np.sin(a)) for a in az])
t_sample = time.perf_counter() - t0
print(json.dumps({"open_s": t_open, "fan_s": t_sample, "peak_rss_over_baseline_mib": open_peak / 2**20,
                  "sample_anon_mib": (status('RssAnon') - anon0) / 2**20, "sample_file_mib": status('RssFile') / 2**20,
                  "shape": [nr, nc], "type": type(dem.heights_m).__name__, "samples": int(h.size)}))
"""


def write_pds3(folder: Path, n: int) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.dem_fixtures import LOLA_LABEL

    img = folder / "LDEM_80S_20M.IMG"
    with open(img, "wb") as f:
        f.truncate(n * n * 2)
    text = LOLA_LABEL.format(product="LDEM_80S_20M", record_bytes=2 * n, lines=n, samples=n,
                             sample_type="LSB_INTEGER", bits=16, scale="0.5", offset="1737400.", missing="",
                             projection="POLAR STEREOGRAPHIC", center_lat="-90", center_lon="0", res=1516.1701,
                             pixel_m=20, loff=n / 2 - 0.5, soff=n / 2 - 0.5, pointer='"LDEM_80S_20M.IMG"')
    lbl = folder / "LDEM_80S_20M.LBL"
    lbl.write_text(text)
    return lbl


def write_geotiff(folder: Path, n: int) -> Path:
    import numpy as np
    import tifffile

    path = folder / "site_5m.tif"
    keys = (1, 1, 0, 7, 1024, 0, 1, 1, 1025, 0, 1, 1, 3075, 0, 1, 15, 3081, 34736, 1, 0,
            3095, 34736, 1, 1, 3092, 34736, 1, 2, 2057, 34736, 1, 3)
    half = n / 2 * 5.0
    tags = [(33550, "d", 3, (5.0, 5.0, 0.0), False), (33922, "d", 6, (0, 0, 0, -half, half, 0), False),
            (34735, "H", len(keys), keys, False), (34736, "d", 4, (-90.0, 0.0, 1.0, 1737400.0), False)]
    m = tifffile.memmap(path, shape=(n, n), dtype=np.int16, extratags=tags, metadata=None)
    del m
    return path


def probe(path: Path) -> dict:
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30_000)
    n = ap.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, path in (("PDS3 IMG+LBL", write_pds3(folder, n + 400)), ("GeoTIFF", write_geotiff(folder, n))):
            r = probe(path)
            full = r["shape"][0] * r["shape"][1] * 8 / 2**30
            size = max(f.stat().st_size for f in folder.iterdir() if f.stem == path.stem)
            print(f"{name:13s} {r['shape'][0]:,}² ({size / 1e9:.2f} GB, {r['type']}): open {r['open_s'] * 1e3:.1f} ms, "
                  f"peak RSS +{r['peak_rss_over_baseline_mib']:.1f} MiB (decoding it as float64: {full:.1f} GiB); "
                  f"a 720-azimuth fan to 15 km ({r['samples']:,} bilinear samples) {r['fan_s']:.2f} s, +{r['sample_anon_mib']:.0f} MiB "
                  f"private memory, {r['sample_file_mib']:.0f} MiB of the file's pages resident (page cache, "
                  "reclaimable)")
            assert r["open_s"] < 1.0 and r["peak_rss_over_baseline_mib"] < 1024, r


if __name__ == "__main__":
    main()
