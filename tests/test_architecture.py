"""The package's shape: layers import only downward, no private names, no cycles, small files.

The layer order is read from the docstring of ``symstab/__init__.py``; the import
graph is read from the source with :mod:`ast` (imports inside functions included).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import symstab

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("symstab", "proofs_check")
MAX_LINES = 800


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    target: str  # dotted module name imported (or imported from)
    names: tuple[str, ...]  # names taken from the target ("" for a plain import)
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not _is_package(importer):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _imports(name: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    out.append(Import(name, alias.name, ("",), node.lineno))
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, node)
            if target.split(".")[0] not in PACKAGES:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:  # `from package import module`
                    out.append(Import(name, sub, ("",), node.lineno))
                else:
                    out.append(Import(name, target, (alias.name,), node.lineno))
    return out


IMPORTS = [imp for name, path in MODULES.items() for imp in _imports(name, path)]


def _layers() -> dict[str, int]:
    """Top-level name under ``symstab`` -> layer number, from the package docstring."""
    table = {}
    for line in (symstab.__doc__ or "").splitlines():
        m = re.match(r"^(\d+)\. (\w+) +(.+)$", line.strip())
        if m:
            for part in m.group(3).split():
                table[part] = int(m.group(1))
    return table


LAYERS = _layers()


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "symstab" or len(parts) == 1:
        return None
    return LAYERS.get(parts[1])


def _private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def test_layer_table_names_every_top_level_module() -> None:
    tops = {m.split(".")[1] for m in MODULES if m.startswith("symstab.")}
    assert len(set(LAYERS.values())) >= 6
    assert tops == set(LAYERS), f"unlisted: {tops - set(LAYERS)}, absent: {set(LAYERS) - tops}"


def test_every_import_goes_to_a_module_that_exists() -> None:
    missing = [imp for imp in IMPORTS if imp.target not in MODULES]
    assert not missing, missing


def test_symstab_imports_only_downward() -> None:
    upward = []
    for imp in IMPORTS:
        here, there = _layer(imp.importer), _layer(imp.target)
        into_claims = imp.importer.startswith("symstab") and imp.target.startswith("proofs_check")
        if into_claims or (here is not None and there is not None and there > here):
            upward.append(imp)
    assert not upward, "\n".join(f"{i.importer}:{i.line} -> {i.target}" for i in upward)


def test_no_private_name_of_another_module() -> None:
    bad = []
    for imp in IMPORTS:
        bad += [f"{imp.importer}:{imp.line} takes {n} from {imp.target}"
                for n in imp.names if n and _private(n)]
        # a private module may be imported only from inside its own package
        parts = imp.target.split(".")
        for k, part in enumerate(parts):
            if _private(part) and not imp.importer.startswith(".".join(parts[:k]) + "."):
                bad.append(f"{imp.importer}:{imp.line} imports the private module {imp.target}")
    assert not bad, "\n".join(bad)


def test_no_private_attribute_of_an_imported_module() -> None:
    bad = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(name, node)
                aliases |= {a.asname or a.name for a in node.names
                            if f"{target}.{a.name}" in MODULES}
            elif isinstance(node, ast.Import):
                aliases |= {a.asname for a in node.names
                            if a.asname and a.name.split(".")[0] in PACKAGES}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and _private(node.attr)):
                bad.append(f"{name}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert not bad, "\n".join(bad)


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in IMPORTS:
        if imp.target in graph and imp.target != imp.importer:
            graph[imp.importer].add(imp.target)
    # Tarjan's strongly connected components
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_no_command_imports_another_command() -> None:
    commands = {m for m in MODULES if m.startswith("symstab.cli.")} - {"symstab.cli.options"}
    bad = [f"{i.importer} -> {i.target}" for i in IMPORTS
           if i.importer in commands and i.target in commands | {"symstab.cli"}]
    assert not bad, bad


def test_no_file_is_too_long() -> None:
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long
