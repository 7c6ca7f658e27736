"""The modem's heap right after boot, under the MicroPython unix port: `micropython
boot_heap.py [IMAGE [all]]` prints "heap IN_USE FREE" (bytes), then micropython.qstr_info()
(the interned names). With IMAGE (a ROMFS image, build/rom/modem.romfs) the code runs from
it, as frozen firmware does; its own bytes, read into the heap first, are left out of
IN_USE. With all, every module of the modem is imported after boot before the names are
counted: what they can come to, which the Makefile keeps for sim.rom_heap. Run in build/rom
or build/x64 (tools/bench.py, the Makefile); not firmware."""
import gc
import os
import sys

pinned = 0
if len(sys.argv) > 1:
    from romboot import mount  # build/rom's, found from the folder it runs in

    mount(sys.argv[1])
    gc.collect()
    pinned = gc.mem_alloc()


class Line:
    """A line nobody types on, that takes everything."""
    pollable = wpollable = None

    def readinto(self, mv, n=-1):
        return 0

    def write(self, mv, off=0, n=-1):
        return len(mv) - off if n < 0 else n

    def set_baud(self, baud):
        pass


from modem import main  # noqa: E402

m = main.boot("host", os.getenv("MODEM_FLASH") or "/tmp/gpx-boot-heap", Line(),
              lambda text: None)
gc.collect()
print("heap %d %d" % (gc.mem_alloc() - pinned, gc.mem_free()))
if sys.argv[2:] == ["all"]:
    for name in os.listdir("/rom/modem"):
        if name.endswith(".mpy") and name not in ("net_wlan.mpy", "net_ppp.mpy", "uart.mpy",
                                                   "dlepy.mpy", "_cpython.mpy"):
            # (three need a board's machine, network; the modem never loads dlepy where
            # it has viper, nor _cpython, CPython's side)
            __import__("modem." + name[:-4])
# then the interned names' line ("... n_total_bytes=N"): frozen firmware keeps them in flash,
# a ROMFS or a .mpy interns them in the heap
import micropython  # noqa: E402

micropython.qstr_info()
