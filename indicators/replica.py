"""Dashboard reads from a PostgreSQL read replica (off unless ``DATABASE_REPLICA_URL`` is set).

Only what the dashboard shows may come from the replica: the GET pages, the API and the
exports named in :data:`REPLICA_VIEWS`, and of those only the app's own tables. Everything
else reads and writes the primary: the admin, the month grid, imports, logins, sessions, any
read inside a transaction (it may be about to write, or hold a lock) and every write.

Replication lags (usually well under a second, more under load). So that "a saved figure shows
everywhere at once" holds for the person who saved it, a write request (any POST, PUT, PATCH
or DELETE) pins its session to the primary for ``DATABASE_REPLICA_PIN_SECONDS``: the pages
they open next read what they just wrote. Someone else reading through the replica sees it
once the replica has replayed it (README "Deployment").
"""

from __future__ import annotations

import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction

REPLICA = "replica"
# The dashboard's read-only views (URL names), whatever module holds them.
REPLICA_VIEWS = frozenset(
    {
        "home",
        "period-summary",
        "indicator-detail",
        "reporting-status",
        "period-export",
        "period-data",
        "period-report-docx",
        "api-period-summary",
    }
)
PINNED_UNTIL = "primary-until"  # session key: reads go to the primary until this time.time()

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return bool(settings.DATABASE_REPLICA_URL)


def reads_go_to_replica() -> bool:
    """Whether a read of the app's tables, made now, may be answered by the replica."""
    return _replica_reads.get() and not transaction.get_connection(DEFAULT_DB_ALIAS).in_atomic_block


def pinned_to_primary(session) -> bool:
    until = session.get(PINNED_UNTIL)
    return isinstance(until, int | float) and until > time.time()


class ReplicaRouter:
    """Sends a read to the replica only while :func:`reads_go_to_replica`; all else to default."""

    def db_for_read(self, model, **hints) -> str:
        if model._meta.app_label == "indicators" and reads_go_to_replica():
            return REPLICA
        # Explicitly the primary: without an answer Django would follow the hinted instance,
        # which may have been read from the replica.
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the same rows on both

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica replays the primary's schema


class ReplicaReadsMiddleware:
    """Marks a dashboard GET as allowed to read from the replica, unless its session is pinned
    to the primary; pins the session after a write request. Nothing without a replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        token = _replica_reads.set(False)
        try:
            response = self.get_response(request)
        finally:
            _replica_reads.reset(token)
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            # Saved before the session middleware stores the session (it sits outside this).
            request.session[PINNED_UNTIL] = time.time() + settings.DATABASE_REPLICA_PIN_SECONDS
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            replica_configured()
            and request.method in ("GET", "HEAD")
            and request.resolver_match.url_name in REPLICA_VIEWS
            and not pinned_to_primary(request.session)
        ):
            _replica_reads.set(True)
        return None
