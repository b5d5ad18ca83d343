"""Third-party files the pages load, each named once here (the file name carries the version)."""

from __future__ import annotations

from django import template
from django.templatetags.static import static

register = template.Library()

# plotly.js's "basic" partial bundle (npm: plotly.js-basic-dist-min): only the bar, pie and
# scatter traces, and the charts draw bars and scatter lines only (indicators/reporting/charts.py).
# A quarter of the full bundle, it keeps a first visit to a period page under 1 MB. Upgrade by
# replacing the file under static/vendor/ and this name together.
PLOTLY_JS = "vendor/plotly-basic-4.1.1.min.js"


@register.simple_tag
def plotly_js_url() -> str:
    """The URL of the plotly.js bundle (hashed in production, like every static file)."""
    return static(PLOTLY_JS)
