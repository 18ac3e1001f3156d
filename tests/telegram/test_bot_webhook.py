"""Updates by webhook inside the registry service: ``POST /telegram/webhook``, the secret
header, redeliveries handled once; ``consentry bot --webhook-url`` registers the hook."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from consentry.service.app import create_app
from consentry.service.asgi import telegram_from_env
from consentry.store import Store
from consentry.telegram.state import BotState
from consentry.telegram.webhook import PATH, SECRET_ENV, TOKEN_ENV, WebhookConfig

from .bot_harness import bank_image
from .fake_bot_api import FakeBotApi

GROUP = -1001234500001
USER = 7_000_000_001
SECRET = "webhook-secret_0123456789"
URL = f"http://testserver{PATH}"


@pytest.fixture
def service(bot_api: FakeBotApi, home: Path) -> Iterator[TestClient]:
    config = WebhookConfig(bot_api.token, SECRET, api_url=bot_api.url)
    with TestClient(create_app(None, home, telegram=config)) as client:
        yield client


def test_delivered_update_is_moderated_once_even_when_redelivered(
    bot_api: FakeBotApi, home: Path, benign_jpeg: Callable[..., bytes]
) -> None:
    image = benign_jpeg("astronaut")
    with Store.open(home) as store:
        bank_image(store, "ncii", image)
    bot_api.add_chat(GROUP)
    config = WebhookConfig(bot_api.token, SECRET, api_url=bot_api.url)
    with TestClient(create_app(None, home, telegram=config)) as client:
        set_webhook = f"{bot_api.url}/bot{bot_api.token}/setWebhook"
        httpx.post(set_webhook, json={"url": URL, "secret_token": SECRET}).raise_for_status()
        posted = bot_api.post_photo(GROUP, USER, image)
        (update,) = bot_api.pending_updates()
        assert bot_api.deliver_webhook(client=client) == [200]
        assert bot_api.deliver_webhook(client=client, redeliver=[update["update_id"]]) == [200]
    assert bot_api.deleted == {(GROUP, posted["message_id"])}
    assert len(bot_api.calls_to("deleteMessage")) == 1
    assert len(bot_api.sent_messages(GROUP)) == 1  # one warning
    with Store.open(home) as store:
        assert BotState(store).counts(GROUP)["checked"] == 1


def test_wrong_or_missing_secret_is_refused(
    bot_api: FakeBotApi, service: TestClient, drawn_jpeg: Callable[..., bytes]
) -> None:
    bot_api.add_chat(GROUP)
    bot_api.post_photo(GROUP, USER, drawn_jpeg(2))
    (update,) = bot_api.pending_updates()
    wrong = service.post(PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
    missing = service.post(PATH, json=update)
    assert wrong.status_code == missing.status_code == 403
    assert wrong.json()["error"]["code"] == "forbidden"
    assert bot_api.calls_to("getFile") == []


def test_a_body_that_is_not_an_update_is_refused(service: TestClient) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert service.post(PATH, json={"hello": 1}, headers=headers).status_code == 422
    not_json = service.post(PATH, content=b"{", headers=headers)
    assert not_json.status_code == 422


def test_the_webhook_is_absent_unless_configured(home: Path) -> None:
    with TestClient(create_app(None, home)) as client:
        assert client.post(PATH, json={"update_id": 1}).status_code == 404


def test_a_refused_token_leaves_the_service_running(bot_api: FakeBotApi, home: Path) -> None:
    config = WebhookConfig("999:WRONG-token", SECRET, api_url=bot_api.url)
    with TestClient(create_app(None, home, telegram=config)) as client:
        assert client.get("/healthz").status_code == 200
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        answer = client.post(PATH, json={"update_id": 1}, headers=headers)
        assert answer.status_code == 503  # Telegram delivers it again later


def test_serve_reads_the_webhook_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    monkeypatch.setenv(SECRET_ENV, SECRET)
    assert telegram_from_env() is None  # both are needed
    monkeypatch.setenv(TOKEN_ENV, "123456:TEST-token")
    config = telegram_from_env()
    assert config is not None and config.secret == SECRET
    assert "TEST-token" not in repr(config) and SECRET not in repr(config)
