"""Illustrative 2023 reference ledger: generator, calibration and input data."""
