"""A command recorded while the read models could not follow: success, with a warning."""

from __future__ import annotations

import strawberry


class ReadModelsBehind(Exception):
    """The command's events were committed, but catching the read models up failed."""

    def __init__(self, head: int, warning: str, result: str | None) -> None:
        super().__init__(warning)
        self.head = head
        self.warning = warning
        self.result = result


@strawberry.type(
    description="The command was recorded (it succeeded), but the read models could not be "
    "brought up to it yet; they catch up on their own later. Read it back then."
)
class Recorded:
    """A success whose read-back must wait."""

    position: int = strawberry.field(description="The ledger position the write reached.")
    result: str | None = strawberry.field(
        description="What the command returned (JSON: an id, a number or an object), if known."
    )
    warning: str = strawberry.field(description="Why the read models lag behind the write.")

    @classmethod
    def from_behind(cls, behind: ReadModelsBehind) -> Recorded:
        """The payload of a recorded command whose read-back failed."""
        return cls(position=behind.head, result=behind.result, warning=behind.warning)
