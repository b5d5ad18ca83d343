from django.contrib import admin
from django.urls import include, path

from indicators import api, health, views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "api/units/<slug:unit_code>/<int:year>/<str:period_key>/",
        api.unit_period_summary,
        name="api-period-summary",
    ),
    path("", views.home, name="home"),
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
]
