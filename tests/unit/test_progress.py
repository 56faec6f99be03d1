"""The progress bar shows on a terminal only."""

from __future__ import annotations

import io

from mailagent.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal() -> None:
    out = Terminal()
    bar = Progress(4, "delivering", out)
    for _ in range(4):
        bar.step()
    bar.finish()
    assert out.getvalue().splitlines()[-1].endswith(
        "delivering [" + "#" * 30 + "] 4/4"
    ) and out.getvalue().endswith("\n")
    assert "\rdelivering [" + "#" * 15 + "." * 15 + "] 2/4" in out.getvalue()


def test_nothing_when_piped_or_for_one_item() -> None:
    piped = io.StringIO()
    Progress(10, "x", piped).step()
    single = Terminal()
    bar = Progress(1, "x", single)
    bar.step()
    bar.finish()
    assert piped.getvalue() == "" and single.getvalue() == ""
