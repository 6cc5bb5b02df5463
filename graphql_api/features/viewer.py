"""The viewer: who the request's bearer token identifies."""

from __future__ import annotations

import strawberry

from graphql_api.context import Info
from graphql_api.fields import field as query
from graphql_api.permissions import (
    Public,
)


@strawberry.type(description="Who the request's token identifies.")
class Me:
    """The viewer."""

    role: str | None = strawberry.field(description="Role (null when anonymous).")
    name: str | None = strawberry.field(description="Token holder's name / acting id.")
    city_id: str | None = strawberry.field(description="City a city token is bound to.")
    languages: list[str] = strawberry.field(description="Languages a verifier reads.")
    weight_set_id: str | None = strawberry.field(description="Panel a panelist token is bound to.")
    panelist_id: str | None = strawberry.field(description="Panelist a token is bound to.")


@strawberry.type
class ViewerQuery:
    """The viewer fields of the Query root."""

    @query("Who the bearer token identifies.", Public)
    def viewer(self, info: Info) -> Me:
        v = info.context.viewer
        return Me(
            role=v.role,
            name=v.name,
            city_id=v.city_id,
            languages=list(v.languages),
            weight_set_id=v.weight_set_id,
            panelist_id=v.panelist_id,
        )
