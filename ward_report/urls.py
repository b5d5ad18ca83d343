from django.contrib import admin
from django.urls import include, path

from indicators import health
from indicators.exchange import admin_views as admin_import
from indicators.exchange import views as exchange_views
from indicators.reporting import api, document_views, export_views, status_views, views

urlpatterns = [
    path("admin/indicators/import/", include(admin_import.urls())),  # before the admin's own
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/openapi.json", api.openapi, name="api-openapi"),
    path(
        "api/units/<slug:unit_code>/<int:year>/<str:period_key>/",
        api.unit_period_summary,
        name="api-period-summary",
    ),
    path("", views.home, name="home"),
    path(  # before the period pages, whose period key would take "reporting"
        "units/<slug:unit_code>/<int:year>/reporting/",
        status_views.reporting_status_page,
        name="reporting-status",
    ),
    path(
        "units/<slug:unit_code>/<int:year>/<str:period_key>/",
        views.period_summary,
        name="period-summary",
    ),
    path(
        "units/<slug:unit_code>/<int:year>/<str:period_key>/indicators/<slug:indicator_code>/",
        views.indicator_detail,
        name="indicator-detail",
    ),
    path(
        "units/<slug:unit_code>/<int:year>/<str:period_key>/export.xlsx",
        export_views.period_export_xlsx,
        name="period-export",
    ),
    path(
        "units/<slug:unit_code>/<int:year>/<str:period_key>/data.xlsx",
        exchange_views.period_data_xlsx,
        name="period-data",
    ),
    path(
        "units/<slug:unit_code>/<int:year>/<str:period_key>/report.docx",
        document_views.period_report_docx,
        name="period-report-docx",
    ),
    path(
        "units/<slug:unit_code>/<int:year>/<str:period_key>/report/edit/",
        document_views.period_report_edit,
        name="period-report-edit",
    ),
]

# JSON under /api/, the Vietnamese templates elsewhere.
handler403 = "indicators.errors.permission_denied"
handler404 = "indicators.errors.page_not_found"
handler500 = "indicators.errors.server_error"
