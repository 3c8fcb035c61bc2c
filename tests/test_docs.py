"""The README is the front door: its commands and settings table must match the code."""

import re

from conftest import ROOT

from assistant.config import Settings

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_setting():
    for name, field in Settings.model_fields.items():
        assert f"`{name}`" in README, f"README lacks the setting {name}"
        assert field.description and field.description in README, f"README lacks the description of {name}"


def test_ci_runs_exactly_the_readme_test_command():
    commands = re.findall(r"```bash\n([^\n]*python3 -m venv .venv[^\n]*)\n```", README)
    assert len(commands) == 2, "README must hold the two set-up commands"
    assert commands[0].endswith("arkiv serve"), "the main job is the app"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()


def test_every_module_the_data_flow_names_exists():
    flow = README[README.index("## Dataflöde") : README.index("## Utveckling")]
    named = set(re.findall(r"(?<![\w/])((?:assistant|index|ui)/[\w/]+\.py)", flow))
    named |= {f"assistant/{p}" for p in re.findall(r"(?<![\w/])((?:board|web|cli)/\w+\.py)", flow)}
    assert len(named) > 30
    assert not [p for p in sorted(named) if not (ROOT / p).is_file()]
    packages = {p.parent.name for p in (ROOT / "assistant").glob("*/__init__.py")}
    assert {"board", "cli", "web"} <= packages  # the wings
    assert all(f"assistant/{package}/" in flow for package in packages)
