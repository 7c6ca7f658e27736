"""Entry point: on a board after boot.py; on a computer via tools/sim.py (make run)."""
import os

from modem import main

_env = getattr(os, "getenv", lambda name: None)  # boards have no environment
main.run(_env("MODEM_BOARD") or "host", _env("MODEM_FLASH"))
