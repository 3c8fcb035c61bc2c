"""Shared fixtures: every path setting points into tmp_path, and archives use the hashing embedder
unless a test is marked slow and asks for the real model."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.archive import Archive
from assistant.compose import build_assistant, open_archive
from assistant.config import Settings, get_settings
from assistant.service import Assistant
from index.embed import HashingEmbedder

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"
EXAMPLES = ROOT / "examples" / "rapporter"
E5 = "bundled:multilingual-e5-small"

# Under CI=true a missing prerequisite (seed reports, a browser) fails the test instead of skipping it: a CI run
# that skips silently proves nothing. Elsewhere (a developer's checkout without ../shared) it is a skip.
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def requires(present: bool, reason: str) -> pytest.MarkDecorator:
    """Mark a test as needing something outside the repository (see ``pytest_runtest_setup``)."""
    return pytest.mark.requires(present=present, reason=reason)


needs_seeds = requires(
    SEEDS.is_dir() and any(SEEDS.glob("002_*.txt")), "the real reports in ../shared/seeds are not here"
)


def pytest_configure(config):
    config.addinivalue_line("markers", "requires(present, reason): skipped when absent; a failure under CI=true")


def pytest_runtest_setup(item):
    for mark in item.iter_markers("requires"):
        if not mark.kwargs["present"]:
            if IN_CI:
                pytest.fail(f"CI=true and {mark.kwargs['reason']}: a CI run must not skip this test", pytrace=False)
            pytest.skip(mark.kwargs["reason"])


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("ARKIV_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ARKIV_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


# Read before ``_isolated`` clears ARKIV_* for each test: a developer may point the slow tests at a folder that
# already holds the converted model (ARKIV_MODEL_CACHE_DIR=/work/model-cache); CI converts it once per session.
_OUTER_MODEL_CACHE = os.environ.get("ARKIV_MODEL_CACHE_DIR")


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """One folder for the converted bundled model, shared by every slow test of the session."""
    if _OUTER_MODEL_CACHE and Path(_OUTER_MODEL_CACHE).is_dir():
        return Path(_OUTER_MODEL_CACHE)
    return tmp_path_factory.mktemp("models")


def copy_examples(target: Path) -> Path:
    """The example reports (not their sources, scripts or questions) copied to ``target``."""
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns("src", "*.py", "*.jsonl", "README.md"))
    return target


@dataclass(frozen=True)
class RealArchive:
    """The examples ingested once with the bundled e5: the folder, its data dir and the opened archive."""

    root: Path
    data: Path
    archive: Archive
    model_cache: Path

    def copy(self, target: Path) -> tuple[Path, Path]:
        """A private copy of the folder and the data dir (ingesting into it embeds only what is new)."""
        root, data = target / "rapporter", target / "data"
        shutil.copytree(self.root, root)
        shutil.copytree(self.data, data, ignore=shutil.ignore_patterns("*.lock", "arkiv.log"))
        return root, data

    def settings(self, data: Path, **overrides) -> Settings:
        return Settings(data_dir=data, model_cache_dir=self.model_cache, embedding_model=E5, **overrides)


@pytest.fixture(scope="session")
def real_examples(tmp_path_factory, model_cache) -> RealArchive:
    """The real-model tier (tests marked slow): the fictional examples ingested once per session with the
    bundled multilingual-e5-small, hybrid search as in production. Read-only; use ``copy`` to change it."""
    work = tmp_path_factory.mktemp("real")
    root = copy_examples(work / "rapporter")
    data = work / "data"
    archive = open_archive(Settings(data_dir=data, model_cache_dir=model_cache, embedding_model=E5))
    report = archive.ingest(root)
    assert not report.failed and len(report.indexed) == 8, report
    yield RealArchive(root, data, archive, model_cache)
    archive.close()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", embedding_model="hashing")


_SETTINGS_OF: dict[int, Settings] = {}  # id(archive) → the settings make_archive opened it with


def assistant_of(archive: Archive) -> Assistant:
    """The assistant the composition root would build over an archive from ``make_archive``."""
    return build_assistant(archive, _SETTINGS_OF[id(archive)])


@pytest.fixture
def make_archive(settings):
    opened = []

    def make(**overrides) -> Archive:
        chosen = settings.model_copy(update=overrides)
        archive = open_archive(chosen, embedder=HashingEmbedder())
        _SETTINGS_OF[id(archive)] = chosen
        opened.append(archive)
        return archive

    yield make
    for archive in opened:
        _SETTINGS_OF.pop(id(archive), None)
        archive.close()


FINAL_REPORT = """Slutrapport
Insats för samverkansmedel

## 1. Allmänna uppgifter

| Insatsens namn<br>Vägen framåt Söderhamn |
| Insatstid – åååå-mm-dd<br>2021-03-01 - 2023-02-28 |
| Beviljade medel för insatsen<br>1 250 000 kr |
| Utnyttjade medel<br>1 104 220 kr |

## 2. Ansvarig för genomförande av insatsen

| Organisations namn<br>Söderhamns kommun | Arbetsställets namn<br>Arbetsmarknadsenheten |

## 5. Resultat och utfall av insats

**5.1 Måluppfyllelse:** Ange mål och resultat.

Målet var 40 deltagare. Totalt har 33 personer deltagit och 12 gick vidare till arbete eller studier.

## 6. Analys

#### 6.4 Beskriv framgångsfaktorer/positiva effekter:

Samverkan i Trisam var avgörande: teamet träffades varannan vecka och alla parter kände deltagarna.
Arbetsträning på riktiga arbetsplatser gav deltagarna tro på sin förmåga.

#### 6.5 Beskriv identifierade systemfel som påverkat insatsens resultat:

Långa väntetider till psykiatrin gjorde att flera deltagare fick vänta på utredning i över ett år.

## 7. Ekonomiuppföljning utnyttjade medel

Budgeten räckte; en tolk hade behövts men fanns inte med i budgeten.
"""

QUARTERLY_REPORT = """Kvartalsrapport
Insats för samverkansmedel

Diarienummer
SFG 23-14

1. Allmänna uppgifter

Insatsens namn
Vägen framåt i Nordanstig (VF)

Huvudman för insatsen
Arbetsmarknadsenheten Nordanstigs kommun

Kvartalsrapporten gäller för perioden
230401 - 230630

2. Aktivitetsrapport - resultat, utfall och nulägesanalys

2.1 Aktiviteter: Beskriv kortfattat vilka aktiviteter som har genomförts.

Under kvartalet har VF haft 14 deltagare. Gruppen träffar kuratorn på hälsocentralen en gång i månaden.

2.5 Sammanfattande bedömning: Vad går bra och mindre bra i arbetet?

Samarbetet med Försäkringskassan fungerar bra. Bristen på praktikplatser i kommunen är ett hinder.
"""

OCR_REPORT = """Slutrapport

1. Allmanna uppgifter

Insatsens namn
Lotsen Hofors

Insatstid - 4333-mm-dd
220101 - 221231

Beviljade medel for insatsen
300 000 kr

6.4 Beskriv framgangsfaktorer/positiva effekter:
Handlaggaren hade tid for varje deltagare och kunde folja med till vardcentralen.
"""


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A tiny fictional archive: a final report (md), a quarterly report (UTF-16 txt) and an OCR-like one (cp1252)."""
    root = tmp_path / "rapporter"
    (root / "2023").mkdir(parents=True)
    (root / "slutrapport vägen framåt.md").write_text(FINAL_REPORT, encoding="utf-8")
    (root / "2023" / "kvartal_vf.txt").write_text(QUARTERLY_REPORT, encoding="utf-16")
    (root / "lotsen_ocr.txt").write_bytes(OCR_REPORT.encode("cp1252"))
    return root
