"""Power cut at every step of a save on a filesystem that gives no atomic writes.

littlefs (device_tests/test_power_loss.py) commits a file only on close; a POSIX disk or a
FAT card does not. Here every byte written, every flush, close and rename is a step, and the
power is cut before each one in turn: what is on disk then must load as the complete old
set or the complete new one.
"""
import os
import types

from modem.params import Params


class Cut(Exception):
    pass


class Steps:
    def __init__(self, cut_at):
        self.cut_at = cut_at
        self.n = 0

    def step(self):
        if self.n == self.cut_at:
            raise Cut()
        self.n += 1


class StepFile:
    """An unbuffered file: each byte reaches the disk as it is written."""

    def __init__(self, steps, path, mode):
        self.steps = steps
        self.f = open(path, mode, buffering=0) if "b" in mode and (
            "w" in mode or "a" in mode) else open(path, mode)

    def write(self, data):
        for i in range(len(data)):
            self.steps.step()
            self.f.write(bytes(data[i:i + 1]))
        return len(data)

    def read(self, *a):
        return self.f.read(*a)

    def flush(self):
        self.steps.step()

    def fileno(self):
        return self.f.fileno()

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()  # a crash leaves the bytes written so far, as a real disk would
        if exc[0] is None:
            self.steps.step()


def faulty(monkeypatch, steps):
    fake_os = types.SimpleNamespace(
        rename=lambda a, b: (steps.step(), os.rename(a, b)),
        stat=os.stat, mkdir=os.mkdir, remove=lambda p: (steps.step(), os.remove(p)),
        rmdir=os.rmdir, fsync=lambda fd: steps.step())
    from modem import store

    where = store.Store.save.__globals__
    monkeypatch.setitem(where, "os", fake_os)
    monkeypatch.setitem(where, "open", lambda p, m="r": StepFile(steps, p, m))


def test_a_cut_at_every_step_of_a_save_leaves_the_old_or_the_new_set(tmp_path, monkeypatch):
    folder = str(tmp_path / "flash")
    p = Params(folder)
    p.defaults()
    p.values["APNSERV"] = "old.apn"
    p.save()
    old = dict(p.values)
    image = open(folder + "/params.gpx", "rb").read()

    k = 0
    outcomes = {"old": 0, "new": 0}
    while True:
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))
        open(folder + "/params.gpx", "wb").write(image)
        p = Params(folder)
        p.load()
        p.values["APNSERV"] = "new.apn.example.com"
        p.values["TCPPORT"] = [1025, 2000]
        new = dict(p.values)
        steps = Steps(k)
        with monkeypatch.context() as m:
            faulty(m, steps)
            try:
                p.save()
                done = True
            except Cut:
                done = False
        got = Params(folder)
        got.load()
        if got.values == old:
            outcomes["old"] += 1
        elif got.values == new:
            outcomes["new"] += 1
        else:
            raise AssertionError("cut at step %d: neither old nor new: %r" % (k, got.values))
        if done:
            assert got.values == new
            break
        k += 1
    assert k > 400  # every byte of the file was a place to cut
    # the last step, the journal dropped, comes after the rename: cut there, the new set
    assert outcomes["old"] == k - 1 and outcomes["new"] == 2


def test_a_cut_at_every_byte_of_a_journal_record_leaves_the_old_or_the_new_value(
        tmp_path, monkeypatch):
    folder = str(tmp_path / "flash")
    p = Params(folder)
    p.set("APNSERV", 0, [("old.apn", True)])  # the file, written whole
    p.set("TCPPORT", 2, [("1025", False)])  # a record of the journal
    images = dict((n, open(os.path.join(folder, n), "rb").read()) for n in os.listdir(folder))
    assert sorted(images) == ["params.gpx", "params.gpx.j"]
    p.load()
    old = dict(p.values)

    k = 0
    seen = []
    while True:
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))
        for name, data in images.items():
            open(os.path.join(folder, name), "wb").write(data)
        p = Params(folder)
        p.load()
        steps = Steps(k)
        with monkeypatch.context() as m:
            faulty(m, steps)
            try:
                p.set("APNSERV", 0, [("new.apn.example.com", True)])
                done = True
            except Exception:  # the cut, seen as a failed save (49155)
                done = False
        new = dict(old, APNSERV="new.apn.example.com")
        got = Params(folder)
        got.load()
        if got.values in (old, new):
            seen.append(got.values == new)
        else:
            raise AssertionError("cut at step %d: neither old nor new: %r" % (k, got.values))
        if done:
            assert got.values == new
            assert os.path.getsize(os.path.join(folder, "params.gpx")) == \
                len(images["params.gpx"])  # only the record was written
            break
        k += 1
    assert k > 30  # every byte of the record was a place to cut
    # old until the record's last byte is written, new from then on (the flush, the sync)
    assert seen == sorted(seen) and seen.count(False) > 30, seen


def test_a_missing_folder_is_made_and_a_missing_file_means_defaults(tmp_path):
    p = Params(str(tmp_path / "a" / "b"))
    assert p.load() == "missing"
    assert p.values["GPRSCID"] == 1
    p.values["GPRSCID"] = 2
    p.save()
    q = Params(str(tmp_path / "a" / "b"))
    assert q.load() == "ok" and q.values["GPRSCID"] == 2


def test_a_truncated_file_is_corrupt_and_kept_aside(tmp_path):
    folder = str(tmp_path)
    p = Params(folder)
    p.defaults()
    p.values["APNUN"] = "u"
    p.save()
    data = open(folder + "/params.gpx", "rb").read()
    open(folder + "/params.gpx", "wb").write(data[:-5])
    q = Params(folder)
    assert q.load() == "corrupt"
    assert q.values["APNUN"] == ""
    assert open(folder + "/params.gpx.bad", "rb").read() == data[:-5]
