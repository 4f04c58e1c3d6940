"""Fixtures: a real ternd per test module on fresh loopback ports and a
fresh data directory, plus a factory for servers with their own config.

A server that does not exit 0 on SIGTERM, or whose stderr shows a
sanitizer report, fails the module (or the test) that started it."""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tern  # noqa: E402

# Leaks and sanitizer errors must fail, not just print.
os.environ.setdefault("ASAN_OPTIONS",
                      "detect_leaks=1:abort_on_error=1:halt_on_error=1:print_summary=1")
os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:abort_on_error=1")
os.environ.setdefault("LSAN_OPTIONS", "print_suppressions=0")


def pytest_configure(config):
    for tool in (tern.TERND,):
        if not os.access(tool, os.X_OK):
            raise pytest.UsageError(f"{tool} is not built (set TERND, or run scripts/test)")


def _finish(servers):
    problems = []
    for srv in servers:
        for p in srv.finish():
            problems.append(f"[{srv.dir}] {p}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The module's server: default test config, fresh data dir."""
    srv = tern.Ternd(tmp_path_factory.mktemp("ternd"))
    srv.start()
    yield srv
    _finish([srv])


@pytest.fixture
def ternd_factory(tmp_path_factory):
    """make(**Ternd options) -> a configured, not yet started Ternd.
    Every server made is stopped and checked at the end of the test."""
    made = []

    def make(**kw):
        srv = tern.Ternd(tmp_path_factory.mktemp("ternd-x"), **kw)
        made.append(srv)
        return srv

    yield make
    _finish(made)


@pytest.fixture
def account(server):
    return tern.new_account(server)


@pytest.fixture
def other_account(server):
    return tern.new_account(server, prefix="o")
