"""Suyuan trace API: the evidence ledger and the HTTP service over it."""
