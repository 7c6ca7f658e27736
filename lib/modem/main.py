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
    # The pump's code too: loaded later, it would sit among a feature module's and stay when
    # that one is unloaded, leaving holes no other code fits in.
    from . import pump  # noqa: F401
    # Code first, then the data buffer in one piece at the top of a tidy heap.
    gc.collect()
    data = bytearray(setup.DATA_SIZE)
    modem = setup.make(board, setup.line(board),
                       board.FLASH_DIR if flash_dir is None else flash_dir, log, data)
    modem.data_pump()  # now, not among a feature module's code at the first session
    # needed once: its code goes back to the heap (the package holds it too)
    del setup
    sys.modules.pop("modem.setup", None)
    delattr(sys.modules["modem"], "setup")
    modem.start()
    from .commands import settle

    settle(modem)  # what start-up needed (setting, store) back to the heap
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
