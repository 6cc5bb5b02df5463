"""Who may do what: one named permission class per rule, checked on fields and mutations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from graphql_api.auth import Viewer
from graphql_api.context import Info
from ledger.errors import LedgerError, PermissionDenied, Unauthenticated
from ledger.vocabulary import Role

#: How descriptions and messages name those who hold each role.
HOLDERS = {
    Role.EDITOR: "editors",
    Role.RESEARCHER: "researchers",
    Role.VERIFIER: "verifiers",
    Role.PANELIST: "panelists",
    Role.CITY: "cities",
    Role.AUDITOR: "auditors",
}


def holders(roles: Sequence[Role]) -> str:
    """Those who hold the roles, as a list in words: "editors, auditors and cities"."""
    *others, last = [HOLDERS[role] for role in roles]
    return f"{', '.join(others)} and {last}" if others else last


class LedgerPermission(BasePermission):
    """A rule over the viewer; a bad token fails it as UNAUTHENTICATED, a refusal as DENIED."""

    #: Roles the rule admits outright (empty: decided by `admits`).
    roles: ClassVar[tuple[Role, ...]] = ()
    #: Who the rule admits, for descriptions and messages (by default, the roles' holders).
    who: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A rule that says no more than its roles is described by their holders."""
        super().__init_subclass__(**kwargs)
        if "who" not in cls.__dict__ and cls.roles:
            cls.who = holders(cls.roles)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Check the token, then the rule."""
        error = info.context.auth_error
        if error is not None:
            raise Unauthenticated(error.message, field=error.field)
        return self.admits(info.context.viewer, source, kwargs)

    def admits(self, viewer: Viewer, source: Any, arguments: dict[str, Any]) -> bool:
        """Whether the rule admits the viewer (for this source object and field arguments)."""
        return viewer.has_role(*self.roles)

    def on_unauthorized(self) -> None:
        """Refuse with a typed PERMISSION_DENIED error."""
        raise self.denied()

    def denied(self) -> PermissionDenied:
        """The PERMISSION_DENIED error this rule refuses with."""
        return PermissionDenied(
            f"{type(self).__name__}: only {self.who} may do this", field="authorization"
        )

    def refusal(self, source: Any, info: Info) -> LedgerError | None:
        """The error a field this rule guards answers with for `source` (None: admitted).

        For the guarded fields of a long list of rows decided once per row, not once per
        field: a field set to this error answers it, with its path, as graphql-core raises
        an error a field resolves to (the same error the field's guard raises).
        """
        try:
            admitted = self.has_permission(source, info)
        except LedgerError as error:
            return error
        return None if admitted else self.denied()


class Public(LedgerPermission):
    """Anyone, anonymous included (a presented token must still be valid)."""

    who = "anyone"

    def admits(self, viewer: Viewer, source: Any, arguments: dict[str, Any]) -> bool:
        """Always."""
        return True


class IsEditor(LedgerPermission):
    """Editors: frameworks, editions, weights, rounds, publication, appeal answers."""

    roles = (Role.EDITOR,)


class IsResearcher(LedgerPermission):
    """Researchers submit claims."""

    roles = (Role.RESEARCHER,)


class IsResearcherOrEditor(LedgerPermission):
    """Researchers withdraw their own claims; editors withdraw any claim."""

    roles = (Role.RESEARCHER, Role.EDITOR)
    who = "researchers (their own claims) and editors (any claim)"


class IsVerifier(LedgerPermission):
    """Verifiers vote on claims in the languages they read."""

    roles = (Role.VERIFIER,)


class IsPanelist(LedgerPermission):
    """Panelists cast and revise their own ballot."""

    roles = (Role.PANELIST,)


class IsCity(LedgerPermission):
    """A city files appeals for itself."""

    roles = (Role.CITY,)
    who = "city representatives"


class EditorsAndAuditors(LedgerPermission):
    """What editors and auditors (who see everything recorded) may read; each subclass names
    one such thing."""

    roles = (Role.EDITOR, Role.AUDITOR)


class CanSeeScores(EditorsAndAuditors):
    """Exact scores, live rankings and their history: editors and auditors."""


class CanSeeVotes(EditorsAndAuditors):
    """Votes and who cast them: editors and auditors."""


class CanReadLog(EditorsAndAuditors):
    """The event log (it names voters and panelists): editors and auditors."""


class CanSeeCityScores(LedgerPermission):
    """A city's scores: editors and auditors, and the city itself."""

    who = "editors, auditors and the city itself"

    def admits(self, viewer: Viewer, source: Any, arguments: dict[str, Any]) -> bool:
        """Score viewers, or the city whose row or page this is."""
        return viewer.sees_city_scores(str(getattr(source, "city_id", "")))


class CanExplainCity(LedgerPermission):
    """Why a city moved (its scores and its rivals'): editors and auditors, and the city itself."""

    who = "editors, auditors and the city itself"

    def admits(self, viewer: Viewer, source: Any, arguments: dict[str, Any]) -> bool:
        """Score viewers, or the city the `city` argument names."""
        return viewer.sees_city_scores(str(arguments.get("city", "")))


class CanReadClaims(LedgerPermission):
    """Claims: editors, auditors, researchers; verifiers (their languages); cities (their own)."""

    roles = (Role.EDITOR, Role.AUDITOR, Role.RESEARCHER, Role.VERIFIER, Role.CITY)


class CanSeeWeights(LedgerPermission):
    """Weight revisions and ballots: editors, auditors and panelists (own ballot only)."""

    roles = (Role.EDITOR, Role.AUDITOR, Role.PANELIST)


class CanSeeAppeals(LedgerPermission):
    """Appeals: editors and auditors; a city sees its own."""

    roles = (Role.EDITOR, Role.AUDITOR, Role.CITY)


class CanSeeDocket(EditorsAndAuditors):
    """The appeal docket (open appeals by age and deadline): editors and auditors."""


class CanAskWhatIf(LedgerPermission):
    """What upholding an open appeal would do: editors, and the city (its own appeals)."""

    roles = (Role.EDITOR, Role.CITY)
    who = "editors and the appealing city"


def guard(*permissions: type[LedgerPermission]) -> list[FieldExtension]:
    """The field extensions that enforce permissions (as GraphQL errors or typed payloads)."""
    return [PermissionExtension(permissions=[p() for p in permissions], use_directives=False)]


def requires(description: str, permissions: Sequence[type[LedgerPermission]]) -> str:
    """A field description that names who may use the field."""
    return f"{description} Allowed: {'; '.join(p.who for p in permissions)}."


def claim_scope(
    viewer: Viewer, city_ids: list[str] | None
) -> tuple[list[str] | None, list[str] | None]:
    """(languages, city ids) a viewer's claim reads are confined to (None: unconfined)."""
    if viewer.role == Role.VERIFIER:
        return list(viewer.languages), city_ids
    if viewer.role == Role.CITY:
        own = [viewer.city_id or ""]
        return None, own if city_ids is None else [c for c in city_ids if c in own]
    return None, city_ids
