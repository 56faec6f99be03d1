"""mail-rules (a): every hard signal A1-A10, the soft subjects and X-Auto-Response-Suppress.

Each row is one inbound mail (the defaults of ``raw_mail`` are an ordinary human request to
interviews@firm.example) and the expected class plus the id of the rule that must be named.
"""

from __future__ import annotations

from typing import Any

import pytest

from mailagent.core.classify import Us, classify
from mailagent.core.parse import parse_message

US = Us(
    address="interviews@firm.example",
    msgid_domain="mailagent.firm.example",
    instance_id="mailagent",
)

DSN_BODY = (
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Your message could not be delivered.\r\n"
    "--b1\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; mx.example.org\r\n"
    "\r\n"
    "Final-Recipient: rfc822; gone@example.org\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "\r\n"
    "--b1--\r\n"
)
MDN_BODY = (
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Your message was displayed.\r\n"
    "--b1\r\n"
    "Content-Type: message/disposition-notification\r\n"
    "\r\n"
    "Final-Recipient: rfc822; dana@example.org\r\n"
    "Disposition: manual-action/MDN-sent-manually; displayed\r\n"
    "\r\n"
    "--b1--\r\n"
)
ATTACHMENT_ONLY_BODY = (
    "--b1\r\n"
    "Content-Type: application/pdf\r\n"
    "Content-Disposition: attachment; filename=cv.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQK\r\n"
    "--b1--\r\n"
)


def row(
    id_: str,
    category: str,
    rule: str,
    *,
    suppress: bool = False,
    body: str | None = None,
    extra: tuple[tuple[str, str], ...] = (),
    **headers: Any,
) -> Any:
    """One table row: headers for ``raw_mail``, the class, the rule id (first word of the rule)."""
    return pytest.param(headers, extra, body, category, rule, suppress, id=id_)


SPEC_LIST_HEADERS = (
    "List-Id",
    "List-Unsubscribe",
    "List-Subscribe",
    "List-Post",
    "List-Help",
    "List-Owner",
    "List-Archive",
    "Archived-At",
    "Mailing-List",
    "X-Mailing-List",
    "X-ML-Name",
)

ROWS = [
    # --- the baseline ---
    row("human plain request", "human", ""),
    # --- A1 null sender ---
    row("A1 Return-Path missing", "bounce", "A1", Return_Path=None),
    row("A1 Return-Path <>", "bounce", "A1", Return_Path="<>"),
    row("A1 Return-Path <<>>", "bounce", "A1", Return_Path="<<>>"),
    row("A1 Return-Path empty", "bounce", "A1", Return_Path=""),
    row("A1 second Return-Path null", "bounce", "A1", Return_Path=["<dana@example.org>", "<>"]),
    # --- A2 Auto-Submitted ---
    row("A2 auto-replied", "auto", "A2", Auto_Submitted="auto-replied"),
    row(
        "A2 auto-replied (vacation) comment", "auto", "A2", Auto_Submitted="auto-replied (vacation)"
    ),
    row(
        "A2 Auto-Generated; foo=bar params", "auto", "A2", Auto_Submitted="Auto-Generated; foo=bar"
    ),
    row("A2 auto-notified", "auto", "A2", Auto_Submitted="auto-notified"),
    row("A2 unknown keyword counts", "auto", "A2", Auto_Submitted="auto-something-new"),
    row("A2 no is human", "human", "", Auto_Submitted="no"),
    row("A2 NO (comment) is human", "human", "", Auto_Submitted="NO (typed by a person)"),
    row("A2 second instance auto-replied", "auto", "A2", Auto_Submitted=["no", "auto-replied"]),
    # --- A3 reports ---
    row(
        "A3 top-level multipart/report",
        "bounce",
        "A3",
        Content_Type='multipart/report; report-type=delivery-status; boundary="b1"',
        body=DSN_BODY,
    ),
    row(
        "A3 multipart/report any report-type (MDN)",
        "bounce",
        "A3",
        Content_Type='multipart/report; report-type=disposition-notification; boundary="b1"',
        body=MDN_BODY,
    ),
    row(
        "A3 nested message/delivery-status",
        "bounce",
        "A3",
        Content_Type='multipart/mixed; boundary="b1"',
        body=DSN_BODY,
    ),
    # --- A4 list headers, one row each ---
    *[
        row(f"A4 {name}", "list", "A4", extra=((name, "<interns.lists.example.org>"),))
        for name in SPEC_LIST_HEADERS
    ],
    # --- A5 Precedence ---
    row("A5 Precedence bulk", "auto", "A5", Precedence="bulk"),
    row("A5 Precedence list", "auto", "A5", Precedence="list"),
    row("A5 Precedence auto_reply", "auto", "A5", Precedence="auto_reply"),
    row("A5 Precedence JUNK case", "auto", "A5", Precedence="JUNK"),
    row("A5 two Precedence, second bulk", "auto", "A5", Precedence=["first-class", "bulk"]),
    row("A5 X-Precedence junk", "auto", "A5", X_Precedence="junk"),
    row("A5 Precedence first-class is human", "human", "", Precedence="first-class"),
    # --- A6 vendor marks ---
    row("A6 X-Autoreply", "auto", "A6", X_Autoreply="yes"),
    row("A6 X-Autorespond", "auto", "A6", X_Autorespond="1"),
    row("A6 X-Autoresponder", "auto", "A6", X_Autoresponder="1"),
    row("A6 X-Amazon-Auto-Reply", "auto", "A6", X_Amazon_Auto_Reply="true"),
    row("A6 X-No-Ack", "auto", "A6", X_No_Ack="1"),
    row("A6 X-Ack no", "auto", "A6", X_Ack="No"),
    row("A6 X-Loop yes", "auto", "A6", X_Loop="yes"),
    row("A6 X-Loop true", "auto", "A6", X_Loop="TRUE"),
    row("A6 X-FC-Machinegenerated true", "auto", "A6", extra=(("X-FC-Machinegenerated", "true"),)),
    row("A6 Thread-Topic AutoResponse", "auto", "A6", Thread_Topic="AutoResponse"),
    row("A6 Delivered-To autoresponder", "auto", "A6", Delivered_To="autoresponder"),
    row("A6 name regex X-Autoreply-Foo", "auto", "A6", X_Autoreply_Foo="1"),
    row("A6 name regex X-Auto_Generated", "auto", "A6", extra=(("X-Auto_Generated", "1"),)),
    row("A6 name regex X-HolidayReply", "auto", "A6", X_HolidayReply="1"),
    row("A6 name regex X-MachineGenerated", "auto", "A6", X_MachineGenerated="1"),
    row("A6 X-Auto-Response-Suppress alone is no mark", "human", "", X_Auto_Response_Suppress="DR"),
    row("A6 X-Ack yes is human", "human", "", X_Ack="yes"),
    row("A6 X-Loop with an address is human", "human", "", X_Loop="list@example.org"),
    row("A6 Thread-Topic ordinary is human", "human", "", Thread_Topic="Interview request"),
    # --- A7 system senders ---
    row(
        "A7 From MAILER-DAEMON",
        "system",
        "A7",
        From="Mail Delivery System <MAILER-DAEMON@mx.example.org>",
    ),
    row("A7 Return-Path postmaster", "system", "A7", Return_Path="<postmaster@example.org>"),
    row("A7 From no-reply", "system", "A7", From="Service <no-reply@service.example.com>"),
    row("A7 From noreply", "system", "A7", From="noreply@service.example.com"),
    row("A7 From abuse", "system", "A7", From="abuse@example.org"),
    row("A7 From owner-x", "system", "A7", From="owner-interns@lists.example.org"),
    row("A7 From x-request", "system", "A7", From="interns-request@lists.example.org"),
    row("A7 From ends -relay", "system", "A7", From="smtp-relay@example.org"),
    row(
        "A7 Return-Path SRS0 rewritten mailer-daemon",
        "system",
        "A7",
        Return_Path="<SRS0=HHH=TT=example.org=mailer-daemon@forwarder.example.net>",
    ),
    row(
        "A7 Return-Path SRS0 rewritten person is human",
        "human",
        "",
        Return_Path="<SRS0=HHH=TT=example.org=dana@forwarder.example.net>",
    ),
    # --- A8 ourselves ---
    row("A8 Message-ID our domain", "loop", "A8", Message_ID="<0123abcd@mailagent.firm.example>"),
    row(
        "A8 Message-ID our domain case",
        "loop",
        "A8",
        Message_ID="<0123abcd@MailAgent.Firm.Example>",
    ),
    row("A8 loop header our instance", "loop", "A8", X_Mailagent_Loop="mailagent"),
    row(
        "A8 From our plus-address",
        "loop",
        "A8",
        From="interviews+abcdefghijklmnopqrstuvwxyz@firm.example",
    ),
    row("A8 From our address upper-case", "loop", "A8", From="Firm <Interviews@Firm.Example>"),
    row("A8 Sender ours", "loop", "A8", Sender="interviews@firm.example"),
    row(
        "A8 Return-Path our VERP address",
        "loop",
        "A8",
        Return_Path="<interviews+b-0a1b2c3d@firm.example>",
    ),
    row(
        "A8 firm-domain Message-ID is a manager's, human",
        "human",
        "",
        Message_ID="<m1@firm.example>",
    ),
    row(
        "A8 loop header of another instance, human", "human", "", X_Mailagent_Loop="other-instance"
    ),
    # --- A9 not to us ---
    row("A9 To someone else", "not_to_us", "A9", To="someone@example.org"),
    row("A9 no To at all", "not_to_us", "A9", To=None),
    row("A9 Cc us is human", "human", "", To="someone@example.org", Cc="interviews@firm.example"),
    row("A9 Bcc us is human", "human", "", To="someone@example.org", Bcc="interviews@firm.example"),
    row(
        "A9 Resent-To us is human",
        "human",
        "",
        To="someone@example.org",
        Resent_To="interviews@firm.example",
    ),
    row(
        "A9 To our plus-address is human",
        "human",
        "",
        To="interviews+abcdefghijklmnopqrstuvwxyz@firm.example",
    ),
    row(
        "A9 Delivered-To is not an addressing header",
        "not_to_us",
        "A9",
        To="someone@example.org",
        Delivered_To="interviews@firm.example",
    ),
    row(
        "A9 X-Original-To is not an addressing header",
        "not_to_us",
        "A9",
        To="someone@example.org",
        X_Original_To="interviews@firm.example",
    ),
    # --- A10 malformed ---
    # RFC 2045 section 5.2: no Content-Type means text/plain; charset=us-ascii (old clients,
    # scripts and web forms send exactly that), so a person wrote it.
    row("A10 no Content-Type is plain text", "human", "", Content_Type=None),
    row(
        "A10 no Content-Type and no text",
        "malformed",
        "A10",
        Content_Type=None,
        body="\r\n  \r\n",
    ),
    row(
        "A10 application/pdf top level",
        "malformed",
        "A10",
        Content_Type="application/pdf",
        Content_Transfer_Encoding="base64",
        body="JVBERi0xLjQK\r\n",
    ),
    row("A10 empty text", "malformed", "A10", body="\r\n   \r\n"),
    row(
        "A10 attachment only",
        "malformed",
        "A10",
        Content_Type='multipart/mixed; boundary="b1"',
        body=ATTACHMENT_ONLY_BODY,
    ),
    row("A10 From with defects", "malformed", "A10", From="alice@example.org(<bob@example.org>"),
    # --- A.2 soft signals ---
    row("soft Out of Office", "soft_auto", "A.2", Subject="Out of Office: back on Monday"),
    row(
        "soft Automatic reply",
        "soft_auto",
        "A.2",
        Subject="Automatic reply: Informational interview",
    ),
    row("soft Abwesenheitsnotiz", "soft_auto", "A.2", Subject="Abwesenheitsnotiz: Urlaub"),
    row("soft Auto:", "soft_auto", "A.2", Subject="Auto: away"),
    row("soft Autosvar", "soft_auto", "A.2", Subject="Autosvar: semester"),
    row("soft Réponse automatique", "soft_auto", "A.2", Subject="Réponse automatique : absent"),
    row("soft Out of Office AutoReply", "soft_auto", "A.2", Subject="Out of Office AutoReply: x"),
    row(
        "subject mentioning out of office later is human",
        "human",
        "",
        Subject="Re: my out of office",
    ),
    # --- A.2 X-Auto-Response-Suppress ---
    row(
        "suppress OOF, AutoReply",
        "human",
        "",
        suppress=True,
        X_Auto_Response_Suppress="OOF, AutoReply",
    ),
    row("suppress All", "human", "", suppress=True, X_Auto_Response_Suppress="All"),
    row("suppress lower-case oof", "human", "", suppress=True, X_Auto_Response_Suppress="dr,oof"),
    row(
        "suppress second instance",
        "human",
        "",
        suppress=True,
        X_Auto_Response_Suppress=["None", "AutoReply"],
    ),
    row("suppress None is not suppressed", "human", "", X_Auto_Response_Suppress="None"),
    row("suppress DR, NDR is not suppressed", "human", "", X_Auto_Response_Suppress="DR, NDR"),
    # --- A.2 who is answered ---
    row("From two mailboxes", "bad_sender", "A.2", From="dana@example.org, fox@example.org"),
    row("From dotless domain refused", "bad_sender", "A.2", From="dana@localhost"),
    row("From special-use domain refused", "bad_sender", "A.2", From="dana@example.test"),
]


@pytest.mark.parametrize(("headers", "extra", "body", "category", "rule", "suppress"), ROWS)
def test_classify(
    raw_mail: Any,
    headers: dict[str, Any],
    extra: tuple[tuple[str, str], ...],
    body: str | None,
    category: str,
    rule: str,
    suppress: bool,
) -> None:
    kwargs: dict[str, Any] = dict(headers)
    if body is not None:
        kwargs["body"] = body
    msg = parse_message(raw_mail(extra=extra, **kwargs))

    verdict = classify(msg, US)

    assert (verdict.category, verdict.suppress_auto_reply) == (category, suppress), verdict.rule
    assert verdict.is_human is (category == "human")
    if rule:
        assert verdict.rule.split()[0] == rule, verdict.rule
    else:
        assert verdict.rule == ""


def test_a8_outranks_every_other_signal(raw_mail: Any) -> None:
    """Our own mail bouncing back with machine marks is still named as a loop (A8 comes first)."""
    msg = parse_message(
        raw_mail(
            Return_Path="<>",
            Auto_Submitted="auto-replied",
            X_Mailagent_Loop="mailagent",
            Precedence="bulk",
        )
    )
    assert classify(msg, US).rule.split()[0] == "A8"


def test_a1_outranks_a2(raw_mail: Any) -> None:
    msg = parse_message(raw_mail(Return_Path="<>", Auto_Submitted="auto-replied"))
    assert classify(msg, US).rule.split()[0] == "A1"
