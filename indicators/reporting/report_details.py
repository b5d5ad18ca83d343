"""What heads and closes a ward's report as Decree 30/2020/NĐ-CP lays it out.

The issuing body ("ỦY BAN NHÂN DÂN / PHƯỜNG CHÁNH LỘ"), the number ("Số: 125/BC-UBND"), the
place and date ("Chánh Lộ, ngày 05 tháng 02 năm 2024"), the title naming the period, "Nơi
nhận" and the signature block. What a unit typed beside its written sections
(``PeriodReport``'s document fields) wins; a blank field takes the default from the unit.
The Word report (:mod:`.document`) and the Excel annex (:mod:`.workbook`) both read
:func:`report_details`, so that the two never name the document differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from indicators.core.periods import ROMAN_QUARTERS, Period
from indicators.models import PeriodReport, SignerCapacity, Unit

# A unit's name starts with its level word ("Phường Chánh Lộ"); a place name drops it.
LEVEL_WORDS = (
    "thành phố",
    "thị trấn",
    "thị xã",
    "đặc khu",
    "phường",
    "quận",
    "huyện",
    "tỉnh",
    "xã",
)
NUMBER_SUFFIX = "/BC-UBND"  # a People's Committee's report (Decree 30/2020, Appendix III)


@dataclass(frozen=True)
class ReportDetails:
    """Everything the document's head and foot print, defaults already applied."""

    body: str  # "ỦY BAN NHÂN DÂN"
    unit_line: str  # "PHƯỜNG CHÁNH LỘ"
    number: str  # "Số: 125/BC-UBND", or "Số:      /BC-UBND" left for the clerk
    number_ref: str  # "125/BC-UBND" or "…/BC-UBND", as the annex cites it
    place: str  # "Chánh Lộ"
    issued_on: date
    signer_lines: list[str]  # ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    signer_name: str  # "" when nobody was named: the line stays empty for a hand-written name
    recipients: list[str]  # ["UBND thành phố Quảng Ngãi;", …, "Lưu: VT."]

    @property
    def place_and_date(self) -> str:
        return f"{self.place}, {decree_date(self.issued_on)}"


def decree_date(day: date) -> str:
    """ "ngày 05 tháng 02 năm 2024", "ngày 20 tháng 9 năm 2023".

    Decree 30/2020 (Appendix I): a day below 10 and the months 1 and 2 take a leading zero;
    months 3–12 take none.
    """
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return _("ngày %(day)s tháng %(month)s năm %(year)d") % {
        "day": f"{day.day:02d}",
        "month": month,
        "year": day.year,
    }


def place_name(unit: Unit) -> str:
    """The unit's name without its level word: "Phường Chánh Lộ" → "Chánh Lộ"."""
    name = unit.name.strip()
    lowered = name.lower()
    for word in LEVEL_WORDS:
        if lowered.startswith(word + " ") and len(name) > len(word) + 1:
            return name[len(word) :].strip()
    return name


def committee_name(unit: Unit) -> str:
    """ "UBND thành phố Quảng Ngãi": the People's Committee of a unit, as recipients name it."""
    name = unit.name.strip()
    return _("UBND %(unit)s") % {"unit": name[:1].lower() + name[1:]}


def report_details(*, unit: Unit, report: PeriodReport | None, today: date) -> ReportDetails:
    """The document's details for ``unit``'s report, typed ones first, then the defaults.

    Defaults: the unit's People's Committee as issuing body, its name without the level word
    as place, ``today`` as date, the chair signing on behalf of the committee, and as
    recipients the People's Committee above (when there is one) and the archive.
    """
    report = report or PeriodReport(unit=unit)
    capacity = report.signer_capacity or SignerCapacity.ON_BEHALF
    body = _("TM. ỦY BAN NHÂN DÂN")
    if capacity == SignerCapacity.DEPUTY:
        signer_lines = [body, _("KT. CHỦ TỊCH"), (report.signer_title or _("PHÓ CHỦ TỊCH")).upper()]
    else:
        signer_lines = [body, (report.signer_title or _("CHỦ TỊCH")).upper()]
    number = report.document_number.strip()
    return ReportDetails(
        body=_("ỦY BAN NHÂN DÂN"),
        unit_line=unit.name.upper(),
        number=_("Số: %(number)s") % {"number": (number or "      ") + NUMBER_SUFFIX},
        number_ref=(number or "…") + NUMBER_SUFFIX,
        place=report.place.strip() or place_name(unit),
        issued_on=report.issued_on or today,
        signer_lines=signer_lines,
        signer_name=report.signer_name.strip(),
        recipients=_recipients(unit, report.recipients),
    )


def annex_reference(details: ReportDetails, unit) -> str:
    """ "(Kèm theo Báo cáo số 125/BC-UBND ngày 20 tháng 9 năm 2023 của UBND phường Chánh Lộ)"."""
    return _("(Kèm theo Báo cáo số %(number)s %(date)s của %(body)s)") % {
        "number": details.number_ref,
        "date": decree_date(details.issued_on),
        "body": committee_name(unit),
    }


def _recipients(unit: Unit, typed: str) -> list[str]:
    """One line per recipient, "- " stripped; each ends with ";" and the last with "."."""
    lines = [line.strip().lstrip("-–•").strip() for line in typed.splitlines()]
    lines = [line.rstrip(";.").strip() for line in lines if line]
    if not lines:
        lines = [committee_name(unit.parent)] if unit.parent is not None else []
        lines.append(_("Lưu: VT"))
    return [line + ("." if index == len(lines) - 1 else ";") for index, line in enumerate(lines)]


# --- The title ------------------------------------------------------------------------------


def report_title(period: Period) -> str:
    """The line under "BÁO CÁO", naming the period and the one after it as reports do.

    9 months → "Tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội 9 tháng đầu năm và
    phương hướng, nhiệm vụ 3 tháng cuối năm 2023"; a year → "… năm 2023 và phương hướng,
    nhiệm vụ năm 2024"; a quarter → "… quý III và phương hướng, nhiệm vụ quý IV năm 2023";
    a month → "… tháng 9 và phương hướng, nhiệm vụ tháng 10 năm 2023". A period whose next
    one falls in the next year names both years.
    """
    return _(
        "Tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội %(period)s và phương hướng, "
        "nhiệm vụ %(next)s"
    ) % _title_parts(period)


def next_period_words(period: Period) -> str:
    """The period after ``period`` as part III names it: "3 tháng cuối năm 2023"."""
    return _title_parts(period)["next"]


def _title_parts(period: Period) -> dict[str, str]:
    year, next_year = period.year, period.year + 1
    kind = period.kind
    if kind == "year" or (kind == "ytd" and period.last_month == 12):
        return {
            "period": _("năm %(year)d") % {"year": year},
            "next": _("năm %(year)d") % {"year": next_year},
        }
    if kind in ("first_months", "ytd"):
        return {
            "period": _("%(months)d tháng đầu năm") % {"months": period.last_month},
            "next": _("%(months)d tháng cuối năm %(year)d")
            % {"months": 12 - period.last_month, "year": year},
        }
    if kind == "quarter":
        quarter = period.last_month // 3
        if quarter == 4:
            return {
                "period": _("quý IV năm %(year)d") % {"year": year},
                "next": _("quý I năm %(year)d") % {"year": next_year},
            }
        return {
            "period": _("quý %(quarter)s") % {"quarter": ROMAN_QUARTERS[quarter]},
            "next": _("quý %(quarter)s năm %(year)d")
            % {"quarter": ROMAN_QUARTERS[quarter + 1], "year": year},
        }
    if period.last_month == 12:
        return {
            "period": _("tháng 12 năm %(year)d") % {"year": year},
            "next": _("tháng %(month)d năm %(year)d") % {"month": 1, "year": next_year},
        }
    return {
        "period": _("tháng %(month)d") % {"month": period.last_month},
        "next": _("tháng %(month)d năm %(year)d") % {"month": period.last_month + 1, "year": year},
    }
