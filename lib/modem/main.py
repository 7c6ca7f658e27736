"""Starts the modem for a board and runs its loop for ever: modem.main.run(board name)."""
import gc
import sys

from .compat import MPY


def log(text):
    sys.stderr.write("modem: " + text + "\n")


def boot(board_name="host", flash_dir=None, port=None, logger=log):
    """The modem for a board, started, on port (the board's line if None): setup.boot,
    whose code goes back to the heap after (the package holds it too)."""
    from . import setup

    modem = setup.boot(board_name, flash_dir, port, logger)
    del setup
    sys.modules.pop("modem.setup", None)
    delattr(sys.modules["modem"], "setup")
    from .commands import OVERLAYS, spare, unload

    unload(modem.params)
    # Each feature module loaded once and dropped: the names it interns (qstrs, never freed)
    # go to the bottom of the heap now, not into the spare piece when it is first lent to it
    # (the spare would then never be had again).
    for mod in OVERLAYS:
        __import__("modem." + mod)
        unload(modem.params)
    # The pump's code then its 2 KiB of buffers, while the heap is still in one piece
    # (loaded later, it would sit among a feature module's code and split the heap); then
    # the spare piece of heap that each feature module gets as it loads (commands.spare).
    modem.data_pump()
    spare()
    return modem


def run(board_name="host", flash_dir=None):
    modem = boot(board_name, flash_dir)
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
            try:
                modem.failed(e)
            except Exception:
                pass  # nothing more can be done for this one; the loop goes on
