"""Speed and memory benchmarks of cityledger (`make bench`); targets live here, not in tests."""
