"""Text that users type, on its way in (refuse control characters) and out (Excel text cells).

Two rules live here and nowhere else:

- A control character (U+0000–U+001F and U+007F) has no place in a name or a written section;
  a multi-line text may hold tab, line feed and carriage return. Forms and the import refuse
  the others with :func:`refuse_control_characters` (attached to the model fields).
- A text written into a spreadsheet cell is text, whatever it starts with: openpyxl turns a
  string that starts with "=" into a formula, and Excel or LibreOffice would evaluate
  ``=HYPERLINK(...)`` or ``cmd|...``. :func:`put_text` writes it as a string cell, and drops
  the characters that the file format cannot hold (text stored before the rule existed must
  not make an export fail).
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from indicators.core.dates import excel_number_format

LINE_BREAKS = "\t\n\r"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_EXCEPT_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What an .xlsx cannot hold (openpyxl raises IllegalCharacterError for these).
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def control_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control characters in ``text``, in order of appearance, each once.

    ``multiline`` allows tab, line feed and carriage return.
    """
    pattern = _CONTROL_EXCEPT_BREAKS if multiline else _CONTROL
    found: list[str] = []
    for match in pattern.finditer(text):
        if match.group() not in found:
            found.append(match.group())
    return found


def describe(characters: list[str]) -> str:
    """``["\\x08", "\\x01"]`` → ``"U+0008, U+0001"``: how a message names invisible characters."""
    return ", ".join(f"U+{ord(c):04X}" for c in characters)


def control_character_message(characters: list[str]) -> str:
    return _(
        "Không được chứa ký tự điều khiển (ký tự vô hình, thường do sao chép từ phần mềm "
        "khác): %(characters)s. Hãy xóa và gõ lại đoạn này."
    ) % {"characters": describe(characters)}


@deconstructible
class ControlCharacterValidator:
    """Refuses control characters; ``multiline`` allows tab, line feed and carriage return."""

    code = "control_characters"

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value) -> None:
        found = control_characters(str(value), multiline=self.multiline)
        if found:
            raise ValidationError(control_character_message(found), code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, ControlCharacterValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash(self.multiline)


refuse_control_characters = ControlCharacterValidator()
refuse_control_characters_multiline = ControlCharacterValidator(multiline=True)


def cell_text(value: str) -> str:
    """``value`` without the characters an .xlsx cannot hold (it keeps tab and line breaks)."""
    return _NOT_IN_XLSX.sub("", value)


def put_text(cell, value) -> None:
    """Write ``value`` into the openpyxl ``cell`` as a string cell (never a formula).

    Anything but a ``str`` (a number, a date, ``None``) is written as it is; a date or a
    moment shows in the one written form (``core.dates``: "01/12/2026").
    """
    if not isinstance(value, str):
        cell.value = value
        number_format = excel_number_format(value)
        if number_format:
            cell.number_format = number_format
        return
    cell.value = cell_text(value)
    cell.data_type = "s"


def search_key(text: str) -> str:
    """``text`` folded for a search as people type it on a phone: lower case, without the
    Vietnamese tone and vowel marks, đ as d ("Tổ dân phố 1" → "to dan pho 1")."""
    folded = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())
