"""Parsing of the process table that an engine client's `top` prints."""

from __future__ import annotations

import re

from crank_cli.runtime.models import ProcessList

_TITLE = re.compile(r"\S+")


def parse_top_table(text: str) -> ProcessList:
    """Read the aligned columns of `docker top` or `podman top` output.

    Both clients align the columns with Go's tabwriter, so each value starts where its
    column's title starts, and a column is as wide as its widest value. A value may contain
    spaces (the command line, say), so the rows are cut at the title positions, not split
    on whitespace. The last column runs to the end of the line.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return ProcessList((), ())
    header = lines[0]
    titles = [(match.start(), match.group()) for match in _TITLE.finditer(header)]
    starts = [start for start, _ in titles]
    ends: list[int | None] = [*starts[1:], None]
    processes = tuple(tuple(line[start:end].strip() for start, end in zip(starts, ends, strict=True))
                      for line in lines[1:])
    return ProcessList(tuple(title for _, title in titles), processes)
