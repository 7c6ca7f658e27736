"""Board data modules: one per board, read by modem.setup.load()."""
