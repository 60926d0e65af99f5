"""Stage 3, the returns: every returned file read in full or refused with a reason.

:func:`~lsp_xlsx.returns.reader.read_return` reads one file;
:func:`~lsp_xlsx.returns.batch.check` finds and reads every file under some folders and
decides which return counts for each partner.
"""
