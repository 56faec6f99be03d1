"""The HTML part of every mail kind in every language, rendered by headless Chromium 390 px
(a phone) and 800 px (a desktop reading pane) wide: screenshots under ``bench/out/html/``, and
a failure for any page wider than its window (horizontal scrolling). Each kind is rendered
twice: with the sample data, and with a guest who pasted a 150-character URL into every answer
and message (words a mail client cannot break).

    apt-get install chromium          # Debian's package
    .venv/bin/python bench/html_render.py [--no-screenshots]

Exit status 1 when any page overflows. Not run by CI (``.ci/run`` does not install Chromium).
"""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mailagent.compose.environment import make_environment  # noqa: E402
from mailagent.config.loading import load_config  # noqa: E402
from mailagent.service.checks import sample_context, template_files  # noqa: E402
from mailagent.service.samples import sample_mail  # noqa: E402

WIDTHS = (390, 800)
OUT = REPO / "bench" / "out" / "html"
# No hyphen or slash late in it: nothing a browser would break at.
URL = "https://www.example.org/portfolio?id=" + "DanaRuizCareerChangeNotes" * 5
# Sent to the frame's parent once the page is laid out: how far it is wider than its frame.
PROBE = (
    "<script>parent.postMessage(String(document.documentElement.scrollWidth - "
    "window.innerWidth), '*');</script>"
)
# Headless Chromium lays a window out at least 500 px wide: a phone's width needs a frame.
FRAME = (
    '<!DOCTYPE html><html><body style="margin:0"><iframe src="{page}" '
    'style="border:0;width:{width}px;height:1400px"></iframe><script>'
    "addEventListener('message', e => "
    "document.documentElement.setAttribute('data-overflow', e.data));</script></body></html>"
)
_OVERFLOW = re.compile(r'data-overflow="(-?\d+)"')


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise SystemExit("Chromium not found: apt-get install chromium")


def html_of(raw: bytes) -> str:
    mail = cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))
    part = mail.get_body(("html",))
    assert part is not None, "no text/html part"
    return str(part.get_content())


def stressed(config: Any, language: str) -> dict[str, Any]:
    context = sample_context(config, language)
    return {
        "words": f"Here is my portfolio: {URL}",
        "answers": [{**a, "answer": f"{a['answer']} {URL}"} for a in context["answers"]],
    }


def framed(page: Path, width: int) -> Path:
    frame = page.with_name(f"{page.stem}_frame{width}.html")
    frame.write_text(FRAME.format(page=page.name, width=width), "utf-8")
    return frame


def overflow(browser: str, page: Path, width: int) -> int:
    base = [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    done = subprocess.run(
        [*base, f"--window-size={max(width, 500)},1400", "--virtual-time-budget=3000",
         "--allow-file-access-from-files", "--dump-dom", framed(page, width).as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    found = _OVERFLOW.search(done.stdout)
    if found is None:
        raise SystemExit(f"{page.name}: Chromium printed no layout ({done.stderr[-300:]})")
    return int(found.group(1))


def screenshot(browser: str, page: Path, width: int, target: Path) -> None:
    base = [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    subprocess.run(
        [*base, f"--window-size={max(width, 500)},1400", "--virtual-time-budget=3000",
         f"--screenshot={target}", framed(page, width).as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip


def main(shots: bool) -> int:
    browser = chromium()
    config = load_config(REPO / "config" / "mailagent.toml")
    env = make_environment(REPO / "templates")
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    OUT.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[str, Path, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for language, kind in sorted(template_files(env)):
            for variant, overrides in (("sample", None), ("long-url", stressed(config, language))):
                raw, _ = sample_mail(config, env, language, kind, now, overrides)
                page = Path(tmp) / f"{language}_{kind}_{variant}.html"
                page.write_text(html_of(raw).replace("</body>", f"{PROBE}</body>"), "utf-8")
                jobs.extend((f"{language} {kind} {variant}", page, w) for w in WIDTHS)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            found = list(pool.map(lambda j: overflow(browser, j[1], j[2]), jobs))
            if shots:
                list(
                    pool.map(
                        lambda j: screenshot(browser, j[1], j[2], OUT / f"{j[1].stem}_{j[2]}.png"),
                        [j for j in jobs if j[1].stem.endswith("_sample") or j[2] == 390],
                    )
                )
        seconds = time.perf_counter() - start
    bad = [(name, width, px) for (name, _, width), px in zip(jobs, found, strict=True) if px > 0]
    for name, width, px in bad:
        print(f"OVERFLOW {name} at {width} px: {px} px wider than the window")
    pages = len(jobs) // len(WIDTHS)
    print(f"pages rendered: {pages} at {', '.join(map(str, WIDTHS))} px in {seconds:.0f} s")
    print(f"pages wider than their window: {len(bad)} (goal: 0)")
    if shots:
        print(f"screenshots: {OUT.relative_to(REPO)}/")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main("--no-screenshots" not in sys.argv[1:]))
