"""Paging SP-API ``getReports`` into MWS pages, with the filters SP-API lacks applied here.

SP-API wants ``reportTypes`` (at most ten) on every first call and accepts ``nextToken`` only
alone; MWS lists default to every type and filter by things SP-API does not know (derived MWS
statuses, availability dates, acknowledgements). A :class:`Cursor` walks groups of up to ten
types, page by page, and remembers where inside an upstream page an MWS page ended, so the
NextToken the client gets resumes exactly there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

GROUP_SIZE = 10

Fetch = Callable[[dict[str, str]], Awaitable[dict[str, Any]]]
Select = Callable[[list[dict[str, Any]]], Awaitable[list[bool]]]


def type_groups(types: Sequence[str]) -> list[list[str]]:
    unique = list(dict.fromkeys(types))
    return [unique[i : i + GROUP_SIZE] for i in range(0, len(unique), GROUP_SIZE)]


@dataclass
class Cursor:
    groups: list[list[str]]
    query: dict[str, str]  # upstream filters besides reportTypes (statuses, dates, pageSize)
    group: int = 0
    token: str | None = None  # upstream nextToken that fetches the current page (None: first)
    skip: int = 0  # raw items of the current page already handed out

    def to_state(self) -> dict[str, Any]:
        return {"g": self.groups, "q": self.query, "i": self.group, "t": self.token, "s": self.skip}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Cursor:
        groups = state["g"]
        query = state["q"]
        if not isinstance(groups, list) or not isinstance(query, dict):
            raise ValueError("bad cursor")
        return cls(
            groups=[[str(t) for t in g] for g in groups],
            query={str(k): str(v) for k, v in query.items()},
            group=int(state["i"]),
            token=None if state["t"] is None else str(state["t"]),
            skip=int(state["s"]),
        )


async def collect(
    fetch: Fetch, cursor: Cursor, want: int, select: Select, *, max_fetches: int = 20
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """Up to ``want`` selected reports from ``cursor``; the cursor to resume from (or None).

    Stops early after ``max_fetches`` upstream pages (bounded time per MWS call): the MWS page
    is then shorter than MaxCount but HasNext stays true.
    """
    items: list[dict[str, Any]] = []
    fetches = 0
    while cursor.group < len(cursor.groups):
        if fetches >= max_fetches:
            return items, cursor
        query = (
            {"nextToken": cursor.token}
            if cursor.token
            else {**cursor.query, "reportTypes": ",".join(cursor.groups[cursor.group])}
        )
        page = await fetch(query)
        fetches += 1
        raw = [r for r in page.get("reports", []) if isinstance(r, dict)]
        chosen = await select(raw[cursor.skip :])
        for offset, keep in enumerate(chosen):
            if not keep:
                continue
            if len(items) == want:
                cursor.skip += offset
                return items, cursor
            items.append(raw[cursor.skip + offset])
        token = page.get("nextToken")
        if token:
            cursor.token, cursor.skip = str(token), 0
        else:
            cursor.group, cursor.token, cursor.skip = cursor.group + 1, None, 0
        if len(items) == want:
            return items, (cursor if cursor.group < len(cursor.groups) else None)
    return items, None
