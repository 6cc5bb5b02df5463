"""Fixtures of the trust suite (defined in trust_world)."""

from __future__ import annotations

from tests.trust.trust_world import cli, open_rt, world, world_db, world_template

__all__ = ["cli", "open_rt", "world", "world_db", "world_template"]
