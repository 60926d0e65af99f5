"""The tidy table on disk: CSV for everyone, Parquet for analysts, both written by pyarrow.

Why pyarrow (see BENCHMARKS.md): it writes the CSV of 1,000 returns (62,000 rows) in about
0.1 s against ``DataFrame.to_csv``'s 0.65–0.9 s, and at 11,000 returns the difference is
seconds; it releases the GIL while it writes, so the table is written on a thread while the
comparison workbook is built; and it is what writes Parquet, which pandas, Polars and DuckDB
load in milliseconds. The CSV is RFC 4180: every text value quoted, numbers and empty
ratings bare, UTF-8 without a byte-order mark, one header line of the column names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from lsp_xlsx.core.errors import TidyTableError
from lsp_xlsx.core.files import atomic_path


def is_parquet(path: str | os.PathLike[str]) -> bool:
    """True when the name asks for Parquet (ends in .parquet, any case)."""
    return Path(path).suffix.casefold() == ".parquet"


def kind(path: str | os.PathLike[str]) -> str:
    """'Parquet' or 'CSV': what a tidy table at ``path`` is written as."""
    return "Parquet" if is_parquet(path) else "CSV"


def _schema(frame: pd.DataFrame) -> pa.Schema:
    """The table's Arrow schema (text columns as strings, even if a slice has none)."""
    schema = pa.Schema.from_pandas(frame.iloc[:1], preserve_index=False)
    fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in schema]
    return pa.schema(fields, metadata=schema.metadata)  # pandas' metadata: Int64 stays Int64


def _batches(frame: pd.DataFrame, schema: pa.Schema) -> Iterator[pa.Table]:
    """The frame as Arrow tables of :data:`BATCH_ROWS` rows: converted a slice at a time, so
    the text of 11,000 returns is never copied whole."""
    for start in range(0, len(frame), BATCH_ROWS):
        piece = frame.iloc[start : start + BATCH_ROWS]
        yield pa.Table.from_pandas(piece, schema=schema, preserve_index=False)


def _plain_schema(schema: pa.Schema) -> pa.Schema:
    """Dictionary (categorical) columns as their values: the CSV writer wants plain text."""
    return pa.schema(
        [
            pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
            for f in schema
        ]
    )


#: Rows converted to Arrow (and decoded from categorical codes) at a time.
BATCH_ROWS = 65_536


def write_tidy(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the tidy table atomically: Parquet when the name ends in .parquet, else CSV."""
    target = Path(path)
    schema = _schema(frame)
    with atomic_path(target) as tmp:
        if is_parquet(target):
            with pq.ParquetWriter(tmp, schema, compression="zstd") as parquet:
                for table in _batches(frame, schema):
                    parquet.write_table(table)
        else:
            with Path(tmp).open("wb") as handle:
                # The header by hand: pyarrow would quote the column names.
                handle.write((",".join(frame.columns) + "\n").encode("utf-8"))
                options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
                plain = _plain_schema(schema)
                with pa_csv.CSVWriter(handle, plain, write_options=options) as writer:
                    for table in _batches(frame, schema):
                        writer.write_table(table.cast(plain))
    return target


#: What to do about a tidy table that cannot be used, unless the caller says better.
ADVICE = "Give last round's responses.csv (or .parquet), as collate wrote it."


def read_tidy_text(
    path: str | os.PathLike[str], needed: Sequence[str] = (), advice: str = ADVICE
) -> pd.DataFrame:
    """A tidy table (CSV or Parquet) with every column as text and '' for empty.

    Raises :class:`TidyTableError`, naming the file and what to give instead, when it
    cannot be read or lacks one of the ``needed`` columns."""
    try:
        if is_parquet(path):
            frame = pq.read_table(path).to_pandas()
            frame = pd.DataFrame(
                {c: frame[c].astype(object).where(frame[c].notna(), "").astype(str) for c in frame}
            )
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:  # pyarrow's errors are these too
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise TidyTableError(
            f"{path}: cannot read it as a {kind(path)} table ({reason}). {advice}"
        ) from None
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise TidyTableError(
            f"{path}, line 1: the column(s) {', '.join(missing)} are missing. {advice}"
        )
    return frame
