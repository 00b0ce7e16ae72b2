"""Package structure (issue 12): no import cycles, no upward imports, bounded function and module sizes.

The checker is ``tools/check_structure.py``; it is first shown to catch a cycle, an upward import
and an import of ``cli`` in a small synthetic package, then run on ``src/ilrs``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKER = ROOT / "tools" / "check_structure.py"

LOWER_LAYERS = ("data", "scenario", "consortium", "environment", "comms")


def _checker():
    spec = importlib.util.spec_from_file_location("check_structure", CHECKER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def checker():
    return _checker()


@pytest.fixture(scope="module")
def report(checker):
    return checker.check(ROOT / "src" / "ilrs")


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


# -- the checker itself can fail --------------------------------------------------------------------

def test_checker_finds_a_cycle_through_a_function_level_import(checker, tmp_path):
    pkg = _write(tmp_path / "src" / "ilrs", {
        "__init__.py": "",
        "errors.py": "class IlrsError(Exception):\n    pass\n",
        "comms/__init__.py": "from ilrs.comms.a import f\n",
        "comms/a.py": "from ilrs.comms.b import g\n\ndef f():\n    return g()\n",
        # the cycle closes only inside a function, and through the package itself
        "comms/b.py": "def g():\n    from ilrs.comms import f\n    return 1\n",
    })
    rep = checker.check(pkg)
    assert rep.cycles == [["ilrs.comms", "ilrs.comms.a", "ilrs.comms.b"]]
    assert not rep.upward and not rep.ok


def test_checker_finds_upward_and_cli_imports(checker, tmp_path):
    pkg = _write(tmp_path / "src" / "ilrs", {
        "__init__.py": "",
        "constants.py": "X_M = 1.0\n",
        "data/__init__.py": "from ilrs.constants import X_M\n",
        "environment/__init__.py": "def f():\n    from ..comms import links\n    return links\n",   # relative, upward
        "comms/__init__.py": "",
        "comms/links.py": "from ilrs.data import X_M\nimport ilrs.data.catalogue\n",          # downward: fine
        "data/catalogue.py": "Y = 1\n",
        "report/__init__.py": "from ilrs.cli.common import to_json\n",                      # same level, but cli
        "cli/__init__.py": "",
        "cli/common.py": "from ilrs.report import to_json\n\ndef to_json():\n    pass\n",
    })
    rep = checker.check(pkg)
    pairs = {(a, b) for a, b, _ in rep.upward}
    assert pairs == {("ilrs.environment", "ilrs.comms"), ("ilrs.environment", "ilrs.comms.links"),
                     ("ilrs.report", "ilrs.cli.common")}
    assert rep.cycles == [["ilrs.cli.common", "ilrs.report"]]
    assert rep.deep == [("ilrs.comms.links", "ilrs.data.catalogue")]   # reported, not a failure
    assert not rep.ok


def test_checker_measures_sizes_and_exits_1(checker, tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(85))
    pkg = _write(tmp_path / "src" / "ilrs", {
        "__init__.py": "",
        "comms/__init__.py": "",
        "comms/long.py": f"def long():\n{body}\n    return 0\n\n\ndef short():\n    return 1\n",
        "cli/__init__.py": "",
        "cli/main.py": f"def options():\n{body}\n    return 0\n" + "\n" * 600,   # the CLI may run long
    })
    rep = checker.check(pkg)
    assert [(f.lines, f.path, f.name) for f in rep.long_functions] == [(87, "ilrs/comms/long.py", "long")]
    assert rep.big_modules == []
    out = subprocess.run([sys.executable, str(CHECKER), "--root", str(pkg)], capture_output=True, text=True)
    assert out.returncode == 1
    assert "longest function: 87 lines: ilrs/comms/long.py:1 long" in out.stdout


def test_checker_passes_a_clean_package(checker, tmp_path):
    pkg = _write(tmp_path / "src" / "ilrs", {
        "__init__.py": "",
        "constants.py": "X_M = 1.0\n",
        "scenario/__init__.py": "from ilrs.scenario.references import ReferenceProblem\n",
        "scenario/references.py": "class ReferenceProblem(ValueError):\n    pass\n",
        "scenario/site.py": ("def check():\n    from ilrs.scenario.references import ReferenceProblem\n"
                             "    return ReferenceProblem\n"),
        "cli/__init__.py": "from ilrs.scenario import ReferenceProblem\n",
    })
    out = subprocess.run([sys.executable, str(CHECKER), "--root", str(pkg)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout
    assert "0 cycles, 0 upward imports" in out.stdout and "biggest module:" in out.stdout


# -- the package ------------------------------------------------------------------------------------

def test_no_import_cycles(report):
    assert report.cycles == []


def test_lower_layers_have_no_cycle_at_all(report):
    lower = [c for c in report.cycles if any(m.split(".")[1] in LOWER_LAYERS for m in c if m.count("."))]
    assert lower == []


def test_no_upward_imports(report):
    assert report.upward == []


def test_function_and_module_sizes(report, checker):
    assert report.long_functions == [], f"functions over {checker.MAX_FUNCTION_LINES} lines"
    assert report.big_modules == [], f"modules over {checker.MAX_MODULE_LINES} lines"


def test_checker_passes_on_the_package():
    out = subprocess.run([sys.executable, str(CHECKER)], capture_output=True, text=True, cwd=ROOT)
    assert "longest function:" in out.stdout and "biggest module:" in out.stdout
    assert out.returncode == 0 and not out.stderr, out.stdout


# -- one home for shared constants (issue 12, item 5) -----------------------------------------------

def test_shared_constants_have_their_published_values():
    from ilrs import constants as c

    assert c.MOON_RADIUS_M == 1737.4e3 and c.MOON_RADIUS_KM == 1737.4   # IAU WGCCRE 2015 mean radius
    assert c.AU_M == 149_597_870_700.0                                  # IAU 2012 Resolution B2 (exact)
    assert c.SOLAR_CONSTANT_W_M2 == 1361.0                              # IAU 2015 Resolution B3 nominal TSI
    assert abs(c.SOLAR_CONSTANT_W_M2 - 1360.8) <= 0.5                   # Kopp & Lean 2011: 1360.8 ± 0.5 W/m²
    assert c.SUN_RADIUS_M == 6.957e8                                    # IAU 2015 Resolution B3
    assert c.SPEED_OF_LIGHT_M_S == 299_792_458.0                        # SI definition
    assert c.GM_MOON_M3_S2 == 4902.8001224453e9                         # GRGM1200A header
    assert (c.SECONDS_PER_DAY, c.SECONDS_PER_HOUR, c.NS_PER_DAY) == (86400.0, 3600.0, 86_400_000_000_000)


def test_lower_layers_do_not_redefine_shared_constants():
    """No literal lunar radius, AU, solar constant, lunar GM or seconds-per-day outside ilrs/constants.py
    in the lower layers (data, scenario, consortium, environment, comms and the top-level modules)."""
    import ast

    shared = {1737.4, 1737.4e3, 149_597_870_700.0, 1361.0, 1360.8, 86400.0, 4902.8001224453, 4902.8001224453e9}
    src = ROOT / "src" / "ilrs"
    files = [p for p in src.glob("*.py") if p.name != "constants.py"]
    files += [p for layer in LOWER_LAYERS for p in (src / layer).rglob("*.py")]
    found = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
                    and not isinstance(node.value, bool) and float(node.value) in shared):
                found.append(f"{path.relative_to(src)}:{node.lineno} {node.value!r}")
    assert found == []
