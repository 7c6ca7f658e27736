"""Power lost during a save leaves the complete old parameter set or the complete new one.

Under the MicroPython unix port the parameters live on littlefs (vfs.VfsLfs2) over a RAM
block device, as on a board. Power is cut at every block write or erase of a save in turn:
from that point the device writes nothing more; then the filesystem is mounted again.
"""
import unittest

from modem.params import Params

try:
    import vfs
except ImportError:
    vfs = None

_MNT = "/gpxlfs"


class CutBdev:
    """A RAM block device (littlefs's extended interface) that can lose power. Each block is
    a bytearray of its own (data[n]), not one piece for the whole device: 48 blocks in one
    piece are 12 KB, which a board may not have in one block once the suite has fragmented
    its heap. littlefs reads and writes within one block (lfs_bd_read and lfs_bd_prog never
    cross one)."""

    def __init__(self, blocks, image=None):
        self.bs = 256
        self.blocks = blocks
        if image:  # another device's data (a list of blocks), copied
            self.data = [bytearray(b) for b in image]
        else:
            self.data = [bytearray(b"\xff" * self.bs) for _ in range(blocks)]
        self.cut_at = -1  # count of writes/erases after which power is gone; -1 never
        self.ops = 0

    def _alive(self):
        if self.cut_at < 0:
            return True
        self.ops += 1
        return self.ops <= self.cut_at

    def readblocks(self, n, buf, off=0):
        buf[:] = self.data[n][off:off + len(buf)]

    def writeblocks(self, n, buf, off=0):
        if self._alive():
            self.data[n][off:off + len(buf)] = buf

    def ioctl(self, op, arg):
        if op == 4:
            return self.blocks
        if op == 5:
            return self.bs
        if op == 6:
            if self._alive():
                self.data[arg][:] = b"\xff" * self.bs
            return 0
        return 0


def values(p):
    return dict((k, v if not isinstance(v, list) else list(v)) for k, v in p.values.items())


class PowerLossTest(unittest.TestCase):
    def mount(self, bdev):
        vfs.mount(vfs.VfsLfs2(bdev), _MNT)
        return Params(_MNT)

    def test_a_cut_at_every_write_of_a_save_leaves_the_old_or_the_new_set(self):
        # In the test, not in setUp: micropython-lib's unittest runs setUp outside its try.
        if vfs is None or not hasattr(vfs, "VfsLfs2"):
            self.skipTest("no littlefs in this runtime")
        base = CutBdev(48)
        vfs.VfsLfs2.mkfs(base)
        p = self.mount(base)
        p.defaults()
        p.values["APNSERV"] = "old.apn"
        p.values["TCPPORT"] = [1025, 2000]
        p.save()
        old = values(p)
        vfs.umount(_MNT)
        image = [bytes(b) for b in base.data]

        k = 0
        seen_old = seen_new = 0
        while True:
            dev = CutBdev(48, image)
            p = self.mount(dev)
            self.assertEqual(p.load(), "ok")
            dev.cut_at = k
            p.values["APNSERV"] = "new.apn.example"
            p.values["TCPPORT"] = [1026, 2001]
            p.values["EGNTPUTC"] = (9, 30)
            try:
                p.save()
            except OSError:
                pass  # the filesystem may notice the lost writes; the cut is what counts
            new = values(p)
            complete = dev.ops <= k  # the save finished before the power went
            vfs.umount(_MNT)

            after = CutBdev(48, dev.data)
            p2 = self.mount(after)
            p2.load()
            got = values(p2)
            vfs.umount(_MNT)
            if got == old:
                seen_old += 1
            elif got == new:
                seen_new += 1
            else:
                self.fail("cut after %d writes: neither old nor new: %r" % (k, got))
            if complete:
                self.assertEqual(got, new)
                break
            k += 1
        self.assertTrue(k > 2, k)  # a save takes several writes: every one was cut
        self.assertTrue(seen_old > 0, seen_old)
        print("power cut at each of %d writes: %d old, %d new" % (k, seen_old, seen_new))

    def test_a_cut_at_every_write_of_a_journal_record_leaves_the_old_or_the_new_value(self):
        if vfs is None or not hasattr(vfs, "VfsLfs2"):
            self.skipTest("no littlefs in this runtime")
        base = CutBdev(48)
        vfs.VfsLfs2.mkfs(base)
        p = self.mount(base)
        p.set("APNSERV", 0, [("old.apn", True)])  # the file, written whole
        p.set("TCPPORT", 1, [("1025", False)])  # a record of the journal
        old = values(p)
        vfs.umount(_MNT)
        image = [bytes(b) for b in base.data]

        k = 0
        seen = []
        while True:
            dev = CutBdev(48, image)
            p = self.mount(dev)
            self.assertEqual(p.load(), "ok")
            self.assertEqual(p.journal, 1)
            dev.cut_at = k
            try:
                p.set("APNSERV", 0, [("new.apn.example", True)])
            except Exception:
                pass  # the filesystem may notice the lost writes (49155)
            complete = dev.ops <= k
            vfs.umount(_MNT)
            p2 = self.mount(CutBdev(48, dev.data))
            p2.load()
            got = values(p2)
            vfs.umount(_MNT)
            new = dict(old)
            new["APNSERV"] = "new.apn.example"
            if got not in (old, new):
                self.fail("cut after %d writes: neither old nor new: %r" % (k, got))
            seen.append(got == new)
            if complete:
                self.assertEqual(got, new)
                break
            k += 1
        self.assertEqual(seen, sorted(seen))  # old, then new once the record is committed
        print("journal record: %d writes (%d cut to old)" % (k, seen.count(False)))


if __name__ == "__main__":
    unittest.main()
