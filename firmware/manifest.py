# Freezes the modem into a MicroPython firmware image (docs/boards.md), e.g. from ports/rp2:
#   make BOARD=RPI_PICO_W FROZEN_MANIFEST=/abs/path/to/firmware/manifest.py
# Run by MicroPython's tools/manifestfile.py, which provides include, package and module;
# relative paths are from this file's folder.
# ruff: noqa: F821
import os

# What the port and board freeze by default (asyncio, networking, ...): the board's own
# manifest where it has one (RPI_PICO_W in some releases), else the port's.
try:
    include("$(BOARD_DIR)/manifest.py")
except Exception as e:
    if "No such file" not in str(e):
        raise
    include("$(PORT_DIR)/boards/manifest.py")


def _sources(folder, leave_out):
    return [n for n in sorted(os.listdir(folder)) if n.endswith(".py") and n != leave_out]


# The package, without CPython's side of modem.compat.
package("modem", files=_sources("../lib/modem", "_cpython.py"), base_path="../lib")

# Every board's data module (a few hundred bytes each): main.py picks one by board.txt, or
# by the port (rp2: pico_w, esp32: esp32_devkit). host.py is the computer's.
package("boards", files=_sources("../boards", "host.py"), base_path="..")

# The entry point: a frozen main.py runs at boot, before one on the filesystem. boot.py is
# not frozen, so the one on the filesystem stays editable.
module("main.py")
