"""Starts the modem for a board and runs its loop for ever: modem.main.run(board name)."""
import gc
import sys

from .compat import MPY


def log(text):
    sys.stderr.write("modem: " + text + "\n")


def run(board_name="host", flash_dir=None):
    from . import setup

    board = setup.load(board_name)
    setup.backend_module(board)
    # Code first, then the data buffer in one piece at the top of a tidy heap.
    gc.collect()
    data = bytearray(setup.DATA_SIZE)
    modem = setup.make(board, setup.line(board),
                       board.FLASH_DIR if flash_dir is None else flash_dir, log, data)
    del setup
    sys.modules.pop("modem.setup", None)  # needed once: its code goes back to the heap
    modem.start()
    if MPY:
        gc.collect()
        log("heap: %d bytes in use, %d free" % (gc.mem_alloc(), gc.mem_free()))
    log("ready")
    while True:
        try:
            modem.step(100)
        except KeyboardInterrupt:
            log("stopped")
            return
        except Exception as e:  # the loop never dies: log, tell the host, go on
            modem.failed(e)
