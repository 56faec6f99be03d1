"""config: the TOML file, environment overrides and the questionnaire, validated up front."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mailagent.config.loading import load_config
from mailagent.errors import ConfigError

FIRM = '[firm]\nname = "Example Firm"\naddress = "interviews@firm.example"\n'
QUESTIONS = """
[[questions]]
key = "background"
text.en = "Who are you?"

[[questions]]
key = "availability"
required = false
text.en = "When suits you?"
text.de = "Wann passt es Ihnen?"
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No MAILAGENT_* variable from the caller leaks in; relative paths resolve in tmp_path."""
    for name in list(os.environ):
        if name.startswith("MAILAGENT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(tmp_path: Path, settings: str, questions: str = QUESTIONS) -> Path:
    """Write mailagent.toml (pointing at questionnaire.toml) and the questionnaire."""
    (tmp_path / "questionnaire.toml").write_text(questions, encoding="utf-8")
    path = tmp_path / "mailagent.toml"
    config_dir = Path(__file__).resolve().parents[2] / "config"
    intent, managers = config_dir / "intent.toml", config_dir / "managers.toml"
    path.write_text(
        settings + f'\n[questionnaire]\nfile = "questionnaire.toml"\n[intent]\nfile = "{intent}"\n'
        f'[managers]\nfile = "{managers}"\n',
        encoding="utf-8",
    )
    return path


def test_shipped_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(root)
    config = load_config(Path("config/mailagent.toml"))
    firm = config.settings.firm
    assert (firm.name, firm.address) == ("Example Firm", "interviews@firm.example")
    assert firm.message_id_domain == "mailagent.firm.example"
    assert config.settings.inbox.endpoint.is_maildir
    assert config.settings.inbox.poll_seconds == 5
    assert "background" in config.questionnaire.keys
    assert all(q.wording("en") for q in config.questionnaire.questions)


def test_minimal_config_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FIRM))
    settings = config.settings
    assert settings.inbox.url == "maildir:var/mail/inbox"
    assert settings.outbox.password_env == "MAILAGENT_SMTP_PASSWORD"
    assert config.questionnaire.keys == ("background", "availability")
    assert config.questionnaire.questions[1].wording("de") == "Wann passt es Ihnen?"
    assert config.questionnaire.questions[0].wording("de") == "Who are you?"
    assert config.path == tmp_path / "mailagent.toml"


def test_env_override_wins_over_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, FIRM + '[inbox]\nurl = "maildir:var/in"\npoll_seconds = 5\n')
    monkeypatch.setenv("MAILAGENT_INBOX__POLL_SECONDS", "7")
    inbox = load_config(path).settings.inbox
    assert inbox.poll_seconds == 7
    assert inbox.url == "maildir:var/in"  # the rest of the section still comes from the file


SETTINGS_ERRORS = [
    pytest.param(
        FIRM + '[inbox]\nurll = "maildir:x"\n',
        {},
        ["{path}", "[inbox] urll", "unknown key", "allowed here:", "url", "poll_seconds"],
        id="typo key in [inbox] names file, key and allowed keys",
    ),
    pytest.param(
        FIRM + '[inboxx]\nurl = "maildir:x"\n',
        {},
        ["{path}", "inboxx", "unknown key", "firm", "inbox", "outbox"],
        id="unknown section",
    ),
    pytest.param(
        FIRM + '[inbox]\nurl = "http://mail.example.org"\n',
        {},
        ["{path}", "[inbox] url", "imap://", "imaps://", "maildir:"],
        id="bad URL scheme",
    ),
    pytest.param(
        FIRM + '[outbox]\nurl = "ftp://mail.example.org"\n',
        {},
        ["{path}", "[outbox] url", "smtp://", "smtps://"],
        id="bad outbox URL scheme",
    ),
    pytest.param(
        FIRM + '[inbox]\nurl = "imaps://u:secret@mail.example.org"\n',
        {},
        ["[inbox] url", "no password in the URL"],
        id="password in the URL",
    ),
    pytest.param(
        FIRM + '[outbox]\npassword = "hunter2"\n',
        {},
        ["{path}", "[outbox] password", "MAILAGENT_SMTP_PASSWORD"],
        id="password key in [outbox] refused with hint",
    ),
    pytest.param(
        FIRM + '[inbox]\npassword = "hunter2"\n',
        {},
        ["[inbox] password", "MAILAGENT_IMAP_PASSWORD"],
        id="password key in [inbox] refused with hint",
    ),
    pytest.param(
        FIRM,
        {"MAILAGENT_INBOX__POLL_SECONDS": "often"},
        ["[inbox] poll_seconds", "MAILAGENT_INBOX__POLL_SECONDS"],
        id="invalid env value names the variable",
    ),
    pytest.param(
        FIRM,
        {"MAILAGENT_INBOX__POLL_SECONDS": "0"},
        ["[inbox] poll_seconds", "MAILAGENT_INBOX__POLL_SECONDS"],
        id="out-of-range env value names the variable",
    ),
    pytest.param(
        '[inbox]\nurl = "maildir:x"\n',
        {},
        ["{path}", "firm", "required key is missing"],
        id="missing [firm]",
    ),
    pytest.param(
        '[firm]\nname = "Example Firm"\naddress = "interviews+x@firm.example"\n',
        {},
        ["[firm] address", "no +tag"],
        id="firm address with a plus tag",
    ),
    pytest.param(
        FIRM + '[inbox]\nurl = "imap://mail.example.org"\nstarttls = false\n',
        {},
        ["{path}: inbox", "clear text"],
        id="clear-text IMAP login to a remote host",
    ),
    pytest.param(
        FIRM + "[inbox\n",
        {},
        ["{path}", "not valid TOML"],
        id="broken TOML",
    ),
]


@pytest.mark.parametrize(("settings", "env", "message_parts"), SETTINGS_ERRORS)
def test_settings_errors(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings: str,
    env: dict[str, str],
    message_parts: list[str],
) -> None:
    path = write(tmp_path, settings)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    for part in message_parts:
        assert part.format(path=path) in message, message


@pytest.mark.parametrize(
    ("questions", "message_parts"),
    [
        pytest.param(
            '[[questions]]\nkey = "background"\ntext.de = "Wer sind Sie?"\n',
            ["questionnaire.toml", "text", "English"],
            id="questionnaire without English wording",
        ),
        pytest.param(
            '[[questions]]\nkey = "background"\ntext.en = "A"\n'
            '[[questions]]\nkey = "background"\ntext.en = "B"\n',
            ["questionnaire.toml", "unique", "background"],
            id="duplicate question keys",
        ),
        pytest.param(
            '[[questions]]\nkey = "Background"\ntext.en = "A"\n',
            ["questionnaire.toml", "key", "lower-case"],
            id="question key not lower-case",
        ),
        pytest.param(
            "questions = []\n",
            ["questionnaire.toml", "at least one"],
            id="no questions",
        ),
        pytest.param(
            '[[questions]]\nkey = "background"\ntext.en = "A"\nwording = "x"\n',
            ["questionnaire.toml", "wording", "unknown key"],
            id="unknown key in a question",
        ),
    ],
)
def test_questionnaire_errors(tmp_path: Path, questions: str, message_parts: list[str]) -> None:
    path = write(tmp_path, FIRM, questions)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    for part in message_parts:
        assert part in message, message


def test_missing_questionnaire_file(tmp_path: Path) -> None:
    path = write(tmp_path, FIRM)
    (tmp_path / "questionnaire.toml").unlink()
    with pytest.raises(ConfigError, match=r"questionnaire\.toml: no such file"):
        load_config(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: no such file"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        pytest.param('auth = "xoauth2"\n', "needs oauth2_token_command", id="no token source"),
        pytest.param(
            'auth = "xoauth2"\noauth2_token_command = "a"\noauth2_token_file = "b"\n',
            "needs oauth2_token_command or oauth2_token_file",
            id="two token sources",
        ),
        pytest.param(
            'oauth2_token_file = "b"\n', "only with auth = 'xoauth2'", id="token, no auth"
        ),
    ],
)
def test_xoauth2_settings_are_checked(tmp_path: Path, section: str, message: str) -> None:
    path = write(tmp_path, FIRM + '\n[outbox]\nurl = "smtp://agent@smtp.example.org"\n' + section)
    with pytest.raises(ConfigError, match=message):
        load_config(path)
