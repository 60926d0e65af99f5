"""The tidy table's text columns, made from each return's packed text without a copy.

A worker hands a return's answer text over as one UTF-8 blob with Arrow's offsets
(:class:`~lsp_xlsx.returns.model.PackedText`). Here each blob becomes an Arrow string
array over the same bytes, a column is the chunked array of every return's slice of it,
and pandas holds that as its own string dtype: the text of 11,000 returns is in memory
once, as UTF-8, and no Python string is made for it until something reads a value.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pyarrow as pa

from lsp_xlsx.returns.model import Return


def text_column(rets: Sequence[Return], key: str) -> pd.Series:
    """Field ``key`` of every return's answers, return by return, as one text column."""
    chunks: list[pa.Array] = []
    arrays: dict[int, pa.Array] = {}
    for ret in rets:
        packed = ret.packed_text()
        if packed is None or key not in packed.names:
            chunks.append(pa.array(ret.column(key), type=pa.string()))
            continue
        whole = arrays.get(id(packed))
        if whole is None:
            whole = pa.StringArray.from_buffers(
                len(packed.offsets) // 4 - 1,
                pa.py_buffer(packed.offsets),
                pa.py_buffer(packed.data),
            )
            arrays[id(packed)] = whole
        chunks.append(whole.slice(packed.names.index(key) * packed.rows, packed.rows))
    column = pa.chunked_array(chunks, type=pa.string())
    return pd.Series(pd.array(column, dtype="str"), copy=False)
