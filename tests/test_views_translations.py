"""The English catalogue: every string of the project extracted, translated and compiled."""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES"


def committed_entries() -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(CATALOGUE / "django.po")) if not entry.obsolete]


def test_every_msgid_has_an_english_translation():
    entries = committed_entries()

    assert len(entries) > 400
    assert [e.msgid for e in entries if not e.translated()] == []
    assert [e.msgid for e in entries if e.fuzzy] == []


def test_the_compiled_catalogue_holds_every_translation():
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    for entry in committed_entries():
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgstr_plural[1]
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_no_string_of_the_code_is_missing_from_the_catalogue(tmp_path):
    """Extract the strings afresh (as `make messages` does) in a copy of the project."""
    for name in ("indicators", "templates", "ward_report"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path)
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-wrap"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    fresh = polib.pofile(str(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    committed = {(e.msgctxt, e.msgid) for e in committed_entries()}
    missing = [e.msgid for e in fresh if (e.msgctxt, e.msgid) not in committed]
    assert missing == [], "run `make messages` and translate these"
    extracted = {(e.msgctxt, e.msgid) for e in fresh}
    stale = [msgid for context, msgid in committed if (context, msgid) not in extracted]
    assert stale == [], "run `make messages`: the code no longer has these"
