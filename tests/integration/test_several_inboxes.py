"""Several inboxes in one config: interviews@ and careers@ are both read, each conversation is
answered from the address its request came to, and an inbox a running worker holds is left to it."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness import FIRM, guest_mail, maildir_config, messages, reply_to, sent_mail, threads

from mailagent.cli.app import main
from mailagent.config.settings import Config
from mailagent.service.leases import Leases
from mailagent.store.database import make_engine
from mailagent.store.migrate import upgrade

CAREERS = "careers@firm.example"
NOW = "2026-11-26T09:00:00+00:00"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return maildir_config(
        tmp_path,
        **{"inboxes.careers": {"url": f"maildir:{tmp_path / 'careers'}", "address": CAREERS}},
    )


def inject(config: Config, inbox: str, raw: bytes, tmp_path: Path) -> None:
    path = tmp_path / "mail.eml"
    path.write_bytes(raw)
    args = ["--config", str(config.path), "inject", str(path)]
    assert main([*args, "--inbox", inbox] if inbox else args) == 0


def run_once(config: Config, now: str = NOW) -> None:
    assert main(["--config", str(config.path), "run", "--once", "--now", now]) == 0


def test_each_request_is_answered_from_the_address_it_came_to(
    config: Config, tmp_path: Path
) -> None:
    inject(config, "", guest_mail(sender="Ana <ana@example.org>"), tmp_path)
    inject(config, "careers", guest_mail(sender="Ben <ben@example.org>", to=CAREERS), tmp_path)

    run_once(config)

    sent = {str(m["To"]): m for m in sent_mail(tmp_path)}
    assert set(sent) == {"Ana <ana@example.org>", "Ben <ben@example.org>"}
    ana, ben = sent["Ana <ana@example.org>"], sent["Ben <ben@example.org>"]
    assert FIRM in str(ana["From"]) and str(ana["Reply-To"]).endswith("@firm.example>")
    assert "interviews+" in str(ana["Reply-To"])
    assert CAREERS in str(ben["From"]) and "careers+" in str(ben["Reply-To"])
    assert {t.guest_email: t.mailbox for t in threads(config)} == {
        "ana@example.org": "inbox",
        "ben@example.org": "careers",
    }

    # Ben answers through careers+token@: the reply joins his thread, and the next mail to him
    # comes from careers@ again.
    inject(config, "careers", reply_to(ben, body="I'd like to learn about careers."), tmp_path)
    run_once(config, "2026-11-26T09:05:00+00:00")
    ben_thread = next(t for t in threads(config) if t.guest_email == "ben@example.org")
    inbound = [m for m in messages(config, ben_thread.id) if m.direction == "in"]
    assert len(inbound) == 2
    later = [m for m in sent_mail(tmp_path) if str(m["To"]) == "Ben <ben@example.org>"]
    assert len(later) == 2 and all(CAREERS in str(m["From"]) for m in later)


def test_check_config_tries_every_inbox(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--config", str(config.path), "check-config"])
    out = capsys.readouterr().out
    assert "\ninbox: ok: maildir:" in out
    assert "\ninbox careers: ok: maildir:" in out


def test_an_unknown_inbox_name_is_refused(
    config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mail.eml"
    path.write_bytes(guest_mail())
    assert main(["--config", str(config.path), "inject", str(path), "--inbox", "sales"]) == 1
    assert "no inbox named 'sales'; configured: inbox, careers" in capsys.readouterr().err


def test_a_one_off_pass_leaves_an_inbox_a_running_worker_holds(
    config: Config,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    inject(config, "", guest_mail(sender="Ana <ana@example.org>"), tmp_path)
    inject(config, "careers", guest_mail(sender="Ben <ben@example.org>", to=CAREERS), tmp_path)
    engine = make_engine(config.settings.database.url)
    upgrade(engine)
    running = Leases(engine, ["careers"], seconds=60, holder="other-worker")
    assert running.take_all() == ("careers",)

    # The health check below reads the wall clock, so the passes run at the real time.
    with caplog.at_level(logging.WARNING):
        run_once(config, now=datetime.now(UTC).isoformat())

    assert [str(m["To"]) for m in sent_mail(tmp_path)] == ["Ana <ana@example.org>"]
    assert "inbox careers: held by a running worker; left to it" in caplog.text
    capsys.readouterr()
    # The health check covers every inbox: careers was never read by this process.
    assert main(["--config", str(config.path), "status", "--json", "--max-age", "600"]) == 2
    status = json.loads(capsys.readouterr().out)
    assert status["inboxes"]["careers"]["worker"] == "other-worker"
    assert status["inboxes"]["careers"]["last_fetch"] is None
    assert status["inboxes"]["inbox"]["last_fetch"] is not None
    assert status["inboxes"]["inbox"]["worker"] is None  # the one-off pass gave it back
    running.release_all()
    engine.dispose()
    run_once(config, now=datetime.now(UTC).isoformat())
    assert len(sent_mail(tmp_path)) == 2
    assert main(["--config", str(config.path), "status", "--max-age", "600"]) == 0
