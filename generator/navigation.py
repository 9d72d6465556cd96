"""The site's navigation: specialties, and within a large specialty alphabetical groups.

Material renders, on every page, the links of the section the page sits in (with
``navigation.prune``, only that section is expanded). A specialty of 2,000 topics
listed flat would put 2,000 links on each of its pages and make the build grow with
the square of the handbook (issue 20). So a level of the navigation never lists more
than ``nav_group_size`` entries: a larger specialty is cut into alphabetical groups
("Ab–Cy"), groups of groups when even the groups are too many, and gets an index page
that lists all its topics in one place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from .model import Topic

__all__ = ["specialty_index_path", "specialty_nav"]

# Longest group label: enough to tell "Enoxaparin" from "Eltrombopag" apart.
_LABEL_CHARS = 12


def specialty_index_path(specialty: str) -> str:
    """Markdown path of the page listing every topic of ``specialty``."""
    slug = re.sub(r"[^a-z0-9]+", "-", specialty.casefold()).strip("-") or "specialty"
    return f"specialties/{slug}.md"


def _chunks(items: Sequence[Topic], size: int) -> list[Sequence[Topic]]:
    """At most ``size`` consecutive runs of nearly equal length."""
    count = min(size, math.ceil(len(items) / size))
    length = math.ceil(len(items) / count)
    return [items[i : i + length] for i in range(0, len(items), length)]


def _labels(groups: list[Sequence[Topic]]) -> list[str]:
    """Labels of the form "first–last": title prefixes, as short as keeps every group's label distinct."""
    for chars in range(1, _LABEL_CHARS + 1):
        labels = [_range(group[0].title[:chars], group[-1].title[:chars]) for group in groups]
        if len(set(labels)) == len(labels):
            return labels
    return [f"{label} ({i})" for i, label in enumerate(labels, start=1)]


def _range(first: str, last: str) -> str:
    first, last = first.strip().capitalize(), last.strip().capitalize()
    return first if first == last else f"{first}–{last}"


def _level(topics: Sequence[Topic], size: int, entry: Callable[[Topic], dict[str, str]]) -> list[Any]:
    if len(topics) <= size:
        return [entry(topic) for topic in topics]
    groups = _chunks(topics, size)
    return [{label: _level(group, size, entry)} for label, group in zip(_labels(groups), groups, strict=True)]


def specialty_nav(
    specialty: str, topics: Sequence[Topic], size: int, entry: Callable[[Topic], dict[str, str]]
) -> list[Any]:
    """The navigation entries of one specialty, ``topics`` in title order."""
    if len(topics) <= size:
        return [entry(topic) for topic in topics]
    return [{f"All {len(topics)} topics": specialty_index_path(specialty)}, *_level(topics, size - 1, entry)]
