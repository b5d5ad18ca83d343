"""The database session store, read with one plain SELECT.

Every signed-in request reads its session row. Django's own store reads it through the ORM,
whose compiling of that one query cost ten times the query itself (170 against 17 µs on SQLite),
a sixth of a kept dashboard page. This store reads the same row under the same conditions (the
key, not expired) where the router sends the model's reads; saving, deleting and expiring are
Django's. ``SESSION_ENGINE = "indicators.sessions"`` (ward_report/settings.py).
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        key, data, expires = (
            quote(model._meta.get_field(name).column)
            for name in ("session_key", "session_data", "expire_date")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {data} FROM {quote(model._meta.db_table)} "
                f"WHERE {key} = %s AND {expires} > %s",
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])
