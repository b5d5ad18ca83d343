from axes import apps as axes_apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Chỉ tiêu kinh tế - xã hội")

    def ready(self) -> None:
        # noqa: F401 below: the imports connect the signals that drop a stale tree and
        # replace the versions caches are keyed on (indicators.freshness)
        from indicators import freshness, tree  # noqa: F401


class AxesConfig(axes_apps.AppConfig):
    """django-axes under a Vietnamese heading in the admin (its own name is "Axes")."""

    default = False  # IndicatorsConfig stays this module's default
    verbose_name = _("Theo dõi đăng nhập")

    def ready(self) -> None:
        super().ready()
        # axes names its rows in English ("Attempted Access: 2026-12-01 12:40:10+00:00"); the
        # admin shows these names in titles, breadcrumbs and confirmations.
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessAttempt.__str__ = _attempt_text
        AccessLog.__str__ = _log_text
        AccessFailureLog.__str__ = _failure_text


def _when(moment) -> str:
    from django.utils.formats import date_format
    from django.utils.timezone import localtime

    return date_format(localtime(moment), "DATETIME_FORMAT") if moment else "—"


def _attempt_text(row) -> str:
    return _("Đăng nhập sai: %(user)s, %(when)s") % {
        "user": row.username,
        "when": _when(row.attempt_time),
    }


def _log_text(row) -> str:
    return _("Đăng nhập: %(user)s, %(when)s") % {
        "user": row.username,
        "when": _when(row.attempt_time),
    }


def _failure_text(row) -> str:
    text = _("Đăng nhập thất bại: %(user)s, %(when)s, từ %(address)s") % {
        "user": row.username,
        "when": _when(row.attempt_time),
        "address": row.ip_address,
    }
    return f"{text} ({_('bị khóa')})" if row.locked_out else text
