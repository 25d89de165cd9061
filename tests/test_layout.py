"""The package's shape: no import cycles, small modules, and no import hidden in a function to dodge a cycle."""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "latentcut"
MODULES = {".".join(f.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__"): f
           for f in ROOT.rglob("*.py")}
#: Function-level imports of latentcut allowed: the commands load what they use (a fast --help, and
#: no torch for a pixel run).
LAZY_OK = ("latentcut.cli",)
#: The data's path, bottom to top: a module imports only from its own package or a lower layer. Packages in one
#: layer stand beside each other and import nothing from one another.
LAYERS = [
    ("latentcut.errors",),
    ("latentcut.extras", "latentcut.embeddings"),
    ("latentcut.registry",),
    ("latentcut.component",),
    ("latentcut.io",),  # video -> frames, and every file latentcut reads or writes
    ("latentcut.evaluation",),  # labelled boundaries: the truth every later stage is measured against
    ("latentcut.synthetic",),
    ("latentcut.cache",),
    ("latentcut.encoders",),  # frames -> embeddings
    ("latentcut.scoring",),  # embeddings -> distances -> score curves
    ("latentcut.detection",),  # score curves -> cuts -> shots
    ("latentcut.scenes",),  # shots -> scenes
    ("latentcut.maps", "latentcut.retrieval", "latentcut.inbetween"),  # beside the path
    ("latentcut.exports",),
    ("latentcut.archive",),
    ("latentcut.testing",),
    ("latentcut.cli",),
    ("latentcut",),
]


def _targets(node):
    if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("latentcut"):
        return [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module for a in node.names]
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("latentcut")]
    return []


def _graph():
    graph, lazy = {}, []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        deps = set()
        for node in tree.body:
            for t in _targets(node):
                parts = t.split(".")
                deps.update(".".join(parts[:i]) for i in range(2, len(parts) + 1))
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        graph[name] = {d for d in deps if d in MODULES and d != name and d not in own}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lazy += [(name, sub.lineno, t) for sub in ast.walk(node) for t in _targets(sub)]
    return graph, lazy


def _layer(module: str) -> int:
    best = max((p for layer in LAYERS for p in layer if module == p or module.startswith(p + ".")), key=len)
    return next(i for i, layer in enumerate(LAYERS) if best in layer)


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def upward_imports(graph, lazy) -> list[str]:
    """Imports that run up the data's path, or across to a package beside the importer."""
    edges = [(m, d) for m, deps in graph.items() for d in deps] + [(m, t) for m, _, t in lazy]
    return sorted({f"{m} -> {d}" for m, d in edges
                   if _package(m) != _package(d) and _layer(d) >= _layer(m) and m != "latentcut"})


def test_no_import_cycles():
    graph, _ = _graph()
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for dep in sorted(graph[node]):
            assert state.get(dep) != 1, "import cycle: " + " -> ".join(path + [node, dep])
            if dep not in state:
                visit(dep, path + [node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_no_module_over_400_lines():
    long = {n: len(p.read_text().splitlines()) for n, p in MODULES.items() if len(p.read_text().splitlines()) > 400}
    assert not long


def test_library_code_imports_latentcut_at_the_top():
    _, lazy = _graph()
    hidden = sorted({f"{name}:{line}" for name, line, _ in lazy if not name.startswith(LAZY_OK)})
    assert not hidden


def test_every_package_has_a_layer():
    assert not [m for m in MODULES if not any(m == p or m.startswith(p + ".") for layer in LAYERS for p in layer)]


def test_imports_run_down_the_data_path():
    assert not upward_imports(*_graph())


def test_the_checker_sees_an_upward_import():
    graph = {"latentcut.io.video": {"latentcut.detection.results"}, "latentcut.detection.results": {"latentcut.io"},
             "latentcut.maps.render": {"latentcut.retrieval.search"}, "latentcut.cli.x": {"latentcut.io.video"}}
    assert upward_imports(graph, [("latentcut.scoring.curves", 3, "latentcut.scenes.grouping")]) == [
        "latentcut.io.video -> latentcut.detection.results", "latentcut.maps.render -> latentcut.retrieval.search",
        "latentcut.scoring.curves -> latentcut.scenes.grouping"]


def test_the_checker_sees_a_cycle(tmp_path, monkeypatch):
    """The cycle test can fail: two modules importing each other are caught."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("from latentcut.b import x\n")
    b.write_text("from latentcut.a import y\n")
    monkeypatch.setitem(MODULES, "latentcut.a", a)
    monkeypatch.setitem(MODULES, "latentcut.b", b)
    try:
        test_no_import_cycles()
    except AssertionError as exc:
        assert "latentcut.a -> latentcut.b -> latentcut.a" in str(exc) or "latentcut.b -> latentcut.a -> latentcut.b" in str(exc)
    else:
        raise AssertionError("a cycle went unnoticed")


def test_mutation_exclusions_live_in_the_configuration():
    """No ``pragma: no mutate`` in the product's lines; each excluded pattern still names a line of a mutated module
    (a pattern that matches nothing is stale and would hide a line it was not written for once the code moves)."""
    import re
    import tomllib

    conf = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())["tool"]["mutmut"]
    assert not [n for n, p in MODULES.items() if "pragma: no mutate" in p.read_text()]
    texts = [(ROOT.parent / f).read_text() for f in conf["only_mutate"]]
    stale = [p for p in conf["do_not_mutate_patterns"] if not any(re.search(p, line)
                                                                  for t in texts for line in t.splitlines())]
    assert not stale


def test_requires_python_covers_the_standard_library_the_code_imports():
    """tomllib is 3.11+: every command, even --version, reads the config file through it."""
    import re
    import tomllib

    need = (3, 11) if any("import tomllib" in p.read_text() for p in MODULES.values()) else (3, 8)
    spec = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())["project"]["requires-python"]
    floor = tuple(int(x) for x in re.fullmatch(r">=\s*(\d+)\.(\d+)", spec.strip()).groups())
    assert floor >= need, f"requires-python {spec} but the code needs {need}"


def test_the_public_names_are_documented_and_import_latentcut_stays_light():
    import subprocess
    import sys

    code = ("import sys, latentcut; heavy = [m for m in ('torch', 'faiss', 'timm', 'umap', 'opentimelineio') "
            "if m in sys.modules]; undocumented = [n for n in latentcut.__all__ "
            "if not (getattr(latentcut, n).__doc__ or '').strip()]; print(heavy, undocumented)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "[] []", r.stdout + r.stderr


def test_the_mutation_run_takes_the_files_marked_mutation():
    import re
    import tomllib

    tests = ROOT.parent / "tests"
    marked = sorted(str(p.relative_to(ROOT.parent)) for p in tests.rglob("test_*.py")
                    if re.search(r"^pytestmark = .*pytest\.mark\.mutation", p.read_text(), re.M))
    conf = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())["tool"]["mutmut"]
    assert sorted(conf["pytest_add_cli_args_test_selection"]) == marked


def test_tests_follow_the_package_layout():
    """tests/<package>/test_<module>.py; only the tests across the whole package sit at the top."""
    tests = ROOT.parent / "tests"
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert {p.parent.name for p in tests.rglob("test_*.py") if p.parent != tests} <= packages
    names = [p.name for p in tests.rglob("test_*.py")]
    assert len(names) == len(set(names)), "two test files share a name (pytest imports them by name)"
