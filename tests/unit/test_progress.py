"""The progress bar shows on a terminal only."""

from __future__ import annotations

import io

from mailagent.cli.progress import progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal() -> None:
    out = Terminal()
    bar = progress_bar(4, "delivering", out)
    assert not bar.disable
    for _ in range(4):
        bar.update()
    bar.close()
    drawn = out.getvalue()
    assert drawn.startswith("\rdelivering") and "4/4" in drawn.split("\r")[-1]
    assert drawn.endswith("\n")


def test_nothing_when_piped_or_for_one_item() -> None:
    piped = io.StringIO()
    bar = progress_bar(10, "x", piped)
    bar.update()
    bar.close()
    single = Terminal()
    bar = progress_bar(1, "x", single)
    bar.update()
    bar.close()
    assert piped.getvalue() == "" and single.getvalue() == ""
