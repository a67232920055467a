"""The `comptoir` command: serve, generate demo data, run a reference source, print and check the
schema, mint tokens, manage the outbox and the trusted documents."""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from comptoir.settings import Settings

if TYPE_CHECKING:
    from comptoir.graph.trusted.store import DocumentStore, Registered
    from comptoir.sources.outbox import Outbox, OutboxStats, OutboxWrite

T = TypeVar("T")

app = typer.Typer(
    help="comptoir: one GraphQL surface over a retailer's systems.", no_args_is_help=True
)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes sharing the port (about one per core comptoir may use;"
            " see the README).",
        ),
    ] = 1,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Accept tokens signed with the public demo secret although sources are"
            " configured (COMPTOIR_DEMO): never in production.",
        ),
    ] = False,
) -> None:
    """Serve the GraphQL API (embedded reference sources for every COMPTOIR_*_URL left unset)."""
    from comptoir.auth import MissingSecret
    from comptoir.serving import serve as run

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    if demo:
        os.environ["COMPTOIR_DEMO"] = "true"  # read by every worker as well
    try:
        run(Settings(), host, port, log_level, workers)
    except MissingSecret as exc:
        typer.echo(f"comptoir: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("demo-data")
def demo_data(
    small: Annotated[bool, typer.Option(help="A small data set, as the tests use.")] = False,
    force: Annotated[bool, typer.Option(help="Generate again even if present.")] = False,
) -> None:
    """Generate the demo data of the reference sources under COMPTOIR_DATA_DIR/demo."""
    from comptoir.embedded import demo_dir, generate_demo

    settings = Settings()
    path = generate_demo(settings, small=small, force=force, progress=True)
    typer.echo(f"demo data ready in {path}" if path == demo_dir(settings) else str(path))


@app.command()
def source(
    name: Annotated[str, typer.Argument(help="A reference source's name (pim, erp, …), or all.")],
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 9000,
    token: Annotated[str | None, typer.Option(help="Bearer token the source requires.")] = None,
) -> None:
    """Run one reference source alone (or all of them under /pim, /dam, …) to be pointed at by URL."""
    from comptoir.embedded import run_source
    from comptoir.sources.reference import SOURCE_NAMES

    if name not in (*SOURCE_NAMES, "all"):
        raise typer.BadParameter(f"unknown source {name!r}; one of {', '.join(SOURCE_NAMES)}, all")
    run_source(Settings(), name, host, port, token)


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    check_breaking: Annotated[
        Path | None,
        typer.Option(
            "--check-breaking",
            metavar="OLD.graphql",
            help="Compare with an older SDL (e.g. schema/released/v1.graphql): list breaking "
            "changes and exit 1 if there are any; dangerous ones are warnings.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
) -> None:
    """Print the GraphQL schema (SDL); `comptoir schema -o schema.graphql` regenerates the file."""
    from comptoir.graph.schema import printed_schema

    text = printed_schema()
    if output is not None:
        output.write_text(text, encoding="utf-8")
    if check_breaking is not None:
        _check_breaking(check_breaking, text)
    elif output is None:
        typer.echo(text, nl=False)


def _check_breaking(old: Path, current: str) -> None:
    """Print what changed since `old` for existing queries; exit 1 on a breaking change."""
    from comptoir.graph.schema_changes import InvalidSchemaText, schema_changes

    try:
        changes = schema_changes(old.read_text(encoding="utf-8"), current)
    except (InvalidSchemaText, UnicodeDecodeError) as exc:
        raise typer.BadParameter(
            f"{old} is not a GraphQL schema: {exc}", param_hint="--check-breaking"
        ) from exc
    for danger in changes.dangerous:
        typer.echo(f"warning: dangerous: {danger.type.name}: {danger.description}", err=True)
    for change in changes.breaking:
        typer.echo(f"breaking: {change.type.name}: {change.description}")
    if changes.breaking:
        typer.echo(f"{len(changes.breaking)} breaking change(s) since {old}")
        raise typer.Exit(1)
    typer.echo(f"no breaking change since {old} ({len(changes.dangerous)} dangerous)")


@app.command()
def token(
    customer_id: Annotated[str, typer.Argument(help="The CRM customer id, e.g. CU-100001.")],
    ttl: Annotated[int, typer.Option(help="Seconds the token is valid.")] = 3600,
) -> None:
    """Mint a shopper token (HS256 with COMPTOIR_JWT_SECRET, or the demo secret) for trying `me`."""
    from comptoir.auth import ShopperTokens

    settings = Settings()
    tokens = ShopperTokens(
        settings.effective_jwt_secret(), settings.jwt_audience, settings.jwt_issuer
    )
    typer.echo(tokens.mint(customer_id, ttl))


outbox = typer.Typer(
    help="The writes held for a source (orders, accounts): list them, retry refused ones.",
    no_args_is_help=True,
)
app.add_typer(outbox, name="outbox")


def _with_outbox(action: Callable[[Outbox], Awaitable[T]]) -> T:
    """Run ``action`` on the outbox of COMPTOIR_OUTBOX_URL, else of COMPTOIR_DATA_DIR."""
    import asyncio

    from comptoir.sources.outbox import OUTBOX_FILE, OutboxUnavailable, describe, open_outbox

    settings = Settings()
    where = describe(settings.outbox_url, settings.data_dir)
    if settings.outbox_url is None and not (settings.data_dir / OUTBOX_FILE).exists():
        typer.echo(
            f"no outbox at {where} (COMPTOIR_DATA_DIR, or set COMPTOIR_OUTBOX_URL)", err=True
        )
        raise typer.Exit(1)

    async def run() -> T:
        store = await open_outbox(
            settings.outbox_url, settings.data_dir, timeout_s=settings.outbox_timeout_s
        )
        try:
            return await action(store)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except OutboxUnavailable as exc:
        typer.echo(f"the outbox at {where} is unavailable: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    except ValueError as exc:  # not a postgresql:// URL
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@outbox.command("list")
def outbox_list(
    status: Annotated[
        str | None, typer.Option(help="pending, delivered or failed (default: all).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many writes, oldest first.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List the held writes (COMPTOIR_OUTBOX_URL, else COMPTOIR_DATA_DIR), oldest first."""
    import json
    from datetime import UTC, datetime

    from comptoir.sources.outbox import WriteStatus

    if status is not None and status not in {s.value for s in WriteStatus}:
        raise typer.BadParameter("status is pending, delivered or failed")

    async def read(store: Outbox) -> tuple[list[OutboxWrite], OutboxStats]:
        chosen = WriteStatus(status) if status else None
        return await store.list_writes(status=chosen, limit=limit), await store.stats()

    writes, stats = _with_outbox(read)
    for write in writes:
        row = {
            "id": write.id,
            "kind": write.kind,
            "source": write.source,
            "status": write.status.value,
            "attempts": write.attempts,
            "created": datetime.fromtimestamp(write.created_at, UTC).isoformat(timespec="seconds"),
            "remoteId": write.remote_id,
            "subject": write.subject,
            "lastError": write.last_error,
        }
        if as_json:
            typer.echo(json.dumps(row))
        else:
            typer.echo(
                f"{row['id']}  {row['kind']:<8} {row['source']:<4} {row['status']:<9} "
                f"attempts={row['attempts']} created={row['created']} "
                f"remote={row['remoteId'] or '-'} error={row['lastError'] or '-'}"
            )
    if not as_json:
        age = stats.oldest_pending_age_s
        typer.echo(
            f"{stats.depth} pending (oldest {'-' if age is None else f'{age:.0f} s'}), "
            f"{stats.failed} failed"
        )


@outbox.command("retry")
def outbox_retry(
    write_ids: Annotated[
        list[str] | None, typer.Argument(help="Ids of failed writes (see `comptoir outbox list`).")
    ] = None,
    all_failed: Annotated[bool, typer.Option("--all", help="Every failed write.")] = False,
) -> None:
    """Queue failed writes again (with the writes that failed with them) for running instances."""
    if bool(write_ids) == all_failed:
        raise typer.BadParameter("give write ids, or --all")

    async def retry(store: Outbox) -> list[str]:
        back = await store.retry(write_ids or None, all_failed=all_failed)
        if back:
            await store.announce()  # running instances try them now, not at their next poll
        return back

    back = _with_outbox(retry)
    for write_id in back:
        typer.echo(f"{write_id} pending again")
    if not back:
        typer.echo("no failed write matched", err=True)
        raise typer.Exit(1)


documents = typer.Typer(
    help="Trusted documents: the operations a channel's clients may run, registered by sha256.",
    no_args_is_help=True,
)
app.add_typer(documents, name="documents")


def _with_documents(action: Callable[[DocumentStore], Awaitable[T]]) -> T:
    """Run ``action`` on the documents' store (COMPTOIR_OUTBOX_URL's PostgreSQL, else SQLite)."""
    import asyncio

    from comptoir.graph.trusted.store import DocumentStoreUnavailable, open_document_store
    from comptoir.sources.outbox import describe

    settings = Settings()
    where = describe(settings.outbox_url, settings.data_dir)

    async def run() -> T:
        store = await open_document_store(
            settings.outbox_url, settings.data_dir, timeout_s=settings.outbox_timeout_s
        )
        try:
            return await action(store)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except DocumentStoreUnavailable as exc:
        typer.echo(f"the documents' store at {where} is unavailable: {exc}", err=True)
        raise typer.Exit(1) from exc
    except ValueError as exc:  # not a postgresql:// URL
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@documents.command("push")
def documents_push(
    channel: Annotated[str, typer.Argument(help="The channel's code (its [channels.<code>]).")],
    paths: Annotated[
        list[Path],
        typer.Argument(help="*.graphql / *.gql files, JSON manifests, or folders of them."),
    ],
) -> None:
    """Register documents for a channel, by the sha256 of their text (kept durably)."""
    from comptoir.channels import ChannelsFileError, load_channels
    from comptoir.graph.app import document_cache
    from comptoir.graph.trusted.manifest import ManifestError, read_documents

    settings = Settings()
    try:
        config = load_channels(settings.channels).by_code(channel)
    except ChannelsFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    if config is None:
        typer.echo(f"no channel {channel!r} in the channels file", err=True)
        raise typer.Exit(2)
    try:
        shipped = read_documents(paths, document_cache(settings))
    except ManifestError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc

    async def push(store: DocumentStore) -> int:
        return await store.add(channel, [s.document for s in shipped])

    added = _with_documents(push)
    for each in shipped:
        cost = f"{each.cost} (default variables)" if each.varies else str(each.cost)
        over = f"  (over max_cost {config.max_cost})" if each.cost > config.max_cost else ""
        names = ",".join(each.document.operations) or "-"
        typer.echo(f"sha256:{each.document.id}  {names}  cost {cost}{over}  {each.origin}")
    typer.echo(
        f"{added} registered for {channel}, {len(shipped) - added} already were"
        + ("" if config.trusted_documents else f" ({channel} runs other documents too)")
    )


@documents.command("list")
def documents_list(
    channel: Annotated[str | None, typer.Argument(help="Only this channel's documents.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List the registered documents (of one channel, or all)."""
    import json
    from datetime import UTC, datetime

    async def read(store: DocumentStore) -> list[Registered]:
        return await store.listed(channel)

    for each in _with_documents(read):
        row = {
            "channel": each.channel,
            "documentId": f"sha256:{each.id}",
            "operations": list(each.operations),
            "registered": datetime.fromtimestamp(each.created_at, UTC).isoformat(
                timespec="seconds"
            ),
            "bytes": each.size,
        }
        if as_json:
            typer.echo(json.dumps(row))
        else:
            typer.echo(
                f"{row['channel']}  {row['documentId']}  {','.join(each.operations) or '-'}"
                f"  {row['registered']}  {each.size} bytes"
            )


if __name__ == "__main__":
    app()
