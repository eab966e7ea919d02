"""Reports built from the run journal: results, errors, undo and summary."""
