"""Stage 2, the partner workbook: the contract, the builder and personalised copies.

:mod:`~lsp_xlsx.workbook.contract` defines every sheet name, header label, meta key and
position once; the builder here writes by it and :mod:`lsp_xlsx.returns` reads by it.
"""
