"""The Ledger's use cases, one module per concept."""
