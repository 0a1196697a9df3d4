"""Persistence adapters: database settings and the recorders that add record time."""
