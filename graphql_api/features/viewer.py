"""The viewer: who the request's bearer token identifies (anonymous without one)."""

from __future__ import annotations

import strawberry

from graphql_api.auth import Viewer
from graphql_api.context import Info
from graphql_api.fields import field as query
from graphql_api.outputs import FromView, output
from graphql_api.permissions import Public


@output(Viewer, exclude=["token_id"])
class Me(FromView[Viewer]):
    pass


@strawberry.type
class ViewerQuery:
    """The viewer fields of the Query root."""

    @query("Who the bearer token identifies.", Public)
    def viewer(self, info: Info) -> Me:
        return Me.from_view(info.context.viewer)
