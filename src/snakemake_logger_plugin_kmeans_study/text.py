"""How the terminal view writes times, wildcard values and lists on a line."""

from __future__ import annotations

# Lines that list things wrap at this width.
WIDTH = 100


def clock(seconds: float) -> str:
    """``h:mm:ss``."""
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def duration(seconds: float) -> str:
    """A job's run time: ``0.8 s`` below a minute, ``m:ss`` or ``h:mm:ss`` above."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"
    return clock(seconds)


def value_range(values: set) -> str:
    """Wildcard values in a few characters: ``5-15`` for a run of integers, else a sorted list
    cut after a few with the count."""
    if all(str(v).isdigit() for v in values):
        numbers = sorted(int(v) for v in values)
        if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
            return f"{numbers[0]}-{numbers[-1]}"
        listed = [str(n) for n in numbers]
    else:
        listed = sorted(map(str, values))
    if len(listed) > 6:
        return ", ".join(listed[:4]) + f", ... ({len(listed)} values)"
    return ", ".join(listed)


def packed(entries: list[str], first: str, rest: str) -> list[str]:
    """Entries joined by ", " into lines of at most WIDTH characters, never breaking an entry
    (a rule's name stays beside its count)."""
    lines, line = [], first
    for i, entry in enumerate(entries):
        piece = entry + ("," if i < len(entries) - 1 else "")
        if line.strip() and len(line) + 1 + len(piece) > WIDTH and line not in (first, rest):
            lines.append(line)
            line = rest
        line += ("" if line in (first, rest) else " ") + piece
    return lines + [line]
