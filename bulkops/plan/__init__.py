"""Pure planning: chunking, diffs and undo."""
