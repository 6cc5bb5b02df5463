"""Argument types several features' resolvers share."""

from __future__ import annotations

from typing import Annotated

import strawberry

Id = Annotated[str, strawberry.argument(description="An id.")]
First = Annotated[int, strawberry.argument(description="Page size, 1..100.")]
After = Annotated[str | None, strawberry.argument(description="Continue after this cursor.")]
