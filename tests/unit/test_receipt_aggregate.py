"""Receipt: proof that a keyed command was recorded."""

from __future__ import annotations

from ledger.receipt import Receipt
from tests.support.aggregates import only_event


def test_issuing_a_receipt_records_receipt_issued_with_command_and_result() -> None:
    receipt = Receipt.issue(
        key="key-1", command="register_city", result='"taizhou-zj"', fingerprint="f" * 64, at=None
    )

    event = only_event(receipt, Receipt.ReceiptIssued)
    assert (event.key, event.command, event.result) == ("key-1", "register_city", '"taizhou-zj"')
    assert event.originator_id == Receipt.key_id("key-1")


def test_receipt_ids_depend_only_on_the_key() -> None:
    assert Receipt.key_id("key-1") == Receipt.key_id("key-1")
    assert Receipt.key_id("key-1") != Receipt.key_id("key-2")
