"""Part of the corpus generator: see README.md in this folder."""

from __future__ import annotations

import html
import random
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1]
OURS = Path(__file__).resolve().parent / "ours"
FIRM_NAME = "Example Firm informational interviews"
FIRM_NAME_DE = "Example Firm Informationsgespräche"
FIRM = "interviews@firm.example"

EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DE_DAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
EN_MON = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DE_MON = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


def quote_block(
    client: str, lang: str, ours: str, when: datetime, us_to: str, subject: str, rng: random.Random
) -> tuple[str, str]:
    """(text, kind) of the quoted original as ``client`` writes it under the reply."""
    firm = FIRM_NAME if lang == "en" else FIRM_NAME_DE
    d = when
    gt = "\n".join(("> " + l) if l else ">" for l in ours.splitlines())
    if client in ("gmail-web", "gmail-android"):
        if lang == "de":
            wd = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."][d.weekday()]
            mon = [
                "Jan.",
                "Feb.",
                "März",
                "Apr.",
                "Mai",
                "Juni",
                "Juli",
                "Aug.",
                "Sept.",
                "Okt.",
                "Nov.",
                "Dez.",
            ][d.month - 1]
            attr = f"Am {wd}, {d.day}. {mon} {d.year} um {d:%H:%M} Uhr schrieb {firm} <{FIRM}>:"
        else:
            attr = f"On {EN_DAYS[d.weekday()][:3]}, {d.day} {EN_MON[d.month - 1][:3]} {d.year} at {d:%H:%M}, {firm} <{FIRM}> wrote:"
        if rng.random() < 0.4:  # Gmail wraps long attribution lines
            cut = attr.rfind(" ", 0, 60)
            attr = attr[:cut] + "\n" + attr[cut + 1 :]
        return f"{attr}\n\n{gt}\n", "gt"
    if client in ("outlook-win", "outlook-web", "outlook-mac"):
        if lang == "de":
            sent = f"{DE_DAYS[d.weekday()]}, {d.day}. {DE_MON[d.month - 1]} {d.year} {d:%H:%M}"
            head = f"Von: {firm} <{FIRM}>\nGesendet: {sent}\nAn: {us_to}\nBetreff: {subject}"
        else:
            h = d.hour % 12 or 12
            sent = f"{EN_DAYS[d.weekday()]}, {EN_MON[d.month - 1]} {d.day}, {d.year} {h}:{d:%M} {'AM' if d.hour < 12 else 'PM'}"
            head = f"From: {firm} <{FIRM}>\nSent: {sent}\nTo: {us_to}\nSubject: {subject}"
        sep = (
            rng.choice(["_" * 32, "-----Original Message-----", ""])
            if client == "outlook-win"
            else "_" * 32
        )
        if client == "outlook-mac":
            sep = ""
            head = head.replace("Sent:", "Date:")
        return (f"{sep}\n{head}\n\n{ours}\n" if sep else f"{head}\n\n{ours}\n"), "outlook"
    if client in ("apple-mail", "iphone"):
        if lang == "de":
            attr = f"Am {d:%d.%m.%Y} um {d:%H:%M} schrieb {firm} <{FIRM}>:"
        else:
            attr = f"On {d.day} {EN_MON[d.month - 1][:3]} {d.year}, at {d:%H:%M}, {firm} <{FIRM}> wrote:"
        return f"{attr}\n\n{gt}\n", "gt"
    if client == "thunderbird":
        if lang == "de":
            attr = f"Am {d:%d.%m.%y} um {d:%H:%M} schrieb {firm}:"
        else:
            attr = f"On {d:%d.%m.%y} {d:%H:%M}, {firm} wrote:"
        return f"{attr}\n{gt}\n", "gt"
    if client == "android":
        if lang == "de":
            attr = f"-------- Ursprüngliche Nachricht --------\nVon: {firm} <{FIRM}>\nDatum: {d:%d.%m.%y} {d:%H:%M}\nAn: {us_to}\nBetreff: {subject}"
        else:
            attr = f"-------- Original message --------\nFrom: {firm} <{FIRM}>\nDate: {d:%m/%d/%y} {d:%I:%M %p}\nTo: {us_to}\nSubject: {subject}"
        return f"{attr}\n\n{ours}\n", "outlook"
    return f"{firm} <{FIRM}> wrote:\n{gt}\n", "gt"


def phone_footer(client: str, lang: str) -> str:
    if client == "iphone":
        return "Von meinem iPhone gesendet" if lang == "de" else "Sent from my iPhone"
    if client == "gmail-android":
        return ""
    if client == "android":
        return (
            "Von meinem Samsung Galaxy Smartphone gesendet."
            if lang == "de"
            else "Sent from my Galaxy"
        )
    return ""


def msgid(client: str, rng: random.Random, domain: str) -> str:
    tok = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(16))
    if client.startswith("outlook"):
        return f"<{tok[:4]}PR0{tok[4]}MB{tok[5:9]}{tok[9:]}@{tok[:4]}PR0{tok[4]}MB{tok[5:9]}.eurprd0{rng.randint(1, 9)}.prod.outlook.com>"
    if client.startswith("gmail"):
        return f"<CA{tok}{tok[::-1][:10]}@mail.gmail.com>"
    if client in ("apple-mail", "iphone"):
        return f"<{tok[:8]}-{tok[8:12]}-{tok[12:16]}-A1B2-{tok}@{domain}>"
    return f"<{tok.lower()}@{domain}>"


MAILERS = {
    "outlook-win": ("X-Mailer", "Microsoft Outlook 16.0"),
    "outlook-mac": ("User-Agent", "Microsoft-MacOutlook/16.91.24111020"),
    "outlook-web": ("X-MS-Exchange-Organization-AuthAs", "Anonymous"),
    "apple-mail": ("X-Mailer", "Apple Mail (2.3774.300.61.1.2)"),
    "iphone": ("X-Mailer", "iPhone Mail (22B91)"),
    "thunderbird": ("User-Agent", "Mozilla Thunderbird"),
    "android": ("X-Mailer", "Samsung Email"),
}


def to_html(text: str, kind: str, client: str) -> str:
    """A plausible HTML alternative: paragraphs, and the quote as the client marks it up."""
    top, sep, rest = text.partition("\x00")

    def paras(t: str) -> str:
        out = []
        for block in t.strip().split("\n\n"):
            lines = "<br>\n".join(html.escape(l) for l in block.splitlines())
            cls = ' class="MsoNormal"' if client.startswith("outlook") else ""
            out.append(f"<p{cls}>{lines}</p>")
        return "\n".join(out)

    body = paras(top)
    if sep:
        inner = paras(
            "\n".join(l[2:] if l.startswith("> ") else l.lstrip(">") for l in rest.splitlines())
        )
        if client.startswith("gmail"):
            body += f'\n<div class="gmail_quote"><blockquote class="gmail_quote" style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">{inner}</blockquote></div>'
        elif client.startswith("outlook"):
            body += f'\n<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">{inner}</div>'
        else:
            body += f'\n<blockquote type="cite">{inner}</blockquote>'
    if client.startswith("outlook"):
        return f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body lang="EN-US"><div class="WordSection1">\n{body}\n</div></body></html>'
    return f"<html><body>\n{body}\n</body></html>"


def build(
    client: str,
    frm: str,
    to: str,
    subject: str,
    when: datetime,
    top: str,
    quote: str,
    rng: random.Random,
    in_reply_to: str | None,
    domain: str,
    html_only: bool = False,
    extra_headers: dict | None = None,
) -> EmailMessage:
    m = EmailMessage()
    m["From"] = frm
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = format_datetime(when)
    m["Message-ID"] = msgid(client, rng, domain)
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
        m["References"] = in_reply_to
    m["MIME-Version"] = "1.0"
    if client in MAILERS:
        m[MAILERS[client][0]] = MAILERS[client][1]
    for k, v in (extra_headers or {}).items():
        m[k] = v
    text = top.rstrip() + "\n\n" + quote if quote else top.rstrip() + "\n"
    if client == "thunderbird" and rng.random() < 0.6:
        m.set_content(text, cte=rng.choice(["8bit", "quoted-printable"]))
        m.set_param("format", "flowed")
        return m
    h = to_html(top + ("\x00" + quote if quote else ""), "", client)
    if html_only:
        m.set_content(h, subtype="html", cte="quoted-printable")
        return m
    m.set_content(
        text,
        cte=rng.choice(["quoted-printable", "8bit", "base64"])
        if not client.startswith("outlook")
        else "quoted-printable",
    )
    m.add_alternative(
        h, subtype="html", cte="base64" if client.startswith("outlook") else "quoted-printable"
    )
    return m


def write(part: str, name: str, msg: EmailMessage, label: str) -> None:
    (CORPUS / part / f"{name}.eml").write_bytes(msg.as_bytes(policy=policy.SMTP))
    (CORPUS / part / f"{name}.toml").write_text(label, encoding="utf-8")


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
