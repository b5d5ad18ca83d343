"""Workbook import: a whole city in one file, all or nothing, every error at once."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from indicators.exchange import CellError, WorkbookRejected, import_workbook, reader
from indicators.exchange.schema import SHEETS
from indicators.exchange.template import import_workbook_file
from indicators.models import (
    Area,
    Authority,
    Figure,
    Indicator,
    MonthApproval,
    RoleGrant,
    Target,
    Unit,
)

D = Decimal


@pytest.fixture(autouse=True)
def vietnamese():
    """Files, sheets and messages are checked in Vietnamese, whatever an earlier test left on."""
    with translation.override("vi"):
        yield


def xlsx(sheets: dict[str, list[list]]) -> io.BytesIO:
    """A workbook with one sheet per key, rows as given (the first is the header)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


FIGURE_HEADER = [
    "unit",
    "indicator",
    "year",
    "month",
    "value",
    "numerator",
    "denominator",
    "status",
]
TARGET_HEADER = ["unit", "indicator", "year", "authority", "value", "basis"]

CITY = {
    "areas": [
        ["code", "name"],
        ["ngan-sach", "Thu ngân sách nhà nước"],
        ["ccdt", "Chính quyền số"],
    ],
    "authorities": [["code", "name"], ["ubnd-tp", "UBND thành phố"], ["hdnd-p", "HĐND phường"]],
    "units": [
        ["code", "name", "level", "parent"],
        # A child before its parent: the import orders them itself.
        ["phuong-a", "Phường A", "ward", "tp"],
        ["tp", "Thành phố", "city", None],
        ["xa-b", "Xã B", "commune", "tp"],
        ["to-1", "Tổ dân phố 1", "group", "phuong-a"],
    ],
    "indicators": [
        ["code", "name", "unit", "kind", "direction", "area"],
        ["thu", "Tổng thu ngân sách", "đồng", "sum", "up", "ngan-sach"],
        ["dvc", "Dịch vụ công trực tuyến", "%", "reported", "up", "ccdt"],
        ["dung-han", "Hồ sơ đúng hạn", "%", "ratio", "up", "ccdt"],
    ],
    "targets": [
        TARGET_HEADER,
        ["phuong-a", "thu", 2023, "ubnd-tp", "6.945.000.000", "QĐ 12/QĐ-UBND"],
        ["phuong-a", "thu", 2023, "hdnd-p", 6995000000, None],
    ],
    "figures": [
        FIGURE_HEADER,
        ["phuong-a", "thu", 2023, 9, "6.021.447.000", None, None, "estimate"],
        ["phuong-a", "dvc", 2023, 9, "86,7", None, None, "official"],
        ["to-1", "dung-han", 2023, 9, None, 564, 880, None],
        ["xa-b", "thu", 2023, 9, 1500.5, None, None, "official"],
    ],
}


def run(sheets, *, user=None, name="thanh-pho.xlsx"):
    return import_workbook(xlsx(sheets), file_name=name, user=user)


def rejected(sheets, *, user=None) -> list[tuple[str, int, str, str]]:
    with pytest.raises(WorkbookRejected) as caught:
        run(sheets, user=user)
    return [(e.sheet, e.row, e.column, e.message) for e in caught.value.errors]


def nothing_written():
    return not any(m.objects.exists() for m in (Area, Authority, Unit, Indicator, Target, Figure))


# --- a whole city in one workbook ---------------------------------------------------------


def test_one_workbook_creates_the_tree_catalogue_targets_and_figures(db, staff_user):
    counts = run(CITY, user=staff_user)

    assert {k: (c.created, c.updated, c.unchanged) for k, c in counts.items()} == {
        "areas": (2, 0, 0),
        "authorities": (2, 0, 0),
        "units": (4, 0, 0),
        "indicators": (3, 0, 0),
        "targets": (2, 0, 0),
        "figures": (4, 0, 0),
    }
    units = {u.code: u for u in Unit.objects.select_related("parent")}
    assert units["to-1"].parent.code == "phuong-a"
    assert units["phuong-a"].parent.code == "tp"
    assert units["tp"].parent is None
    assert units["xa-b"].level == "commune"
    revenue = Figure.objects.get(unit__code="phuong-a", indicator__code="thu")
    assert revenue.value == D("6021447000")
    assert revenue.status == "estimate"
    assert revenue.source == "import: thanh-pho.xlsx"
    assert revenue.entered_by == staff_user
    created = revenue.history.get()  # the audit trail has the creation, with who and from where
    assert (created.history_type, created.history_user) == ("+", staff_user)
    assert created.history_change_reason == "import: thanh-pho.xlsx"
    assert Figure.history.count() == 4 and Target.history.count() == 2
    assert Figure.objects.get(indicator__code="dvc").value == D("86.7")
    ratio = Figure.objects.get(indicator__code="dung-han")
    assert (ratio.numerator, ratio.denominator, ratio.value) == (D(564), D(880), None)
    assert ratio.status == "official"  # an empty status is official
    assert Figure.objects.get(unit__code="xa-b").value == D("1500.5")
    targets = {t.authority.code: t for t in Target.objects.select_related("authority")}
    assert targets["ubnd-tp"].value == D("6945000000")
    assert targets["ubnd-tp"].basis == "QĐ 12/QĐ-UBND"
    assert targets["hdnd-p"].basis == ""


def test_importing_the_same_workbook_again_changes_nothing(db, staff_user):
    run(CITY, user=staff_user)
    before = {f.pk: f.updated_at for f in Figure.objects.all()}
    history = Figure.history.count()

    counts = run(CITY, user=staff_user)

    assert all(c.created == 0 and c.updated == 0 for c in counts.values())
    assert counts["figures"].unchanged == 4
    assert counts["units"].unchanged == 4
    assert {f.pk: f.updated_at for f in Figure.objects.all()} == before
    assert Figure.history.count() == history


def test_a_changed_figure_updates_it_and_records_who_and_where_from(db, staff_user):
    run(CITY, user=staff_user, name="lan-1.xlsx")
    changed = {
        **CITY,
        "figures": [
            FIGURE_HEADER,
            CITY["figures"][1][:4] + ["6.100.000.000", None, None, "official"],
        ],
    }

    counts = run(changed, user=staff_user, name="lan-2.xlsx")

    assert (counts["figures"].created, counts["figures"].updated) == (0, 1)
    revenue = Figure.objects.get(unit__code="phuong-a", indicator__code="thu")
    assert (revenue.value, revenue.status) == (D("6100000000"), "official")
    assert revenue.source == "import: lan-2.xlsx"
    latest = revenue.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "import: lan-2.xlsx"
    assert latest.history_user == staff_user
    assert Figure.objects.count() == 4  # the figures not in the second file stay


def test_codes_may_refer_to_rows_already_in_the_database(db, staff_user):
    run(CITY, user=staff_user)
    more = {"figures": [FIGURE_HEADER, ["to-1", "thu", 2023, 10, 250000, None, None, None]]}

    run(more, user=staff_user)

    assert Figure.objects.get(unit__code="to-1", month=10).value == D(250000)


def test_order_columns_set_the_catalogue_and_tree_order(db):
    sheets = {
        "areas": [["code", "name", "order"], ["b", "B", 20], ["a", "A", 10]],
        "units": [["code", "name", "level", "parent", "order"], ["u", "U", "ward", None, 3]],
    }
    run(sheets)
    assert list(Area.objects.order_by("order").values_list("code", flat=True)) == ["a", "b"]
    assert Unit.objects.get(code="u").order == 3


# --- every error at once, nothing written -------------------------------------------------


def test_every_kind_of_error_is_reported_at_once_with_sheet_row_and_column(db):
    sheets = {
        **CITY,
        "figures": [
            FIGURE_HEADER,
            ["phuong-a", "thu", 2023, 9, "6.021.447.000", None, None, "estimate"],  # 2: fine
            ["khong-co", "thu", 2023, 9, 5, None, None, None],  # 3: unknown unit
            ["phuong-a", "thu", 2023, 13, 5, None, None, None],  # 4: month 13
            ["phuong-a", "thu", 2023, 8, "năm triệu", None, None, None],  # 5: text
            ["to-1", "dung-han", 2023, 9, None, 900, 880, None],  # 6: numerator > denominator
            ["xa-b", "thu", 2023, 9, -5, None, None, None],  # 7: negative revenue
            ["phuong-a", "thu", 2023, 9, 7, None, None, None],  # 8: duplicate of row 2
            ["xa-b", "thu", 2023, 8, "1.500", None, None, None],  # 9: ambiguous
            ["xa-b", "dvc", 2023, 9, 101, None, None, None],  # 10: a percentage above 100
            ["xa-b", "khong-co", 2023, 9, 1, None, None, None],  # 11: unknown indicator
            ["xa-b", "thu", 2023, 7, 1, None, None, "maybe"],  # 12: unknown status
            ["xa-b", "dung-han", 2023, 9, 50, None, None, None],  # 13: a ratio without counts
        ],
    }
    errors = rejected(sheets)

    assert errors == [
        ("figures", 3, "unit", "Không có đơn vị có mã “khong-co”."),
        ("figures", 4, "month", "Tháng 13 không tồn tại (chỉ có tháng 1 đến 12)."),
        ("figures", 5, "value", '"năm triệu" không phải là số.'),
        ("figures", 6, "numerator", "Tử số (900) không được lớn hơn mẫu số (880)."),
        ("figures", 7, "value", "Tổng thu ngân sách không được âm."),
        ("figures", 8, "", "Dòng bị trùng với dòng 2 (cùng mã hoặc cùng khóa)."),
        (
            "figures",
            9,
            "value",
            '"1.500" không rõ là số nghìn hay số thập phân; hãy viết không có dấu ngăn cách '
            "(ví dụ 1500) hoặc có đủ phần thập phân (ví dụ 1,5).",
        ),
        ("figures", 10, "value", "Tỷ lệ không được vượt quá 100%."),
        ("figures", 11, "indicator", "Không có chỉ tiêu có mã hoặc tên “khong-co”."),
        (
            "figures",
            12,
            "status",
            ("“maybe” không hợp lệ; chỉ nhận: ước thực hiện, ước, chính thức, estimate, official."),
        ),
        ("figures", 13, "value", "Chỉ tiêu tỷ lệ nhập tử số và mẫu số, không nhập tỷ lệ."),
        ("figures", 13, "numerator", "Chưa nhập tử số (tử số)."),
        ("figures", 13, "denominator", "Chưa nhập mẫu số (mẫu số)."),
    ]
    assert nothing_written()


def test_errors_in_the_other_sheets_are_found_too(db):
    sheets = {
        "authorities": [["code", "name"], ["ubnd tp", "UBND"]],
        "units": [
            ["code", "name", "level", "parent"],
            ["a", "A", "ward", "b"],
            ["b", "B", "ward", "a"],
            ["c", "C", "village", None],
            ["d", "D", "ward", "khong-co"],
        ],
        "indicators": [
            ["code", "name", "unit", "kind", "direction", "area"],
            ["x", "X", "đồng", "sum", "sideways", "khong-co"],
        ],
        "targets": [TARGET_HEADER, ["a", "x", 1800, "khong-co", -1, None]],
    }
    errors = rejected(sheets)

    assert (
        "authorities",
        2,
        "code",
        "Mã “ubnd tp” không hợp lệ: chỉ dùng chữ không dấu, số, dấu gạch ngang hoặc gạch dưới.",
    ) in errors
    assert (
        "units",
        4,
        "level",
        "“village” không hợp lệ; chỉ nhận: province, city, district, ward, commune, town, "
        "special_zone, group.",
    ) in errors
    assert ("indicators", 2, "direction", "“sideways” không hợp lệ; chỉ nhận: up, down.") in errors
    assert ("targets", 2, "year", "Năm 1800 không hợp lệ (1900–2100).") in errors
    assert ("targets", 2, "value", "Chỉ tiêu không được âm.") in errors
    assert ("units", 5, "parent", "Không có đơn vị cấp trên có mã “khong-co”.") in errors
    loop = "Đơn vị cấp trên tạo thành vòng lặp (một đơn vị nằm dưới chính nó)."
    assert ("units", 2, "parent", loop) in errors
    assert ("units", 3, "parent", loop) in errors
    assert nothing_written()


def test_a_missing_or_unknown_column_is_reported_on_the_header_row(db):
    sheets = {"figures": [["unit", "indicator", "year", "month", "valeu", "status"]]}
    errors = rejected(sheets)
    assert (
        "figures",
        1,
        "valeu",
        "Cột không được biết; các cột của trang này là: Đơn vị (unit), Chỉ tiêu (indicator), "
        "Năm (year), Tháng (month), Giá trị (value), Tử số (numerator), Mẫu số (denominator), "
        "Trạng thái (status).",
    ) in errors
    assert ("figures", 1, "value", "Thiếu cột bắt buộc.") in errors
    assert ("figures", 1, "numerator", "Thiếu cột bắt buộc.") in errors


def test_an_error_in_the_last_row_leaves_the_first_rows_unwritten(db):
    sheets = {**CITY, "figures": CITY["figures"] + [["tp", "thu", 2023, 0, 1, None, None, None]]}
    errors = rejected(sheets)
    assert errors == [("figures", 6, "month", "Tháng 0 không tồn tại (chỉ có tháng 1 đến 12).")]
    assert nothing_written()


def test_an_indicator_with_figures_cannot_change_its_kind(db):
    run(CITY)
    sheets = {
        "indicators": [
            ["code", "name", "unit", "kind", "direction", "area"],
            ["thu", "Tổng thu ngân sách", "đồng", "level", "up", "ngan-sach"],
        ]
    }
    assert rejected(sheets) == [
        (
            "indicators",
            2,
            "kind",
            "Chỉ tiêu “thu” đã có số liệu loại “sum”; không thể đổi sang “level”.",
        )
    ]


def test_the_error_text_names_sheet_row_and_column_letter():
    error = CellError("figures", 4, "month", "Tháng 13 không tồn tại.", "D")
    assert str(error) == (
        "trang Số liệu (figures), dòng 4, cột D (Tháng/month): Tháng 13 không tồn tại."
    )


# --- files that are not workbooks ---------------------------------------------------------


def refusal(data: bytes) -> str:
    with pytest.raises(WorkbookRejected) as caught:
        import_workbook(io.BytesIO(data), file_name="x.xlsx")
    [error] = caught.value.errors
    return error.message


def test_a_file_that_is_not_a_workbook_is_refused_with_a_message(db):
    assert refusal(b"unit;indicator\nchanh-lo;thu\n").startswith(
        "Tệp không phải là sổ tính Excel (.xlsx)."
    )
    assert refusal(b"") == "Tệp rỗng."


def test_a_damaged_workbook_is_refused_with_a_message(db):
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not really>")
        archive.writestr("xl/workbook.xml", "garbage")
    assert refusal(damaged.getvalue()).startswith("Tệp bị hỏng hoặc không phải là sổ tính Excel")
    truncated = xlsx(CITY).getvalue()[:3000]
    assert refusal(truncated).startswith("Tệp không phải là sổ tính Excel")


def test_a_zip_bomb_is_refused_before_it_is_inflated(db, monkeypatch):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"\0" * 5_000_000)  # compresses to ~5 kB
    monkeypatch.setattr(reader, "MAX_UNCOMPRESSED_BYTES", 4_000_000)
    assert len(bomb.getvalue()) < 20_000
    assert refusal(bomb.getvalue()) == "Tệp quá lớn khi giải nén; giới hạn là 3 MB."


def test_a_file_over_the_size_limit_is_refused(db, monkeypatch):
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 1024 * 1024)
    assert refusal(b"x" * (1024 * 1024 + 1)) == "Tệp quá lớn (1 MB); giới hạn là 1 MB."


def test_a_workbook_over_the_row_limit_is_refused(db, monkeypatch):
    monkeypatch.setattr(reader, "MAX_DATA_ROWS", 3)
    assert refusal(xlsx(CITY).getvalue()) == (
        "Tệp có hơn 3 dòng số liệu; hãy chia thành nhiều tệp nhỏ hơn."
    )


def test_a_workbook_without_any_known_sheet_is_refused(db):
    assert refusal(xlsx({"Sheet1": [["a", "b"]]}).getvalue()) == (
        "Sổ tính không có trang nào để nhập. Tên trang phải là một trong: Lĩnh vực (areas), "
        "Cơ quan giao (authorities), Đơn vị (units), Chỉ tiêu (indicators), Chỉ tiêu giao "
        "(targets), Số liệu (figures)."
    )


# --- the template -------------------------------------------------------------------------


def test_the_template_has_every_sheet_with_its_header_and_explanations():
    workbook = import_workbook_file()
    assert workbook.sheetnames == [
        "Hướng dẫn",
        "Lĩnh vực",
        "Cơ quan giao",
        "Đơn vị",
        "Chỉ tiêu",
        "Chỉ tiêu giao",
        "Số liệu",
    ]
    header = [c.value for c in workbook["Số liệu"][1]]
    assert header == [
        "Đơn vị",
        "Chỉ tiêu",
        "Năm",
        "Tháng",
        "Giá trị",
        "Tử số",
        "Mẫu số",
        "Trạng thái",
    ]
    level = workbook["Đơn vị"]["C1"].comment.text
    assert level.startswith("Cấp đơn vị, một trong: province")
    assert level.endswith("Cũng nhận tên cột: cap, level.")
    assert workbook["Số liệu"].max_row == 1
    status = workbook["Số liệu"].data_validations.dataValidation[0]
    assert status.formula1 == '"ước thực hiện,chính thức"'
    # The guide lists every column under each of its names.
    guide = [[c.value for c in row] for row in workbook["Hướng dẫn"].iter_rows()]
    assert ["Số liệu", "Trạng thái", "trang_thai", "status"] in [row[:4] for row in guide]


def test_the_template_imports_as_is_once_filled_in(db):
    workbook = import_workbook_file()
    for key, rows in CITY.items():
        sheet = workbook[SHEETS[key].title]
        header = [SHEETS[key].column_for(c.value).name for c in sheet[1]]
        for row in rows[1:]:
            values = dict(zip(rows[0], row, strict=True))
            sheet.append([values.get(column) for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)

    counts = import_workbook(buffer, file_name="mau.xlsx")

    assert counts["figures"].created == 4
    assert Figure.objects.get(unit__code="phuong-a", indicator__code="thu").value == D("6021447000")


def test_the_empty_template_imports_as_is_and_changes_nothing(db):
    buffer = io.BytesIO()
    import_workbook_file().save(buffer)
    buffer.seek(0)
    counts = import_workbook(buffer, file_name="mau.xlsx")
    assert all(c.total == 0 for c in counts.values())
    assert nothing_written()


# --- rights and approvals -----------------------------------------------------------------


@pytest.fixture
def clerk(db):
    """A data-entry clerk of Phường A only."""
    run(CITY)
    user = get_user_model().objects.create_user("clerk", password="pw-clerk-1", is_staff=True)
    RoleGrant.objects.create(user=user, unit=Unit.objects.get(code="phuong-a"), role="data_entry")
    return user


def test_a_clerk_imports_figures_of_their_own_unit_and_not_of_another(clerk):
    sheets = {
        "figures": [
            FIGURE_HEADER,
            ["to-1", "thu", 2023, 10, 100, None, None, None],  # under Phường A: allowed
            ["xa-b", "thu", 2023, 10, 100, None, None, None],  # Xã B: not theirs
        ]
    }
    # Xã B is outside the grant: told exactly what a code that names no unit is told.
    assert rejected(sheets, user=clerk) == [("figures", 3, "unit", "Không có đơn vị có mã “xa-b”.")]
    del sheets["figures"][2]
    assert run(sheets, user=clerk)["figures"].created == 1


def test_a_clerk_may_repeat_the_catalogue_but_not_change_it(clerk):
    assert run({"areas": CITY["areas"]}, user=clerk)["areas"].unchanged == 2
    changed = {"areas": [["code", "name"], ["ngan-sach", "Ngân sách"]]}
    assert rejected(changed, user=clerk) == [
        ("areas", 2, "", "Chỉ quản trị danh mục mới được thêm, sửa dòng này.")
    ]


def test_figures_of_an_approved_month_are_refused_unless_unchanged(clerk):
    MonthApproval.objects.create(
        unit=Unit.objects.get(code="phuong-a"), year=2023, month=9, status="approved"
    )
    same = {"figures": [FIGURE_HEADER, CITY["figures"][3]]}  # to-1, September: unchanged
    assert run(same, user=clerk)["figures"].unchanged == 1
    changed = {"figures": [FIGURE_HEADER, ["to-1", "dung-han", 2023, 9, None, 565, 880, None]]}
    assert rejected(changed, user=clerk) == [
        (
            "figures",
            2,
            "month",
            "Số liệu tháng 9/2023 của “to-1” đã được phê duyệt nên đã khóa; người phê duyệt "
            "phải mở lại trước khi nhập.",
        )
    ]
    assert Figure.objects.get(unit__code="to-1").numerator == D(564)


# --- the admin: upload, preview, confirm --------------------------------------------------

IMPORT = reverse("indicators-import")


def upload(client, sheets, name="thanh-pho.xlsx"):
    data = xlsx(sheets)
    data.name = name
    return client.post(IMPORT, {"file": data})


def test_the_admin_previews_then_writes_on_confirmation(staff_client, staff_user):
    preview = upload(staff_client, CITY)
    assert preview.status_code == 200
    assert "Tệp thanh-pho.xlsx không có lỗi" in preview.content.decode()
    assert preview.context["plan"].counts["figures"].created == 4
    assert not Figure.objects.exists()  # a preview writes nothing

    done = staff_client.post(
        reverse("indicators-import-confirm"), {"token": preview.context["token"]}, follow=True
    )

    assert Figure.objects.count() == 4
    assert (
        Figure.objects.filter(entered_by=staff_user, source="import: thanh-pho.xlsx").count() == 4
    )
    assert "Đã nhập thanh-pho.xlsx. Lĩnh vực (areas): 2 mới, 0 sửa" in done.content.decode()


def test_the_admin_lists_every_error_and_writes_nothing(staff_client):
    sheets = {**CITY, "figures": [FIGURE_HEADER, ["tp", "thu", 2023, 13, "abc", None, None, None]]}
    response = upload(staff_client, sheets)
    page = response.content.decode()
    assert response.status_code == 200
    assert "tệp có 2 lỗi" in page
    assert "Tháng 13 không tồn tại (chỉ có tháng 1 đến 12)." in page
    assert "&quot;abc&quot; không phải là số." in page
    assert nothing_written()


def test_the_admin_refuses_a_non_workbook_with_a_message(staff_client):
    response = staff_client.post(
        IMPORT, {"file": io.BytesIO(b"%PDF-1.4 not a workbook")}, format="multipart"
    )
    assert response.status_code == 200
    assert "Tệp không phải là sổ tính Excel (.xlsx)." in response.content.decode()


def test_a_token_from_another_session_confirms_nothing(staff_client):
    response = staff_client.post(
        reverse("indicators-import-confirm"), {"token": "0" * 32}, follow=True
    )
    assert "Không tìm thấy tệp đã tải lên" in response.content.decode()
    assert nothing_written()


def test_the_admin_offers_the_template(staff_client):
    response = staff_client.get(reverse("indicators-import-template"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert "Số liệu" in workbook.sheetnames


def test_the_import_pages_are_for_staff_only(client):
    response = client.get(IMPORT)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- the command --------------------------------------------------------------------------


def test_the_command_imports_and_lists_errors(db, tmp_path, capsys):
    good = tmp_path / "thanh-pho.xlsx"
    good.write_bytes(xlsx(CITY).getvalue())
    call_command("import_workbook", str(good))
    assert "Số liệu (figures): 4 mới, 0 sửa, 0 không đổi" in capsys.readouterr().out

    bad = tmp_path / "sai.xlsx"
    bad.write_bytes(
        xlsx({"figures": [FIGURE_HEADER, ["tp", "thu", 2023, 13, 1, None, None, None]]}).getvalue()
    )
    with pytest.raises(CommandError, match="Không nhập gì: 1 lỗi trong sai.xlsx."):
        call_command("import_workbook", str(bad))
    assert "dòng 2, cột D (Tháng/month): Tháng 13 không tồn tại" in capsys.readouterr().err


def test_a_workbook_with_xml_entity_expansion_is_refused(db):
    """A "billion laughs" sheet: neither reader expands entities (calamine knows none,
    defusedxml makes openpyxl refuse their declarations)."""
    source = zipfile.ZipFile(xlsx({"figures": [FIGURE_HEADER]}))
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w") as archive:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = laughs.encode()
            archive.writestr(member, data)
    assert refusal(bomb.getvalue()).startswith("Tệp bị hỏng hoặc không phải là sổ tính Excel")


def test_the_preview_shows_each_changed_figure_with_its_current_value(staff_client):
    run(CITY)
    changed = {
        "figures": [FIGURE_HEADER, ["phuong-a", "thu", 2023, 9, "6.100.000.000", None, None, None]]
    }
    page = " ".join(upload(staff_client, changed).content.decode().split())
    # Names beside the codes: the unit's and the indicator's.
    assert (
        "Phường A <code>phuong-a</code> · Tổng thu ngân sách <code>thu</code> · tháng 9/2023: "
        "<strong>6.100.000.000</strong> (đang là 6.021.447.000 (ước))"
    ) in page


def test_a_number_typed_as_a_percentage_in_excel_is_read_in_percent(db):
    """Typing 86,7% in Excel stores 0.867 shown with a % format; a quoted "%" is only a sign."""
    run(CITY)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "figures"
    sheet.append(FIGURE_HEADER)
    sheet.append(["phuong-a", "dvc", 2023, 10, 0.867, None, None, None])
    sheet["E2"].number_format = "0.0%"
    sheet.append(["phuong-a", "dvc", 2023, 11, 64.1, None, None, None])
    sheet["E3"].number_format = '#,##0.00"%"'
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)

    import_workbook(buffer, file_name="phan-tram.xlsx")

    rates = dict(Figure.objects.filter(indicator__code="dvc").values_list("month", "value"))
    assert rates[10] == D("86.7")
    assert rates[11] == D("64.1")


def test_a_unique_violation_while_writing_is_a_message_and_writes_nothing(
    staff_client, monkeypatch
):
    """Someone created the same row meanwhile without the units' locks (the PostgreSQL test in
    test_import_concurrent.py shows how): the confirmation says so instead of a server error."""
    from django.db import IntegrityError

    from indicators.exchange import writer

    preview = upload(staff_client, CITY)
    write = writer._write

    def write_then_collide(plan, *, user):
        write(plan, user=user)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(writer, "_write", write_then_collide)
    response = staff_client.post(
        reverse("indicators-import-confirm"), {"token": preview.context["token"]}
    )
    assert response.status_code == 200
    assert (
        "Có người vừa lưu cùng dòng số liệu trong lúc nhập; chưa nhập gì. Hãy tải tệp lên lại "
        "để xem trước những gì sẽ thay đổi." in response.content.decode()
    )
    assert nothing_written()


INDICATOR_HEADER = ["code", "name", "unit", "kind", "direction", "area", "is_main", "is_active"]


def test_yes_no_columns_read_excel_booleans_numbers_and_words(db):
    sheets = {
        "areas": CITY["areas"],
        "indicators": [
            INDICATOR_HEADER,
            ["a", "A", "đồng", "sum", "up", "ngan-sach", True, False],
            ["b", "B", "đồng", "sum", "up", "ngan-sach", 1, "0"],
            ["c", "C", "đồng", "sum", "up", "ngan-sach", "có", "không"],
            ["d", "D", "đồng", "sum", "up", "ngan-sach", None, None],  # blank: the defaults
        ],
    }
    run(sheets)
    flags = dict(
        (code, (main, active))
        for code, main, active in Indicator.objects.values_list("code", "is_main", "is_active")
    )
    assert flags == {
        "a": (True, False),
        "b": (True, False),
        "c": (True, False),
        "d": (False, True),
    }


def test_a_yes_no_cell_that_is_neither_is_an_error(db):
    sheets = {
        "areas": CITY["areas"],
        "indicators": [INDICATOR_HEADER, ["a", "A", "đồng", "sum", "up", "ngan-sach", "maybe", 1]],
    }
    assert rejected(sheets) == [
        (
            "indicators",
            2,
            "is_main",
            "“maybe” không hợp lệ; chỉ nhận: có, không (hoặc TRUE, FALSE, 1, 0).",
        )
    ]


def test_an_absent_or_blank_optional_column_leaves_the_stored_field_as_it_is(db):
    run(CITY)
    Indicator.objects.filter(code="thu").update(is_main=True, name_en="Revenue", order=4)
    header = ["code", "name", "unit", "kind", "direction", "area", "is_main", "order"]
    again = {
        "indicators": [header, ["thu", "Tổng thu ngân sách", "đồng", "sum", "up", "ngan-sach"]]
    }

    counts = run(again)

    assert counts["indicators"].unchanged == 1
    revenue = Indicator.objects.get(code="thu")
    assert (revenue.is_main, revenue.name_en, revenue.order) == (True, "Revenue", 4)
