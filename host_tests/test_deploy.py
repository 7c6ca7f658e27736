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


def test_no_watchdog_unless_the_board_asks_for_one():
    fm = firmware_main()
    for board in ["host"] + sorted(BOARDS):
        assert fm.watchdog(board) is None  # WDT_MS None: machine is never imported


def test_a_board_with_wdt_ms_gets_a_watchdog_fed_before_each_step(monkeypatch):
    import types

    import boards.pico_w
    from modem.core import Modem

    fed = []

    class WDT:
        def __init__(self, timeout):
            self.timeout = timeout

        def feed(self):
            fed.append(self.timeout)

    monkeypatch.setattr(boards.pico_w, "WDT_MS", 8000, raising=False)
    monkeypatch.setattr(Modem, "step", lambda self, ms: "stepped")  # restored after
    monkeypatch.setitem(sys.modules, "machine", types.SimpleNamespace(WDT=WDT))
    wdt = firmware_main().watchdog("pico_w")
    assert wdt.timeout == 8000
    assert Modem.step(None, 100) == "stepped" and fed == [8000]


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
