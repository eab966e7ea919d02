"""The runner: read → validate → plan → journal → execute → report, and resume."""
