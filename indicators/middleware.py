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
