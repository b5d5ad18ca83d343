from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Chỉ tiêu kinh tế - xã hội")

    def ready(self) -> None:
        from indicators import tree  # noqa: F401  (connects the signals that drop a stale tree)
