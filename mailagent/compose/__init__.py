"""Mail we write: the sandboxed Jinja2 environment, and rendered text turned into an
EmailMessage with our headers.
"""
