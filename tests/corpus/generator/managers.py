"""Part of the corpus generator: see README.md in this folder."""

import random
import re
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clients import DE_DAYS, DE_MON, EN_DAYS, EN_MON, OURS, build, phone_footer, quote_block, write

MANAGERS = {
    "Sam Lee": ("sam.lee@firm.example", "Europe/Berlin"),
    "Jo Berger": ("jo.berger@firm.example", "Europe/Berlin"),
    "Alex Kim": ("alex.kim@firm.example", "America/New_York"),
}
BRIEF = {
    l: (OURS / f"brief_manager.{l}.txt")
    .read_text(encoding="utf-8")
    .split("--- HTML ---")[0]
    .split("\n\n", 1)[1]
    .strip()
    for l in ("en", "de")
}
GUESTS = [
    "Dana Ruiz",
    "Priya Raman",
    "Tom Becker",
    "Aisha Okafor",
    "Lukas Schmidt",
    "Mei Lin",
    "Hannah Müller",
    "Carlos Mendoza",
]


def fmt_offer(t, lang, zone):
    if lang == "de":
        return f"{DE_DAYS[t.weekday()]}, {t.day}. {DE_MON[t.month - 1]} {t.year}, {t:%H:%M}–{(t + timedelta(minutes=30)):%H:%M} ({t.tzname()}, {zone})"
    return f"{EN_DAYS[t.weekday()]}, {t.day} {EN_MON[t.month - 1]} {t.year}, {t:%H:%M}–{(t + timedelta(minutes=30)):%H:%M} ({t.tzname()}, {zone})"


def brief_text(lang, manager, guest, offered, zone):
    text = (
        BRIEF[lang]
        .replace("Guten Tag Dana Ruiz", f"Guten Tag {manager}")
        .replace("Dear Dana Ruiz", f"Dear {manager}")
        .replace("Hello Dana Ruiz", f"Hello {manager}")
    )
    text = text.replace("Dana Ruiz", guest).replace("Europe/Berlin", zone)
    lines = text.splitlines()
    out = []
    for l in lines:
        if re.match(r"^\d\. ", l) and ("2026" in l or "2027" in l):
            continue
        out.append(l)
    text = "\n".join(out)
    items = "\n".join(f"{i}. {fmt_offer(t, lang, zone)}" for i, t in enumerate(offered, 1))
    marker = "zum Beispiel:" if lang == "de" else "for example:"
    if marker in text and offered:
        text = text.replace(marker, marker + "\n\n" + items, 1)
    return re.sub(r"\n{3,}", "\n\n", text)


def weekday_after(sent_local, k, rng):
    """A weekday 1..6 days after sent (never the same weekday, so 'Thursday' is unambiguous)."""
    days = [sent_local.date() + timedelta(days=i) for i in range(1, 7)]
    days = [d for d in days if d.weekday() < 5]
    return rng.choice(days)


def at(d, h, m, zone):
    return datetime.combine(d, time(h, m), tzinfo=ZoneInfo(zone))


def iso(t):
    return t.isoformat()


def ordinal(n):
    return f"{n}{'th' if 11 <= n <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def phrasing_en(rng, ctx):
    zone, offered, sent = ctx["zone"], ctx["offered"], ctx["sent"]
    d = weekday_after(sent, 0, rng)
    D = EN_DAYS[d.weekday()]
    h = rng.choice([10, 11, 14, 15, 16])
    pm = h - 12 if h > 12 else h
    ap = "pm" if h >= 12 else "am"
    colleague = rng.choice([m for m in MANAGERS if m != ctx["manager"]])
    choices = [
        lambda: (f"{D} {pm}{ap} works for me.", "accept", [at(d, h, 0, zone)]),
        lambda: (f"{D} {pm}{ap} is good", "accept", [at(d, h, 0, zone)]),
        lambda: (f"Happy to. {D} at {pm}:00 {ap.upper()} suits me.", "accept", [at(d, h, 0, zone)]),
        lambda: (f"{D} at {rng.choice([2, 3, 4])}", None, None),  # handled below
        lambda: (f"I can do {pm}-{pm}:30 on {D}", "accept", [at(d, h, 0, zone)]),
        lambda: (
            f"Let's say {d.day} {EN_MON[d.month - 1][:3]} {h}:00.",
            "accept",
            [at(d, h, 0, zone)],
        ),
        lambda: (
            ("The first suggestion is fine.", "accept", [offered[0]])
            if offered
            else ("", None, None)
        ),
        lambda: (
            (
                rng.choice(["Option 2", "2", "#2 please", "the second one works", "No. 2 is fine"]),
                "accept",
                [offered[1]],
            )
            if len(offered) >= 2
            else ("", None, None)
        ),
        lambda: (
            ("The later one works better for me.", "accept", [offered[1]])
            if len(offered) == 2
            else ("", None, None)
        ),
        lambda: (
            ("the earlier one please", "accept", [offered[0]])
            if len(offered) == 2
            else ("", None, None)
        ),
        lambda: (
            ("Yes, that works.", "accept", [offered[0]])
            if len(offered) == 1
            else ("Yes, that works.", "clarify", [])
        ),
        lambda: (
            (
                rng.choice(
                    [
                        "Any of those is fine, let the guest pick.",
                        "Both work for me.",
                        "All of them work",
                    ]
                ),
                "propose",
                list(offered),
            )
            if len(offered) >= 2
            else ("", None, None)
        ),
        lambda: ("I'm out that week, sorry.", "decline", []),
        lambda: ("Sorry, I can't this time.", "decline", []),
        lambda: ("I'll have to pass on this one, too much on my plate right now.", "decline", []),
        lambda: ("Please ask someone else, I'm swamped until February.", "decline", []),
        lambda: (
            "I'd love to, but I'm travelling the whole month. Not this time, sorry!",
            "decline",
            [],
        ),
        lambda: (
            f"{colleague} would be better for this one, the topic is really their area.",
            "delegate",
            MANAGERS[colleague][0],
        ),
        lambda: (
            f"Could you forward this to {MANAGERS[colleague][0]}? Better fit.",
            "delegate",
            MANAGERS[colleague][0],
        ),
        lambda: (f"Sorry, {D} {pm}{ap} is impossible for me.", "clarify", []),
        lambda: (
            f"{D} {pm}{ap}, unless my board meeting runs over - I'll confirm the day before.",
            "clarify",
            [],
        ),
        lambda: (f"Probably {D} afternoon, I need to check.", "clarify", []),
        lambda: ("Let me check my calendar and get back to you.", "clarify", []),
        lambda: ("Who is this person? Is she a student or already working?", "clarify", []),
        lambda: (
            (f"{D} works.", "accept", [o for o in offered if o.date() == d])
            if len([o for o in offered if o.date() == d]) == 1
            else (f"{D} works.", "clarify", [])
        ),
        lambda: (
            ("Sure, go ahead.", "accept", [offered[0]])
            if len(offered) == 1
            else ("Sure, go ahead.", "clarify", [])
        ),
    ]
    text, expect, slots = rng.choice(choices)()
    if expect is None and text.startswith(f"{D} at "):
        n = int(text.split()[-1])
        return text, "accept", [at(d, 12 + n, 0, zone)]
    if not text:
        return phrasing_en(rng, ctx)
    if (
        ctx["zone"] == "Europe/Berlin"
        and rng.random() < 0.12
        and expect == "accept"
        and "pm" in text
        and "impossible" not in text
    ):
        # the same time said in another zone
        zname, z = rng.choice(
            [("ET", "America/New_York"), ("London time", "Europe/London"), ("GMT", "Etc/GMT")]
        )
        t = slots[0].astimezone(ZoneInfo(z))
        if 9 <= t.hour <= 16:
            tp = t.hour - 12 if t.hour > 12 else t.hour
            text = f"{D} {tp}{'pm' if t.hour >= 12 else 'am'} {zname} works for me."
    return text, expect, slots


def phrasing_de(rng, ctx):
    zone, offered, sent = ctx["zone"], ctx["offered"], ctx["sent"]
    d = weekday_after(sent, 0, rng)
    T = DE_DAYS[d.weekday()]
    h = rng.choice([10, 11, 14, 15, 16])
    colleague = rng.choice([m for m in MANAGERS if m != ctx["manager"]])
    d2 = d + timedelta(days=1) if d.weekday() < 4 else d - timedelta(days=1)
    choices = [
        lambda: (f"{T} {h} Uhr passt.", "accept", [at(d, h, 0, zone)]),
        lambda: (f"{T} um {h}:00 geht bei mir.", "accept", [at(d, h, 0, zone)]),
        lambda: (
            (f"Gerne, {T} um {h - 12 if h > 12 else h} wäre gut.", "accept", [at(d, h, 0, zone)])
            if h >= 13
            else ("", None, None)
        ),
        lambda: (
            f"am {d.day}. um {h} oder am {d2.day}. um 11 Uhr",
            "propose",
            sorted([at(d, h, 0, zone), at(d2, 11, 0, zone)]),
        ),
        lambda: (f"halb drei am {T}", "accept", [at(d, 14, 30, zone)]),
        lambda: (
            ("Der zweite Termin passt.", "accept", [offered[1]])
            if len(offered) >= 2
            else ("", None, None)
        ),
        lambda: ("Option 1 bitte.", "accept", [offered[0]]) if offered else ("", None, None),
        lambda: (
            ("Beide gehen, der Gast kann wählen.", "propose", list(offered))
            if len(offered) == 2
            else ("", None, None)
        ),
        lambda: (
            ("Passt, danke.", "accept", [offered[0]])
            if len(offered) == 1
            else ("Passt, danke.", "clarify", [])
        ),
        lambda: (
            f"Nicht {DE_DAYS[d2.weekday()]}, lieber {T} 10 Uhr.",
            "accept",
            [at(d, 10, 0, zone)],
        ),
        lambda: ("Leider bin ich die ganze Woche unterwegs.", "decline", []),
        lambda: ("Diesmal klappt es leider nicht.", "decline", []),
        lambda: ("Bitte fragen Sie jemand anderen, ich bin bis Februar ausgebucht.", "decline", []),
        lambda: (
            f"Das passt besser zu {colleague}, bitte dort anfragen.",
            "delegate",
            MANAGERS[colleague][0],
        ),
        lambda: (f"{T} 15 Uhr geht leider nicht.", "clarify", []),
        lambda: (
            f"{T} 15 Uhr, falls mein Termin davor nicht länger dauert - ich sage noch Bescheid.",
            "clarify",
            [],
        ),
        lambda: (f"Wahrscheinlich {T} Nachmittag.", "clarify", []),
        lambda: ("Nächste Woche irgendwann, ich melde mich.", "clarify", []),
        lambda: (f"{T} um 8?", "clarify", []),
        lambda: ("Worum genau geht es dem Gast? Studiert sie noch?", "clarify", []),
    ]
    text, expect, slots = rng.choice(choices)()
    if not text:
        return phrasing_de(rng, ctx)
    return text, expect, slots


CLIENTS = [
    "outlook-win",
    "outlook-web",
    "outlook-mac",
    "gmail-web",
    "gmail-android",
    "apple-mail",
    "iphone",
    "thunderbird",
]
SIGN_EN = [
    "{first}\n",
    "Best,\n{first}",
    "Thanks,\n{first}\n\n{name} | Head of Operations | Example Firm\n+49 30 1234567",
    "{first}",
    "Cheers, {first}",
    "",
    "Kind regards\n{name}",
]
SIGN_DE = [
    "Viele Grüße\n{first}",
    "Gruß {first}",
    "Beste Grüße\n{name}\nLeitung Logistik\nExample Firm GmbH",
    "{first}",
    "",
    "LG",
]


def make(i, lang, rng, prefix, scheduled=False):
    manager = rng.choice(list(MANAGERS) if lang == "en" else ["Sam Lee", "Jo Berger"])
    addr, zone = MANAGERS[manager]
    z = ZoneInfo(zone)
    day0 = date(2026, 12, 1) + timedelta(days=rng.randint(0, 50))
    while day0.weekday() >= 5:
        day0 += timedelta(days=1)
    brief_at = datetime.combine(day0, time(rng.randint(8, 11), rng.randint(0, 59)), tzinfo=z)
    sent = brief_at + timedelta(hours=rng.randint(1, 6), minutes=rng.randint(0, 59))
    n_off = rng.choice([0, 1, 2, 2, 3])
    offered = []
    d = day0 + timedelta(days=2)
    while len(offered) < n_off:
        if d.weekday() < 5:
            offered.append(at(d, rng.choice([10, 11, 14, 15]), 0, zone))
        d += timedelta(days=1)
    ctx = {"zone": zone, "offered": offered, "sent": sent, "manager": manager}
    if scheduled:
        meeting = (
            offered[0]
            if offered
            else at(day0 + timedelta(days=3 if day0.weekday() < 2 else 6), 15, 0, zone)
        )
        if meeting.weekday() >= 5:
            meeting += timedelta(days=2)
        text, expect, slots = rng.choice(
            [
                ("I have to cancel, I'm sick - sorry!", "cancel", []),
                (
                    "Something came up, I need to cancel our meeting. Apologies to the guest.",
                    "cancel",
                    [],
                ),
            ]
            if lang == "en"
            else [
                ("Ich muss den Termin leider absagen, bin krank.", "cancel", []),
                ("Leider muss ich absagen, es ist etwas dazwischengekommen.", "cancel", []),
            ]
        )
    else:
        meeting = None
        text, expect, slots = (phrasing_en if lang == "en" else phrasing_de)(rng, ctx)
    guest = rng.choice(GUESTS)
    first = manager.split()[0]
    sign = rng.choice(SIGN_EN if lang == "en" else SIGN_DE).format(first=first, name=manager)
    client = rng.choice(CLIENTS)
    if rng.random() < 0.3:
        greet = rng.choice(
            ["Hi team,", "Hello,", "Hi,"]
            if lang == "en"
            else ["Hallo,", "Hallo zusammen,", "Guten Tag,"]
        )
        text = f"{greet}\n\n{text}"
    top = "\n\n".join(x for x in [text, sign, phone_footer(client, lang)] if x)
    brief_lang = lang if rng.random() < 0.85 else ("de" if lang == "en" else "en")
    ours = brief_text(brief_lang, manager, guest, offered, zone)
    subj = (
        "Informational interview request: "
        if brief_lang == "en"
        else "Anfrage: Informationsgespräch mit "
    ) + guest
    quote, _ = quote_block(client, brief_lang, ours, brief_at, f"{manager} <{addr}>", subj, rng)
    pre = (
        "AW: "
        if lang == "de" and client.startswith("outlook")
        else ("RE: " if client.startswith("outlook") else "Re: ")
    )
    msg = build(
        client,
        f"{manager} <{addr}>",
        "interviews+m4x8q2kz7w@firm.example",
        pre + subj,
        sent,
        top,
        quote,
        rng,
        "<20261201103015.9911.brief@firm.example>",
        "firm.example",
    )
    lines = [
        f'client = "{client}"',
        f'language = "{lang}"',
        f'manager = "{manager}"',
        f'state = "{"scheduled" if scheduled else "awaiting_manager"}"',
        f'sent = "{iso(sent)}"',
        "offered = [" + ", ".join(f'"{iso(t)}"' for t in offered) + "]",
    ]
    if scheduled:
        lines.append(f'meeting = "{iso(meeting)}"')
    lines.append(f'expect = "{expect}"')
    if expect in ("accept", "propose"):
        lines.append("slots = [" + ", ".join(f'"{iso(t)}"' for t in slots) + "]")
    if expect == "delegate":
        lines.append(f'delegate_to = "{slots}"')
    write("manager", f"{prefix}-{i:03d}", msg, "\n".join(lines) + "\n")


rng = random.Random(7720)
for i in range(1, 101):
    make(i, "en", rng, "gen-m-en")
for i in range(1, 51):
    make(i, "de", rng, "gen-m-de")
for i in range(1, 6):
    make(i, "en", rng, "gen-m-en-cancel", scheduled=True)
for i in range(1, 6):
    make(i, "de", rng, "gen-m-de-cancel", scheduled=True)
