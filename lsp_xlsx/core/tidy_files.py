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
from typing import NoReturn

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from lsp_xlsx.core.errors import TidyTableError
from lsp_xlsx.core.files import atomic_path
from lsp_xlsx.core.findings import Code, Finding, finding
from lsp_xlsx.core.input_limits import TIDY_BYTES, TIDY_ROWS, InputLimit, size_text
from lsp_xlsx.core.text import utf8_safe
from lsp_xlsx.core.words import missing_columns


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
        try:
            yield pa.Table.from_pandas(piece, schema=schema, preserve_index=False)
        except UnicodeEncodeError:
            # A lone surrogate (a file name's byte that is not UTF-8) in a text column: UTF-8
            # cannot hold it, so it is written escaped as \xe9, as every output shows it.
            yield pa.Table.from_pandas(_utf8_safe(piece), schema=schema, preserve_index=False)


def _utf8_safe(piece: pd.DataFrame) -> pd.DataFrame:
    texts = [c for c in piece if piece[c].dtype == object]
    return piece.assign(
        **{str(c): piece[c].map(lambda v: utf8_safe(v) if isinstance(v, str) else v) for c in texts}
    )


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
    try:
        schema = _schema(frame)
    except UnicodeEncodeError:  # a lone surrogate in the first row (see _batches)
        frame = _utf8_safe(frame)
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

    Read under the limits of :mod:`lsp_xlsx.core.input_limits` (bytes, and rows: a Parquet
    file's rows are counted from its metadata before anything is read), with no limit on one
    field beyond the bytes, so a long answer comes back whole. A CSV is read as partners.csv
    is: UTF-8 with or without a byte-order mark, else Windows-1252, and ';' when Excel saved
    it so; ``frame.attrs["findings"]`` says when either was needed.

    Raises :class:`TidyTableError`, naming the file and what to give instead, when it
    cannot be read, is over a limit, or lacks one of the ``needed`` columns."""
    _check_size(path, advice)
    _refuse_workbook(path)
    try:
        frame = _read_parquet(path, advice) if is_parquet(path) else _read_csv(path, advice)
    except (OSError, ValueError, UnicodeDecodeError) as exc:  # pyarrow's errors are these too
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise TidyTableError(
            f"{path}: cannot read it as a {kind(path)} table ({reason}). {advice}"
        ) from None
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise TidyTableError(f"{path}, line 1: {missing_columns(missing)}. {advice}")
    return frame


def _over(path: str | os.PathLike[str], what: str, limit: InputLimit, advice: str) -> NoReturn:
    raise TidyTableError(
        f"{path}: {what}, over the limit of {limit.value():,} {limit.unit} for a tidy table. "
        f"Check it is last round's table; to read a larger one, {limit.raise_hint()}. {advice}"
    )


#: The tidy table's usual name, written beside the comparison by collate.
TIDY_NAME = "responses.csv"
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"


def _refuse_workbook(path: str | os.PathLike[str]) -> None:
    """A workbook given where the tidy table belongs (most often comparison.xlsx, which sits
    beside responses.csv) is named for what it is, with the file to give instead: read as a
    CSV it would fail on its first compressed byte, in words no coordinator can use."""
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return  # a missing file is named by the read that follows
    if not head.startswith((_ZIP, _OLE)):
        return
    instead = Path(path).with_name(TIDY_NAME)
    what = (
        "the comparison workbook"
        if _is_comparison(path)
        else "a workbook (a zip or Office file), not a table"
    )
    raise TidyTableError(
        f"{path}: this is {what}, not last round's tidy table. Give {instead} instead: "
        f"collate writes it beside the comparison."
    )


def _is_comparison(path: str | os.PathLike[str]) -> bool:
    """True when the workbook has the comparison's Agreed and Findings sheets, read from
    the first 256 KiB of its sheet list (the coordinator's own file, but read bounded)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive, archive.open("xl/workbook.xml") as part:
            listing = part.read(256 * 1024)
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, EOFError):
        return False
    return b'name="Agreed"' in listing and b'name="Findings"' in listing


def _check_size(path: str | os.PathLike[str], advice: str) -> None:
    """Refuse a file over the byte limit before reading it (a missing one fails later)."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        return
    if size > TIDY_BYTES.value():
        _over(path, f"the file is {size_text(size)}", TIDY_BYTES, advice)


def _read_csv(path: str | os.PathLike[str], advice: str) -> pd.DataFrame:
    """The CSV as text, at most the row limit (one more row is read, to know)."""
    with Path(path).open("rb") as handle:
        head = handle.read(64 * 1024)
    notes: list[Finding] = []
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the sample
            encoding = "cp1252"
    first = head.decode(encoding, errors="replace").splitlines()[0] if head else ""
    separator = ";" if first.count(";") > first.count(",") else ","
    rows = TIDY_ROWS.value()
    try:
        frame = _csv_frame(path, encoding, separator, rows)
    except UnicodeDecodeError:
        encoding = "cp1252"  # the sample was UTF-8, a later line is not
        frame = _csv_frame(path, encoding, separator, rows)
    if len(frame) > rows:
        _over(path, f"it has more than {rows:,} rows", TIDY_ROWS, advice)
    if encoding == "cp1252":
        notes.append(finding(Code.CSV_NOT_UTF8, Path(path).name))
    if separator == ";":
        notes.append(finding(Code.CSV_SEMICOLONS, Path(path).name))
    frame.attrs["findings"] = notes
    return frame


def _csv_frame(path: str | os.PathLike[str], encoding: str, sep: str, rows: int) -> pd.DataFrame:
    return pd.read_csv(
        path, dtype=str, keep_default_na=False, encoding=encoding, sep=sep, nrows=rows + 1
    )


def _read_parquet(path: str | os.PathLike[str], advice: str) -> pd.DataFrame:
    """The Parquet file as text: rows counted from the metadata first, and the text's
    decoded size checked while it is still dictionary-encoded (a 6 MB file can hold 100
    million rows, or one long value repeated a million times)."""
    parquet = pq.ParquetFile(path)
    rows = parquet.metadata.num_rows
    if rows > TIDY_ROWS.value():
        _over(path, f"its metadata gives {rows:,} rows", TIDY_ROWS, advice)
    texts = [f.name for f in parquet.schema_arrow if _is_text(f.type)]
    table = pq.ParquetFile(path, read_dictionary=texts).read()
    decoded = sum(_text_bytes(table.column(name)) for name in texts)
    if decoded > TIDY_BYTES.value():
        _over(path, f"its text is {size_text(decoded)} when unpacked", TIDY_BYTES, advice)
    frame = table.to_pandas()
    frame = pd.DataFrame(
        {c: frame[c].astype(object).where(frame[c].notna(), "").astype(str) for c in frame}
    )
    frame.attrs["findings"] = []
    return frame


def _is_text(kind: pa.DataType) -> bool:
    """Text, or text stored dictionary-encoded (as a categorical column is)."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _text_bytes(column: pa.ChunkedArray) -> int:
    """The bytes a text column takes once decoded, counted without decoding it."""
    total = 0
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            lengths = pc.binary_length(chunk.dictionary).fill_null(0)
            total += pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0
        else:
            total += pc.sum(pc.binary_length(chunk)).as_py() or 0
    return int(total)
