"""lsp-xlsx: run a governance self-assessment across a partnership by spreadsheet."""

__version__ = "0.1.0"
