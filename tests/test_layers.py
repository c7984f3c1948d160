"""The package structure, checked from the source: one namespace, and imports that only point down.

The rule (docs/architecture.md): every module imports only modules of its own package or of a
lower layer. Layers, bottom up::

    redline.core → redline.storage → redline.crawler, redline.alerts → redline.scheduler
      → redline.app → redline.web, redline.demo → redline.cli → redline (the package's own API)

Every import statement counts, also those inside functions and under ``TYPE_CHECKING``: a lazy
import is still a dependency.
"""

from __future__ import annotations

import ast
import tomllib
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Where each installed package's source lives (pyproject.toml's package-dir).
PACKAGE_DIRS = {"redline": ROOT / "redline", "redline.crawler": ROOT / "crawler",
                "redline.storage": ROOT / "storage", "redline.scheduler": ROOT / "scheduler"}
#: Layer of each package, bottom first; packages on one rank may not import each other.
LAYERS = {
    "redline.core": 0, "redline.storage": 1, "redline.crawler": 2, "redline.alerts": 2,
    "redline.scheduler": 3, "redline.app": 4, "redline.web": 5, "redline.demo": 5, "redline.cli": 6,
    "redline": 7,
}


def modules() -> dict[str, Path]:
    """Every module of the installed distribution, by its import name."""
    found: dict[str, Path] = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in folder.rglob("*.py"):
            relative = path.relative_to(folder).with_suffix("")
            parts = [p for p in relative.parts if p != "__init__"]
            found[".".join([package, *parts])] = path
    return found


def layer_of(module: str) -> tuple[str, int]:
    """The package (as listed in LAYERS) a module belongs to, and its rank."""
    best = max((name for name in LAYERS if module == name or module.startswith(name + ".")), key=len)
    return best, LAYERS[best]


def imports_of(module: str, path: Path) -> set[str]:
    """Every redline module ``module`` imports (absolute and relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    known = modules()
    return {name for name in found if name in known and name != module}


def edges() -> list[tuple[str, str]]:
    return [(module, target) for module, path in modules().items() for target in imports_of(module, path)]


def package_table() -> Counter[tuple[str, str]]:
    """Imports between packages, counted (what the architecture doc's table shows)."""
    return Counter((layer_of(a)[0], layer_of(b)[0]) for a, b in edges() if layer_of(a)[0] != layer_of(b)[0])


def test_every_import_points_down():
    upward = []
    for module, target in edges():
        (package, rank), (target_package, target_rank) = layer_of(module), layer_of(target)
        if package != target_package and target_rank >= rank:
            upward.append(f"{module} imports {target} ({package} may not depend on {target_package})")
    assert not upward, "\n".join(upward)


def test_no_module_imports_the_old_top_level_names():
    stray = []
    for module, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            stray += [f"{module}: {name}" for name in names
                      if name.split(".")[0] in {"crawler", "storage", "scheduler", "tests", "bench"}]
    assert not stray, "\n".join(stray)


def test_pyproject_installs_every_package_and_nothing_else():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert {name: ROOT / folder for name, folder in config["package-dir"].items()} == PACKAGE_DIRS
    packages = {name for name, path in modules().items() if path.name == "__init__.py"}
    assert set(config["packages"]) == packages
    assert all(name == "redline" or name.startswith("redline.") for name in config["packages"])


@pytest.mark.parametrize("module", sorted(modules()))
def test_every_module_belongs_to_a_layer(module):
    assert layer_of(module)[0] in LAYERS
