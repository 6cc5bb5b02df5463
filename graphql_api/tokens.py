"""API tokens: one bearer token per person with a role; only a SHA-256 hash is stored."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from ledger import validate
from ledger.errors import InvalidInput, Unauthenticated
from ledger.vocabulary import Role

ROLES: tuple[str, ...] = tuple(Role)
PREFIX = "clt_"
TOKEN_PATTERN = re.compile(r"^clt_[A-Za-z0-9_\-]{43}$")
TABLE = "api_tokens"


@dataclass(frozen=True)
class TokenRecord:
    """What a stored token grants: a role, a name and the identity it is bound to."""

    role: str
    name: str
    languages: tuple[str, ...] | None
    city_id: str | None
    weight_set_id: str | None
    panelist_id: str | None


def ensure_table(db: Database) -> None:
    """Create the `api_tokens` table if it is missing."""
    db.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (token_hash TEXT PRIMARY KEY, role TEXT NOT NULL, "
        "name TEXT NOT NULL, languages TEXT, city_id TEXT, weight_set_id TEXT, panelist_id TEXT, "
        "created_at TEXT NOT NULL)"
    )


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _exists(db: Database, sql: str, params: list[str]) -> bool:
    return db.execute(sql, params).fetchone() is not None


def enrolled_languages(db: Database, verifier_id: str) -> tuple[str, ...] | None:
    """The languages a verifier reads per their enrolment (None: not an enrolled verifier)."""
    row = db.execute(
        "SELECT languages FROM verifiers WHERE verifier_id = ?", [verifier_id]
    ).fetchone()
    return None if row is None else tuple(json.loads(row[0]))


def _check_binding(
    db: Database,
    role: str,
    name: str,
    languages: list[str] | None,
    city_id: str | None,
    panelist: tuple[str, str] | None,
) -> None:
    """Each role is bound to exactly the identity it needs, and that identity must exist."""
    if role == Role.CITY:
        if city_id is None or not _exists(db, "SELECT 1 FROM cities WHERE city_id = ?", [city_id]):
            raise InvalidInput(
                f"a city token needs a registered city; {city_id!r} is not one",
                field="city_id",
                value=city_id,
            )
    elif city_id is not None:
        raise InvalidInput(f"only city tokens name a city, not {role}", field="city_id")
    if role == Role.PANELIST:
        if panelist is None or not _exists(
            db,
            "SELECT 1 FROM panelists WHERE weight_set_id = ? AND panelist_id = ?",
            list(panelist),
        ):
            raise InvalidInput(
                f"a panelist token needs an enrolled panelist; {panelist!r} is not one",
                field="panelist",
                value=panelist,
            )
    elif panelist is not None:
        raise InvalidInput(f"only panelist tokens name a panelist, not {role}", field="panelist")
    if languages is not None and role != Role.VERIFIER:
        raise InvalidInput(f"only verifier tokens list languages, not {role}", field="languages")
    if role == Role.VERIFIER:
        _check_verifier(db, name, languages)


def _check_verifier(db: Database, name: str, languages: list[str] | None) -> None:
    """A verifier token names an enrolled verifier; languages, if given, must be theirs."""
    enrolled = enrolled_languages(db, name)
    if enrolled is None:
        raise InvalidInput(
            f"a verifier token needs an enrolled verifier; {name!r} is not one "
            "(enrol them with enrolVerifier first)",
            field="name",
            value=name,
        )
    if languages is not None and set(languages) != set(enrolled):
        raise InvalidInput(
            f"verifier {name!r} reads {', '.join(enrolled) or 'no language'} per their "
            "enrolment; a token's languages come from the enrolment (restate them with "
            "changeVerifierLanguages), not from the token",
            field="languages",
            value=languages,
        )


def create_token(
    db: Database,
    role: str,
    name: str,
    languages: list[str] | None = None,
    city_id: str | None = None,
    panelist: tuple[str, str] | None = None,
) -> str:
    """Issue a token for one person; return it (shown once) and store only its hash.

    A verifier token's name is the verifier id; the languages the verifier reads are looked
    up in their enrolment on every request (a `languages` argument is only checked against
    it, never stored).
    """
    if role not in ROLES:
        raise InvalidInput(
            f"role {role!r} is not one of {', '.join(ROLES)}", field="role", value=role
        )
    name = validate.text("name", name, max_len=120)
    langs = (
        None
        if languages is None
        else validate.string_list("languages", languages, check=validate.language, max_items=30)
    )
    _check_binding(db, role, name, langs, city_id, panelist)
    ensure_table(db)
    token = PREFIX + secrets.token_urlsafe(32)
    db.execute(
        f"INSERT INTO {TABLE} (token_hash, role, name, languages, city_id, weight_set_id, "
        "panelist_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            hash_token(token),
            role,
            name,
            None,
            city_id,
            panelist[0] if panelist else None,
            panelist[1] if panelist else None,
            datetime.now(UTC).isoformat(),
        ],
    )
    db.conn.commit()
    return token


def find_token(db: Database, token: str) -> TokenRecord:
    """The record of a presented token, or Unauthenticated when malformed or unknown."""
    if not TOKEN_PATTERN.match(token):
        raise Unauthenticated("the bearer token is malformed", field="authorization")
    row = db.execute(
        f"SELECT role, name, languages, city_id, weight_set_id, panelist_id FROM {TABLE} "
        "WHERE token_hash = ?",
        [hash_token(token)],
    ).fetchone()
    if row is None:
        raise Unauthenticated("the bearer token is unknown or revoked", field="authorization")
    role, name, languages, city_id, weight_set_id, panelist_id = row
    return TokenRecord(
        str(role),
        str(name),
        None if languages is None else tuple(json.loads(languages)),
        city_id,
        weight_set_id,
        panelist_id,
    )
