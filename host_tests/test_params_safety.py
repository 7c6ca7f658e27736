"""The saved parameters and the ones in use never part: ATZ with no heap to read the flash
with, a load cut short, AT&F whose save fails. (CPython: the failures are injected in json
and os, which stay loaded while the modem's feature modules come and go.)"""
import json
import os

import pytest
from kit import Rig

OK = b"\r\nOK\r\n"


@pytest.fixture
def r(tmp_path):
    rig = Rig(str(tmp_path / "flash"))
    yield rig
    rig.close()


def shown(r):
    return [r.send(q) for q in ("AT#VGPRS", "AT#VFTP", "AT#VTCP=1", "AT#VTCP=2")]


def set_some(r):
    for c in ('AT#APNSERV="apn.example"', 'AT#FTPSERV="ftp.example"', 'AT#TCPSERV=2,"h.example"',
              "AT#TCPPORT=2,2000", "AT#GPRSCID=3"):
        assert r.send(c) == OK, c


def test_atz_with_no_heap_for_the_flash_keeps_the_saved_values(r, monkeypatch):
    set_some(r)
    before = shown(r)
    r.send("AT+CMEE=0")

    def no_heap(*a, **k):
        raise MemoryError

    monkeypatch.setattr(json, "loads", no_heap)
    assert r.send("ATZ") == OK
    assert r.send("AT") == b"AT\r" + OK  # echo on again: the session is reset all the same
    r.send("ATE0")
    monkeypatch.undo()
    assert shown(r) == before
    assert r.send("AT+CMEE?") == b"\r\n+CMEE: 1\r\n" + OK


def test_a_load_cut_short_changes_no_value(r, monkeypatch):
    """Parsed first, applied after: a MemoryError in the middle of applying leaves each value
    either reloaded or as it was, the same thing (every change is saved)."""
    set_some(r)
    before = shown(r)
    from modem import schema

    row = schema.row
    calls = []

    def cut_row(name):  # the heap runs out on the eighth value
        calls.append(name)
        if len(calls) == 8:
            raise MemoryError
        return row(name)

    monkeypatch.setattr(schema, "row", cut_row)
    assert r.send("ATZ") == OK
    r.send("ATE0")
    monkeypatch.undo()
    assert calls and shown(r) == before


def test_at_f_whose_save_fails_keeps_the_old_values_in_use_and_in_flash(r, monkeypatch):
    set_some(r)
    before = shown(r)

    def broken(*a):
        raise OSError(28)  # no space left

    monkeypatch.setattr(os, "rename", broken)
    assert r.send("AT&F") == b"\r\n#CME ERROR: 34824\r\n"
    monkeypatch.undo()
    assert shown(r) == before
    assert shown(r.restart()) == before
