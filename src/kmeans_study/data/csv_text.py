"""The text of a CSV file as the table reader needs it: its header line, refused when pandas would
read it but mean something else, and the line of the file that holds a given data row."""

from __future__ import annotations

import csv
from pathlib import Path

from kmeans_study.data.stream import DataError
from kmeans_study.messages import shown, shown_name

# Characters that, in a header name, mean the file is not comma-separated.
OTHER_DELIMITERS = {";": "';'", "\t": "a tab", "|": "'|'"}


def header(path: Path) -> list[str]:
    """The column names of a CSV file as written in its first non-blank line, refusing a header
    that pandas would read but mean something else by."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        line = next((line for line in fh if line.strip()), "")
    try:
        names = next(csv.reader([line]), [])
    except csv.Error as exc:
        raise DataError(f"{shown_name(str(path))}: the header line is not CSV text ({exc})") from None
    where = f"{shown_name(str(path))}: the header line {shown(line.rstrip())}"
    for char, said in OTHER_DELIMITERS.items():
        if any(char in name for name in names):
            raise DataError(f"{where} holds {said}: columns must be separated by commas")
    numbers = [name for name in names if _is_number(name)]
    if numbers:
        raise DataError(
            f"{where} names a column {shown(numbers[0])}, a number: the first line looks like data, not a header "
            "(numpy.savetxt writes none); add a first line naming the columns"
        )
    for i, name in enumerate(names):
        if not name.strip():
            raise DataError(
                f"{where} leaves column {i + 1} without a name (an index written by pandas' to_csv without "
                "index=False?): name it, or drop the column"
            )
        if name in names[:i]:
            raise DataError(f"{where} names two columns {shown(name)} (columns {names.index(name) + 1} and {i + 1})")
    return names


def _is_number(text: str) -> bool:
    """Whether a header name reads as a number, nan and inf included (a first line of data may
    well start with them)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def cell_text(path: Path, row: int, column: str) -> str:
    """The text of data row ``row`` (0-based) in column ``column`` as the file writes it. Only
    called to report a problem."""
    number = line_of_row(path, row)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        names = next(csv.reader([next(line for line in fh if line.strip())]))
        line = next(line for i, line in enumerate(fh, 2) if i == number)
    return next(csv.reader([line]))[names.index(column)]


def line_of_row(path: Path, row: int) -> int:
    """The line of the file holding data row ``row`` (0-based), skipping blank lines as pandas
    does. Only called to report a problem: it reads the file up to that line."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        lines = (number for number, line in enumerate(fh, 1) if line.strip())
        next(lines, None)  # the header line
        for i, number in enumerate(lines):
            if i == row:
                return number
    return row + 2
