import time

from django.conf import settings

from indicators import tree


class VietnameseFirstMiddleware:
    """Serve Vietnamese unless the user chose another language on the site.

    Ward offices often run browsers set up in English; the browser's Accept-Language must not
    switch a Vietnamese office to English. The choice made with the language switcher (its
    cookie) still wins, so this sits before ``LocaleMiddleware`` and hides only the header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class UnitTreeMiddleware:
    """Each request reads the unit tree afresh, once (:func:`indicators.tree.current`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tree.forget()
        try:
            return self.get_response(request)
        finally:
            tree.forget()


class SessionRefreshMiddleware:
    """Extend a signed-in session's idle timeout at most once a minute, not on every request.

    The idle timeout (``SESSION_COOKIE_AGE``) runs from the last save. Saving the session row
    on every request (``SESSION_SAVE_EVERY_REQUEST``) is a database write and a commit per page
    view, about half a cached page's time; stamping the session when the last stamp is older
    than ``WARD_REPORT_SESSION_REFRESH_SECONDS`` saves it (and the cookie) that often, so a
    session ends after the idle time give or take that many seconds. Sits just after
    ``SessionMiddleware``, so the stamp is set before the session is saved.
    """

    STAMP = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            every = settings.WARD_REPORT_SESSION_REFRESH_SECONDS
            if now - session.get(self.STAMP, 0) >= every:
                session[self.STAMP] = now
        return response
