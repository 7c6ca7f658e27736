"""A small file saved atomically with a checksum: the parameters' home in flash.

Save writes `<name>.tmp`, then renames it over `<name>` (atomic on POSIX and littlefs),
so power lost at any moment leaves the old file or the new one. A file whose checksum
does not match is moved aside to `<name>.bad` for diagnosis, never silently deleted.

Beside it, a journal `<name>.j` of small records appended one at a time (one change each),
each a line with its own checksum: power lost during an append leaves a record that does
not check, which is where the journal ends (littlefs commits an append whole at its sync; a
POSIX file may keep part of it). The owner rewrites the file whole and drops the journal
when it has grown (Params).
"""
import os
from binascii import crc32

from .compat import const

_MAGIC = b"GPX1 "
# The largest file accepted: a file of every parameter at its longest is well under it. A
# bigger one (or anything that is not a regular file: a folder, a FIFO) is moved aside
# unread, so that no file can make every start run out of heap (a reset loop on a board).
_MAX_SIZE = const(16384)
# A journal bigger than this is not read (its owner rewrites the file before it would be)
MAX_JOURNAL = const(4096)
_S_IFMT = const(0o170000)
_S_IFREG = const(0o100000)

OK = "ok"


class Store:
    def __init__(self, folder, name):
        if folder and not _exists(folder):
            _makedirs(folder)
        self.path = (folder.rstrip("/") + "/" + name) if folder else name
        self.status = "missing"

    def load(self):
        """The saved body (a memoryview of the file read whole), or None if there is none
        or it is broken, too big or not a file (moved aside: status says which)."""
        try:
            st = os.stat(self.path)
        except OSError:
            self.status = "missing"
            return None
        if st[0] & _S_IFMT != _S_IFREG or st[6] > _MAX_SIZE:
            self.aside()
            return None
        try:
            with open(self.path, "rb") as f:
                data = bytearray(st[6])  # in one piece, read in place
                if f.readinto(data) != len(data):
                    raise OSError(5)  # changed under us: a short read
        except OSError:
            self.status = "missing"
            return None
        body = _check(data)
        if body is None:
            self.aside()
            return None
        self.status = OK
        return body

    def aside(self):
        """The file (or whatever has its name) moved to <name>.bad for diagnosis, replacing
        an older one; status corrupt. What cannot be moved is removed: the next save must
        find the name free."""
        self.status = "corrupt"
        bad = self.path + ".bad"
        for drop in (None, bad, self.path):
            if drop is not None:
                _remove(drop)
            try:
                os.rename(self.path, bad)
                return
            except OSError:
                pass

    def save(self, body):
        self.save_parts(lambda: (body,))

    def save_parts(self, parts):
        """Save the body that parts() gives as pieces (bytes): it is called twice, for the
        checksum then for the file, so that no piece of heap the size of the file is needed."""
        crc = size = 0
        for b in parts():
            crc = crc32(b, crc)
            size += len(b)
        tmp = self.path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(b"%s%08x %d\n" % (_MAGIC, crc & 0xFFFFFFFF, size))
            for b in parts():
                f.write(b)
            _sync(f)
        os.rename(tmp, self.path)


    def exists(self):
        return _exists(self.path)

    def append(self, payload):
        """One record (bytes, no newline in it) at the end of the journal, synced."""
        with open(self.path + ".j", "ab") as f:
            f.write(b"%08x " % (crc32(payload) & 0xFFFFFFFF))
            f.write(payload)
            f.write(b"\n")
            _sync(f)

    def records(self):
        """The journal's records that check, in order, up to the first that does not;
        whether the journal ends there cleanly (False: a torn or broken record, or a journal
        too big to read: the owner must rewrite the file before appending); its size."""
        path = self.path + ".j"
        try:
            size = os.stat(path)[6]
        except OSError:
            return [], True, 0
        if size > MAX_JOURNAL:
            return [], False, size
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return [], False, size
        out = []
        for line in data.split(b"\n")[:-1]:
            try:
                crc = int(line[:8], 16)
            except ValueError:
                return out, False, size
            payload = line[9:]
            if line[8:9] != b" " or crc32(payload) & 0xFFFFFFFF != crc:
                return out, False, size
            out.append(payload)
        return out, not data or data.endswith(b"\n"), size

    def drop_journal(self):
        """The journal removed; False if it is still there (it could not be)."""
        _remove(self.path + ".j")
        return not _exists(self.path + ".j")


def _check(data):
    head = bytes(data[:40])  # the header line (bytes: MicroPython's bytearray has no split)
    nl = head.find(b"\n")
    if nl < 0 or not head.startswith(_MAGIC):
        return None
    try:
        crc, size = head[len(_MAGIC):nl].split(b" ")
        crc = int(crc, 16)
        size = int(size)
    except ValueError:
        return None
    body = memoryview(data)[nl + 1:]  # not a copy: the file can be half of a small heap
    if len(body) != size or crc32(body) & 0xFFFFFFFF != crc:
        return None
    return body


def _sync(f):
    f.flush()
    fsync = getattr(os, "fsync", None)
    if fsync is not None:
        try:
            fsync(f.fileno())
        except (AttributeError, OSError):
            pass


def _remove(path):
    for f in (os.remove, os.rmdir):
        try:
            f(path)
            return
        except OSError:
            pass


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def _makedirs(path):
    part = ""
    for name in path.split("/"):
        part = part + name + "/" if part or name else "/"
        if name and not _exists(part):
            os.mkdir(part.rstrip("/"))
