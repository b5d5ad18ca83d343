"""How dates and times are written in Vietnamese, everywhere: pages, admin, audit trail.

One form for each: a date is "01/12/2026", a moment "14:29 ngày 01/12/2026" (hour first, as
Vietnamese writes it, then the date as a date is written). Django's own Vietnamese formats
mix "Ngày 1 tháng 12 năm 2026" with "01-12-2026"; these replace them (``FORMAT_MODULE_PATH``).
Excel cells use the same forms (``indicators.core.dates``). Signed documents keep the form
Decree 30/2020/NĐ-CP sets ("Chánh Lộ, ngày 05 tháng 10 năm 2023"), written by their own code.
"""

DATE_FORMAT = "d/m/Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = r"H:i \n\g\à\y d/m/Y"
YEAR_MONTH_FORMAT = r"\t\h\á\n\g n/Y"
MONTH_DAY_FORMAT = "d/m"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
FIRST_DAY_OF_WEEK = 1  # Monday

# Typed dates are day first; ISO stays accepted for scripts and old bookmarks. The first
# form is the one the admin's calendar writes into the box.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%d/%m/%Y",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
