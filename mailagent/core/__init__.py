"""PURE decisions over plain values: parsing and classifying mail, reading people's words
(answers, commands, intent, times, language), the conversation state machines, routing, limits,
calendar invites. Nothing here touches a socket, a database or the clock; ``now`` is a parameter.
Imports nothing outside ``core/`` (enforced by tests/unit/test_layers.py).
"""
