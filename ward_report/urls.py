from django.contrib import admin
from django.urls import include, path

from indicators import api, health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "api/units/<slug:unit_code>/<int:year>/<str:period_key>/",
        api.unit_period_summary,
        name="api-period-summary",
    ),
]
