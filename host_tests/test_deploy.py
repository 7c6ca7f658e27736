"""tools/deploy.py without a board (--dry-run), and firmware/main.py's board name and crash
guard: what would be copied is the whole package, compiled for the board's chip, and
nothing else."""
import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOARDS = {"pico_w": "armv6m", "esp32_devkit": "xtensawin", "esp32_sim7600": "xtensawin"}
# The arch field of an .mpy header (py/persistentcode.h, MP_NATIVE_ARCH_*): byte 2 >> 2.
ARCH_CODES = {"armv6m": 4, "xtensawin": 10}
CPYTHON_ONLY = {"_cpython.py"}
NOT_SHIPPED = ("host_tests/", "device_tests/", "tools/", "boards/host")


def dry_run(*args):
    out = subprocess.run([sys.executable, "tools/deploy.py"] + list(args) + ["--dry-run"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def deploy_plan(board):
    """{path on the board: staged file} and the mpremote command lines, from the dry run."""
    files, cmds = {}, []
    for line in dry_run("deploy", "--board", board, "--port", "/dev/nonexistent").splitlines():
        if " -> :" in line:
            staged, dest = line.split(" -> :")
            files[dest] = staged.strip()
        else:
            cmds.append(line)
    return files, "\n".join(cmds)


@pytest.fixture(scope="module", params=sorted(BOARDS))
def plan(request):
    return request.param, deploy_plan(request.param)


def test_every_modem_module_is_copied_compiled_and_nothing_else_from_lib(plan):
    board, (files, _) = plan
    modules = {n for n in os.listdir(os.path.join(ROOT, "lib", "modem")) if n.endswith(".py")}
    want = {"lib/modem/" + n[:-3] + ".mpy" for n in modules - CPYTHON_ONLY}
    assert {d for d in files if d.startswith("lib/modem/")} == want


def test_the_board_module_board_txt_main_and_boot_are_copied(plan):
    board, (files, _) = plan
    assert {d for d in files if not d.startswith("lib/modem/")} == {
        "lib/boards/__init__.mpy", "lib/boards/%s.mpy" % board, "board.txt", "main.py",
        "boot.py"}
    assert files["main.py"] == "firmware/main.py"
    assert files["boot.py"] == "firmware/boot.py"
    with open(os.path.join(ROOT, files["board.txt"])) as f:
        assert f.read().strip() == board


def test_nothing_from_the_tests_or_tools_is_copied(plan):
    board, (files, cmds) = plan
    for dest, staged in files.items():
        assert not staged.startswith(NOT_SHIPPED), staged
        assert not dest.startswith(NOT_SHIPPED), dest
    for part in NOT_SHIPPED[:3]:
        assert " " + part not in cmds


def test_the_mpy_files_are_compiled_for_the_boards_chip(plan):
    board, (files, _) = plan
    arch = ARCH_CODES[BOARDS[board]]
    native = set()
    for dest, staged in files.items():
        if not dest.endswith(".mpy"):
            continue
        with open(os.path.join(ROOT, staged), "rb") as f:
            head = f.read(4)
        assert head[:2] == b"M\x06", staged  # mpy version 6
        # bytecode-only modules carry no arch (0); native (viper) ones the board's
        assert head[2] >> 2 in (0, arch), (staged, head)
        if head[2] >> 2 == arch:
            native.add(dest)
    assert "lib/modem/dle.mpy" in native  # the viper codec


def test_the_mpremote_session_copies_every_staged_file_then_resets(plan):
    board, (files, cmds) = plan
    assert "mpremote connect /dev/nonexistent exec" in cmds
    assert cmds.rstrip().endswith("+ reset")
    for dest, staged in files.items():
        assert staged in cmds, staged
    assert "fs cp build/%s/fs/board.txt :board.txt" % board in cmds
    assert "fs cp firmware/main.py :main.py" in cmds


def test_make_deploy_dry_prints_the_same_plan():
    out = subprocess.run(["make", "-s", "deploy", "BOARD=pico_w", "PORT=/dev/nonexistent",
                          "DRY=1"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "-> :lib/boards/pico_w.mpy" in out.stdout
    assert "+ reset" in out.stdout


def test_a_board_without_an_arch_is_refused():
    out = subprocess.run([sys.executable, "tools/deploy.py", "deploy", "--board", "host",
                          "--dry-run"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode != 0
    assert "MPY_ARCH" in out.stderr


def test_dev_mounts_the_tree_and_runs_firmware_main_for_the_board():
    out = dry_run("dev", "--board", "esp32_devkit", "--port", "/dev/ttyUSB0")
    assert "mpremote connect /dev/ttyUSB0 mount . exec" in out
    assert 'MODEM_BOARD = "esp32_devkit"' in out
    assert out.rstrip().endswith("run firmware/main.py")


def test_device_test_installs_unittest_and_runs_device_tests():
    out = dry_run("device-test", "--port", "/dev/ttyUSB0")
    assert "mip install unittest" in out
    assert "mount . exec" in out and "import run" in out


def test_size_gives_each_module_and_the_totals_for_both_chips():
    out = subprocess.run([sys.executable, "tools/deploy.py", "size"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0].split() == ["module", "armv6m", "xtensawin"]
    total = [line.split() for line in out if line.startswith("total")][0]
    rows = [line.split() for line in out[1:] if not line.startswith("total")]
    assert len(rows) == len([n for n in os.listdir(os.path.join(ROOT, "lib", "modem"))
                             if n.endswith(".py") and n not in CPYTHON_ONLY])
    for col in (1, 2):
        assert int(total[col]) == sum(int(r[col]) for r in rows) > 0


# ---- firmware/main.py ----

def firmware_main():
    spec = importlib.util.spec_from_file_location(
        "firmware_main", os.path.join(ROOT, "firmware", "main.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # not __main__: defines, runs nothing
    return mod


def test_board_name_comes_from_env_then_mpremote_then_board_txt(tmp_path, monkeypatch):
    fm = firmware_main()
    assert fm.board_name({"MODEM_BOARD": "pico_w"}.get, {}) == "pico_w"
    assert fm.board_name(lambda k: None, {"MODEM_BOARD": "esp32_devkit"}) == "esp32_devkit"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "board.txt").write_text("esp32_sim7600\n")
    assert fm.board_name(lambda k: None, {}) == "esp32_sim7600"
    (tmp_path / "board.txt").unlink()
    assert fm.board_name(lambda k: None, {}) == "host"  # linux: no usual board
    monkeypatch.setattr(fm.sys, "platform", "rp2")
    assert fm.board_name(lambda k: None, {}) == "pico_w"


def test_a_crash_escaping_the_modem_is_logged_and_the_modem_restarted():
    fm = firmware_main()
    runs, logged, pauses, restarts = [], [], [], []

    def run():
        runs.append(1)
        if len(runs) < 3:
            raise ValueError("boom %d" % len(runs))
        return "stopped"

    assert fm.guard(run, lambda: restarts.append(1), pauses.append, logged.append) == "stopped"
    assert [str(e) for e in logged] == ["boom 1", "boom 2"]
    assert len(restarts) == 2 and pauses == [fm._PAUSE_MS] * 2


class FakeMachine:
    """machine.WDT and machine.Timer as the firmware uses them, recording."""

    def __init__(self):
        self.wdts, self.timers = [], []
        fm = self

        class WDT:
            def __init__(self, timeout):
                self.timeout = timeout
                self.fed = 0
                fm.wdts.append(self)

            def feed(self):
                self.fed += 1

        class Timer:
            PERIODIC = 1

            def __init__(self, id):
                self.id = id
                self.running = False
                fm.timers.append(self)

            def init(self, period, mode, callback):
                self.period, self.mode, self.callback = period, mode, callback
                self.running = True

            def deinit(self):
                self.running = False

        self.WDT, self.Timer = WDT, Timer


def firmware_boot():
    spec = importlib.util.spec_from_file_location(
        "boot", os.path.join(ROOT, "firmware", "boot.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # not __main__: defines, starts nothing
    return mod


@pytest.fixture
def pico(monkeypatch):
    """boards.pico_w with a fake machine and boot.py importable; its run-time attributes
    (wdt, timer, kick) removed and Modem.step restored after the test."""
    import boards.pico_w

    from modem.core import Modem

    machine = FakeMachine()
    monkeypatch.setitem(sys.modules, "machine", machine)
    monkeypatch.setitem(sys.modules, "boot", firmware_boot())
    monkeypatch.setattr(Modem, "step", Modem.step)
    yield boards.pico_w, machine
    for k in ("wdt", "timer", "kick", "hold"):
        if hasattr(boards.pico_w, k):
            delattr(boards.pico_w, k)


def started(board, monkeypatch):
    """firmware/main.py's start() for board, the modem's loop replaced by one that returns."""
    import modem.main

    monkeypatch.setattr(modem.main, "run", lambda name, flash: None)
    firmware_main().start({"MODEM_BOARD": board}.get, {})


def test_no_watchdog_unless_the_board_asks_for_one(pico, monkeypatch):
    board, machine = pico
    started("host", monkeypatch)
    monkeypatch.setattr(board, "WDT_MS", None)
    started("pico_w", monkeypatch)
    assert machine.wdts == [] and not hasattr(board, "kick")
    monkeypatch.setitem(sys.modules, "boot", None)  # out of reach, as under make dev
    monkeypatch.setattr(board, "WDT_MS", 8000)
    started("pico_w", monkeypatch)
    assert machine.wdts == [] and not hasattr(board, "kick")


def test_boot_starts_the_watchdog_fed_by_a_timer(pico):
    board, machine = pico
    sys.modules["boot"].at_boot("pico_w")
    (wdt,), (timer,) = machine.wdts, machine.timers
    assert board.wdt is wdt and wdt.timeout == board.WDT_MS == 8000
    assert timer.running and timer.period == 1000 and timer.mode == machine.Timer.PERIODIC
    assert timer.id == -1  # linux: not a port with hardware timers
    timer.callback(timer)
    assert wdt.fed == 1


def test_a_name_lookup_has_the_watchdog_fed_by_a_timer_for_30_s_at_most(pico):
    board, machine = pico
    boot = sys.modules["boot"]
    boot.at_boot("pico_w")
    boot.take(board, machine)
    (wdt,) = machine.wdts
    fed = wdt.fed
    end = board.hold()  # what sockets.resolve calls before getaddrinfo
    timer = machine.timers[-1]
    assert timer.running and timer.period == 1000 and wdt.fed == fed + 1
    for _ in range(100):  # 100 s of a lookup that never ends: fed for 30 s, then not
        timer.callback(timer)
    assert wdt.fed == fed + 1 + 30
    end()
    assert not timer.running


def test_boot_leaves_a_board_without_wdt_ms_alone(pico, monkeypatch):
    board, machine = pico
    monkeypatch.setattr(board, "WDT_MS", None)
    sys.modules["boot"].at_boot("pico_w")
    assert machine.wdts == [] and machine.timers == [] and not hasattr(board, "wdt")


def test_the_modem_takes_the_watchdog_over_feeds_it_each_step_and_gives_it_back(
        pico, monkeypatch):
    import types

    import modem.main
    from modem.core import Modem
    from modem.wait import Wait

    board, machine = pico
    boot = sys.modules["boot"]
    boot.at_boot("pico_w")
    (wdt,), (timer,) = machine.wdts, machine.timers
    seen = {}

    def run(name, flash):  # the modem's loop, two steps, then Ctrl-C
        seen["timer"] = timer.running
        seen["kick"] = board.kick
        # a bare modem: a step gets no further than its wait (the kick), then its line
        m = types.SimpleNamespace(w=Wait(board.kick), port=types.SimpleNamespace(pollable=None),
                                  listener=None, _fed=False)
        steps = []
        for _ in range(2):
            try:
                Modem.step(m, 100)
            except AttributeError:
                pass
            steps.append(wdt.fed)
        seen["steps"] = steps
        raise KeyboardInterrupt

    monkeypatch.setattr(modem.main, "run", run)
    firmware_main().start({"MODEM_BOARD": "pico_w"}.get, {})
    assert seen == {"timer": False, "kick": wdt.feed, "steps": [1, 2]}  # fed before each
    assert machine.wdts == [wdt]  # the same watchdog: not made twice
    (_, again) = machine.timers
    assert again.running and not timer.running  # Ctrl-C: a timer feeds it again
    again.callback(again)
    assert wdt.fed == 3


def test_without_boot_the_modem_starts_the_watchdog_itself(pico):
    board, machine = pico
    sys.modules["boot"].take(board)
    (wdt,) = machine.wdts
    assert board.kick == wdt.feed and wdt.timeout == 8000 and machine.timers == []


def test_a_modem_made_for_the_board_feeds_through_its_wait(pico, tmp_path, monkeypatch):
    import modem.main

    board, machine = pico
    machine.Pin = Pin
    machine.RTC = lambda: None
    monkeypatch.setattr(board, "NETWORK", "host")  # no network module on a computer
    sys.modules["boot"].take(board)
    (wdt,) = machine.wdts
    m = modem.main.make(board, None, str(tmp_path), None)
    for _ in m.w.poll(0):
        pass
    assert wdt.fed == 1
    m.w.sleep(1)
    assert wdt.fed >= 2


class Pin:
    OUT, IN, PULL_UP = 1, 0, 1

    def __init__(self, id, mode, pull=None, value=None):
        self.v = 0 if value is None else value

    def value(self, v=None):
        if v is None:
            return self.v
        self.v = v


def test_every_board_sets_a_watchdog_its_chip_can_have_and_a_lookup_can_not_trip():
    lookup_ms = firmware_boot()._LOOKUP_MS
    for board in BOARDS:
        mod = __import__("boards." + board, None, None, ("x",))
        if mod.MPY_ARCH == "armv6m":  # rp2: at most 8388; boot.hold's timer feeds lookups
            assert 1000 <= mod.WDT_MS <= 8388, board
        else:  # esp32: no timer runs while a lookup blocks, the watchdog must outlast it
            assert mod.WDT_MS >= lookup_ms, board


def test_the_frozen_manifest_takes_the_package_every_board_and_main(monkeypatch):
    """firmware/manifest.py run as tools/manifestfile.py runs it (from its folder), against
    a recorder; the board has no manifest.py of its own, so the port's is included."""
    calls = []

    def include(path):
        calls.append(("include", path))
        if "$(BOARD_DIR)" in path:
            raise Exception("Error in manifest file: %s: [Errno 2] No such file" % path)

    def package(name, files=None, base_path="."):
        for f in files:
            assert os.path.exists(os.path.join(base_path, name, f)), f
        calls.append(("package", name, tuple(files), base_path))

    def module(path, base_path="."):
        assert os.path.exists(os.path.join(base_path, path))
        calls.append(("module", path))

    monkeypatch.chdir(os.path.join(ROOT, "firmware"))
    with open("manifest.py") as f:
        exec(f.read(), {"include": include, "package": package, "module": module})
    modules = sorted(n for n in os.listdir(os.path.join(ROOT, "lib", "modem"))
                     if n.endswith(".py") and n not in CPYTHON_ONLY)
    assert calls == [
        ("include", "$(BOARD_DIR)/manifest.py"),
        ("include", "$(PORT_DIR)/boards/manifest.py"),
        ("package", "modem", tuple(modules), "../lib"),
        ("package", "boards", ("__init__.py",) + tuple(sorted(b + ".py" for b in BOARDS)),
         ".."),
        ("module", "main.py"),
    ]
