"""Runs before main.py on a board: nothing to do yet (the REPL stays on USB)."""
