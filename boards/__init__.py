"""Board data modules: one per board, read by modem.main.load()."""
