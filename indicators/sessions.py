"""The database session store, read with one plain SELECT.

Every signed-in request reads its session row. Django's own store reads it through the ORM,
whose compiling of that one query cost ten times the query itself (170 against 17 µs on SQLite),
a sixth of a kept dashboard page. This store reads the same row under the same conditions (the
key, not expired) where the router sends the model's reads; saving, deleting and expiring are
Django's. ``SESSION_ENGINE = "indicators.sessions"`` (ward_report/settings.py).
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.utils import timezone

from indicators.plain_reads import plain_rows


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        rows = plain_rows(
            self.model,
            ("session_data",),
            session_key=self.session_key,
            expire_date__gt=timezone.now(),
        )
        if not rows:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=rows[0][0])
