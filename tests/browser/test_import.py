"""The workbook import in a real browser: upload a file in Vietnamese, read the preview (names
beside codes), confirm; both pages at desktop and phone widths."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from indicators.models import Figure, Target

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

IMPORT = "/admin/indicators/import/"


def vietnamese_workbook(path) -> None:
    """A target by the authority's name and two figures by the indicator's name or code,
    with Vietnamese sheet names, headers and status words."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    targets = workbook.create_sheet("Chỉ tiêu giao")
    targets.append(["Đơn vị", "Chỉ tiêu", "Năm", "Cơ quan giao", "Giá trị", "Căn cứ"])
    targets.append(
        ["chanh-lo", "thu-ngan-sach", 2024, "UBND thành phố Quảng Ngãi", 7000000000, "QĐ 1"]
    )
    figures = workbook.create_sheet("so_lieu")
    for row in (
        ["don_vi", "chi_tieu", "nam", "thang", "gia_tri", "tu_so", "mau_so", "trang_thai"],
        ["chanh-lo", "Tổng thu ngân sách nhà nước", 2024, 1, 512000000, None, None, "Ước"],
        ["chanh-lo", "thu-ngan-sach", 2024, 2, 498000000, None, None, "chính thức"],
    ):
        figures.append(row)
    workbook.save(path)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_workbook_in_vietnamese_is_previewed_with_names_and_imported(visit, tmp_path, viewport):
    path = tmp_path / "chanh-lo-2024.xlsx"
    vietnamese_workbook(path)
    browser = visit(viewport=viewport)
    page = browser.open(IMPORT)
    assert page.locator(".import-sheets li").first.inner_text().startswith("Lĩnh vực areas:")
    name = "desktop" if viewport is DESKTOP else "phone"
    browser.screenshot(f"import-upload-{name}")
    # Nothing on the upload page is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Tải lên và xem trước").click()
    page.wait_for_load_state("networkidle")

    changes = page.locator(".import-changes li").all_inner_texts()
    assert len(changes) == 3
    assert any(
        "Phường Chánh Lộ chanh-lo · Tổng thu ngân sách nhà nước thu-ngan-sach · năm 2024 · "
        "UBND thành phố Quảng Ngãi ubnd-thanh-pho: 7.000.000.000" in " ".join(c.split())
        for c in changes
    )
    assert any("tháng 1/2024: 512.000.000 (ước)" in " ".join(c.split()) for c in changes)
    assert page.locator("h2", has_text="Số liệu (figures)").count() == 1
    browser.screenshot(f"import-preview-{name}")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    page.get_by_role("button", name="Xác nhận nhập").click()
    page.wait_for_load_state("networkidle")

    assert "Đã nhập chanh-lo-2024.xlsx." in page.locator(".messagelist").inner_text()
    assert Target.objects.get(year=2024, unit__code="chanh-lo").authority.code == ("ubnd-thanh-pho")
    statuses = dict(
        Figure.objects.filter(year=2024, unit__code="chanh-lo").values_list("month", "status")
    )
    assert statuses == {1: "estimate", 2: "official"}
    assert browser.console_errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_column_given_twice_is_listed_with_both_names_and_nothing_is_written(
    visit, tmp_path, viewport
):
    path = tmp_path / "hai-cot.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Số liệu"
    sheet.append(["Đơn vị", "chi_tieu", "Năm", "Tháng", "Giá trị", "Tử số", "Mẫu số", "unit"])
    sheet.append(["chanh-lo", "thu-ngan-sach", 2024, 1, 5, None, None, "chanh-lo"])
    workbook.save(path)
    browser = visit(viewport=viewport)
    page = browser.open(IMPORT)

    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Tải lên và xem trước").click()
    page.wait_for_load_state("networkidle")

    rows = [" ".join(r.split()) for r in page.locator(".import-errors tbody tr").all_inner_texts()]
    assert rows[0] == (
        "Số liệu (figures) 1 H (Đơn vị/unit) Cột “unit” trùng với cột “Đơn vị” (cột A): cả hai "
        "là cột Đơn vị (unit); hãy giữ một cột."
    )
    browser.screenshot(f"import-errors-{'desktop' if viewport is DESKTOP else 'phone'}")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert not Figure.objects.filter(unit__code="chanh-lo", year=2024).exists()
