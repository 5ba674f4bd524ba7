"""The import direction of the code (docs/design.md#code-layout), read from the source with `ast`.

- no import cycle between modules, lazy (in-function) imports included;
- components/ (the Pulumi side) never imports the commands around it: operations/, render/, adopt/, cli;
- the tool imports components/ only where it runs the Pulumi program (render/, adopt/'s check of the written spec);
- the mode packages (iapgen/modes/) name their Pulumi side by module path, never import it;
- no module imports another module's private (`_name`) names, or reads them off an imported module;
- nothing outside the mode packages compares a value with a mode's name (`load_balancer == "gateway"`).
"""

from __future__ import annotations

import ast
from pathlib import Path

from iapgen.modes import MODES
from tests.conftest import REPO

PACKAGES = ("components", "iapgen")
MODE_PACKAGES = tuple(f"{root}.{mode}" for mode in MODES for root in ("iapgen.modes", "components"))


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    is_package = MODULES[module].name == "__init__.py"
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(module: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import outside `if TYPE_CHECKING:`."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and _type_checking(node)
               for child in node.body for n in ast.walk(child)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            names = [alias.name for alias in node.names]
            # `from pkg import mod` is an import of the module pkg.mod (its package is importing already)
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            rest = [n for n in names if f"{target}.{n}" not in MODULES]
            if rest or not submodules:
                found.append((target, rest, node.lineno))
            found += [(sub, [], node.lineno) for sub in submodules]
    return found


def _own(name: str) -> str | None:
    """The project module an import names (a package's __init__ for a package), or None for a library."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


GRAPH = {module: {own for target, _, _ in _imports(module) if (own := _own(target)) and own != module}
         for module in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(GRAPH[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return found


def _inside(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_no_import_cycles() -> None:
    assert _cycles() == []


def test_components_do_not_import_the_commands() -> None:
    bad = [(m, t) for m in MODULES if _inside(m, "components") for t in GRAPH[m]
           if _inside(t, "iapgen.operations", "iapgen.render", "iapgen.adopt", "iapgen.cli", "iapgen.lint.command")]
    assert bad == []


def test_only_render_and_adopt_run_the_program() -> None:
    bad = [(m, t) for m in MODULES if _inside(m, "iapgen") for t in GRAPH[m] if _inside(t, "components")
           and not _inside(m, "iapgen.render", "iapgen.adopt.command", "iapgen.adopt.compare")]
    assert bad == []


def test_modes_name_their_pulumi_side_without_importing_it() -> None:
    assert [(m, t) for m in MODULES if _inside(m, "iapgen.modes") for t in GRAPH[m] if _inside(t, "components")] == []
    for mode in MODES.values():
        assert mode.components in MODULES, f"{mode.name}: no module {mode.components}"


def test_a_modes_doctor_is_named_by_path_and_imported_only_to_diagnose() -> None:
    # A render must not load the doctors (nor, through them, the lint rules): the mode packages name them.
    for mode in MODES.values():
        doctor = getattr(mode, "doctor", None)
        if doctor is None:
            continue  # a mode that is not a ModuleMode diagnoses as it likes
        assert doctor in MODULES, f"{mode.name}: no module {doctor}"
        assert "def diagnose(" in (REPO / (doctor.replace(".", "/") + ".py")).read_text(), doctor
        package = doctor.rpartition(".")[0]
        assert doctor not in GRAPH[package], f"{package} imports {doctor}: name it, do not import it"


def test_no_private_names_across_modules() -> None:
    bad = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}
        for target, names, line in _imports(module):
            own = _own(target)
            if own is None or own == module:
                continue
            bad += [f"{module}:{line} imports {n} from {target}" for n in names
                    if n.startswith("_") and not n.startswith("__")]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(module, node)
                for alias in node.names:
                    if f"{target}.{alias.name}" in MODULES:
                        aliases[alias.asname or alias.name] = f"{target}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in MODULES:
                        aliases[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                bad.append(f"{module}:{node.lineno} reads {aliases[node.value.id]}.{node.attr}")
    assert bad == []


def _mentions_mode(node: ast.AST) -> bool:
    names = {n.attr if isinstance(n, ast.Attribute) else n.id for n in ast.walk(node)
             if isinstance(n, ast.Attribute | ast.Name)}
    return bool(names & {"load_balancer", "loadBalancer", "mode", "via"}) or any(
        isinstance(n, ast.Constant) and n.value == "loadBalancer" for n in ast.walk(node))


def test_nothing_outside_the_mode_packages_branches_on_a_mode_name() -> None:
    bad = []
    for module, path in MODULES.items():
        if _inside(module, *MODE_PACKAGES):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                constants = [o for o in operands for c in ast.walk(o)
                             if isinstance(c, ast.Constant) and c.value in MODES]
                if constants and any(_mentions_mode(o) for o in operands):
                    bad.append(f"{module}:{node.lineno}")
            elif isinstance(node, ast.Dict) and sum(isinstance(k, ast.Constant) and k.value in MODES
                                                     for k in node.keys) >= 2:
                bad.append(f"{module}:{node.lineno} (a table keyed by mode names)")
    assert bad == []
