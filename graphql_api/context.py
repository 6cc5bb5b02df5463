"""The context of one request or socket: runtime, viewer, loaders and live-subscription count."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field, replace
from typing import TypedDict

import strawberry
from sqlite_utils import Database
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from cityledger.bootstrap import Runtime
from graphql_api.auth import ANONYMOUS, Viewer, authenticate
from graphql_api.counting import LiveCount
from graphql_api.loaders import Loaders, build_loaders
from graphql_api.recorded import ReadModelsBehind
from graphql_api.watcher import Watcher
from ledger import validate
from ledger.application import Ledger
from ledger.errors import InvalidState, Unauthenticated
from ledger.storage import storage_error
from ledger.usecases.base import last_recorded

LOG = logging.getLogger("graphql_api.context")


class Signed(TypedDict):
    """Keywords a ledger command takes from the caller's token."""

    by: str
    idempotency_key: str | None


@dataclass
class ApiContext:
    """Everything a resolver needs; built afresh for every request and every socket, and
    copied with fresh loaders for every operation on a socket (`for_operation`)."""

    runtime: Runtime
    viewer: Viewer
    auth_error: Unauthenticated | None
    loaders: Loaders
    subscriptions: LiveCount
    watcher: Watcher
    request: Request | WebSocket | None = None
    response: Response | WebSocket | None = None
    connection_params: dict[str, object] | None = field(default=None)
    #: The Authorization value the viewer was identified from (re-checked per operation).
    authorization: str | None = None

    def for_operation(self) -> ApiContext:
        """A copy for one operation on a socket: fresh loaders, so no answer is cached
        beyond the operation that read it."""
        return replace(self, loaders=build_loaders(self.runtime.db))

    @property
    def db(self) -> Database:
        """The read-model database."""
        return self.runtime.db

    @property
    def ledger(self) -> Ledger:
        """The write side."""
        return self.runtime.ledger

    def caught_up(self) -> int:
        """Apply what was just recorded to the read models, so reads see the write.

        The write is committed already: when catching up fails (a full disk, another
        server holding the lock), the command is still answered as recorded, with a warning
        (ReadModelsBehind), and the follower catches up later.
        """
        try:
            return self.runtime.catch_up()
        except Exception as error:
            named = storage_error(error, "bringing the read models up to the write")
            if named is None:
                LOG.exception("catching up after a recorded command failed")
                warning = "INTERNAL: the read models could not follow the write; it was logged"
            else:
                warning = f"{named.code}: {named.message}"
            raise ReadModelsBehind(self.ledger.head(), warning, last_recorded()) from error

    def acting(self, binding: str | None, what: str) -> str:
        """An identity the viewer's token is bound to (its name, city, panelist…)."""
        if binding is None:
            raise InvalidState(f"the token is bound to no {what}", field="authorization")
        return binding

    def scoped_key(self, key: str | None) -> str | None:
        """The idempotency key the ledger is given: the caller's key within the namespace of
        the caller's token (its id, not role and name, which two tokens may share), so two
        tokens never share a key; None for None."""
        if key is None:
            return None
        validate.text("idempotency_key", key, max_len=200)
        caller = json.dumps(["token", self.viewer.token_id, key], ensure_ascii=False)
        return "api:" + hashlib.sha256(caller.encode("utf-8")).hexdigest()

    def signed(self, key: str | None) -> Signed:
        """The keywords every named command takes: who records it and its scoped key."""
        return Signed(
            by=self.acting(self.viewer.name, "name"), idempotency_key=self.scoped_key(key)
        )

    def authenticate(self, header: str | None) -> None:
        """Identify the viewer from an Authorization value; remember a bad token's error."""
        self.authorization = header
        try:
            self.viewer, self.auth_error = authenticate(self.db, header), None
        except Unauthenticated as error:
            self.viewer, self.auth_error = ANONYMOUS, error
        if self.viewer.token_id is not None:
            self.watcher.usage.note(self.viewer.token_id)

    def reauthenticate(self) -> bool:
        """Check the token again (it may have been revoked or have expired since); False
        when a token that was valid no longer is."""
        was_valid = self.viewer.token_id is not None
        self.authenticate(self.authorization)
        return not (was_valid and self.auth_error is not None)


def build_context(
    runtime: Runtime,
    subscriptions: LiveCount,
    watcher: Watcher,
    authorization: str | None,
    request: Request | WebSocket | None = None,
    response: Response | WebSocket | None = None,
) -> ApiContext:
    """A context for one request, with fresh loaders and the viewer its token names."""
    context = ApiContext(
        runtime=runtime,
        viewer=ANONYMOUS,
        auth_error=None,
        loaders=build_loaders(runtime.db),
        subscriptions=subscriptions,
        watcher=watcher,
        request=request,
        response=response,
    )
    context.authenticate(authorization)
    return context


Info = strawberry.Info[ApiContext, None]
