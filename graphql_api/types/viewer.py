"""Who is asking: the viewer type."""

from __future__ import annotations

import strawberry


@strawberry.type(description="Who the request's token identifies.")
class Me:
    """The viewer."""

    role: str | None = strawberry.field(description="Role (null when anonymous).")
    name: str | None = strawberry.field(description="Token holder's name / acting id.")
    city_id: str | None = strawberry.field(description="City a city token is bound to.")
    languages: list[str] = strawberry.field(description="Languages a verifier reads.")
    weight_set_id: str | None = strawberry.field(description="Panel a panelist token is bound to.")
    panelist_id: str | None = strawberry.field(description="Panelist a token is bound to.")
