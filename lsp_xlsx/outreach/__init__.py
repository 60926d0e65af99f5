"""Outreach to partners: e-mail the workbooks (drafts or SMTP), keep a send log, track who
has returned, and remind the late ones."""
