"""Who is trying to log in, and when to stop them (django-axes' hooks).

- :func:`client_address`: the address a login attempt is counted against. Without a proxy it is
  the connection's own; behind ``DJANGO_TRUSTED_PROXIES`` reverse proxies it is the entry that
  the outermost trusted proxy wrote into X-Forwarded-For. Entries further left were written by
  the client and are never believed.
- :class:`LoginThrottle`: django-axes' database handler, which locks one username at one
  address after ``AXES_FAILURE_LIMIT`` failures, plus a lock on an address that failed for
  ``AXES_ADDRESS_USERNAME_LIMIT`` different usernames within the cool-off (one password
  sprayed over many accounts).
"""

from __future__ import annotations

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone


def _valid_address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's address, as far as the deployment can vouch for it.

    Each trusted proxy appends the address it received the request from, so with N of them the
    client is the N-th entry from the right of X-Forwarded-For. A header with fewer entries,
    or an entry that is not an address, means the request did not come through the proxies as
    configured: the connection's own address is used.
    """
    remote = request.META.get("REMOTE_ADDR")
    if not settings.BEHIND_PROXY:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    proxies = settings.TRUSTED_PROXIES
    if proxies < 1 or len(forwarded) < proxies:
        return remote
    return _valid_address(forwarded[-proxies]) or remote


def failed_usernames_from(address: str | None) -> int:
    """How many different usernames failed to log in from ``address`` within the cool-off."""
    if not address:
        return 0
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
    return attempts.values("username").distinct().count()


class LoginThrottle(AxesDatabaseHandler):
    """Locks a username at an address (django-axes), and an address spraying many usernames.

    A throttled address counts as having reached the failure limit, so that django-axes treats
    it exactly as its own lockout: refused before the password is checked, HTTP 429, the
    cool-off message, and the same cool-off.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        address = getattr(request, "axes_ip_address", None) or client_address(request)
        if failed_usernames_from(address) >= settings.AXES_ADDRESS_USERNAME_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures
