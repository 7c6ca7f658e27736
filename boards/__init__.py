"""Board data modules: one per board, read by modem.board.load()."""
