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


if __name__ == "__main__":
    _n = mount(sys.argv[1])
    # the heap figures (the log's, AT#VMEM's) count the image: sim.rom_pinned() bytes of them
    sys.stderr.write("modem: code in ROM, a %d-byte image in the heap's figures\n" % _n)
    import main  # firmware/main.py, from the image

    main.guard(lambda: main.start(os.getenv, {}), main._restart, main._pause, main._log)
