"""Write side of cityledger: events, aggregates and the Ledger application service."""
