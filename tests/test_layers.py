"""Dependencies point one way (ui → assistant → index) and each heavy library lives behind one module."""

import ast

import pytest
from conftest import ROOT

OWNERS = {
    "chromadb": {"index/store.py"},
    "sentence_transformers": {"index/embed.py"},
    "torch": {"index/embed.py"},
    "safetensors": {"index/bundled.py"},
    "tokenizers": {"index/bundled.py"},
    "transformers": {"index/embed.py"},
    "langchain_core": {"assistant/chain.py"},
    "langchain": {"assistant/chain.py"},
    "langchain_openai": {"assistant/chain.py"},
    "openai": {"assistant/chain.py"},
    "sqlite3": {"index/register.py"},
    "bm25s": {"index/lexical.py"},
    "pypdfium2": {"index/parse.py"},
    "docx": {"index/parse.py", "assistant/board/export.py"},
    "matplotlib": {"assistant/board/chart.py"},
    "gradio": {"ui/chat.py"},
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


@pytest.mark.parametrize("path", _modules("index"), ids=lambda p: p.name)
def test_index_never_imports_assistant_or_ui(path):
    assert not [m for m in _imports(path) if m.split(".")[0] in ("assistant", "ui")]


@pytest.mark.parametrize("path", _modules("index") + _modules("assistant") + _modules("ui"), ids=lambda p: p.name)
def test_heavy_libraries_stay_behind_their_module(path):
    relative = path.relative_to(ROOT).as_posix()
    for module in _imports(path):
        owners = OWNERS.get(module.split(".")[0])
        assert owners is None or relative in owners, f"{relative} imports {module}"
