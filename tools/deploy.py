"""Puts the modem on a board with mpremote: deploy, dev, device-test and size (see Makefile).

`deploy` compiles lib/modem with mpy-cross for the board's MPY_ARCH into build/<board>/fs/,
a copy of what the board's filesystem will hold, then copies it with mpremote and resets:

    lib/modem/*.mpy      the package (CPython-only modules left out)
    lib/boards/*.mpy     boards/__init__ and the board's data module
    board.txt            the board's name, read by main.py
    main.py, boot.py     firmware/, as source (the board runs them by name)

--dry-run prints every file and every mpremote command, and needs no board.
"""
import argparse
import ast
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".venv", "bin")
ARCHS = ("armv6m", "xtensawin")  # RP2040, ESP32
SKIP = ("_cpython.py",)  # CPython's side of compat: never loaded on a board
BOARD_FILE = "board.txt"  # firmware/main.py reads it


def tool(name):
    path = os.path.join(BIN, name)
    return path if os.path.exists(path) else name


def settings(board):
    """The board module's plain assignments, read without running it (boards are data)."""
    path = os.path.join(ROOT, "boards", board + ".py")
    if not os.path.exists(path):
        raise SystemExit("no board module %s" % os.path.relpath(path, ROOT))
    out = {}
    for node in ast.parse(open(path).read(), path).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                out[target.id] = ast.literal_eval(node.value)
    return out


def modules():
    """lib/modem's modules that go on a board, sorted."""
    d = os.path.join(ROOT, "lib", "modem")
    return sorted(n for n in os.listdir(d) if n.endswith(".py") and n not in SKIP)


def plan(board, arch=None):
    """(source .py, staged file, path on the board) for every file deploy copies; the
    staged .mpy files are compiled by build()."""
    arch = arch or settings(board).get("MPY_ARCH")
    if arch not in ARCHS:
        raise SystemExit("board %s: MPY_ARCH %r is not one of %s" % (board, arch, ARCHS))
    stage = os.path.join("build", board, "fs")
    files = []
    for name in modules():
        mpy = name[:-3] + ".mpy"
        files.append(("lib/modem/" + name, stage + "/lib/modem/" + mpy, "lib/modem/" + mpy))
    for name in ("__init__", board):
        files.append(("boards/%s.py" % name, "%s/lib/boards/%s.mpy" % (stage, name),
                      "lib/boards/%s.mpy" % name))
    files.append((None, stage + "/" + BOARD_FILE, BOARD_FILE))
    for name in ("main.py", "boot.py"):
        files.append(("firmware/" + name, "firmware/" + name, name))
    return files


def build(board, files, arch=None):
    """Compile the staged .mpy files and write board.txt; returns the mpy-cross commands."""
    arch = arch or settings(board).get("MPY_ARCH")
    cmds = []
    for src, staged, _ in files:
        if src is not None and staged.endswith(".mpy"):
            # the module's own name as its source name: one interned name fewer on the board
            name = os.path.splitext(os.path.basename(src))[0]
            cmds.append([tool("mpy-cross"), "-march=" + arch, "-s", name, "-o", staged, src])
    for src, staged, _ in files:
        os.makedirs(os.path.join(ROOT, os.path.dirname(staged)), exist_ok=True)
        if src is None:
            with open(os.path.join(ROOT, staged), "w") as f:
                f.write(board + "\n")
    for cmd in cmds:
        subprocess.run(cmd, cwd=ROOT, check=True)
    return cmds


# Run on the board before the copy: the old package goes (a stale .py would shadow its
# .mpy: MicroPython imports a .py first), and the folders exist afterwards.
_PREPARE = """import os
for d in ("lib", "lib/modem", "lib/boards"):
    try:
        os.mkdir(d)
    except OSError:
        pass
for d in ("lib/modem", "lib/boards"):
    for n in os.listdir(d):
        os.remove(d + "/" + n)
"""


def deploy_commands(port, files):
    """One mpremote session: prepare, copy each folder's files, reset."""
    args = [tool("mpremote"), "connect", port, "exec", _PREPARE]
    folders = {}
    for _, staged, dest in files:
        folder = dest.rsplit("/", 1)[0] + "/" if "/" in dest else ""
        folders.setdefault(folder, []).append((staged, dest))
    for folder in sorted(folders):
        pairs = folders[folder]
        if folder:
            args += ["+", "fs", "cp"] + [s for s, _ in pairs] + [":" + folder]
        else:
            for staged, dest in pairs:
                args += ["+", "fs", "cp", staged, ":" + dest]
    args += ["+", "reset"]
    return [args]


def dev_commands(port, board):
    """The source tree mounted on the board, firmware/main.py run from it (no copy)."""
    setup = 'import sys; sys.path.insert(0, "lib"); MODEM_BOARD = "%s"' % board
    return [[tool("mpremote"), "connect", port, "mount", ".", "exec", setup,
             "run", "firmware/main.py"]]


# device_tests/run.py imported rather than `mpremote run`: it finds the tests by __file__,
# which only an import sets.
_TESTS = 'import sys; sys.path.insert(0, "lib"); sys.path.insert(0, "device_tests"); import run'


def device_test_commands(port):
    """device_tests/ on a board: unittest from micropython-lib when the board lacks it."""
    mp = tool("mpremote")
    check = 'import unittest; print(hasattr(unittest, "main"))'
    return [[mp, "connect", port, "exec", check],
            [mp, "connect", port, "mip", "install", "unittest"],
            [mp, "connect", port, "mount", ".", "exec", _TESTS]]


def show(cmds):
    for cmd in cmds:
        print(" ".join(shlex.quote(c) for c in cmd))


def run(cmds):
    for cmd in cmds:
        subprocess.run(cmd, cwd=ROOT, check=True)


def size(out=sys.stdout):
    """Bytes of each module compiled for each chip (build/size/<arch>/), with the totals."""
    names = ["lib/modem/" + n for n in modules()]
    table = {}
    for arch in ARCHS:
        d = os.path.join(ROOT, "build", "size", arch)
        os.makedirs(d, exist_ok=True)
        for src in names:
            mpy = os.path.join(d, os.path.basename(src)[:-3] + ".mpy")
            subprocess.run([tool("mpy-cross"), "-march=" + arch, "-o", mpy, src],
                           cwd=ROOT, check=True)
            table.setdefault(src, {})[arch] = os.path.getsize(mpy)
    out.write("%-28s %10s %10s\n" % ("module", ARCHS[0], ARCHS[1]))
    for src in names:
        out.write("%-28s %10d %10d\n" % (os.path.basename(src)[:-3] + ".mpy",
                                         table[src][ARCHS[0]], table[src][ARCHS[1]]))
    out.write("%-28s %10d %10d\n" % ("total", *(sum(t[a] for t in table.values())
                                                for a in ARCHS)))
    return table


def romfs(src, out):
    """A ROMFS image of the folder src (its .built stamp left out), written to out: what
    `mpremote romfs deploy` would put on a board, used by tools/romboot.py."""
    import contextlib
    import io
    import shutil
    import tempfile

    from mpremote.romfs import make_romfs  # the venv's: deploy.py runs in it (Makefile)

    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "rom")
        shutil.copytree(src, tree, ignore=shutil.ignore_patterns(".built"))
        with contextlib.redirect_stdout(io.StringIO()):  # its listing of the tree
            image = make_romfs(tree, mpy_cross=False)
    with open(out, "wb") as f:
        f.write(image)
    return len(image)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("action", choices=("deploy", "dev", "device-test", "size", "romfs"))
    p.add_argument("--src", default="build/x64", help="romfs: the folder to put in the image")
    p.add_argument("--out", default="build/rom/modem.romfs", help="romfs: the image")
    p.add_argument("--board", default="pico_w")
    p.add_argument("--port", default="/dev/ttyACM0")
    p.add_argument("--dry-run", action="store_true", help="print, copy nothing")
    a = p.parse_args(argv)
    if a.action == "size":
        size()
        return 0
    if a.action == "romfs":
        print("%s: %d bytes" % (a.out, romfs(a.src, a.out)))
        return 0
    if a.action == "device-test":
        cmds = device_test_commands(a.port)
        if a.dry_run:
            show(cmds)
            return 0
        ok = subprocess.run(cmds[0], cwd=ROOT, capture_output=True, text=True)
        if "True" not in ok.stdout:
            run(cmds[1:2])
        show(cmds[2:])
        return subprocess.run(cmds[2], cwd=ROOT).returncode
    if a.action == "dev":
        cmds = dev_commands(a.port, a.board)
        show(cmds)
        if not a.dry_run:
            return subprocess.run(cmds[0], cwd=ROOT).returncode
        return 0
    files = plan(a.board)
    build(a.board, files)  # no board needed: a dry run compiles too
    for src, staged, dest in files:
        print("%-36s -> :%s" % (staged, dest))
    cmds = deploy_commands(a.port, files)
    show(cmds)
    if not a.dry_run:
        run(cmds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
