"""Read side of cityledger: point-in-time rankings and read models in SQLite."""
