"""Allow ``python -m lsp_xlsx``."""

from lsp_xlsx.cli import main

main()
