"""``consentry bot``: help, a short polling run against the fake Bot API, the webhook
registration, clear errors, and Ctrl-C. The token is never printed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from consentry.cli import app
from consentry.store import Store
from consentry.telegram.state import BotState

from .bot_harness import bank_image
from .fake_bot_api import FakeBotApi

GROUP = -1001234500001
USER = 7_000_000_001
SECRET = "webhook-secret_0123456789"
TOKEN_ENV = "CONSENTRY_TELEGRAM_TOKEN"


def invoke(home: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, ["--home", str(home), *args], env=env)


def output(result: Result) -> str:
    return result.stdout + (result.stderr if result.stderr_bytes is not None else "")


def test_help_lists_the_options(home: Path) -> None:
    result = invoke(home, "bot", "--help")
    assert result.exit_code == 0
    for option in ("--token", "--api-url", "--registry", "--key", "--webhook-url", "--once"):
        assert option in result.stdout
    assert "bot" in invoke(home, "--help").stdout


def test_a_short_polling_run_moderates_and_never_prints_the_token(
    bot_api: FakeBotApi, home: Path, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("astronaut")
    with Store.open(home) as store:
        bank_image(store, "ncii", image)
    bot_api.add_chat(GROUP)
    posted = bot_api.post_photo(GROUP, USER, image)
    result = invoke(home, "bot", "--token", bot_api.token, "--api-url", bot_api.url, "--once")
    assert result.exit_code == 0, output(result)
    assert "@consentry_test_bot" in output(result)
    assert bot_api.token not in output(result) and "TEST-token" not in output(result)
    assert bot_api.deleted == {(GROUP, posted["message_id"])}
    with Store.open(home) as store:
        assert BotState(store).offset() is not None


def test_token_from_the_environment_and_a_refused_token(bot_api: FakeBotApi, home: Path) -> None:
    good = invoke(home, "bot", "--api-url", bot_api.url, "--once", env={TOKEN_ENV: bot_api.token})
    assert good.exit_code == 0, output(good)
    refused = invoke(
        home, "bot", "--api-url", bot_api.url, "--once", env={TOKEN_ENV: "999:WRONG-token"}
    )
    assert refused.exit_code == 4
    assert "refused the bot token" in output(refused) and "WRONG-token" not in output(refused)
    missing = invoke(home, "bot", "--once", env={TOKEN_ENV: ""})
    assert missing.exit_code == 2


def test_webhook_url_registers_the_webhook_with_its_secret(bot_api: FakeBotApi, home: Path) -> None:
    url = "https://bot.example/telegram/webhook"
    base = ("bot", "--token", bot_api.token, "--api-url", bot_api.url, "--webhook-url", url)
    without_secret = invoke(home, *base, env={"CONSENTRY_TELEGRAM_WEBHOOK_SECRET": ""})
    assert without_secret.exit_code == 2 and "--webhook-secret" in output(without_secret)
    result = invoke(home, *base, "--webhook-secret", SECRET)
    assert result.exit_code == 0, output(result)
    assert bot_api.webhook == {"url": url, "secret_token": SECRET}
    assert SECRET not in output(result)
    assert bot_api.calls_to("getUpdates") == []


def test_registry_needs_a_key(bot_api: FakeBotApi, home: Path) -> None:
    result = invoke(
        home,
        "bot",
        "--token",
        bot_api.token,
        "--api-url",
        bot_api.url,
        "--registry",
        "https://registry.example",
        env={"CONSENTRY_SYNC_KEY": ""},
    )
    assert result.exit_code == 2 and "--key" in output(result)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child is POSIX")
def test_ctrl_c_stops_polling_cleanly(bot_api: FakeBotApi, home: Path) -> None:
    env = {**os.environ, TOKEN_ENV: bot_api.token, "PYTHONPATH": _source_path()}
    command = [sys.executable, "-m", "consentry", "--home", str(home), "bot"]
    command += ["--api-url", bot_api.url, "--poll-timeout", "1"]
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stderr is not None
            for line in process.stderr:  # wait until it polls
                if "polling" in line:
                    break
            bot_api.wait_until(lambda: bot_api.calls_to("getUpdates"), timeout=60)
            process.send_signal(signal.SIGINT)
            rest = process.communicate(timeout=60)[1]
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, rest
    assert "stopped" in rest and "Traceback" not in rest


def _source_path() -> str:
    import consentry

    return str(Path(consentry.__file__).resolve().parent.parent)


def test_a_local_bot_api_server_has_its_files_read_from_the_paths_it_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import io

    from consentry.telegram.app import API_LOCAL_ENV, build_bot

    assert not build_bot("123:abc", api_url="http://127.0.0.1:8081").session.api.is_local
    monkeypatch.setenv(API_LOCAL_ENV, "1")
    bot = build_bot("123:abc", api_url="http://127.0.0.1:8081")
    assert bot.session.api.is_local
    served = tmp_path / "documents" / "file_1.jpg"  # where a --local server keeps a file
    served.parent.mkdir()
    served.write_bytes(b"\xff\xd8 benign test bytes")

    async def fetch() -> bytes:
        buffer = io.BytesIO()
        await bot.download_file(str(served), destination=buffer)
        await bot.session.close()
        return buffer.getvalue()

    assert asyncio.run(fetch()) == served.read_bytes()
