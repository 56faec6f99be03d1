"""The pass: intake, handling one message, due jobs, the outbox flush, leases, the worker
loop, and the admin and privacy operations. Joins core to store, transports and compose; holds no
business rule of its own.
"""
