"""Runs every device_tests/test_*.py (unix port: `make test`; a board: `make device-test`), or
the ones named as arguments (`run.py test_dle test_clock`).

It uses only what micropython-lib's unittest has (what mip installs on a board; the unix
port runs it from tools/vendor/micropython-lib): TestCase, TestSuite().addTest(TestCase class),
TestRunner().run(suite) and the counts of the TestResult that returns. A module that does not
import, or whose run stops (micropython-lib runs setUp and tearDown outside its try, so an
exception there leaves the runner), is reported and the next one runs. Each module is freed
before the next: a board's heap is small.
"""
import gc
import os
import sys

import unittest

here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
names = sorted(n[:-3] for n in os.listdir(here) if n.startswith("test_") and n.endswith(".py"))
if len(sys.argv) > 1:
    names = [n for n in names if n in sys.argv[1:]]

run = failed = skipped = 0
broken = []  # modules that did not import, or whose run stopped
for name in names:
    try:
        module = __import__(name)
    except Exception as e:
        print("%s: did not import" % name)
        sys.print_exception(e)
        broken.append(name)
        continue
    suite = unittest.TestSuite()
    for attr in dir(module):
        obj = getattr(module, attr)
        if isinstance(obj, type) and issubclass(obj, unittest.TestCase):
            suite.addTest(obj)
    try:
        result = unittest.TestRunner().run(suite)
    except Exception as e:
        print("%s: stopped" % name)
        sys.print_exception(e)
        broken.append(name)
    else:
        run += result.testsRun
        failed += result.failuresNum + result.errorsNum
        skipped += result.skippedNum
        print("%s: %d tests, %d failed, %d skipped" % (
            name, result.testsRun, result.failuresNum + result.errorsNum, result.skippedNum))
    module = suite = result = obj = None
    del sys.modules[name]
    gc.collect()

summary = "%d passed, %d failed, %d skipped" % (run - failed - skipped, failed, skipped)
if broken:
    summary += "; did not import or stopped: " + " ".join(broken)
print(summary)
if failed or broken or not run:
    # A non-zero exit status. On a board run is imported through `mpremote exec`, where
    # sys.exit would soft-reset the board: there an uncaught exception makes mpremote exit 1.
    if __name__ == "__main__":
        sys.exit(1)
    raise RuntimeError("device tests failed")
