"""Relay pages: one generic connection of edges, named for its node (`EventConnection`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

import strawberry

T = TypeVar("T")


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item.")


@strawberry.type(description="An item of a page and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Pass as `after` to continue after this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of items, in order, and how many match in all.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Paging.")
    total_count: int = strawberry.field(
        description="How many items match, over all pages (of those the viewer may read)."
    )
    position: int = strawberry.field(description="Read-model position the page was read at.")

    @classmethod
    def page(
        cls, items: Iterable[tuple[str, T]], *, more: bool, total: int, position: int
    ) -> Connection[T]:
        """A page of (cursor, item) pairs; `more`: whether items follow it."""
        edges = [Edge(cursor=cursor, node=node) for cursor, node in items]
        end = edges[-1].cursor if edges else None
        info = PageInfo(has_next_page=more, end_cursor=end)
        return cls(edges=edges, page_info=info, total_count=total, position=position)
