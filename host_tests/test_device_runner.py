"""device_tests/run.py under the unix port with micropython-lib's unittest (its text in
tools/vendor/micropython-lib: what `make device-test` installs on a board with mip, and what
`make device-test-unix` runs the whole suite with): a module that does not import is
reported and the others still run, with the summary at the end and a non-zero exit status;
without loopback the tests that need it skip with a reason.
"""
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")
REAL = os.path.join(ROOT, "tools", "vendor", "micropython-lib")  # as mip installs it
COMPILED = os.path.join(ROOT, "build", "x64")

PASSING = '''import unittest


class SmallTest(unittest.TestCase):
    def setUp(self):
        self.x = 2

    def test_passes(self):
        self.assertEqual(self.x, 2)

    def test_fails(self):
        self.assertEqual(self.x, 3, "two is not three")

    def test_skips(self):
        self.skipTest("not here")
'''

STOPPING = '''import unittest


class SetUpRaises(unittest.TestCase):
    def setUp(self):
        raise ValueError("no rig")

    def test_never_reached(self):
        pass
'''

BROKEN = '''import unittest

import no_such_module_anywhere  # noqa: F401


class NeverRun(unittest.TestCase):
    def test_nothing(self):
        pass
'''


@pytest.fixture(scope="module", autouse=True)
def compiled():
    """run.py's tests import the modules compiled for the unix port (build/x64)."""
    subprocess.run(["make", "-s", "build/x64/.built"], cwd=ROOT, check=True)


def micropython(path, args, cwd=ROOT, timeout=600):
    env = dict(os.environ, MICROPYPATH=path)
    return subprocess.run([MICROPYTHON, "-X", "heapsize=2M"] + args, cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def summary(out):
    """The last line run.py prints."""
    return out.stdout.strip().splitlines()[-1]


def test_a_broken_module_is_reported_and_the_others_still_run(tmp_path):
    shutil.copy(os.path.join(ROOT, "device_tests", "run.py"), tmp_path / "run.py")
    (tmp_path / "test_broken.py").write_text(BROKEN)
    (tmp_path / "test_small.py").write_text(PASSING)
    (tmp_path / "test_stops.py").write_text(STOPPING)
    out = micropython(str(tmp_path) + ":" + REAL, ["run.py"], cwd=str(tmp_path))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "test_broken: did not import" in out.stdout
    assert "no_such_module_anywhere" in out.stdout + out.stderr  # the reason is shown
    assert "test_small: 3 tests, 1 failed, 1 skipped" in out.stdout
    assert "two is not three" in out.stdout
    # micropython-lib runs setUp outside its try: the exception leaves the runner
    assert "test_stops: stopped" in out.stdout and "no rig" in out.stdout
    assert summary(out) == (
        "1 passed, 1 failed, 1 skipped; did not import or stopped: test_broken test_stops")


def test_without_loopback_the_tests_that_need_it_skip_with_a_reason():
    # As on a board: run imported (mpremote exec), and no TCP on 127.0.0.1 (kit's answer set).
    prelude = "import kit; kit._loopback.append(False); import run"
    out = micropython(COMPILED + ":device_tests:" + REAL, ["-c", prelude, "test_boards"])
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    reason = "skipped: no TCP on 127.0.0.1 here"
    assert out.stdout.count(reason) == 3, out.stdout
    assert summary(out).endswith(" passed, 0 failed, 3 skipped")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
