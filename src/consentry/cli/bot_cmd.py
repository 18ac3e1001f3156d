"""``consentry bot``: run the Telegram moderation bot (long polling, or set its webhook)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from consentry.cli.exitcodes import ExitCode
from consentry.cli.output import print_error, print_note
from consentry.cli.state import state
from consentry.cli.sync_cmd import KEY_ENV, state_file_for

if TYPE_CHECKING:
    from consentry.store import Store
    from consentry.telegram.registry import RemoteRegistry

TOKEN_ENV = "CONSENTRY_TELEGRAM_TOKEN"
SECRET_ENV = "CONSENTRY_TELEGRAM_WEBHOOK_SECRET"
API_URL_ENV = "CONSENTRY_TELEGRAM_API_URL"
DB_ENV = "CONSENTRY_DB"
MiB = 1024 * 1024


def bot_command(
    ctx: typer.Context,
    token: str = typer.Option(
        ...,
        "--token",
        envvar=TOKEN_ENV,
        metavar="TOKEN",
        show_default=False,
        help=f"The bot's token from @BotFather. Prefer ${TOKEN_ENV}: a token on the command "
        "line is visible to other users of the machine. Never printed or logged.",
    ),
    api_url: str | None = typer.Option(
        None,
        "--api-url",
        envvar=API_URL_ENV,
        metavar="URL",
        help="A self-hosted Bot API server (default: Telegram's, api.telegram.org).",
    ),
    api_local: bool = typer.Option(
        False,
        "--api-local",
        envvar="CONSENTRY_TELEGRAM_API_LOCAL",
        help="The --api-url server runs with --local: files are read from the paths it gives "
        "(on this machine), into memory, and are not limited to 20 MB.",
    ),
    db: str | None = typer.Option(
        None,
        "--db",
        envvar=DB_ENV,
        metavar="URL",
        help="Database URL (default: SQLite in the data directory). Banks, decisions and the "
        "bot's state (settings, strikes, actions) live here.",
    ),
    registry: str | None = typer.Option(
        None,
        "--registry",
        metavar="URL",
        help="Mirror this remote registry's banks into the local database and match locally.",
    ),
    key: str | None = typer.Option(
        None,
        "--key",
        envvar=KEY_ENV,
        metavar="KEY",
        show_default=False,
        help=f"The --registry partner key (sync scope). Prefer ${KEY_ENV}.",
    ),
    sync_every: float = typer.Option(
        300.0, "--sync-every", min=5.0, metavar="SECONDS", help="How often to mirror --registry."
    ),
    prefix: str = typer.Option(
        "", "--prefix", metavar="P", help="Local bank name = P + remote bank name (--registry)."
    ),
    insecure: bool = typer.Option(
        False, "--insecure", help="Allow a plain http:// --registry on another machine (testing)."
    ),
    max_download_mb: int = typer.Option(
        20,
        "--max-download-mb",
        min=1,
        max=2000,
        metavar="MB",
        help="Larger files are checked through their thumbnail (Telegram's servers give bots "
        "at most 20 MB; a self-hosted Bot API server allows more).",
    ),
    poll_timeout: int = typer.Option(
        30, "--poll-timeout", min=0, max=50, metavar="SECONDS", help="getUpdates long-poll wait."
    ),
    once: bool = typer.Option(
        False, "--once", help="Handle the updates waiting now, then exit (a check, or cron)."
    ),
    webhook_url: str | None = typer.Option(
        None,
        "--webhook-url",
        metavar="URL",
        help="Register this https URL (…/telegram/webhook of 'consentry serve') with Telegram "
        "and exit, instead of polling. Needs --webhook-secret.",
    ),
    webhook_secret: str | None = typer.Option(
        None,
        "--webhook-secret",
        envvar=SECRET_ENV,
        metavar="SECRET",
        show_default=False,
        help=f"Telegram sends it with every update (1-256 of A-Z a-z 0-9 _ -). Prefer "
        f"${SECRET_ENV}; 'consentry serve' checks it with the same variable.",
    ),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning or error."),
) -> None:
    """Moderate Telegram groups and channels: media is checked against the banks and the
    chat's policy, then deleted, warned about, held for review or left alone.

    Add the bot to a group as an admin with "Delete messages" and "Ban users"; chat admins
    configure it there with /settings. Media is downloaded into memory only, never stored or
    re-posted; the log chat gets text entries with buttons.

    Example: CONSENTRY_TELEGRAM_TOKEN=123:ABC consentry bot --registry https://registry.example
    """
    from consentry.telegram.services import MAX_DOWNLOAD_BYTES

    logging.basicConfig(level=_level(log_level), format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiogram").setLevel(logging.WARNING)  # one line per update otherwise
    if webhook_url is not None:
        _require(webhook_secret, "--webhook-secret (or $" + SECRET_ENV + ")")
        with _telegram_errors():
            asyncio.run(_set_webhook(token, api_url, api_local, webhook_url, webhook_secret or ""))
        return
    remote = _remote(ctx, registry, key, sync_every, prefix, insecure)
    max_bytes = max_download_mb * MiB if api_url else min(max_download_mb * MiB, MAX_DOWNLOAD_BYTES)
    store = state(ctx).open_store(db)
    try:
        with _telegram_errors():
            asyncio.run(
                _poll(store, token, api_url, api_local, remote, max_bytes, poll_timeout, once)
            )
    except KeyboardInterrupt:
        print_note("stopped")
    finally:
        store.close()


@contextmanager
def _telegram_errors() -> Iterator[None]:
    """A refused token or an unreachable Bot API server as one line (never the token)."""
    from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
    from aiogram.utils.token import TokenValidationError

    try:
        yield
    except (TelegramUnauthorizedError, TokenValidationError):
        print_error("Telegram refused the bot token: check it with @BotFather", "bad-token")
        raise typer.Exit(ExitCode.INVALID) from None
    except TelegramAPIError as error:
        print_error(f"the Bot API failed: {error.message}", "telegram-error")
        raise typer.Exit(ExitCode.INVALID) from None


async def _poll(
    store: Store,
    token: str,
    api_url: str | None,
    local: bool,
    remote: RemoteRegistry | None,
    max_bytes: int,
    poll_timeout: int,
    once: bool,
) -> None:
    from consentry.telegram.app import running_bot
    from consentry.telegram.runner import Poller, run_polling

    async with running_bot(
        store, token, api_url=api_url, local=local, registry=remote, max_download_bytes=max_bytes
    ) as running:
        services = running.services
        where = f" from {remote.url}" if remote else ""
        print_note(f"running as @{services.bot_username} (id {services.bot_id}); banks{where}")
        if once:
            poller = Poller(running.bot, running.dispatcher, services, timeout=0)
            while await poller.poll_once():
                pass
            return
        print_note("polling for updates; Ctrl-C stops")
        await run_polling(running.bot, running.dispatcher, services, timeout=poll_timeout)


async def _set_webhook(token: str, api_url: str | None, local: bool, url: str, secret: str) -> None:
    from consentry.telegram.app import build_bot
    from consentry.telegram.calls import call
    from consentry.telegram.runner import ALLOWED_UPDATES

    bot = build_bot(token, api_url=api_url, local=local)
    try:
        me = await bot.get_me()
        await call(
            lambda: bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))
        )
    finally:
        await bot.session.close()
    print_note(
        f"webhook set for @{me.username}: Telegram now posts updates to {url}. Run 'consentry "
        f"serve' with ${TOKEN_ENV} and ${SECRET_ENV} set to receive them."
    )


def _remote(
    ctx: typer.Context,
    registry: str | None,
    key: str | None,
    every: float,
    prefix: str,
    insecure: bool,
) -> RemoteRegistry | None:
    if registry is None:
        return None
    _require(key, "--key (or $" + KEY_ENV + ") for --registry")
    from consentry.sync.client import source_of
    from consentry.telegram.registry import RemoteRegistry

    return RemoteRegistry(
        url=registry,
        key=key or "",
        state_file=state_file_for(state(ctx).home, source_of(registry)),
        every=every,
        prefix=prefix,
        allow_insecure=insecure,
    )


def _require(value: str | None, what: str) -> None:
    if not value:
        print_error(f"missing {what}", "missing-option")
        raise typer.Exit(ExitCode.USAGE)


def _level(name: str) -> int:
    levels = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
    levels["error"] = logging.ERROR
    if name.lower() not in levels:
        raise typer.BadParameter("expected debug, info, warning or error", param_hint="--log-level")
    return levels[name.lower()]
