"""API tokens: one bearer token per person with a role; only a SHA-256 hash is stored.

A token can expire and be revoked; either takes effect on the next request or WebSocket
operation that presents it. When a token was last used is noted in memory and written in
the background (TokenUsage), so authenticating never waits for the database's write lock.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from ledger import validate
from ledger.errors import InvalidInput, Unauthenticated
from ledger.vocabulary import Role

ROLES: tuple[Role, ...] = tuple(Role)
PREFIX = "clt_"
TOKEN_PATTERN = re.compile(r"^clt_[A-Za-z0-9_\-]{43}$")
TABLE = "api_tokens"
#: Characters of the stored hash that name a token in listings and idempotency scopes.
ID_LENGTH = 16
#: Columns added after the first release, created on first use of an older table.
LATER_COLUMNS = (("expires_at", "TEXT"), ("revoked_at", "TEXT"), ("last_used_at", "TEXT"))


@dataclass(frozen=True)
class TokenRecord:
    """What a stored token grants: a role, a name and the identity it is bound to."""

    role: Role
    name: str
    languages: tuple[str, ...] | None
    city_id: str | None
    weight_set_id: str | None
    panelist_id: str | None
    #: A short, stable, non-secret id of the token (a prefix of its hash).
    token_id: str = ""
    expires_at: datetime | None = None


@dataclass(frozen=True)
class TokenListing:
    """A token as `token list` shows it: never the secret, nor its hash."""

    token_id: str
    role: str
    name: str
    binding: str | None
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    last_used_at: str | None

    @property
    def status(self) -> str:
        """active, expired or revoked (as of now)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and datetime.fromisoformat(self.expires_at) <= now():
            return "expired"
        return "active"


def now() -> datetime:
    """The current time (UTC)."""
    return datetime.now(UTC)


def ensure_table(db: Database) -> None:
    """Create the `api_tokens` table if it is missing, and add columns an older one lacks."""
    db.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (token_hash TEXT PRIMARY KEY, role TEXT NOT NULL, "
        "name TEXT NOT NULL, languages TEXT, city_id TEXT, weight_set_id TEXT, panelist_id TEXT, "
        "created_at TEXT NOT NULL, expires_at TEXT, revoked_at TEXT, last_used_at TEXT)"
    )
    have = {row[1] for row in db.execute(f"PRAGMA table_info({TABLE})").fetchall()}
    for column, kind in LATER_COLUMNS:
        if column not in have:
            db.execute(f"ALTER TABLE {TABLE} ADD COLUMN {column} {kind}")


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
    city = None if city_id is None else (city_id,)
    _check_bound(db, role, Role.CITY, "city_id", city, "a registered", "cities WHERE city_id = ?")
    _check_bound(
        db, role, Role.PANELIST, "panelist", panelist,
        "an enrolled", "panelists WHERE weight_set_id = ? AND panelist_id = ?",
    )  # fmt: skip
    if languages is not None and role != Role.VERIFIER:
        raise InvalidInput(f"only verifier tokens list languages, not {role}", field="languages")
    if role == Role.VERIFIER:
        _check_verifier(db, name, languages)


def _check_bound(
    db: Database,
    role: str,
    bound: Role,
    field: str,
    key: tuple[str, ...] | None,
    kind: str,
    where: str,
) -> None:
    """A `bound` token names an existing identity (`key`, found in `where`); no other role
    names one."""
    value = key if key is None or len(key) > 1 else key[0]
    if role == bound:
        if key is None or not _exists(db, f"SELECT 1 FROM {where}", list(key)):
            raise InvalidInput(
                f"a {bound} token needs {kind} {bound}; {value!r} is not one",
                field=field,
                value=value,
            )
    elif key is not None:
        raise InvalidInput(f"only {bound} tokens name a {bound}, not {role}", field=field)


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


def _in_utc(expires: datetime) -> datetime:
    """An expiry in UTC; refused naming it when after the last instant UTC can write."""
    try:
        return expires.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(
            f"expiry {expires.isoformat()} is later than 9999-12-31 in UTC", field="expires"
        ) from None


def create_token(
    db: Database,
    role: str,
    name: str,
    languages: list[str] | None = None,
    city_id: str | None = None,
    panelist: tuple[str, str] | None = None,
    expires: datetime | None = None,
) -> str:
    """Issue a token for one person; return it (shown once) and store only its hash.

    A verifier token's name is the verifier id; the languages the verifier reads are looked
    up in their enrolment on every request (a `languages` argument is only checked against
    it, never stored).
    """
    validate.one_of("role", role, ROLES)
    name = validate.text("name", name, max_len=120)
    langs = (
        None
        if languages is None
        else validate.string_list("languages", languages, check=validate.language, max_items=30)
    )
    _check_binding(db, role, name, langs, city_id, panelist)
    if expires is not None and (expires.tzinfo is None or expires <= now()):
        raise InvalidInput(
            f"expiry {expires.isoformat()} must be a future instant with a UTC offset",
            field="expires",
            value=expires.isoformat(),
        )
    expires_utc = None if expires is None else _in_utc(expires)
    ensure_table(db)
    token = PREFIX + secrets.token_urlsafe(32)
    db.execute(
        f"INSERT INTO {TABLE} (token_hash, role, name, languages, city_id, weight_set_id, "
        "panelist_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            hash_token(token),
            role,
            name,
            None,
            city_id,
            panelist[0] if panelist else None,
            panelist[1] if panelist else None,
            now().isoformat(),
            None if expires_utc is None else expires_utc.isoformat(),
        ],
    )
    db.conn.commit()
    return token


def find_token(db: Database, token: str) -> TokenRecord:
    """The record of a presented token, or Unauthenticated when malformed, unknown, revoked
    or expired."""
    if not TOKEN_PATTERN.match(token):
        raise Unauthenticated("the bearer token is malformed", field="authorization")
    digest = hash_token(token)
    row = db.execute(
        f"SELECT role, name, languages, city_id, weight_set_id, panelist_id, expires_at, "
        f"revoked_at FROM {TABLE} WHERE token_hash = ?",
        [digest],
    ).fetchone()
    if row is None or row[7] is not None:
        raise Unauthenticated("the bearer token is unknown or revoked", field="authorization")
    role, name, languages, city_id, weight_set_id, panelist_id, expires_at, _ = row
    expiry = None if expires_at is None else datetime.fromisoformat(expires_at)
    if expiry is not None and expiry <= now():
        raise Unauthenticated("the bearer token has expired", field="authorization")
    return TokenRecord(
        Role(role),
        str(name),
        None if languages is None else tuple(json.loads(languages)),
        city_id,
        weight_set_id,
        panelist_id,
        digest[:ID_LENGTH],
        expiry,
    )


def list_tokens(db: Database) -> list[TokenListing]:
    """Every token issued, oldest first, without secrets or hashes."""
    ensure_table(db)
    rows = db.execute(
        f"SELECT token_hash, role, name, city_id, weight_set_id, panelist_id, created_at, "
        f"expires_at, revoked_at, last_used_at FROM {TABLE} ORDER BY created_at, token_hash"
    ).fetchall()
    return [
        TokenListing(
            token_id=str(h)[:ID_LENGTH],
            role=str(role),
            name=str(name),
            binding=city or (f"{ws}/{panelist}" if panelist else None),
            created_at=str(created),
            expires_at=expires,
            revoked_at=revoked,
            last_used_at=used,
        )
        for h, role, name, city, ws, panelist, created, expires, revoked, used in rows
    ]


def revoke_tokens(db: Database, name: str, token_id: str | None = None) -> list[str]:
    """Revoke every live token of a name (or only the one with `token_id`); return their ids.

    Nothing is deleted: a revoked token stays listed, with when it was revoked.
    """
    ensure_table(db)
    live = [
        t
        for t in list_tokens(db)
        if t.name == name and t.revoked_at is None and token_id in (None, t.token_id)
    ]
    if not live:
        which = f"{name!r}" + (f" with id {token_id!r}" if token_id else "")
        raise InvalidInput(f"no live token is named {which}", field="name", value=name)
    stamp = now().isoformat()
    with db.conn:
        for t in live:
            db.execute(
                f"UPDATE {TABLE} SET revoked_at = ? WHERE substr(token_hash, 1, ?) = ? "
                "AND revoked_at IS NULL",
                [stamp, ID_LENGTH, t.token_id],
            )
    return [t.token_id for t in live]


class TokenUsage:
    """When each token was last used, noted in memory and written in the background.

    Writing on every request would make authentication wait for the write lock; here a
    request only notes the time, and `flush` writes what changed with a short lock timeout,
    keeping it for the next flush when the database is busy. Times are kept to the minute.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._pending: dict[str, str] = {}
        self._written: dict[str, str] = {}

    def note(self, token_id: str) -> None:
        """Note that a token was used now."""
        minute = now().replace(second=0, microsecond=0).isoformat()
        with self._lock:
            if self._written.get(token_id) != minute:
                self._pending[token_id] = minute

    def flush(self, timeout: timedelta = timedelta(milliseconds=50)) -> bool:
        """Write the noted times; False (and kept for later) when the database is busy."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return True
        try:
            conn = sqlite3.connect(str(self.path), timeout=timeout.total_seconds())
            try:
                with conn:
                    conn.executemany(
                        f"UPDATE {TABLE} SET last_used_at = ? WHERE substr(token_hash, 1, ?) = ?",
                        [(used, ID_LENGTH, token_id) for token_id, used in pending.items()],
                    )
            finally:
                conn.close()
        except sqlite3.Error:
            with self._lock:
                self._pending = {**pending, **self._pending}
            return False
        with self._lock:
            self._written.update(pending)
        return True
