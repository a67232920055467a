"""The SQL statements of the outbox, each built from fixed text; values are always bound.

Written with SQLite's ``?`` placeholders and in the SQL that SQLite and
PostgreSQL both speak, so that the PostgreSQL backend runs the same text
(see :func:`postgres`); only what differs lives in ``postgres_queries``.
"""

from __future__ import annotations

INSERT = """
INSERT INTO outbox_writes (id, kind, source, path, idempotency_key, body, request_hash,
                           subject, depends_on, next_attempt_at, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

# Claimable: due, not leased by anyone (or the lease ran out), its parent
# delivered (the LEFT JOIN in SELECT_WRITES only finds a delivered parent),
# and no earlier write of the same source and subject still pending. The
# last rule keeps a shopper's writes in order across processes, since an
# earlier write under someone else's lease still blocks the later ones.
# A write never tried and held after "fresh before" is left to the request
# that holds it and is about to try it.
# Parameters: now, now, fresh before, *excluded sources, limit.
CLAIMABLE = """
WHERE w.status = 'pending'
  AND w.next_attempt_at <= ?
  AND (w.lease_until IS NULL OR w.lease_until <= ?)
  AND (w.attempts > 0 OR w.created_at <= ?)
  AND (w.depends_on IS NULL OR p.id IS NOT NULL)
  AND (w.subject IS NULL OR NOT EXISTS (
        SELECT 1 FROM outbox_writes AS e
        WHERE e.source = w.source AND e.subject = w.subject
          AND e.status = 'pending' AND e.seq < w.seq))
  {excluded}
ORDER BY w.seq
LIMIT ?
"""

# Parameters: lease_until, id, owner. An expired lease still held by the
# same owner may be renewed: a claim by another owner would have changed it.
RENEW = "UPDATE outbox_writes SET lease_until = ? WHERE id = ? AND owner = ? AND status = 'pending'"

# Parameters: owner (then optionally ids, appended by the caller).
RELEASE = """
UPDATE outbox_writes SET owner = NULL, lease_until = NULL
WHERE owner = ? AND status = 'pending'
"""

# Parameters: delivered_at, result, remote_id, id. Owner-agnostic on purpose
# (see OutboxStore.mark_delivered); a delivered write keeps its first result.
MARK_DELIVERED = """
UPDATE outbox_writes
SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, result = ?,
    remote_id = ?, owner = NULL, lease_until = NULL
WHERE id = ? AND status = 'pending'
"""

# Parameters: last_error, next_attempt_at, id, owner.
MARK_RETRY = """
UPDATE outbox_writes
SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, owner = NULL, lease_until = NULL
WHERE id = ? AND owner = ? AND status = 'pending'
"""

# Parameters: last_error, result, id, owner.
MARK_FAILED = """
UPDATE outbox_writes
SET status = 'failed', attempts = attempts + 1, last_error = ?, result = ?,
    owner = NULL, lease_until = NULL
WHERE id = ? AND owner = ? AND status = 'pending'
"""

# Parameters: id, owner, id.
DISCARD = """
DELETE FROM outbox_writes
WHERE id = ? AND owner = ? AND status = 'pending'
  AND NOT EXISTS (SELECT 1 FROM outbox_writes AS c WHERE c.depends_on = ?)
"""

# Parameters: id of the failed write, last_error.
FAIL_DEPENDENTS = """
WITH RECURSIVE doomed(id) AS (
    SELECT id FROM outbox_writes WHERE depends_on = ? AND status = 'pending'
    UNION
    SELECT w.id FROM outbox_writes AS w JOIN doomed AS d ON w.depends_on = d.id
    WHERE w.status = 'pending'
)
UPDATE outbox_writes SET status = 'failed', last_error = ?, owner = NULL, lease_until = NULL
WHERE id IN (SELECT id FROM doomed)
"""

# The failed writes chosen ({chosen} is a fixed fragment over bound ids) and
# the failed writes that depend on them, oldest first.
FAILED_WITH_DEPENDENTS = """
WITH RECURSIVE chosen(id) AS (
    SELECT id FROM outbox_writes WHERE status = 'failed' AND {chosen}
    UNION
    SELECT w.id FROM outbox_writes AS w JOIN chosen AS c ON w.depends_on = c.id
    WHERE w.status = 'failed'
)
SELECT id FROM outbox_writes WHERE id IN (SELECT id FROM chosen) ORDER BY seq
"""

# Parameters: next_attempt_at (then the ids, appended by the caller).
REPEND = """
UPDATE outbox_writes
SET status = 'pending', next_attempt_at = ?, result = NULL, owner = NULL, lease_until = NULL
"""

# Parameters: now, now, source, source (a NULL source means every source; the
# cast tells PostgreSQL the type of a parameter compared with nothing).
MAKE_DUE = """
UPDATE outbox_writes SET next_attempt_at = ?
WHERE status = 'pending' AND next_attempt_at > ? AND (CAST(? AS TEXT) IS NULL OR source = ?)
"""

# Parameters: now, now.
NEXT_WAKEUP = """
SELECT MIN(t) AS next_at FROM (
    SELECT next_attempt_at AS t FROM outbox_writes
    WHERE status = 'pending' AND next_attempt_at > ?
    UNION ALL
    SELECT lease_until AS t FROM outbox_writes
    WHERE status = 'pending' AND lease_until > ?
) AS moments
"""

STATS = """
SELECT
    (SELECT COUNT(*) FROM outbox_writes WHERE status = 'pending') AS pending,
    (SELECT COUNT(*) FROM outbox_writes WHERE status = 'failed') AS failed,
    (SELECT MIN(created_at) FROM outbox_writes WHERE status = 'pending') AS oldest
"""

# Parameters: delivered before. A delivered write stays while a write that
# still has to be delivered depends on it: that one needs its remote id.
PURGE = """
DELETE FROM outbox_writes
WHERE status = 'delivered' AND delivered_at < ?
  AND NOT EXISTS (
      SELECT 1 FROM outbox_writes AS c
      WHERE c.depends_on = outbox_writes.id AND c.status != 'delivered')
"""


def postgres(statement: str) -> str:
    """The statement with PostgreSQL's ``%s`` placeholders (none of these holds ``?`` or ``%``)."""
    return statement.replace("?", "%s")
