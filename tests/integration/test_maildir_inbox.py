"""The Maildir inbox adapter: UIDs in delivery order that survive renames by other programs and
other processes' changes to the UID list; handled mail stays, and costs nothing once numbered."""

from __future__ import annotations

import os
from pathlib import Path

from harness import guest_mail, maildir_config

from mailagent.transports.maildir import UIDLIST, MaildirInbox


def inbox(folder: Path) -> MaildirInbox:
    settings = maildir_config(folder).settings.inbox
    return MaildirInbox(folder / "in", settings)


def mail(n: int) -> bytes:
    return guest_mail(sender=f"Guest {n} <guest{n}@example.org>")


def senders(fetched: list) -> list[str]:  # type: ignore[type-arg]
    return [f.raw.split(b"From: ", 1)[1].split(b" <", 1)[0].decode() for f in fetched]


def test_uids_follow_delivery_and_handled_mail_is_not_read_again(tmp_path: Path) -> None:
    box = inbox(tmp_path)
    uidvalidity = box.open()
    for n in range(3):
        box.append(mail(n))
    first = box.fetch_new(0, 100)
    assert [f.uid for f in first] == [1, 2, 3]
    assert senders(first) == ["Guest 0", "Guest 1", "Guest 2"]
    box.mark_processed([1, 2, 3])
    assert len(os.listdir(tmp_path / "in" / "new")) == 0
    assert len(os.listdir(tmp_path / "in" / "cur")) == 3
    assert box.fetch_new(3, 100) == []
    box.append(mail(3))
    assert [f.uid for f in box.fetch_new(3, 100)] == [4]
    assert box.open() == uidvalidity and box.highest_uid() == 4


def test_another_process_and_another_program_are_seen(tmp_path: Path) -> None:
    worker, injector = inbox(tmp_path), inbox(tmp_path)
    worker.open()
    worker.append(mail(0))
    assert [f.uid for f in worker.fetch_new(0, 100)] == [1]
    # Another process numbers a mail that is then deleted: its UID is used up, and the worker
    # must go on from the list on disk, not from its own copy.
    injector.append(mail(1))
    assert injector.highest_uid() == 2
    for path in (tmp_path / "in" / "new").iterdir():
        path.unlink()
    assert injector.highest_uid() == 0
    worker.append(mail(2))
    fetched = worker.fetch_new(1, 100)
    assert [f.uid for f in fetched] == [3]
    assert senders(fetched) == ["Guest 2"]
    # A mail client moves a message to cur/ with flags: it keeps its UID and is not new again.
    new_file = next((tmp_path / "in" / "new").iterdir())
    new_file.rename(tmp_path / "in" / "cur" / f"{new_file.name}:2,S")
    assert worker.fetch_new(3, 100) == []
    assert worker.highest_uid() == 3


def test_a_lost_uid_list_is_rebuilt_even_by_a_process_that_had_read_it(tmp_path: Path) -> None:
    box = inbox(tmp_path)
    box.open()
    box.append(mail(0))
    box.append(mail(1))
    assert len(box.fetch_new(0, 100)) == 2
    (tmp_path / "in" / UIDLIST).unlink()
    assert [f.uid for f in box.fetch_new(0, 100)] == [1, 2]  # read again, as after UIDVALIDITY
    assert (tmp_path / "in" / UIDLIST).exists()
