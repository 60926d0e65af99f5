"""The tidy table's text columns, made from each return's packed text without a copy.

A worker hands a return's answer text over as one UTF-8 blob with Arrow's offsets
(:class:`~lsp_xlsx.returns.model.PackedText`). Here each blob becomes an Arrow string
array over the same bytes, a column is the chunked array of every return's slice of it,
and pandas holds that as its own string dtype: the text of 11,000 returns is in memory
once, as UTF-8, and no Python string is made for it until something reads a value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from lsp_xlsx.core.text import EXCEL_CELL_LIMIT, needs_cleaning
from lsp_xlsx.returns.model import Return


def text_columns(rets: Sequence[Return], keys: Sequence[str]) -> dict[str, pd.Series]:
    """Fields ``keys`` of every return's answers, return by return, as text columns."""
    chunks: dict[str, list[pa.Array]] = {key: [] for key in keys}
    for ret in rets:
        packed = ret.packed_text()
        whole = None
        if packed is not None:
            whole = pa.LargeStringArray.from_buffers(
                len(packed.offsets) // 8 - 1,
                pa.py_buffer(packed.offsets),
                pa.py_buffer(packed.data),
            )
        for key in keys:
            if packed is None or whole is None or key not in packed.names:
                chunks[key].append(pa.array(ret.column(key), type=pa.large_string()))
            else:
                start = packed.names.index(key) * packed.rows
                chunks[key].append(whole.slice(start, packed.rows))
    return {
        key: pd.Series(
            pd.array(pa.chunked_array(parts, type=pa.large_string()), dtype="str"), copy=False
        )
        for key, parts in chunks.items()
    }


def may_need_fixes(ret: Return, keys: Sequence[str]) -> bool:
    """False when no text of ``keys`` in ``ret`` is too long for a cell or holds a
    character a cell cannot: checked over all of it at once (on the packed bytes, where
    the answers are packed). True means look answer by answer."""
    packed = ret.packed_text()
    if packed is not None and set(keys) <= set(packed.names):
        longest = int(np.diff(np.frombuffer(packed.offsets, dtype=np.int64)).max(initial=0))
        # A character is at least a byte: bytes within the limit are characters within it.
        return longest > EXCEL_CELL_LIMIT or needs_cleaning(packed.data.decode())
    texts = [t for key in keys for t in ret.column(key) if t]
    if not texts:
        return False
    return max(map(len, texts)) > EXCEL_CELL_LIMIT or needs_cleaning("\n".join(texts))
