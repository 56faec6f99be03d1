"""The command line: check-config against real servers, one-line errors, --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from harness import REPO, make_config, write_config
from servers import ImapAccount, SmtpServerFactory

from mailagent.cli.app import main


def test_check_config_says_what_works(
    tmp_path: Path,
    imap_account: ImapAccount,
    smtp_server_factory: SmtpServerFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    smtp = smtp_server_factory(auth_user="agent", auth_password="s3cret")
    config = make_config(tmp_path, imap_account.url(), f"smtp://agent@127.0.0.1:{smtp.port}")
    monkeypatch.setenv("MAILAGENT_IMAP_PASSWORD", imap_account.password)
    monkeypatch.setenv("MAILAGENT_SMTP_PASSWORD", "s3cret")

    assert main(["--config", str(config.path), "check-config"]) == 0
    out = capsys.readouterr().out
    rendered = next(line for line in out.splitlines() if line.startswith("templates: ok: "))
    assert "en/questionnaire" in rendered and "en/reask" in rendered
    assert "database: ok:" in out and "will migrate" in out
    assert f"inbox: ok: imap://{imap_account.user}@127.0.0.1:{imap_account.port}/INBOX" in out
    assert "outbox: ok:" in out and "logged in" in out

    monkeypatch.setenv("MAILAGENT_SMTP_PASSWORD", "wrong")
    monkeypatch.setenv("MAILAGENT_IMAP_PASSWORD", "wrong")
    assert main(["--config", str(config.path), "check-config"]) == 1
    out = capsys.readouterr().out
    assert "inbox: FAILED:" in out and "outbox: FAILED:" in out and "535" in out


def test_a_typo_in_the_config_is_one_line_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, {"inbox": {"url": "maildir:in", "pol_seconds": 5}})

    assert main(["--config", str(path), "check-config"]) == 1

    err = capsys.readouterr().err
    assert err.startswith(f"mailagent: error: {path}: [inbox] pol_seconds: unknown key;")
    assert "poll_seconds" in err


def test_now_needs_once(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--now", "2026-11-25T10:00:00+00:00"])
    assert exit_info.value.code == 2
    assert "--now only makes sense with --once" in capsys.readouterr().err


def test_help_lists_the_commands_and_needs_no_heavy_imports() -> None:
    probe = (
        "import sys; from mailagent.cli.app import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('sqlalchemy', 'jinja2', 'imapclient', 'sqlmodel')\n"
        "print('HEAVY', [m for m in heavy if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    for command in ("run", "check-config", "inject", "threads", "db"):
        assert command in result.stdout
    assert "HEAVY []" in result.stdout


def test_an_idle_pass_loads_nothing_it_does_not_use(tmp_path: Path) -> None:
    """With nothing to read, send or do, ``run --once`` (after a first start has checked the
    templates) loads no template engine, address validator, language models or the code that
    reads and answers mail: that is what keeps an idle start short."""
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}")
    run = ["--config", str(config.path), "run", "--once"]
    assert main(run) == 0  # the first start creates the database and checks the templates
    probe = (
        "import sys; from mailagent.cli.app import main\n"
        f"code = main({run!r})\n"
        "unused = ('jinja2', 'email_validator', 'lingua', 'mailagent.service.handling',"
        " 'mailagent.compose.message', 'mailagent.service.checks')\n"
        "print('CODE', code, 'LOADED', [m for m in unused if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert "pass: 0 fetched" in result.stdout
    assert "CODE 0 LOADED []" in result.stdout


def test_inject_warns_of_a_mail_without_return_path_and_from_adds_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}")
    saved = (REPO / "examples" / "request.eml").read_bytes()
    bare = tmp_path / "saved-from-a-client.eml"
    bare.write_bytes(b"\n".join(saved.split(b"\n")[1:]))  # as a client saves it: no Return-Path
    run = ["--config", str(config.path)]

    # Given a mail saved from a client, injected as it is: stored, a warning, nothing answered.
    assert main([*run, "inject", str(bare)]) == 0
    assert "no Return-Path header" in capsys.readouterr().err
    assert main([*run, "run", "--once"]) == 0
    assert "outbox 0 sent" in capsys.readouterr().out

    # The same request from another guest with --from: answered with the questionnaire.
    other = tmp_path / "other.eml"
    other.write_bytes(
        bare.read_bytes()
        .replace(b"dana.ruiz@example.org", b"noor@example.net")
        .replace(b"<CAF7a1b2c3d4e5f6@mail.example.org>", b"<other-1@mail.example.net>")
    )
    assert main([*run, "inject", "--from", "noor@example.net", str(other)]) == 0
    assert capsys.readouterr().err == ""
    assert main([*run, "run", "--once"]) == 0
    assert "outbox 1 sent" in capsys.readouterr().out
    [sent] = list((tmp_path / "out" / "new").iterdir())
    assert b"\nTo: Dana Ruiz <noor@example.net>\n" in sent.read_bytes().replace(b"\r\n", b"\n")

    assert main([*run, "inject", "--from", "not an address", str(other)]) == 1
    assert "--from: not an email address" in capsys.readouterr().err
