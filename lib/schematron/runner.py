"""The schematron runner: the compiled XSLTs of the Factur-X schematrons run with
saxonche in ONE long-lived worker process per (parent) process (``worker.py``), or in
process (no Odoo import).

saxonche is known to abort ("graal_create_isolate error", "Failed to enter
the specified IsolateThread context") in Odoo workers (akretion/factur-x issue
#77, reported as a fork/thread problem). Measured here with saxonche 13.1.1:
in-process use from other threads and after ``os.fork()`` worked, but the
process aborts with exactly that message as soon as RLIMIT_AS is set to Odoo's
default ``limit_memory_hard`` (2560 MB), which Odoo prefork workers apply to
themselves. So, by default, the XSLTs run in ONE long-lived child process per
(parent) process (``worker.py``), which lifts the inherited soft
limits, compiles each stylesheet once and then serves transformations over a
pipe. See :class:`SchematronRunner`.
"""

import atexit
import contextlib
import json
import logging
import os
import select
import struct
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

from . import worker as schematron_worker

_logger = logging.getLogger(__name__)

#: Environment variable selecting the default runner mode ("subprocess" or
#: "inprocess").
ENV_MODE = "CHORUS_PRO_SCHEMATRON_MODE"
#: Environment variable overriding the Python interpreter of the worker.
ENV_PYTHON = "CHORUS_PRO_SCHEMATRON_PYTHON"

MODE_SUBPROCESS = "subprocess"
MODE_INPROCESS = "inprocess"
DEFAULT_TIMEOUT = 60.0

WORKER_PATH = str(Path(__file__).resolve().with_name("worker.py"))


@dataclass
class TransformResult:
    svrl: str
    compiled: bool = False
    compile_ms: float = 0.0
    transform_ms: float = 0.0


class SchematronError(RuntimeError):
    """The schematron step could not be run (not an invoice problem)."""


class SchematronTimeout(SchematronError):
    """The worker did not answer in time (it has been killed)."""


class SchematronWorkerError(SchematronError):
    """The worker process died and could not be restarted."""


# ---------------------------------------------------------------------------
# Schematron runner (worker process or in-process)
# ---------------------------------------------------------------------------

_LEN = struct.Struct(">I")
_RUNNERS = weakref.WeakSet()
# Saxon objects inherited through fork(): never deallocated in the child
# (their destructor would enter a GraalVM isolate that does not exist there).
_FORK_ORPHANS = []


class _WorkerDied(Exception):
    pass


def _wait_fd(fd, for_write, deadline):
    """Wait until fd is readable/writable; raise SchematronTimeout at deadline."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise SchematronTimeout("schematron worker did not answer in time")
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(fd, select.POLLOUT if for_write else select.POLLIN)
            try:
                events = poller.poll(max(1, int(remaining * 1000)))
            except InterruptedError:  # pragma: no cover - PEP 475 retries
                continue
            if events:
                return
        else:  # pragma: no cover - platforms without poll()
            rlist, wlist, _x = select.select(
                [] if for_write else [fd], [fd] if for_write else [], [], remaining
            )
            if rlist or wlist:
                return


class SchematronRunner:
    """Compile-once, reuse-many XSLT runner, safe for threads and fork().

    ``mode="subprocess"`` (default): one long-lived ``schematron_worker.py``
    child process per process, started lazily with
    ``subprocess.Popen([sys.executable, worker_path], stdin=PIPE, stdout=PIPE)``.
    Requests are serialised by a lock (threads share the worker); after a
    ``fork()`` the child drops the inherited pipes and starts its own worker;
    a worker that died is restarted once per request; every request has a
    timeout (the worker is killed when it expires); the worker is closed at
    exit.

    ``mode="inprocess"``: saxonche runs in this process (same caching and
    lock). For benchmarks and comparison only: it aborts the whole process
    under an RLIMIT_AS such as Odoo's limit_memory_hard (factur-x issue #77).
    """

    def __init__(self, mode=None, timeout=DEFAULT_TIMEOUT, python_executable=None, worker_path=None):
        mode = mode or os.environ.get(ENV_MODE) or MODE_SUBPROCESS
        if mode not in (MODE_SUBPROCESS, MODE_INPROCESS):
            raise ValueError("mode must be %r or %r" % (MODE_SUBPROCESS, MODE_INPROCESS))
        self.mode = mode
        self.timeout = float(timeout)
        self.python_executable = python_executable or os.environ.get(ENV_PYTHON) or sys.executable
        self.worker_path = worker_path or WORKER_PATH
        self._lock = threading.Lock()
        self._owner_pid = os.getpid()
        self._proc = None
        self._engine = None
        #: workers started by this runner in this process (1 + restarts)
        self.start_count = 0
        #: restarts after a worker died during a request
        self.restart_count = 0
        #: requests answered
        self.request_count = 0
        _RUNNERS.add(self)

    # -- fork / lifecycle ---------------------------------------------------

    def _after_fork_in_child(self):
        """Forget what belongs to the parent (called in the child)."""
        self._lock = threading.Lock()
        proc, self._proc = self._proc, None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                with contextlib.suppress(OSError):
                    if stream is not None:
                        stream.close()  # closes the child's copy only
            # The parent's worker is not our child: keep the Popen object alive
            # so that its finaliser never tries to wait for it.
            _FORK_ORPHANS.append(proc)
        if self._engine is not None:
            _FORK_ORPHANS.append(self._engine)
            self._engine = None
        self._owner_pid = os.getpid()
        self.start_count = self.restart_count = self.request_count = 0

    def _check_fork(self):
        if self._owner_pid != os.getpid():
            self._after_fork_in_child()

    @property
    def worker_pid(self):
        """PID of the current worker process (None if not started / in-process)."""
        proc = self._proc
        if proc is None or self._owner_pid != os.getpid() or proc.poll() is not None:
            return None
        return proc.pid

    def close(self):
        """Stop the worker (it is restarted lazily if the runner is used again)."""
        self._check_fork()
        with self._lock:
            self._stop_worker(graceful=True)
            if self._engine is not None:
                self._engine = None

    def _start_worker(self):
        proc = subprocess.Popen(
            [self.python_executable, self.worker_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            bufsize=0,
            close_fds=True,
            # Do not receive the terminal's Ctrl-C meant for the parent: the
            # worker exits on its own when the parent closes the pipe.
            start_new_session=True,
        )
        os.set_blocking(proc.stdin.fileno(), False)
        os.set_blocking(proc.stdout.fileno(), False)
        self._proc = proc
        self.start_count += 1
        _logger.debug("schematron worker started, pid %s", proc.pid)
        return proc

    def _stop_worker(self, graceful=False):
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError):
            proc.stdin.close()  # EOF: the worker exits by itself
        with contextlib.suppress(subprocess.TimeoutExpired):
            if graceful:
                proc.wait(timeout=5)
        if proc.poll() is None:
            proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):  # pragma: no cover
                proc.wait(timeout=5)
        with contextlib.suppress(OSError):
            proc.stdout.close()

    # -- protocol -------------------------------------------------------------

    def _exchange(self, proc, header, body, deadline):
        header_bytes = json.dumps(header).encode("utf-8")
        data = memoryview(_LEN.pack(len(header_bytes)) + header_bytes + _LEN.pack(len(body)) + body)
        out_fd = proc.stdin.fileno()
        while data:
            _wait_fd(out_fd, True, deadline)
            try:
                written = os.write(out_fd, data)
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError) as err:
                raise _WorkerDied(str(err)) from err
            data = data[written:]
        in_fd = proc.stdout.fileno()
        (header_len,) = _LEN.unpack(self._read_exact(in_fd, _LEN.size, deadline))
        answer = json.loads(self._read_exact(in_fd, header_len, deadline).decode("utf-8"))
        (body_len,) = _LEN.unpack(self._read_exact(in_fd, _LEN.size, deadline))
        answer_body = self._read_exact(in_fd, body_len, deadline) if body_len else b""
        return answer, answer_body

    @staticmethod
    def _read_exact(fd, size, deadline):
        chunks = []
        remaining = size
        while remaining:
            _wait_fd(fd, False, deadline)
            try:
                chunk = os.read(fd, min(remaining, 1 << 20))
            except BlockingIOError:
                continue
            if not chunk:
                raise _WorkerDied("schematron worker closed its output (it died)")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _request(self, header, body=b""):
        """Send one request to the worker (lock held); restart it once if dead."""
        for attempt in (1, 2):
            proc = self._proc
            if proc is None or proc.poll() is not None:
                if proc is not None:
                    self._stop_worker()
                proc = self._start_worker()
            deadline = time.monotonic() + self.timeout
            try:
                answer, answer_body = self._exchange(proc, header, body, deadline)
            except SchematronTimeout:
                _logger.error(
                    "schematron worker pid %s timed out after %ss: killed",
                    proc.pid,
                    self.timeout,
                )
                self._stop_worker()
                raise
            except _WorkerDied as err:
                self._stop_worker()
                if attempt == 2:
                    raise SchematronWorkerError("schematron worker died twice: %s" % err) from err
                self.restart_count += 1
                _logger.warning("schematron worker died (%s): restarting it", err)
                continue
            self.request_count += 1
            if not answer.get("ok"):
                raise SchematronError(
                    "schematron worker error (%s): %s" % (answer.get("error_type"), answer.get("error"))
                )
            return answer, answer_body
        raise AssertionError("unreachable")  # pragma: no cover

    # -- in-process -----------------------------------------------------------

    def _get_engine(self):
        if self._engine is None:
            self._engine = schematron_worker.SchematronEngine()
        return self._engine

    # -- public API -----------------------------------------------------------

    def compile(self, xslt_path):
        """Compile a stylesheet now (no-op if cached). Returns compile ms."""
        xslt_path = str(xslt_path)
        self._check_fork()
        with self._lock:
            if self.mode == MODE_INPROCESS:
                try:
                    _executable, _compiled, compile_ms = self._get_engine().compile(xslt_path)
                except Exception as err:
                    raise SchematronError(str(err)) from err
                self.request_count += 1
                return compile_ms
            answer, _body = self._request({"op": "compile", "xslt": xslt_path})
            return answer.get("compile_ms", 0.0)

    def transform(self, xslt_path, xml_bytes):
        """Run one stylesheet on UTF-8 XML bytes; return a TransformResult."""
        xslt_path = str(xslt_path)
        self._check_fork()
        with self._lock:
            if self.mode == MODE_INPROCESS:
                try:
                    svrl, info = self._get_engine().transform(xslt_path, xml_bytes)
                except Exception as err:
                    raise SchematronError(str(err)) from err
                self.request_count += 1
            else:
                info, body = self._request({"op": "transform", "xslt": xslt_path}, xml_bytes)
                svrl = body.decode("utf-8")
        return TransformResult(
            svrl=svrl,
            compiled=bool(info.get("compiled")),
            compile_ms=float(info.get("compile_ms") or 0.0),
            transform_ms=float(info.get("transform_ms") or 0.0),
        )

    def stats(self):
        """Counters: compile_count/transform_count/stylesheets of the engine
        (worker or in-process), worker_pid, start_count, restart_count."""
        self._check_fork()
        with self._lock:
            if self.mode == MODE_INPROCESS:
                result = dict(self._get_engine().stats())
                result["worker_pid"] = None
            else:
                if self._proc is None or self._proc.poll() is not None:
                    # Not started (or dead): nothing compiled in any live worker.
                    result = {"compile_count": 0, "transform_count": 0, "stylesheets": []}
                    result["worker_pid"] = None
                else:
                    answer, _body = self._request({"op": "stats"})
                    result = {
                        "compile_count": answer["compile_count"],
                        "transform_count": answer["transform_count"],
                        "stylesheets": answer["stylesheets"],
                        "worker_pid": answer["pid"],
                    }
            result.update(
                mode=self.mode,
                start_count=self.start_count,
                restart_count=self.restart_count,
                request_count=self.request_count,
            )
            return result


def _reset_runners_after_fork():
    for runner in list(_RUNNERS):
        with contextlib.suppress(Exception):  # pragma: no cover - never break fork()
            runner._after_fork_in_child()


def _close_runners_at_exit():
    pid = os.getpid()
    for runner in list(_RUNNERS):
        if runner._owner_pid == pid and runner.mode == MODE_SUBPROCESS:
            with contextlib.suppress(Exception):  # pragma: no cover
                runner._stop_worker(graceful=True)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_runners_after_fork)
atexit.register(_close_runners_at_exit)

_DEFAULT_RUNNER = None
_DEFAULT_RUNNER_LOCK = threading.Lock()


def get_default_runner():
    """The process-wide runner used when no runner is given (created lazily)."""
    global _DEFAULT_RUNNER
    runner = _DEFAULT_RUNNER
    if runner is None:
        with _DEFAULT_RUNNER_LOCK:
            if _DEFAULT_RUNNER is None:
                _DEFAULT_RUNNER = SchematronRunner()
            runner = _DEFAULT_RUNNER
    return runner


def set_default_runner(runner):
    """Replace the process-wide runner (returns the previous one)."""
    global _DEFAULT_RUNNER
    with _DEFAULT_RUNNER_LOCK:
        previous, _DEFAULT_RUNNER = _DEFAULT_RUNNER, runner
    return previous
