"""The ``mailagent`` command (:mod:`mailagent.cli.app`), one module per command group. Thin:
each command parses its arguments, calls the service layer and prints."""
