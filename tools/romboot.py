"""The modem under the MicroPython unix port with its code in ROM, as a board runs it from
frozen firmware or a ROMFS: bytecode and its constants are used where they lie, and only
the objects the code makes take heap.

Run by tools/sim.py (--rom) as `micropython -X heapsize=H -m romboot IMAGE` in build/rom/.
IMAGE is build/x64 as a ROMFS image (tools/deploy.py romfs). Its bytes are read into one
piece at the bottom of the heap, the first allocation and never freed: they stand where a
board's flash would, and sim.py gives the process that much more heap (sim.rom_heap)."""
import os
import sys
import vfs



def mount(image):
    """The ROMFS image read into one piece of the heap (the first allocation, never freed)
    and mounted at /rom, the only place modules are found; its size."""
    n = os.stat(image)[6]
    rom = bytearray(n)
    with open(image, "rb") as f:
        f.readinto(rom)
    vfs.mount(vfs.VfsRom(rom), "/rom")
    sys.path[:] = ["/rom"]
    return n


def _uint(b, i):
    """A .mpy's variable-length unsigned integer at b[i]: (value, index after it)."""
    v = 0
    while True:
        c = b[i]
        i += 1
        v = (v << 7) | (c & 0x7F)
        if not c & 0x80:
            return v, i


def intern_names():
    """The names of the modem's modules interned now, as frozen firmware has them in flash
    from the start. The unix port keeps a ROMFS module's names in pools in the heap that it
    grows in steps (the last one takes some KB in one piece); grown here, at boot, they lie
    at the bottom of the heap next to the image, instead of needing a piece that big in the
    middle of a session (sim.rom_heap gives the process room for them: rom_names). The names
    are read from each .mpy's table of them (format 6), no module is run."""
    import gc

    skip = ("net_wlan.mpy", "net_ppp.mpy", "uart.mpy", "dlepy.mpy",
            "_cpython.mpy")  # as boot_heap.py
    files = ["/rom/main.mpy"] + ["/rom/modem/" + n for n in os.listdir("/rom/modem")
                                 if n.endswith(".mpy") and n not in skip]
    # One buffer for every file, and a collection after each name: what the pools and the
    # names' characters take stays in one piece at the bottom of the heap (garbage between
    # them would leave them scattered, the heap in pieces too small for a session's buffers).
    b = bytearray(max(os.stat(p)[6] for p in files))
    mv = memoryview(b)

    def intern(name):
        getattr(None, name, None)
        gc.collect()

    for path in files:
        intern(path)  # the names an import makes: the file's and the module's
        intern(path[5:-4].replace("/", "."))
        with open(path, "rb") as f:
            f.readinto(b)
        if b[0] != 0x4D or b[1] != 6:
            continue  # not a format this reads: its names are interned when it loads
        i = 4
        if b[2] & 0x40:  # the architecture's flags
            i = _uint(b, i)[1]
        n, i = _uint(b, i)
        i = _uint(b, i)[1]  # the constant objects, after the names
        for _ in range(n):
            k, i = _uint(b, i)
            if k & 1:
                continue  # one of the interpreter's own names, already in ROM
            k >>= 1
            intern(str(mv[i:i + k], "utf-8"))
            i += k + 1


if __name__ == "__main__":
    _n = mount(sys.argv[1])
    intern_names()
    # the heap figures (the log's, AT#VMEM's) count the image: sim.rom_pinned() bytes of them
    sys.stderr.write("modem: code in ROM, a %d-byte image in the heap's figures\n" % _n)
    import main  # firmware/main.py, from the image

    main.guard(lambda: main.start(os.getenv, {}), main._restart, main._pause, main._log)
