"""The English catalogue: every Vietnamese msgid translated and compiled into the .mo file."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def po_entries(path: Path) -> list[dict[str, str]]:
    """(msgctxt, msgid, msgid_plural, msgstr…) of each entry of a .po file, strings joined."""
    entries, current, key = [], {}, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                entries.append(current)
            current, key = {}, None
            continue
        if line.startswith("#"):
            if line.startswith("#,"):
                current["flags"] = line
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line)
        if match:
            key = match.group(1)
            current[key] = ast.literal_eval(match.group(2))
        else:
            current[key] += ast.literal_eval(line)
    if current:
        entries.append(current)
    return [entry for entry in entries if entry.get("msgid")]


def test_every_msgid_has_an_english_translation():
    entries = po_entries(CATALOGUE / "django.po")

    assert len(entries) > 400
    untranslated = [
        entry["msgid"]
        for entry in entries
        if not (entry.get("msgstr") or entry.get("msgstr[0]") and entry.get("msgstr[1]"))
    ]
    assert untranslated == []
    assert [e["msgid"] for e in entries if "fuzzy" in e.get("flags", "")] == []


def test_the_compiled_catalogue_holds_every_translation():
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    for entry in po_entries(CATALOGUE / "django.po"):
        if "msgid_plural" in entry:
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2) == entry["msgstr[1]"]
        elif "msgctxt" in entry:
            assert compiled.pgettext(entry["msgctxt"], entry["msgid"]) == entry["msgstr"]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]
