"""Persistence adapters: database settings, the recorders that add record time and the hash
chain, the database guard, verification, and export and restore of the log."""
