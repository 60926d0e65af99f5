"""Stage 5, the board: what it reads (the board paper), the position it agrees at the
workshop (read back by ``lsp-xlsx agree``) and the improvement plan it commits to."""
