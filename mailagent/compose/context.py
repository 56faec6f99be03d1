"""The variables every template sees (documented in templates/README.md): the firm, the
guest, the questions and what was understood so far, each a plain, capped value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mailagent.compose.message import encodable, reply_subject
from mailagent.config.files import Question
from mailagent.config.sections import FirmSettings
from mailagent.core.headers import sanitize_header_text

ECHO_CAP = 500


def mail_context(
    firm: FirmSettings,
    *,
    guest_name: str,
    guest_email: str,
    questions: Sequence[Question],
    language: str,
    request_subject: str,
    understood: Sequence[tuple[str, str]] = (),
    applications: str = "",
    numbers: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The variables every template sees (documented in templates/README.md).

    ``numbers``: each question's number in the whole questionnaire. A re-ask lists only the
    missing questions under their first numbers, so a guest who answers "3." means question 3;
    without ``numbers`` the questions are numbered as listed.
    """
    numbers = numbers or {q.key: i for i, q in enumerate(questions, 1)}
    return {
        "firm": {"name": firm.name, "address": firm.address, "sender_name": firm.sender_name},
        "guest": {"name": sanitize_header_text(guest_name, 100), "email": guest_email},
        "questions": [
            {
                "key": q.key,
                "number": numbers.get(q.key, i),
                "text": q.wording(language),
                "required": q.required,
            }
            for i, q in enumerate(questions, 1)
        ],
        "request_subject": reply_subject(request_subject),
        # What the guest told us so far, echoed so they can correct it (capped: it is their text).
        "understood": [
            {"question": question, "answer": encodable(answer)[:ECHO_CAP]}
            for question, answer in understood
        ],
        "language": language,
        "applications": applications,
    }
