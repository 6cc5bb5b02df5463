"""On the reference ledger, what `publish` reads from the read models is what one fold of the
whole log gives, at every publication, the head and random positions of every edition."""

from __future__ import annotations

from cityledger.bootstrap import Runtime
from tests.support.publication_fold import assert_same_facts


def test_reference_ledger_facts_equal_the_fold_of_the_whole_log(loaded: Runtime) -> None:
    assert assert_same_facts(loaded, seed=12, samples=1) > 20
