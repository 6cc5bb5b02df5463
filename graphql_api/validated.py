"""Documents validated once: a query text that passed validation is not validated again.

Validation is a pure function of the schema (fixed for the process) and the document: every
rule the API adds (graphql_api/limits.py) reads only the document. So a document that
passed is remembered by a digest of its text, and the next request with the same text skips
the rules, about a millisecond on a table query. Refusals are not remembered (they are
recomputed, and carry nodes of their own document); a document refused before validation
(an oversized one, or several operations with none named) never reaches the lookup.

Not strawberry's `ValidationCache`: it keys its cache on the rule classes as well as the
document, and the limiters build new rule classes for every request, so it never hits (the
typed auditor table took 2.4-2.7 ms more per request than here, validated every time, each
miss kept); and it sets the validation result over a refusal already made (several operations
with none named would run the first).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

#: Distinct valid documents remembered (least recently used dropped first): 16 bytes each.
MAX_DOCUMENTS = 4096


class ValidDocuments:
    """Digests of the query texts that passed validation."""

    def __init__(self, size: int = MAX_DOCUMENTS) -> None:
        self.size = size
        self.digests: OrderedDict[bytes, None] = OrderedDict()
        self.lock = threading.Lock()

    @staticmethod
    def digest(query: str) -> bytes:
        """The key of a query text."""
        return hashlib.blake2b(query.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def passed(self, key: bytes) -> bool:
        """Whether the text of this key passed validation before."""
        with self.lock:
            if key in self.digests:
                self.digests.move_to_end(key)
                return True
            return False

    def remember(self, key: bytes) -> None:
        """Note that the text of this key passed validation."""
        with self.lock:
            self.digests[key] = None
            while len(self.digests) > self.size:
                self.digests.popitem(last=False)


class ValidateOnce(SchemaExtension):
    """Skips validation of a query text that passed it before (the last extension, so that
    every limiter has had its say before the lookup)."""

    def __init__(self, documents: ValidDocuments) -> None:
        self.documents = documents

    def on_validate(self) -> Iterator[None]:
        """Answer a known valid text as valid; remember a text that passes."""
        context = self.execution_context
        if context.pre_execution_errors is not None or not context.query:
            yield  # refused before validation (or no text): nothing to look up
            return
        key = self.documents.digest(context.query)
        if self.documents.passed(key):
            # No errors: strawberry's validation step sees it done and skips the rules.
            context.pre_execution_errors = []
            yield
            return
        yield
        if context.pre_execution_errors == []:
            self.documents.remember(key)
