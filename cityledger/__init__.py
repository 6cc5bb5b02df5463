"""Wiring of cityledger: the runtime that joins the ledger, the read models and the follower."""
