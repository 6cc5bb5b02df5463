"""The one exception hierarchy of cityledger; every message names the bad value."""

from __future__ import annotations


class LedgerError(Exception):
    """A command was refused; nothing was recorded."""

    #: Machine-readable code, stable across releases (the API exposes it).
    code = "LEDGER_ERROR"

    def __init__(self, message: str, *, field: str | None = None, value: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value


class InvalidInput(LedgerError):
    """An argument is malformed: wrong type, empty, too long or out of range."""

    code = "INVALID_INPUT"


class UnknownId(LedgerError):
    """An id names nothing recorded in the ledger."""

    code = "UNKNOWN_ID"


class AlreadyExists(LedgerError):
    """An id is already taken."""

    code = "ALREADY_EXISTS"


class RungNotOnLadder(LedgerError):
    """A claimed rung is not on the indicator's ladder."""

    code = "RUNG_NOT_ON_LADDER"


class BallotInvalid(LedgerError):
    """A ballot does not allocate exactly 100 points over the framework's indicators."""

    code = "BALLOT_INVALID"


class LanguageNotRead(LedgerError):
    """A verifier voted on evidence in a language they do not read."""

    code = "LANGUAGE_NOT_READ"


class AlreadyVoted(LedgerError):
    """A verifier voted twice in one round."""

    code = "ALREADY_VOTED"


class RoundNotOpen(LedgerError):
    """A vote or closure needs an open round, and there is none."""

    code = "ROUND_NOT_OPEN"


class ClaimNotOpen(LedgerError):
    """The claim is decided, withdrawn or superseded, so the command no longer applies."""

    code = "CLAIM_NOT_OPEN"


class InvalidState(LedgerError):
    """The command does not apply to the aggregate in its current state."""

    code = "INVALID_STATE"


class BackdatedEvent(LedgerError):
    """An import tried to record an event earlier than the ledger's head."""

    code = "BACKDATED_EVENT"


class ConcurrentWrite(LedgerError):
    """Another writer changed the same aggregate; retrying did not help."""

    code = "CONCURRENT_WRITE"


class PermissionDenied(LedgerError):
    """The caller's role does not allow the operation."""

    code = "PERMISSION_DENIED"


class Unauthenticated(LedgerError):
    """The bearer token is missing, malformed or unknown."""

    code = "UNAUTHENTICATED"


class StorageError(LedgerError):
    """The database cannot record or read the command; nothing was recorded."""

    code = "STORAGE_ERROR"


class StorageFull(StorageError):
    """The disk, or the database's size limit, is full."""

    code = "STORAGE_FULL"


class ReadOnly(StorageError):
    """The database file or its directory is read-only."""

    code = "READ_ONLY"


class Locked(StorageError):
    """Another process held the database's write lock for longer than the lock timeout."""

    code = "LOCKED"


class Unavailable(StorageError):
    """The database server cannot be reached (PostgreSQL down, or the connection lost)."""

    code = "UNAVAILABLE"


class Replaced(StorageError):
    """The database file was replaced or removed while the server had it open: what it
    would record would go to the old, unlinked file and be lost."""

    code = "DATABASE_REPLACED"


class Corrupt(StorageError):
    """The database file is damaged or is not a cityledger database."""

    code = "CORRUPT"


class NoWeightsInForce(LedgerError):
    """A table was asked for before its edition's weight set had any weights in force."""

    code = "NO_WEIGHTS_IN_FORCE"


class CorruptDatabase(LedgerError):
    """The database file cannot be read as a ledger: not SQLite, or damaged."""

    code = "CORRUPT_DATABASE"


class UnfoldableEvents(LedgerError):
    """A read model cannot apply logged events: their data is not what its handlers read
    (a log changed outside cityledger); nothing of the batch was written."""

    code = "UNFOLDABLE_EVENTS"


class UnknownEventType(LedgerError):
    """The log holds an event of a type this version of cityledger does not know (a newer
    version wrote it): nothing past it can be read until cityledger is upgraded."""

    code = "UNKNOWN_EVENT_TYPE"


class UnverifiedPublication(LedgerError):
    """A published table computed from the read models does not match the digest its
    publication recorded in the log, so it is not served."""

    code = "PUBLICATION_UNVERIFIED"
