"""PURE: a reply taken apart: the words the person wrote, the text they quote, and what frames
their words (greeting, preamble, sign-off, name, signature) but answers nothing.

Quoted history is recognised three ways, because people and clients quote three ways: an
attribution or header block ("On ... wrote:", "From: ... Sent: ...", found by
mail-parser-reply), lines that start with ``>`` (also when the attribution line was deleted),
and lines copied from the mail being answered (``ours``: the text of our mail, which Outlook and
phones quote without any mark). A line of ours that is not a question is never the guest's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mailparser_reply.parser import EmailMessage as ReplyParser

_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
# A line that ends what a person wrote: what follows is their name, title, phone, disclaimer.
CLOSING_RE = re.compile(
    r"^(?:(?:frohe weihnachten|schöne feiertage|happy holidays|merry christmas|"
    r"season'?s greetings|ein schönes wochenende|have a nice weekend),? (?:and|und|&) )?"
    r"(?:(?:thanks|thank you|danke|vielen dank)(?: again)? (?:and|und|&) )?(?:with )?"
    r"(?:(?:many |warm |kind |best |all the )?(?:thanks|thank you|regards|wishes)(?: again)?"
    r"(?: (?:so much|in advance|a lot|for your time|for reaching out))?|best|cheers|sincerely|"
    r"yours(?: sincerely| truly)?|take care|talk soon|looking forward(?: to hearing from you)?|"
    r"have a (?:great|good|nice|lovely|happy|wonderful) [\w' ]{2,30}|speak soon|bye|"
    r"happy (?:new year|holidays|easter)|guten rutsch|frohes (?:neues jahr|fest)|"
    r"(?:viele|beste|liebe|herzliche|freundliche|schöne|sonnige) gr(?:ü|ue|u)(?:ß|ss)e"
    r"(?: (?:aus|nach|in) [\w ]{1,30})?|"
    r"mit (?:besten|freundlichen|herzlichen) gr(?:ü|ue|u)(?:ß|ss)en|gr(?:ü|ue|u)(?:ß|ss)e?|"
    r"merci(?: beaucoup)?|saludos|un abrazo|abrazos|ha det bra|hälsningar|groetjes|"
    r"cordialement|cordiali saluti|obrigad[oa]|thank you+|thanks+|thx|"
    r"lg|vg|mfg|bg|danke(?: schön| sehr| ihnen)?|vielen dank(?: im voraus)?|herzlichen dank|"
    r"bis bald|schönen (?:tag|abend)|"
    r"sent from my \w+.*|von meinem \w+ gesendet|gesendet von .*|get outlook for \w+.*)"
    r"[\W_]*$",
    re.IGNORECASE,
)
GREETING_RE = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings|bonjour|bonsoir|"
    r"hola|buenos días|buongiorno|ciao|salve|salut|hej|hei|olá|oi|namaste|"
    r"hallo|guten (?:tag|morgen|abend)|liebe[rs]?|sehr geehrte[rs]?(?: damen und herren)?|"
    r"moin|servus|grüezi|grüß gott)\b[^.!?\n]{0,60}[,!:.]*[^\w\n]*$|"
    # "Morning," alone: only the word and a comma, as "Morning slots work" is an answer.
    r"^(?:morning|afternoon|evening)(?: all| everyone| team)?\s*[,!]$",
    re.IGNORECASE,
)
# Sentences that introduce answers but answer nothing themselves.
PREAMBLE_RE = re.compile(
    r"^(?:(?:great|good|ok(?:ay)?|sure|perfect|wonderful|super|gerne|gern|prima|klar)[,!.]?\s+)?"
    r"(?:(?:many |a lot of )?thanks?(?: you)?(?: so much)?(?: for [^.!\n]{0,80})?[.!,]?\s*|"
    r"(?:vielen |herzlichen )?dank(?:e)?(?: für [^.!\n]{0,80})?[.!,]?\s*)?"
    r"(?:(?:please )?(?:find|see) (?:my|the) answers? (?:below|attached|inline|underneath)|"
    r"(?:here|below) (?:are|is|you find|you go)(?: with)? my answers?|here goes|"
    r"(?:i'?m )?happy to (?:answer|help|share)[^.!\n]{0,60}|"
    r"(?:my )?answers? (?:are )?(?:below|inline|in (?:blue|red|bold|green))|my answers|"
    r"i(?:'ve| have) (?:answered|put my answers)[^.!\n]{0,60}|"
    r"(?:hier|anbei|unten|nachfolgend|im folgenden) (?:sind |finden sie |kommen |die |meine )*"
    r"(?:meine )?antworten[^.!\n]{0,40}|"
    r"gerne beantworte ich[^.!\n]{0,60}|meine antworten[^.!\n]{0,40}|"
    r"gerne? ergänze ich(?: noch)?|(?:hier )?(?:noch )?(?:die )?fehlenden (?:angaben|antworten)|"
    r"(?:here (?:are|is) )?the missing (?:answers?|bits?|parts?)|as (?:requested|promised)|"
    r"wie (?:gewünscht|versprochen)|to (?:add|complete) (?:my|the) answers?)?[\s.!:,-]*$",
    re.IGNORECASE,
)
_PHONE_SIGNATURE_RE = re.compile(
    r"^(sent from my |get outlook for |von meinem .* gesendet|gesendet von (meinem|outlook)|"
    r"sent with |sent from (outlook|yahoo|mail for))",
    re.IGNORECASE,
)
# The legal small print under a signature: long lines, but never an answer.
_DISCLAIMER_RE = re.compile(
    r"confidential|intended recipient|privileged|disclaimer|virus|do not print|"
    r"registered (?:office|in)|company number|vertraulich|adressat|empfänger|"
    r"geschäftsführ|registergericht|amtsgericht|hrb \d|ust-id|datenschutz|pflichtangaben",
    re.IGNORECASE,
)
_SEPARATOR_RE = re.compile(r"^\s*(?:--\s*|_{8,}|-{3,}\s*[^-\s][^-]*?\s*-{3,}|={8,})\s*$")
_HEADER_LINE_RE = re.compile(
    r"^\s*\*?(?:from|sent|to|cc|subject|date|von|gesendet|an|betreff|datum)\*?:\s", re.IGNORECASE
)


@dataclass(frozen=True)
class Reply:
    """``own``: what the person wrote above any quote, framing not yet removed; ``quoted``: the
    quoted part with any answers written inside it (for inline answers), or ""."""

    own: str
    quoted: str


def words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD_RE.findall(text)]


def normal(text: str) -> str:
    """A line reduced to its words, for comparing quoted lines with ours."""
    return " ".join(words(text))


def split_reply(text: str, languages: Sequence[str] = ("en",), ours: str = "") -> Reply:
    """The person's own text and the quoted part of ``text``.

    ``ours``: the text of the mail being answered, when known; its lines are recognised in the
    reply however they are quoted.
    """
    top, quoted = _parsed(text, languages)
    if not top:
        top, quoted = _bottom_posted(quoted)
    if not top:
        # The parser may take the words under a whole quote for the quote's signature and drop
        # them ("On ... wrote:" at the top, the quote, then the reply): read the mail itself.
        top, whole = _bottom_posted(text)
        quoted = whole if top else quoted
    mine = our_lines(ours)
    own_lines: list[str] = []
    moved: list[str] = []
    for line in top.splitlines():
        if line.lstrip().startswith(">") or (mine and is_ours(line, mine)):
            moved.append(line)
        else:
            own_lines.append(line)
    if moved and any(line.lstrip().startswith(">") for line in moved):
        # Quotes without an attribution line: the whole top is read for inline answers too.
        quoted = top if not quoted else f"{top}\n{quoted}"
    return Reply("\n".join(own_lines).strip(), quoted)


def _bottom_posted(quoted: str) -> tuple[str, str]:
    """(the text written under a quote, the quote) when the reply is one ``>`` quote with the
    person's words below it and none inside it (a bottom-post); else ("", ``quoted``).

    Inline answers interleave the quote; words only below a whole quote answer the mail as a
    whole, not its last question."""
    lines = quoted.splitlines()
    marked = [i for i, line in enumerate(lines) if line.lstrip().startswith(">")]
    if not marked:
        return "", quoted
    first, last = marked[0], marked[-1]
    inside = [
        line for line in lines[first:last] if line.strip() and not line.lstrip().startswith(">")
    ]
    tail = "\n".join(lines[last + 1 :]).strip()
    if inside or not tail:
        return "", quoted
    return tail, "\n".join(lines[: last + 1])


def _parsed(text: str, languages: Sequence[str]) -> tuple[str, str]:
    try:
        replies = ReplyParser(text, languages=list(languages), keep_hyphen_lists=True).read()
    except Exception:  # the parser is heuristic; on failure read the whole mail as new text
        return text.strip(), ""
    found = replies.replies
    if not found:
        return text.strip(), ""
    if found[0].headers:
        # The parser drops an empty reply above the quote: nothing new was written.
        return "", "\n".join(r.body or "" for r in found)
    first = found[0]
    top = first.body or ""
    signature = first.signatures or ""
    if any(line.lstrip().startswith(">") for line in signature.splitlines()):
        # A sign-off right above a quote without attribution lands in the "signature": the
        # quote is still the quote.
        rest = "\n".join(line for line in signature.splitlines() if line.lstrip().startswith(">"))
        return top.strip(), "\n".join([rest, *(r.body or "" for r in found[1:])])
    return top.strip(), "\n".join(r.body or "" for r in found[1:])


def our_lines(ours: str) -> frozenset[str]:
    """The lines of our mail worth recognising: four words or more (a line such as "Hello," or
    "1." is too common to prove anything)."""
    lines = {n for line in ours.splitlines() if len((n := normal(line)).split()) >= 4}
    # The whole text too: a client that re-wraps our paragraphs quotes lines we never wrote.
    whole = normal(ours)
    return frozenset({*lines, whole} if whole else lines)


def is_ours(line: str, mine: frozenset[str]) -> bool:
    found = normal(line.lstrip("> "))
    return len(found.split()) >= 4 and (
        found in mine or any(found in o or o in found for o in mine if len(o) > 24)
    )


def frame_trimmed(text: str, names: Iterable[str] = ()) -> str:
    """``text`` without what frames it: greetings and preambles at the start; from the sign-off
    ("Thanks!", "Best regards", "Viele Grüße", a phone's "Sent from my iPhone", a ``--``
    separator or a header block of forwarded mail) to the end; and a last line that is only the
    writer's name (``names``: the words of their name as known)."""
    lines = [line.rstrip() for line in text.splitlines()]
    lines = _without_tail(lines, {n.casefold() for n in names if n})
    while lines and (not lines[0].strip() or _is_frame_start(lines[0])):
        lines.pop(0)
    if lines:
        # "Gern ergänze ich: Mich interessiert ...": the lead-in, not the answer after it.
        head, colon, rest = lines[0].partition(":")
        if colon and rest.strip() and _is_frame_start(head + ":"):
            lines[0] = rest.strip()
        # "Thank you for your message. I'm a ...": the thanks, not the answer after them.
        sentence = re.match(r"(.+?[.!])\s+(\S.*)$", lines[0])
        if sentence and _is_frame_start(sentence.group(1)):
            lines[0] = sentence.group(2)
    return "\n".join(lines).strip()


def _is_frame_start(line: str) -> bool:
    stripped = line.strip().strip("*_")
    return bool(GREETING_RE.match(stripped)) or (
        bool(PREAMBLE_RE.match(stripped)) and bool(words(stripped))
    )


def _without_tail(lines: list[str], names: set[str]) -> list[str]:
    for i, line in enumerate(lines):
        stripped = line.strip().strip("*_")
        if _SEPARATOR_RE.match(line) or _PHONE_SIGNATURE_RE.match(stripped):
            return _without_tail(lines[:i], names)
        if (
            _HEADER_LINE_RE.match(line)
            and i + 1 < len(lines)
            and _HEADER_LINE_RE.match(lines[i + 1])
        ):
            return _without_tail(lines[:i], names)
        if (
            _is_closing(stripped, names) or _is_foreign_closing(stripped, lines[i + 1 :], names)
        ) and _only_signature_after(lines[i + 1 :]):
            return lines[:i]
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and _is_name_line(lines[-1], names):
        lines.pop()
    return lines


def _is_closing(line: str, names: set[str]) -> bool:
    """A closing formula, alone or followed by the writer's name: "Best,", "LG Ana"."""
    if CLOSING_RE.match(line):
        return True
    head, _, tail = line.rpartition(" ")
    while head and tail and (_is_name_line(tail, names) or re.fullmatch(r"\w\.", tail)):
        if CLOSING_RE.match(head.rstrip(" ,")):
            return True
        head, _, tail = head.rpartition(" ")
    return False


def _is_foreign_closing(line: str, rest: list[str], names: set[str]) -> bool:
    """A closing in words we do not list ("Mahalo,", "Saludos cordiales,"): one or two words
    and a comma or "!", with the writer's name on the next line."""
    following = next((r for r in rest if r.strip()), "")
    return bool(re.fullmatch(r"[^\W\d_]+(?: [^\W\d_]+)?[,!]", line)) and _is_name_line(
        following, names
    )


def _only_signature_after(rest: list[str]) -> bool:
    """What follows a closing formula is a signature: a few short lines (name, title, phone,
    address, links), not another paragraph of answers."""
    body = [line for line in rest if line.strip() and not _DISCLAIMER_RE.search(line)]
    return len(body) <= 8 and all(len(line.split()) <= 12 for line in body)


def _is_name_line(line: str, names: set[str]) -> bool:
    """A line that is only the writer's name ("Dana", "Dana R.", "Dr. Dana Ruiz"), judged by the
    words of their name as known: a guessed name could be the last word of an answer."""
    parts = words(line)
    honorifics = {"dr", "prof", "mr", "ms", "mrs", "frau", "herr"}
    initials = {p for p in parts if len(p) == 1}
    return (
        bool(parts)
        and len(parts) <= 5
        and bool(set(parts) & names)
        and set(parts) <= names | honorifics | initials
    )


def name_words(display_name: str, address: str = "") -> tuple[str, ...]:
    """The words a writer's name may be signed with: those of their display name, else of the
    local part of their address ("dana.ruiz@..." -> dana, ruiz)."""
    found = words(display_name)
    if not found and "@" in address:
        found = [w for w in re.split(r"[._+-]", address.split("@")[0].casefold()) if len(w) > 1]
    return tuple(w for w in found if not w.isdigit())


def lines_of(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def looks_like_header_block(line: str) -> bool:
    return bool(_HEADER_LINE_RE.match(line))
