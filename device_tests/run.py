"""Runs every device_tests/test_*.py (unix port: `make test`; a board: `make device-test`)."""
import gc
import os
import sys

import unittest

here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
names = sorted(n[:-3] for n in os.listdir(here) if n.startswith("test_") and n.endswith(".py"))
if len(sys.argv) > 1:
    names = [n for n in names if n in sys.argv[1:]]
counts = [0, 0, 0]
for name in names:
    before = counts[0] + counts[1]
    mod = __import__(name)
    unittest.run_module(mod, counts)
    print("%s: %d tests" % (name, counts[0] + counts[1] - before))
    del sys.modules[name]
    gc.collect()
print("%d passed, %d failed, %d skipped" % tuple(counts))
sys.exit(1 if counts[1] or not counts[0] else 0)
