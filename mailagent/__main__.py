"""``python -m mailagent``: the same as the ``mailagent`` command."""

from mailagent.cli.app import entry

if __name__ == "__main__":
    raise SystemExit(entry())
