"""Stage 4, the comparison: the returns as pandas tables, and the workbook the board reads.

:func:`~lsp_xlsx.compare.tables.collate` turns the returns that count into a
:class:`~lsp_xlsx.compare.tables.Comparison` of DataFrames;
:func:`~lsp_xlsx.compare.writer.write_comparison` lays it out as a workbook.
"""
