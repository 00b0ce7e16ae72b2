"""Structure check of the ``ilrs`` package: import cycles, upward imports, long functions, big modules.

Run from anywhere: ``python tools/check_structure.py`` (default root: ``src/ilrs`` beside this
folder), or ``--root PATH`` for another package folder. It prints every finding, then the longest
function and the biggest module of the domain packages even when all limits hold, and exits 1 on
any violation (0 otherwise).

What counts:

* **Imports** are read from the source (``ast``), every ``import`` / ``from … import`` anywhere in a
  module — function-level and ``if``-guarded imports included, since they run too. ``from P import
  N`` depends on ``P`` and, when ``P.N`` is a module, on it too (so a submodule that writes ``from
  ilrs.comms import _cache`` depends on the package ``ilrs.comms``: import ``ilrs.comms._cache``);
  relative imports are resolved.
* **Cycles**: strongly connected components of that graph (Tarjan) with more than one module.
* **Upward imports**: a module importing a module of a higher layer, in DESIGN.md's order
  ``data < scenario < consortium < environment < comms < campaign < operations < risk <
  report = cli`` (top-level modules such as ``errors``, ``_io``, ``constants``, ``timeutil`` lowest);
  and any module outside ``cli/`` importing ``ilrs.cli``.
* **Deep imports** (reported, not failing; ``--deep`` lists them): a module importing another
  layer's submodule rather than that layer's package (its public face, ``ilrs.environment``).
* **Sizes** (domain packages: everything but ``cli/`` and ``report/``, where option lists and page
  templates may run long): functions and methods over :data:`MAX_FUNCTION_LINES` lines (``def``
  line to last line), modules over :data:`MAX_MODULE_LINES` lines.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 500
LAYERS = ("data", "scenario", "consortium", "environment", "comms", "campaign", "operations", "risk",
          ("report", "cli"))
"""Lowest first; a tuple is one level (its members may import each other, except into ``cli``)."""
FACE_PACKAGES = ("cli", "report")
"""Packages exempt from the size limits (people-facing: long option lists and page builders)."""
TOP_PACKAGE_ONLY = "cli"
"""Nothing outside this package may import it."""

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "src" / "ilrs"


def layer_rank(module: str) -> int:
    """Rank of a dotted module name's layer: 0 for top-level modules, 1 for ``data`` and so on."""
    parts = module.split(".")
    if len(parts) < 2:
        return 0
    for rank, level in enumerate(LAYERS, start=1):
        if parts[1] in (level if isinstance(level, tuple) else (level,)):
            return rank
    return 0  # a top-level module (errors, _io, constants, timeutil …)


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and layer_rank(module) else ""


@dataclass(frozen=True)
class LongFunction:
    lines: int
    path: str
    lineno: int
    name: str

    def __str__(self) -> str:
        return f"{self.lines} lines: {self.path}:{self.lineno} {self.name}"


@dataclass
class Report:
    """What :func:`check` found. Paths are relative to the root's parent (``ilrs/comms/…``)."""

    modules: dict[str, Path]
    imports: dict[str, set[str]]
    cycles: list[list[str]] = field(default_factory=list)
    upward: list[tuple[str, str, str]] = field(default_factory=list)   # (importer, imported, why)
    deep: list[tuple[str, str]] = field(default_factory=list)          # (importer, another layer's submodule)
    functions: list[LongFunction] = field(default_factory=list)        # every domain function, longest first
    module_sizes: list[tuple[int, str]] = field(default_factory=list)  # domain modules, biggest first

    @property
    def long_functions(self) -> list[LongFunction]:
        return [f for f in self.functions if f.lines > MAX_FUNCTION_LINES]

    @property
    def big_modules(self) -> list[tuple[int, str]]:
        return [m for m in self.module_sizes if m[0] > MAX_MODULE_LINES]

    @property
    def ok(self) -> bool:
        return not (self.cycles or self.upward or self.long_functions or self.big_modules)


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(node: ast.AST, module: str, is_package: bool, modules: dict[str, Path]) -> list[str]:
    """Modules of the package that one import statement loads."""
    found = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            name = alias.name
            while name and name not in modules:  # ``import a.b.c`` where c is a name: the deepest module
                name = name.rpartition(".")[0]
            if name:
                found.append(name)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = module if is_package else module.rpartition(".")[0]
            parts = package.split(".")
            keep = len(parts) - (node.level - 1)
            base = ".".join(parts[:keep] + ([base] if base else []))
        if base in modules:
            found.append(base)
        found += [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
    return found


def _sccs(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            advanced = False
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out)


def _upward_reason(importer: str, imported: str, top: str) -> str | None:
    cli = f"{top}.{TOP_PACKAGE_ONLY}"
    if (imported == cli or imported.startswith(cli + ".")) and not (importer == cli or importer.startswith(cli + ".")):
        return f"only {cli} may import {cli}"
    if layer_rank(imported) > layer_rank(importer):
        return (f"layer {layer_of(importer) or '(top level)'} is below layer {layer_of(imported)}")
    return None


def check(root: Path = DEFAULT_ROOT) -> Report:
    """Read every ``*.py`` under ``root`` (a package folder) and check the structure."""
    root = Path(root).resolve()
    top = root.name
    files = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    modules = {module_name(p, root): p for p in files}
    report = Report(modules, {m: set() for m in modules})
    for module, path in modules.items():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            for target in _imported(node, module, is_package, modules):
                if target != module:
                    report.imports[module].add(target)
        rel = str(path.relative_to(root.parent))
        if layer_of(module) in FACE_PACKAGES:
            continue
        report.module_sizes.append((len(text.splitlines()), rel))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                report.functions.append(LongFunction(node.end_lineno - node.lineno + 1, rel, node.lineno, node.name))
    report.cycles = _sccs(report.imports)
    for importer in sorted(report.imports):
        for imported in sorted(report.imports[importer]):
            why = _upward_reason(importer, imported, top)
            if why:
                report.upward.append((importer, imported, why))
            elif (layer_of(imported) and layer_of(imported) != layer_of(importer)
                  and imported.count(".") > 1):
                report.deep.append((importer, imported))
    report.functions.sort(key=lambda f: (-f.lines, f.path, f.lineno))
    report.module_sizes.sort(key=lambda m: (-m[0], m[1]))
    return report


def format_report(report: Report, deep: bool = False) -> str:
    lines = [f"cycle: {' <-> '.join(c)}" for c in report.cycles]
    lines += [f"deep import (not through the public face): {a} -> {b}" for a, b in report.deep] if deep else []
    lines += [f"upward import: {a} -> {b} ({why})" for a, b, why in report.upward]
    lines += [f"long function (> {MAX_FUNCTION_LINES}): {f}" for f in report.long_functions]
    lines += [f"big module (> {MAX_MODULE_LINES}): {n} lines: {p}" for n, p in report.big_modules]
    if report.functions:
        lines.append(f"longest function: {report.functions[0]}")
    if report.module_sizes:
        n, p = report.module_sizes[0]
        lines.append(f"biggest module: {n} lines: {p}")
    lines.append(f"structure: {len(report.modules)} modules, {len(report.cycles)} cycles, "
                 f"{len(report.upward)} upward imports, {len(report.long_functions)} functions > "
                 f"{MAX_FUNCTION_LINES} lines, {len(report.big_modules)} modules > {MAX_MODULE_LINES} lines "
                 f"(domain packages); {len(report.deep)} deep cross-layer imports (not checked) — "
                 f"{'OK' if report.ok else 'FAIL'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="package folder (default: src/ilrs)")
    parser.add_argument("--deep", action="store_true",
                        help="also list imports of another layer's submodules (not through its package)")
    args = parser.parse_args(argv)
    report = check(args.root)
    print(format_report(report, deep=args.deep))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
