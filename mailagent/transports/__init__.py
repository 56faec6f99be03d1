"""Thin adapters that move bytes: the IMAP and Maildir inboxes, the SMTP and Maildir
outboxes, OAuth2 tokens. No business rules.
"""
