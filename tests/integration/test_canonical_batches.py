"""A batch's canonical bytes, worked out in one encoding, are each record's own."""

from __future__ import annotations

import pytest

from cityledger.bootstrap import Runtime
from ledger.chain import canonical
from ledger.records import with_canonical

pytestmark = pytest.mark.both_backends


def test_canonical_bytes_of_a_batch_are_what_each_record_hashes(world: Runtime) -> None:
    head = world.ledger.head()
    one_by_one = [
        canonical(r.position, r.originator_id, r.originator_version, r.topic, r.stored)
        for r in world.ledger.records(after=0, limit=head)
    ]
    batch = world.ledger.records(after=0, limit=head)
    # One record read already: the batch keeps what it holds and works out the rest.
    assert batch[7].canonical == one_by_one[7]
    with_canonical(batch)
    # Each record holds its bytes now, none left to work out one by one when first read.
    assert [vars(r).get("canonical") for r in batch] == one_by_one
    assert len(one_by_one) == head > 100
