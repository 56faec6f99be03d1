"""PURE: the phrases, English and German, that decide what a manager's words mean: a hedge or a
condition (a time said that way is not yet agreed), a decline, a hand-over to a colleague, a yes
to what was offered, a pick among the offered times, and the frame around the words (greeting,
phone signature).
"""

from __future__ import annotations

import re

# A time said with one of these is not agreed yet: the manager is asked instead of booked.
HEDGE = re.compile(
    r"\b(unless|provided(?: that)?|assuming|as long as|depending on|subject to|"
    r"if (?:my|the (?:board|meeting|call|client)|nothing|i (?:can|am|don'?t|do not)|i'?m|"
    r"things|all goes)|in case|"
    r"i'?ll (?:confirm|check|double[- ]check|let you know|get back|revert)|"
    r"(?:will|would) (?:confirm|check|let you know|get back)|"
    r"let me (?:check|confirm|see|look|get back|double[- ]check)|"
    r"(?:need|have) to (?:check|confirm|see|look)|to be confirmed|\btbc\b|"
    r"tentative(?:ly)?|pencil(?:led|ed)?(?: in)?|might|maybe|perhaps|possibly|probably|"
    r"hopefully|not (?:sure|certain)|may (?:work|be (?:possible|ok|fine))|could (?:maybe|possibly)|"
    r"i think|i believe|i guess|"
    r"vorbehaltlich|unter vorbehalt|eventuell|evtl\.?|vielleicht|wahrscheinlich|voraussichtlich|"
    r"sofern|falls|außer(?: wenn| falls)?|es sei denn|"
    r"ich melde mich|melde mich (?:noch|nochmal)|ich sage (?:noch|nochmal) bescheid|"
    r"bestätige (?:ich )?(?:noch|später|morgen)|muss (?:ich )?(?:noch )?(?:prüfen|schauen|"
    r"nachsehen|klären)|ich schaue noch|mal sehen|ggf\.?|gegebenenfalls|"
    r"(?:müsste|sollte|könnte) (?:gehen|passen|klappen)|denke ich|glaube ich)\b",
    re.IGNORECASE,
)
# Not doing it at all (read only in sentences that name no day or time: "Thursday is not
# possible" is about Thursday, not about the request).
DECLINE = re.compile(
    r"^\W*(?:no|nein),?\s+(?:sorry|leider|thanks|danke)\b|\b(?:not possible|nicht möglich|"
    r"i can'?t make it|i cannot make it|i can'?t do (?:it|this|that)(?: this time)?|"
    r"i can'?t (?:this time|take (?:this|it) on)|can'?t help (?:this time|here)|"
    r"i'?m not available|i am not available|not available|no capacity|no bandwidth|no time|"
    r"i'?ll (?:have to )?pass|i will pass|(?:have|need) to pass|have to decline|must decline|"
    r"(?:have to|must|need to) say no|not this time|not (?:the )?right person|"
    r"not (?:a )?good fit|(?:i'?m|i am) (?:out|away|off|travell?ing|on (?:leave|holiday|vacation))"
    r"(?: of (?:the )?office)?(?: (?:that|this|the whole|all) (?:week|month)| all (?:of )?\w+)?|"
    r"swamped|snowed under|fully booked|booked solid|too busy|"
    r"please ask (?:someone|somebody) else|ask (?:someone|somebody) else|"
    r"keine zeit|kann leider nicht|habe leider keine|nicht verfügbar|leider nicht|"
    r"bitte (?:jemand|jemanden) anderen|muss (?:ich )?(?:leider )?(?:absagen|passen)|"
    r"(?:bin|ist)(?: ich| er| sie)? "
    r"(?:die ganze woche|den ganzen monat|in der woche|diese woche|nächste woche)?"
    r"\s*(?:im urlaub|nicht da|unterwegs|nicht im büro|auf reisen)|"
    r"schaffe (?:ich|es) (?:leider )?nicht|klappt (?:bei mir )?leider nicht|"
    r"nicht (?:der|die) richtige(?:n)? (?:person|ansprechpartner(?:in)?)|"
    r"keine kapazität(?:en)?|ausgebucht)\b",
    re.IGNORECASE,
)
# Calling off a meeting in so many words (a "cancel" command needs no such sentence).
CANCELS = re.compile(
    r"\b(?:(?:have|need|got|will have|must) to cancel|i(?:'ll| will| must) cancel|"
    r"cancel (?:our|the|this|tomorrow's|thursday's) (?:meeting|call|conversation|appointment|chat)|"
    r"(?:den|unseren) (?:termin|gesprächstermin)(?: \w+){0,3} (?:absagen|stornieren)|"
    r"(?:das|unser) (?:gespräch|treffen)(?: \w+){0,3} absagen)\b",
    re.IGNORECASE,
)
# Handing it to someone else, by address or by a colleague's name.
ASK_OTHER = re.compile(
    r"\b(ask|forward(?:ing|ed)?|delegat\w*|hand (?:it |this )?(?:over )?to|pass (?:it |this )?"
    r"(?:on )?to|better (?:person|placed|suited|fit)|(?:would|is) (?:be )?better|reach out to|"
    r"talk to|speak (?:to|with)|contact|get in touch with|loop(?:ing)? in|cc'?ing|"
    r"fragen sie|frag|weiterleiten|weitergeleitet|weitergeben|übergeben|übernimmt|übernehmen|"
    r"wenden sie sich an|ist (?:da )?besser|passt (?:\w+ )?besser|besser (?:zu|bei)|"
    r"(?:dort|da) anfragen|kennt sich (?:da )?besser aus|zuständig|"
    r"passender|geeigneter)\b",
    re.IGNORECASE,
)
# A yes to what the brief offered: with exactly one time offered, it is that time.
YES_TO_OFFER = re.compile(
    r"^\W*(?:yes|yep|yeah|sure|ok(?:ay)?|perfect|great|fine|sounds good|works for me|"
    r"that works|this works|it works|that'?s fine|that is fine|happy to|"
    r"ja|gerne|gern|passt|passt mir|das passt|geht|klappt|einverstanden|in ordnung|prima|super)\b",
    re.IGNORECASE,
)
# Every offered time is fine: the guest may pick.
ALL_OFFERED = re.compile(
    r"\b(any of (?:them|those|these|the (?:times|slots|suggestions|options))|"
    r"(?:all|both) (?:of )?(?:them |those |these |the (?:times|slots) )?(?:work|are fine|suit|"
    r"are ok)|either (?:one |of them )?(?:works|is fine)|whichever (?:suits|works)|"
    r"guest (?:can|may) (?:pick|choose)|let (?:the guest|them|her|him) (?:pick|choose)|"
    r"alle (?:termine |vorschläge )?(?:passen|gehen)|beide (?:termine )?(?:passen|gehen)|"
    r"jeder (?:der )?(?:termine|vorschläge) passt|der gast (?:kann|darf) (?:wählen|aussuchen))\b",
    re.IGNORECASE,
)
ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "erste": 1,
    "ersten": 1,
    "erster": 1,
    "zweite": 2,
    "zweiten": 2,
    "zweiter": 2,
    "dritte": 3,
    "dritten": 3,
    "dritter": 3,
}
LATER = re.compile(
    r"\b(?:the )?(later|latter|last|spätere[nr]?|letzte[nr]?)(?: one| slot| time| option|"
    r" suggestion| termin| vorschlag)?\b",
    re.IGNORECASE,
)
EARLIER = re.compile(
    r"\b(?:the )?(earlier|former|frühere[nr]?)(?: one| slot| time| option| suggestion| termin|"
    r" vorschlag)?\b",
    re.IGNORECASE,
)
OPTION_NUMBER = re.compile(
    r"\b(?:option|slot|suggestion|choice|number|no\.?|nr\.?|nummer|vorschlag|termin|#)\s*"
    r"(\d)\b",
    re.IGNORECASE,
)
GREETING = re.compile(
    r"^(hi|hello|hey|dear|hallo|guten (tag|morgen|abend)|liebe[rs]?|moin|servus|"
    r"good (morning|afternoon|evening))\b[^.!?:]{0,40}[,!]?$",
    re.IGNORECASE,
)
MOBILE = re.compile(
    r"^(sent from (my |outlook|mail for)|get outlook for|von meinem .* gesendet|"
    r"gesendet von (meinem|outlook)|sent with )",
    re.IGNORECASE,
)
# A sentence ends after a word, not after the dot of a date ("Do 3.12. 15:00"); "but",
# "instead", a dash and a semicolon start a new clause ("Not Thursday - Friday 10am instead").
CLAUSES = re.compile(
    r"(?<=[^\W\d][.!?])\s+|(?<=[!?;])\s+|\s+[-–—]+\s+|"
    r",?\s+(?:but|however|though|although|instead|aber|sondern|jedoch|allerdings|stattdessen)\s+",
    re.IGNORECASE,
)
YES = re.compile(r"^\W*(yes|yep|sure|definitely|absolutely|ja|gerne|gern|unbedingt)\b", re.I)
NO = re.compile(r"^\W*(no|nope|not really|nein|eher nicht|lieber nicht)\b", re.I)
KEEP = re.compile(r"\b(keep in touch|stay in touch|in kontakt bleiben|kontakt halten)\b", re.I)
DONT_KEEP = re.compile(
    r"\b(no need to keep in touch|don'?t keep in touch|not keep in touch|"
    r"(don'?t|do not|not|no need to) (stay|be kept) in touch|"
    r"nicht in kontakt bleiben|kein kontakt)\b",
    re.I,
)
