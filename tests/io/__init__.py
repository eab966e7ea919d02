"""IO tests."""
