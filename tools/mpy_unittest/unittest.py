"""A minimal unittest for the MicroPython unix port (micropython-lib's is not installable
here). On the test path only, never shipped; on a board use `mpremote mip install unittest`.
"""
import sys


class SkipTest(Exception):
    pass


class _Raises:
    def __init__(self, exc):
        self.exc = exc
        self.exception = None

    def __enter__(self):
        return self

    def __exit__(self, typ, val, tb):
        if typ is None:
            raise AssertionError("%r not raised" % self.exc)
        if issubclass(typ, self.exc):
            self.exception = val
            return True
        return False


class TestCase:
    def setUp(self):
        pass

    def tearDown(self):
        pass

    def skipTest(self, why):
        raise SkipTest(why)

    def fail(self, msg=""):
        raise AssertionError(msg)

    def assertEqual(self, a, b, msg=None):
        if not a == b:
            raise AssertionError(msg or "%r != %r" % (a, b))

    def assertNotEqual(self, a, b, msg=None):
        if a == b:
            raise AssertionError(msg or "%r == %r" % (a, b))

    def assertTrue(self, x, msg=None):
        if not x:
            raise AssertionError(msg or "%r is not true" % (x,))

    def assertFalse(self, x, msg=None):
        if x:
            raise AssertionError(msg or "%r is not false" % (x,))

    def assertIn(self, a, b, msg=None):
        if a not in b:
            raise AssertionError(msg or "%r not in %r" % (a, b))

    def assertNotIn(self, a, b, msg=None):
        if a in b:
            raise AssertionError(msg or "%r in %r" % (a, b))

    def assertIs(self, a, b, msg=None):
        if a is not b:
            raise AssertionError(msg or "%r is not %r" % (a, b))

    def assertIsNone(self, x, msg=None):
        self.assertIs(x, None, msg)

    def assertIsNotNone(self, x, msg=None):
        if x is None:
            raise AssertionError(msg or "unexpectedly None")

    def assertLess(self, a, b, msg=None):
        if not a < b:
            raise AssertionError(msg or "%r not less than %r" % (a, b))

    def assertLessEqual(self, a, b, msg=None):
        if not a <= b:
            raise AssertionError(msg or "%r not <= %r" % (a, b))

    def assertGreater(self, a, b, msg=None):
        if not a > b:
            raise AssertionError(msg or "%r not greater than %r" % (a, b))

    def assertGreaterEqual(self, a, b, msg=None):
        if not a >= b:
            raise AssertionError(msg or "%r not >= %r" % (a, b))

    def assertRaises(self, exc, func=None, *args):
        ctx = _Raises(exc)
        if func is None:
            return ctx
        with ctx:
            func(*args)


def run_module(mod, counts):
    """Runs every TestCase of a module; counts is [passed, failed, skipped]."""
    for name in dir(mod):
        cls = getattr(mod, name)
        if not (isinstance(cls, type) and issubclass(cls, TestCase) and cls is not TestCase):
            continue
        for meth in sorted(m for m in dir(cls) if m.startswith("test")):
            t = cls()
            label = "%s.%s.%s" % (mod.__name__, name, meth)
            try:
                t.setUp()
                try:
                    getattr(t, meth)()
                finally:
                    t.tearDown()
                counts[0] += 1
            except SkipTest as e:
                counts[2] += 1
                print("skipped", label, e)
            except Exception as e:
                counts[1] += 1
                print("FAIL", label)
                sys.print_exception(e)


def main(module="__main__"):
    counts = [0, 0, 0]
    run_module(sys.modules[module], counts)
    print("%d passed, %d failed, %d skipped" % tuple(counts))
    sys.exit(1 if counts[1] else 0)
