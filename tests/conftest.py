"""Shared fixtures: every path setting points into tmp_path, and archives use the hashing embedder
unless a test is marked slow and asks for the real model."""

from __future__ import annotations

import os
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

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="the real reports in ../shared/seeds are not here")


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


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """One folder for the converted bundled model, shared by every slow test of the session."""
    return tmp_path_factory.mktemp("models")


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
