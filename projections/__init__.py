"""Read models kept by tracked projections; each can be rebuilt from the log."""
