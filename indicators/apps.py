from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Chỉ tiêu kinh tế - xã hội")

    def ready(self) -> None:
        # noqa: F401 below: the imports connect the signals that drop a stale tree and
        # replace the versions caches are keyed on (indicators.freshness)
        from indicators import freshness, tree  # noqa: F401
