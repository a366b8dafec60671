"""Name similarity for "did you mean …?" suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate the user most likely meant (case-insensitively), or None if none is close."""
    lower = name.lower()
    options = list(candidates)
    scored: list[tuple[int, str]] = []
    for candidate in options:
        other = candidate.lower()
        distance = edit_distance(lower, other)
        if distance <= max(2, len(lower) // 3):
            scored.append((distance, candidate))
        elif len(lower) >= 3 and (lower in other or other in lower):
            scored.append((3 + abs(len(other) - len(lower)), candidate))
    if scored:
        return min(scored)[1]
    close = difflib.get_close_matches(lower, [c.lower() for c in options], n=1, cutoff=0.75)
    return next((c for c in options if close and c.lower() == close[0]), None)
