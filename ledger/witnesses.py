"""Where the read side keeps its witnesses of the chain: written by the event index, read by verify.

One home for the names, so the writer (projections.event_index) and the reader
(ledger.integrity.verify_log) cannot disagree about them.
"""

from __future__ import annotations

#: The append-only table of first-seen chain hashes (survives a rebuild).
WITNESS_TABLE = "chain_witness"
#: The event index, whose `hash` column is a second (rebuildable) witness.
INDEX_TABLE = "events"
