"""The statements only PostgreSQL runs: claims that skip locked rows, notifications, arrays.

Everything else is the shared text of ``queries.py`` through
:func:`~comptoir.sources.outbox.queries.postgres`.
"""

from __future__ import annotations

from comptoir.sources.outbox import queries
from comptoir.sources.outbox.schema import SELECT_WRITES

# The claim, in one statement: the rules of queries.CLAIMABLE, the rows
# locked as they are chosen, and those another instance is claiming at this
# instant skipped (SKIP LOCKED) rather than waited for. A row that another
# claim committed meanwhile is checked again on its new version (its lease),
# so two instances never hold a write at once. The earlier pending write of a
# subject blocks the later ones whoever holds it, which keeps a subject's
# order across instances. {only} is empty or a fixed fragment on one id.
# Parameters (named): now, fresh_before, excluded, limit, owner, until (and id).
CLAIM = """
WITH due AS (
    SELECT w.seq, p.remote_id AS depends_on_remote_id
    FROM outbox_writes AS w
    LEFT JOIN outbox_writes AS p ON p.id = w.depends_on AND p.status = 'delivered'
    WHERE w.status = 'pending'
      AND w.next_attempt_at <= %(now)s
      AND (w.lease_until IS NULL OR w.lease_until <= %(now)s)
      AND (w.attempts > 0 OR w.created_at <= %(fresh_before)s)
      AND (w.depends_on IS NULL OR p.id IS NOT NULL)
      AND (w.subject IS NULL OR NOT EXISTS (
            SELECT 1 FROM outbox_writes AS e
            WHERE e.source = w.source AND e.subject = w.subject
              AND e.status = 'pending' AND e.seq < w.seq))
      AND NOT (w.source = ANY(%(excluded)s::text[]))
      {only}
    ORDER BY w.seq
    LIMIT %(limit)s
    FOR UPDATE OF w SKIP LOCKED
), claimed AS (
    UPDATE outbox_writes AS t SET owner = %(owner)s, lease_until = %(until)s
    FROM due WHERE t.seq = due.seq
    RETURNING t.*, due.depends_on_remote_id
)
SELECT * FROM claimed ORDER BY seq
"""

CLAIM_ONE = "AND w.id = %(id)s"

# Parameters: source, path, idempotency key.
BY_KEY = f"{SELECT_WRITES} WHERE w.source = %s AND w.path = %s AND w.idempotency_key = %s"

# Parameters: id. FOR SHARE: a parent cannot be purged while its child is
# being held (the purge waits for this transaction).
PARENT = "SELECT 1 FROM outbox_writes WHERE id = %s FOR SHARE"

# What an UPDATE or INSERT of the shared statements gives back: the row as
# SELECT_WRITES reads it, in the same round trip.
RETURNING_WRITE = """
RETURNING *, (
    SELECT p.remote_id FROM outbox_writes AS p
    WHERE p.id = outbox_writes.depends_on AND p.status = 'delivered'
) AS depends_on_remote_id
"""

# The shared INSERT; a concurrent write under the same key wins quietly, and
# the caller reads it back.
INSERT = f"""
{queries.postgres(queries.INSERT)}
ON CONFLICT (source, path, idempotency_key) DO NOTHING
{RETURNING_WRITE}
"""

MARK_DELIVERED = queries.postgres(queries.MARK_DELIVERED) + RETURNING_WRITE
MARK_RETRY = queries.postgres(queries.MARK_RETRY) + RETURNING_WRITE
MARK_FAILED = queries.postgres(queries.MARK_FAILED) + RETURNING_WRITE

BY_ID = f"{SELECT_WRITES} WHERE w.id = %s"

# Parameters: id. What a shopper token's provisional subject has become.
RESOLVE = "SELECT remote_id FROM outbox_writes WHERE id = %s AND status = 'delivered'"

# Parameters: owner, ids.
RELEASE_SOME = f"{queries.postgres(queries.RELEASE)} AND id = ANY(%s::text[])"

# Parameters: ids.
FAILED_WITH_DEPENDENTS = queries.FAILED_WITH_DEPENDENTS.format(chosen="id = ANY(%s::text[])")
ALL_FAILED_WITH_DEPENDENTS = queries.FAILED_WITH_DEPENDENTS.format(chosen="1 = 1")

# Parameters: next_attempt_at, ids.
REPEND = f"{queries.postgres(queries.REPEND)} WHERE id = ANY(%s::text[])"

# queries.PURGE a batch at a time (parameters: delivered before, batch size);
# rows another instance is purging, or whose child is being held right now
# (enqueue locks the parent FOR SHARE), are skipped.
PURGE_SOME = """
DELETE FROM outbox_writes WHERE seq IN (
    SELECT d.seq FROM outbox_writes AS d
    WHERE d.status = 'delivered' AND d.delivered_at < %s
      AND NOT EXISTS (
          SELECT 1 FROM outbox_writes AS c
          WHERE c.depends_on = d.id AND c.status != 'delivered')
    LIMIT %s
    FOR UPDATE SKIP LOCKED
)
"""

# The channel every instance sharing these tables listens on: one per schema,
# so that two deployments in one database do not wake each other. md5 keeps
# it within PostgreSQL's 63 bytes whatever the schema's name.
CHANNEL = "SELECT 'comptoir_outbox_' || left(md5(current_schema()), 16)"

# Parameters: payload. Sent when the statement's transaction commits.
NOTIFY = f"SELECT pg_notify(({CHANNEL}), %s)"
