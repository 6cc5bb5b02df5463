"""Who is asking: the viewer a request's bearer token identifies (anonymous without one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from sqlite_utils import Database

from graphql_api.tokens import enrolled_languages, find_token
from ledger.doc import Doc
from ledger.errors import Unauthenticated
from ledger.vocabulary import Role


@dataclass(frozen=True)
class Viewer:
    """Who the request's token identifies."""

    role: Annotated[Role | None, Doc("Role (null when anonymous).")] = None
    name: Annotated[str | None, Doc("Token holder's name / acting id.")] = None
    languages: Annotated[tuple[str, ...], Doc("Languages a verifier reads.")] = ()
    city_id: Annotated[str | None, Doc("City a city token is bound to.")] = None
    weight_set_id: Annotated[str | None, Doc("Panel a panelist token is bound to.")] = None
    panelist_id: Annotated[str | None, Doc("Panelist a token is bound to.")] = None
    #: The presented token's id: what idempotency keys are scoped to (None: anonymous).
    token_id: str | None = None

    def has_role(self, *roles: Role) -> bool:
        """Whether the viewer holds one of the roles."""
        return self.role is not None and self.role in roles

    @property
    def sees_scores(self) -> bool:
        """Editors and auditors see exact scores, votes and who cast them."""
        return self.has_role(Role.EDITOR, Role.AUDITOR)

    def sees_city_scores(self, city_id: str) -> bool:
        """Score viewers see every city's scores; a city sees its own."""
        return self.sees_scores or (self.role == Role.CITY and self.city_id == city_id)


ANONYMOUS = Viewer()


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (None when absent)."""
    if header is None or not header.strip():
        return None
    if "," in header:
        raise Unauthenticated(
            "the request carries more than one Authorization header; send one",
            field="authorization",
        )
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "the Authorization header must read 'Bearer <token>'", field="authorization"
        )
    return token.strip()


def authenticate(db: Database, header: str | None) -> Viewer:
    """The viewer a header identifies; Unauthenticated for a malformed or unknown token."""
    token = bearer_token(header)
    if token is None:
        return ANONYMOUS
    record = find_token(db, token)
    languages: tuple[str, ...] = ()
    if record.role == Role.VERIFIER:
        # From the enrolment, as it stands now; a languages value stored on an old token
        # is ignored, and a verifier who is not enrolled reads nothing.
        languages = enrolled_languages(db, record.name) or ()
    return Viewer(
        role=record.role,
        name=record.name,
        languages=languages,
        city_id=record.city_id,
        weight_set_id=record.weight_set_id,
        panelist_id=record.panelist_id,
        token_id=record.token_id,
    )
