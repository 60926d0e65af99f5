"""Collect: returns gathered from the mailbox (IMAP) or from saved messages.

``sources.py`` fetches raw messages, ``messages.py`` parses and sorts their attachments,
``ledger.py`` keeps ``collected.csv``, and ``run.py`` ties them to the returns reader.
"""
