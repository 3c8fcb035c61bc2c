"""Dependencies point one way (ui → assistant → index) and each heavy library lives behind one module.

The wings of ``assistant/``: the ask path at its top, ``board/`` (summaries), ``web/`` (the front desk, the API and
the composition root) and ``cli/``. Nothing in the ask path, the board or ``index`` reaches into ``web/``: only the
front ends do, i.e. ``ui/`` (the page the root mounts, a front end over the front desk like the API) and ``cli/``
(``arkiv serve`` starts the server, ``arkiv users`` manages the web's users, ``arkiv insatser`` lists the register
through the front desk so it is masked alike). Nothing imports the composition root but the CLI's ``serve``.
"""

import ast
from collections import defaultdict

import pytest
from conftest import ROOT

OWNERS = {
    "chromadb": {"index/store.py"},
    "sentence_transformers": {"index/embed.py"},
    # the exporter loads the model in PyTorch once to write it as ONNX
    "torch": {"index/embed.py", "index/onnx_export.py"},
    "safetensors": {"index/bundled.py"},
    "tokenizers": {"index/bundled.py", "index/onnx_embed.py"},
    "transformers": {"index/embed.py", "index/onnx_export.py"},
    "onnxruntime": {"index/onnx_embed.py", "index/onnx_export.py"},
    "onnx": {"index/onnx_export.py"},
    "httpx": {"index/remote_embed.py"},
    "langchain_core": {"assistant/chain.py"},
    "langchain": {"assistant/chain.py"},
    "langchain_openai": {"assistant/chain.py"},
    "openai": {"assistant/chain.py"},
    "sqlite3": {"index/register.py"},
    "bm25s": {"index/lexical.py"},
    "pypdfium2": {"index/parse.py"},
    "docx": {"index/parse.py", "assistant/board/export.py"},
    "matplotlib": {"assistant/board/chart.py"},
    "gradio": {"ui/chat.py", "ui/handlers.py"},
    "fastapi": {"assistant/web/api.py", "assistant/web/app.py", "ui/chat.py"},
    "starlette": {"assistant/web/app.py"},
    "uvicorn": {"assistant/cli/commands.py"},
    "argon2": {"assistant/web/auth.py"},
}


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _modules(package):
    return sorted((ROOT / package).rglob("*.py"))


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _all_imports(path):
    """Every module ``path`` imports, lazy imports inside functions included, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else _module_name(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)  # "from assistant.web import api"


OURS = _modules("index") + _modules("assistant") + _modules("ui")
NAMES = {_module_name(p): p for p in OURS}


@pytest.mark.parametrize("path", _modules("index"), ids=lambda p: p.name)
def test_index_never_imports_assistant_or_ui(path):
    assert not [m for m in _imports(path) if m.split(".")[0] in ("assistant", "ui")]


@pytest.mark.parametrize("path", _modules("index") + _modules("assistant") + _modules("ui"), ids=lambda p: p.name)
def test_heavy_libraries_stay_behind_their_module(path):
    relative = path.relative_to(ROOT).as_posix()
    for module in _imports(path):
        owners = OWNERS.get(module.split(".")[0])
        assert owners is None or relative in owners, f"{relative} imports {module}"


@pytest.mark.parametrize("path", _modules("ui"), ids=lambda p: p.name)
def test_ui_never_imports_index_or_fastapi(path):
    """The front desk hands the UI everything it shows (highlight words included), so ui/ needs no analyzer."""
    assert not [m for m in _all_imports(path) if m.split(".")[0] in ("index", "fastapi", "starlette")]


WEB_USERS = ("assistant.web", "assistant.cli", "ui")  # the front ends (see the module docstring)


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_only_front_ends_import_the_web_wing(path):
    name = _module_name(path)
    if name.startswith(WEB_USERS):
        return
    assert not [m for m in _all_imports(path) if m == "assistant.web" or m.startswith("assistant.web.")], name


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_nothing_but_the_cli_imports_the_composition_root(path):
    name = _module_name(path)
    if name in ("assistant.web.app", "assistant.cli.commands"):
        return  # the root itself; `arkiv serve` starts it
    assert "assistant.web.app" not in set(_all_imports(path)), name


@pytest.mark.parametrize("path", _modules("assistant/board"), ids=lambda p: p.name)
def test_board_summaries_never_reach_the_ask_path_or_the_front_ends(path):
    """The board wing reads the register's records; it neither searches nor answers nor serves."""
    banned = ("assistant.web", "assistant.cli", "assistant.service", "assistant.retrieve", "assistant.extractive")
    assert not [m for m in _all_imports(path) if m.startswith(banned)]


def test_no_import_cycles_between_our_modules():
    graph = defaultdict(set)
    for name, path in NAMES.items():
        for imported in _all_imports(path):
            # A submodule's own parent package is loaded before it anyway: not an edge of a cycle.
            if imported in NAMES and imported != name and not name.startswith(imported + "."):
                graph[name].add(imported)
    cycles = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(NAMES):
        if start not in state:
            visit(start, [start])
    assert not cycles, cycles


def test_the_cycle_check_sees_lazy_and_package_imports():
    """A guard on the checker itself: it must see an import inside a function and ``from pkg import module``."""
    commands = set(_all_imports(ROOT / "assistant" / "cli" / "commands.py"))
    assert "assistant.web.app" in commands  # imported inside serve()
    main = set(_all_imports(ROOT / "assistant" / "cli" / "main.py"))
    assert "assistant.cli.commands" in main  # "from assistant.cli import commands", inside _parser()
