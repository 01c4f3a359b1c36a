"""Reconciling on-chain custody with the database and the ledger that proves it."""
