"""Part of the corpus generator: see README.md in this folder."""

import random
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clients import OURS, build, phone_footer, quote_block, toml_str, write
from guest_pool import (
    DE,
    EN,
    LABELS_DE,
    LABELS_EN,
    PEOPLE,
    PREAMBLES_DE,
    PREAMBLES_EN,
    SIGNOFFS_DE,
    SIGNOFFS_EN,
)

KEYS = ["background", "learn_goals", "questions_for_us", "give_back", "availability"]
KIT = {
    l: (OURS / f"questionnaire.{l}.txt")
    .read_text(encoding="utf-8")
    .split("--- HTML ---")[0]
    .split("\n\n", 1)[1]
    .strip()
    for l in ("en", "de")
}
REASK = {
    l: (OURS / f"reask.{l}.txt")
    .read_text(encoding="utf-8")
    .split("--- HTML ---")[0]
    .split("\n\n", 1)[1]
    .strip()
    for l in ("en", "de")
}
QTEXT = {}
for l in ("en", "de"):
    QTEXT[l] = dict(re.findall(r"^(\d)\. (.+)$", KIT[l], re.M))


def our_mail(kind, lang, name, asked):
    if kind == "questionnaire":
        return KIT[lang].replace("Dana Ruiz", name)
    text = REASK[lang].replace("Dana Ruiz", name)
    lines = []
    for line in text.splitlines():
        m = re.match(r"^(\d)\. ", line)
        if m and int(m.group(1)) not in asked:
            continue
        lines.append(line)
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text)


def phrase(ans):
    words = ans.split()
    start = 1 if len(words) > 7 else 0
    return " ".join(words[start : start + 5]).rstrip(",.?")


CLIENTS = [
    "outlook-win",
    "outlook-web",
    "outlook-mac",
    "gmail-web",
    "gmail-android",
    "apple-mail",
    "iphone",
    "thunderbird",
    "android",
]
FORMS = [
    "labels",
    "labels",
    "labels_own_line",
    "numbered",
    "numbered",
    "inline",
    "paragraphs",
    "prose",
    "bullets",
]


def _sentence(a):
    a = a[0].upper() + a[1:]
    return a if a[-1] in ".?!)" else a + "."


def render_form(form, lang, asked, ans, rng, renumber, client):
    """The guest's own text (top) for these answers; for 'inline' returns None (handled apart)."""
    labels = LABELS_EN if lang == "en" else LABELS_DE
    keys = [KEYS[n - 1] for n in asked]
    if form in ("labels", "labels_own_line"):
        out = []
        sep = rng.choice(["\n", "\n\n"])
        for k in rng.sample(keys, len(keys)) if rng.random() < 0.3 else keys:
            if k not in ans:
                continue
            lab = rng.choice(labels[k])
            if form == "labels":
                out.append(f"{lab}: {ans[k]}")
            else:
                out.append(f"{lab}\n{ans[k]}")
        return (sep if form == "labels" else "\n\n").join(out)
    if form == "numbered":
        style = rng.choice(["{n}. ", "{n}) ", "Q{n}: ", "{n} - "])
        out = []
        for i, n in enumerate(asked, 1):
            k = KEYS[n - 1]
            if k in ans:
                out.append(style.format(n=i if renumber else n) + ans[k])
        return rng.choice(["\n", "\n\n"]).join(out)
    if form == "bullets":
        return "\n".join(f"- {ans[KEYS[n - 1]]}" for n in asked if KEYS[n - 1] in ans)
    if form == "paragraphs":
        return "\n\n".join(_sentence(ans[KEYS[n - 1]]) for n in asked if KEYS[n - 1] in ans)
    if form == "prose":
        glue_en = {
            "background": "{a}.",
            "learn_goals": "I would love to learn {a}.",
            "questions_for_us": "Some questions I have: {a}",
            "give_back": "In return I could offer {a}.",
            "availability": "As for timing, {a} works best.",
        }
        glue_de = {
            "background": "{a}.",
            "learn_goals": "Ich möchte gern erfahren, {a}.",
            "questions_for_us": "Meine Fragen: {a}",
            "give_back": "Im Gegenzug könnte ich Ihnen {a} anbieten.",
            "availability": "Zeitlich passt es mir {a}.",
        }
        glue = glue_en if lang == "en" else glue_de
        parts = [glue[KEYS[n - 1]].format(a=ans[KEYS[n - 1]]) for n in asked if KEYS[n - 1] in ans]
        return " ".join(parts)
    raise ValueError(form)


def inline_body(lang, ours, asked, ans, rng, client, name):
    """Answers typed under each quoted question, the rest of our mail quoted around them."""
    gt = not client.startswith("outlook")
    initials = "".join(w[0] for w in name.split()[:2])
    out = []
    for line in ours.splitlines():
        m = re.match(r"^(\d)\. ", line)
        out.append(("> " + line if line else ">") if gt else line)
        if m and int(m.group(1)) in asked and KEYS[int(m.group(1)) - 1] in ans:
            a = ans[KEYS[int(m.group(1)) - 1]]
            if not gt and rng.random() < 0.5:
                a = f"[{initials}] {a}"
            out.append("")
            out.append(a)
            out.append("")
    return "\n".join(out)


def make(i, lang, thread_lang, rng, prefix):
    name, addr = rng.choice(PEOPLE)
    first = name.split()[0]
    pool = EN if lang == "en" else DE
    client = rng.choice(CLIENTS)
    kind = "reask" if rng.random() < 0.3 else "questionnaire"
    asked = (
        [1, 2, 3, 4, 5]
        if kind == "questionnaire"
        else sorted(rng.sample([1, 2, 3, 4, 5], rng.randint(2, 4)))
    )
    keys = [KEYS[n - 1] for n in asked]
    omit = set()
    r = rng.random()
    if r > 0.62 and len(keys) > 1:
        omit = set(rng.sample(keys, 1 if r < 0.85 or len(keys) < 3 else 2))
    ans = {k: rng.choice(pool[k]) for k in keys if k not in omit}
    form = rng.choice(FORMS)
    if form == "paragraphs" and omit:
        form = "labels"
    renumber = kind == "reask" and form == "numbered" and rng.random() < 0.5
    ours = our_mail(kind, thread_lang, name, asked)
    sent = datetime(
        2026, 12, rng.randint(1, 10), rng.randint(8, 18), rng.randint(0, 59), tzinfo=UTC
    )
    when = sent + timedelta(hours=rng.randint(1, 40), minutes=rng.randint(0, 59))
    subj = "Re: Informational interview about logistics?"
    prefix_s = {"outlook-win": "RE: ", "outlook-web": "RE: ", "outlook-mac": "Re: "}.get(
        client, "Re: "
    )
    if lang == "de" and client.startswith("outlook"):
        prefix_s = "AW: "
    subject = prefix_s + subj
    pre = rng.choice(PREAMBLES_EN if lang == "en" else PREAMBLES_DE)
    slug = name.lower().replace(" ", "-")
    sign = rng.choice(SIGNOFFS_EN if lang == "en" else SIGNOFFS_DE).format(
        first=first, name=name, slug=slug
    )
    footer = phone_footer(client, lang)
    forbid = [first] if len(first) > 2 else []
    if pre.strip() and len(pre) > 8:
        forbid.append(pre.rstrip(":!.,"))
    if "confidential" in sign or "vertrauliche" in sign:
        forbid.append("confidential" if lang == "en" else "vertrauliche")
    if footer:
        forbid.append(footer)
    forbid.append(QTEXT[thread_lang]["1"][:20])
    forbid.append(QTEXT[thread_lang]["5"][:25])
    if form == "inline":
        top = "\n\n".join(
            x
            for x in [
                pre,
                rng.choice(
                    ["See my answers below.", "Answers inline.", "Antworten unten im Text."]
                    if lang == "en"
                    else ["Antworten unten im Text.", "Meine Antworten stehen unten."]
                ),
            ]
            if x
        )
        body = inline_body(thread_lang, ours, asked, ans, rng, client, name)
        gt = not client.startswith("outlook")
        quote, _ = quote_block(client, thread_lang, ours, sent, f"{name} <{addr}>", subj, rng)
        attr = quote.split("\n\n", 1)[0] if gt else quote.split(ours.splitlines()[0])[0]
        text = (
            f"{top}\n\n{sign}\n\n{attr.rstrip()}\n\n{body}\n"
            if rng.random() < 0.5
            else f"{top}\n\n{attr.rstrip()}\n\n{body}\n\n{sign}\n"
        )
        msg = build(
            client,
            f"{name} <{addr}>",
            "interviews+t7kq2mx9c4@firm.example",
            subject,
            when,
            text,
            "",
            rng,
            "<20261201093015.4242.questionnaire@firm.example>",
            addr.split("@")[1],
        )
    else:
        own = render_form(form, lang, asked, ans, rng, renumber, client)
        top = "\n\n".join(x for x in [pre, own, sign, footer] if x)
        style = rng.random()
        if style < 0.12:
            quote = ""  # quote deleted
        elif style < 0.22:
            quote = (
                "\n".join(("> " + l) if l else ">" for l in ours.splitlines()) + "\n"
            )  # bare quote, no attribution
        else:
            quote, _ = quote_block(client, thread_lang, ours, sent, f"{name} <{addr}>", subj, rng)
        msg = build(
            client,
            f"{name} <{addr}>",
            "interviews+t7kq2mx9c4@firm.example",
            subject,
            when,
            top,
            quote,
            rng,
            "<20261201093015.4242.questionnaire@firm.example>",
            addr.split("@")[1],
            html_only=(client == "android" and rng.random() < 0.3),
        )
    lines = [
        f'client = "{client}"',
        f'language = "{lang}"',
        f'thread_language = "{thread_lang}"',
        f'replying_to = "{kind}"',
        f"asked = {asked}",
        "forbid = [" + ", ".join(toml_str(f) for f in forbid) + "]",
        f"# form: {form}{' (renumbered)' if renumber else ''}",
        "",
        "[answers]",
    ]
    for k, a in ans.items():
        lines.append(f"{k} = {toml_str(phrase(a))}")
    write("guest", f"{prefix}-{i:03d}", msg, "\n".join(lines) + "\n")


rng = random.Random(20261206)
n = 0
for i in range(1, 91):
    make(i, "en", "en", rng, "gen-g-en")
for i in range(1, 51):
    make(i, "de", "de", rng, "gen-g-de")
for i in range(1, 11):
    make(i, "de", "en", rng, "gen-g-mix-de")
for i in range(1, 11):
    make(i, "en", "de", rng, "gen-g-mix-en")
