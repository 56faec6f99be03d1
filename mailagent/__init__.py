"""mailagent: runs a firm's informational-interview programme over email."""

__version__ = "0.1.0"
