"""A small unittest for the MicroPython unix port, on the test path only, never shipped.

A strict subset of micropython-lib's unittest (what `mpremote mip install unittest` puts on a
board; its text is in tools/vendor/micropython-lib): the same names, signatures and result counts,
and the same way of running a TestCase, so that device_tests/run.py and the tests behave
alike with either. Only what device_tests/ uses is here.

As micropython-lib's: one instance of a TestCase runs all its tests; setUp and tearDown run
outside the try around the test, so an exception there (a skipTest too) leaves the runner
and ends the suite; a test raising AssertionError is a failure, any other Exception an error.

The assert* methods are copied from micropython-lib (MIT License, Copyright (c) 2013, 2014
micropython-lib contributors; the full notice is in tools/vendor/micropython-lib/unittest).
"""
import io
import sys


class SkipTest(Exception):
    pass


class AssertRaisesContext:
    def __init__(self, exc):
        self.expected = exc

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, tb):
        self.exception = exc_value
        if exc_type is None:
            assert False, "%r not raised" % self.expected
        if issubclass(exc_type, self.expected):
            return True
        return False


# The checks are micropython-lib's, word for word: the message is made before the check (so
# a big value costs its repr every time, and a tuple without msg is a TypeError), as on a board.
class TestCase:
    def __init__(self):
        pass

    def skipTest(self, reason):
        raise SkipTest(reason)

    def fail(self, msg=""):
        assert False, msg

    def assertEqual(self, x, y, msg=""):
        if not msg:
            msg = "%r vs (expected) %r" % (x, y)
        assert x == y, msg

    def assertIs(self, x, y, msg=""):
        if not msg:
            msg = "%r is not %r" % (x, y)
        assert x is y, msg

    def assertIsNone(self, x, msg=""):
        if not msg:
            msg = "%r is not None" % x
        assert x is None, msg

    def assertIsNotNone(self, x, msg=""):
        if not msg:
            msg = "%r is None" % x
        assert x is not None, msg

    def assertTrue(self, x, msg=""):
        if not msg:
            msg = "Expected %r to be True" % x
        assert x, msg

    def assertFalse(self, x, msg=""):
        if not msg:
            msg = "Expected %r to be False" % x
        assert not x, msg

    def assertIn(self, x, y, msg=""):
        if not msg:
            msg = "Expected %r to be in %r" % (x, y)
        assert x in y, msg

    def assertRaises(self, exc, func=None, *args, **kwargs):
        if func is None:
            return AssertRaisesContext(exc)

        try:
            func(*args, **kwargs)
        except Exception as e:
            if isinstance(e, exc):
                return
            raise

        assert False, "%r not raised" % exc


class TestResult:
    def __init__(self):
        self.errorsNum = 0
        self.failuresNum = 0
        self.skippedNum = 0
        self.testsRun = 0
        self.errors = []  # ((test name, class), traceback text), as micropython-lib's
        self.failures = []
        self.skipped = []  # ((test name, class), reason)

    def wasSuccessful(self):
        return self.errorsNum == 0 and self.failuresNum == 0

    def printErrors(self):
        for (name, cls), text in self.errors + self.failures:
            print("FAIL: %s (%s)" % (name, cls.__name__))
            print(text)


def _traceback(exc):
    buf = io.StringIO()
    sys.print_exception(exc, buf)
    return buf.getvalue()


def _nothing():
    pass


def _run_case(cls, result):
    case = cls()
    # TestCase has no setUp or tearDown here, nor in micropython-lib: a test calling
    # super().setUp() would fail on a board.
    set_up = getattr(case, "setUp", _nothing)
    tear_down = getattr(case, "tearDown", _nothing)
    for name in dir(case):
        test = getattr(case, name) if name.startswith("test") else None
        if not callable(test):
            continue
        print("%s (%s) ..." % (name, cls.__name__), end="")
        set_up()
        result.testsRun += 1
        try:
            test()
            print(" ok")
        except SkipTest as e:
            print(" skipped:", e.args[0])
            result.skippedNum += 1
            result.skipped.append(((name, cls), e.args[0]))
        except AssertionError as e:
            print(" FAIL")
            result.failuresNum += 1
            result.failures.append(((name, cls), _traceback(e)))
        except Exception as e:
            print(" ERROR")
            result.errorsNum += 1
            result.errors.append(((name, cls), _traceback(e)))
        finally:
            tear_down()


class TestSuite:
    def __init__(self, name=""):
        self._tests = []
        self.name = name

    def addTest(self, cls):
        """cls: a TestCase subclass (micropython-lib's takes the class, not an instance)."""
        self._tests.append(cls)

    def run(self, result):
        for cls in self._tests:
            _run_case(cls, result)
        return result


class TestRunner:
    def run(self, suite):
        res = TestResult()
        suite.run(res)
        res.printErrors()
        print("Ran %d tests" % res.testsRun)
        if res.wasSuccessful():
            print("OK (skipped=%d)" % res.skippedNum if res.skippedNum else "OK")
        else:
            print("FAILED (failures=%d, errors=%d)" % (res.failuresNum, res.errorsNum))
        return res


def main(module="__main__", testRunner=None):
    """The TestCases of module (a module or its name) run; returns the TestResult."""
    if testRunner is None:
        testRunner = TestRunner()
    elif isinstance(testRunner, type):
        testRunner = testRunner()
    if isinstance(module, str):
        module = __import__(module)
    suite = TestSuite(module.__name__)
    for name in dir(module):
        obj = getattr(module, name)
        if isinstance(obj, type) and issubclass(obj, TestCase):
            suite.addTest(obj)
    return testRunner.run(suite)
