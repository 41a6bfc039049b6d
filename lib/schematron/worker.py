#!/usr/bin/env python3
"""Long-lived schematron (XSLT 2.0) worker process based on saxonche.

This file is a standalone script: it only uses the standard library and
``saxonche``, and it has NO package-relative import, so that it can be started
with ``python /path/to/schematron_worker.py`` from any process (Odoo prefork
worker, cron thread, test runner...).

Why a separate process: saxonche (a GraalVM native image) is known to abort
when it is used after ``os.fork()`` or from a thread other than the one that
created it (akretion/factur-x issue #77). Running it in its own single-threaded
process avoids both problems; the parent talks to it through its stdin/stdout.

Protocol (both directions), repeated for each message::

    4-byte big-endian header length | header (JSON, UTF-8)
    4-byte big-endian body length   | body (raw bytes, may be empty)

Requests (header ``op``):

* ``ping``       -> ``{"ok": true, "pid": ..., "saxon_version": ...}``
* ``compile``    (``xslt``: absolute stylesheet path) -> ``{"ok": true,
  "compiled": bool, "compile_ms": float, "compile_count": int}``
* ``transform``  (``xslt``: path; body: the XML document, UTF-8) ->
  same header plus ``transform_ms``; body: the SVRL result (UTF-8)
* ``stats``      -> ``{"ok": true, "compile_count": int, "transform_count": int,
  "stylesheets": [paths]}``
* ``exit``       -> ``{"ok": true}`` then the worker exits

Any failure of a request is answered with ``{"ok": false, "error": "...",
"error_type": "..."}`` and the worker keeps serving. The worker exits when its
stdin reaches end-of-file (i.e. when the parent closes the pipe or dies).

Stylesheets are loaded BY FILE PATH, so that relative ``document()`` calls
(e.g. the Factur-X code lists ``FACTUR-X_EN16931_codedb.xml``) resolve next to
the stylesheet on the local disk, without any network access. Each stylesheet
is compiled once and cached for the life of the process.
"""

import contextlib
import json
import os
import struct
import sys
import time

_LEN = struct.Struct(">I")
# Refuse absurd frame sizes (protects against a desynchronised stream).
MAX_FRAME = 512 * 1024 * 1024


class _ProtocolEOF(Exception):
    """The parent closed the pipe."""


def _read_exact(stream, size):
    chunks = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise _ProtocolEOF()
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(stream):
    """Read one (header dict, body bytes) message from a binary stream."""
    head = stream.read(_LEN.size)
    if not head:
        raise _ProtocolEOF()
    if len(head) < _LEN.size:
        head += _read_exact(stream, _LEN.size - len(head))
    (header_len,) = _LEN.unpack(head)
    if header_len > MAX_FRAME:
        raise ValueError("header frame too large: %d" % header_len)
    header = json.loads(_read_exact(stream, header_len).decode("utf-8"))
    (body_len,) = _LEN.unpack(_read_exact(stream, _LEN.size))
    if body_len > MAX_FRAME:
        raise ValueError("body frame too large: %d" % body_len)
    body = _read_exact(stream, body_len) if body_len else b""
    return header, body


def write_message(stream, header, body=b""):
    header_bytes = json.dumps(header).encode("utf-8")
    stream.write(_LEN.pack(len(header_bytes)) + header_bytes + _LEN.pack(len(body)) + body)
    stream.flush()


def _relax_inherited_limits():
    """Undo per-request soft limits inherited from the parent.

    Odoo prefork workers set RLIMIT_CPU (limit_time_cpu) and RLIMIT_AS
    (limit_memory_hard) on themselves; a child process inherits them. The CPU
    limit is an absolute budget computed from the *parent's* consumption, so a
    long-lived worker would eventually be killed by SIGXCPU; and under Odoo's
    default RLIMIT_AS (limit_memory_hard = 2560 MB) saxonche cannot even create
    its GraalVM isolate ("graal_create_isolate error", the abort of factur-x
    issue #77). Raising a soft limit up to its hard limit is always permitted.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - non-POSIX platform
        return
    for name in ("RLIMIT_CPU", "RLIMIT_AS"):
        limit = getattr(resource, name, None)
        if limit is None:
            continue
        with contextlib.suppress(ValueError, OSError):
            soft, hard = resource.getrlimit(limit)
            if soft != hard:
                resource.setrlimit(limit, (hard, hard))


class SchematronEngine:
    """saxonche processor + cache of compiled stylesheets (single thread)."""

    def __init__(self):
        self._processor = None
        self._xslt = None
        self._executables = {}
        self.compile_count = 0
        self.transform_count = 0

    def _ensure_processor(self):
        if self._processor is None:
            from saxonche import PySaxonProcessor

            self._processor = PySaxonProcessor(license=False)
            self._xslt = self._processor.new_xslt30_processor()
        return self._processor

    @property
    def saxon_version(self):
        return self._ensure_processor().version

    def compile(self, path):
        """Return (executable, compiled_now, compile_ms)."""
        executable = self._executables.get(path)
        if executable is not None:
            return executable, False, 0.0
        if not os.path.isabs(path) or not os.path.isfile(path):
            raise FileNotFoundError("stylesheet not found: %s" % path)
        self._ensure_processor()
        start = time.perf_counter()
        executable = self._xslt.compile_stylesheet(stylesheet_file=path)
        compile_ms = (time.perf_counter() - start) * 1000.0
        if executable is None:
            raise RuntimeError("saxonche could not compile %s" % path)
        self._executables[path] = executable
        self.compile_count += 1
        return executable, True, compile_ms

    def transform(self, path, xml_bytes):
        """Run the stylesheet on the XML; return (svrl_str, info dict)."""
        executable, compiled, compile_ms = self.compile(path)
        processor = self._ensure_processor()
        start = time.perf_counter()
        text = xml_bytes.decode("utf-8")
        text = text.removeprefix("\ufeff")
        node = processor.parse_xml(xml_text=text, encoding="UTF-8")
        result = executable.transform_to_string(xdm_node=node)
        transform_ms = (time.perf_counter() - start) * 1000.0
        if result is None:
            raise RuntimeError("saxonche returned no result for %s" % path)
        self.transform_count += 1
        return result, {
            "compiled": compiled,
            "compile_ms": compile_ms,
            "transform_ms": transform_ms,
            "compile_count": self.compile_count,
        }

    def stats(self):
        return {
            "compile_count": self.compile_count,
            "transform_count": self.transform_count,
            "stylesheets": sorted(self._executables),
        }


def handle(engine, header, body):
    """Serve one request; return (header, body) of the answer."""
    op = header.get("op")
    if op == "ping":
        return {"ok": True, "pid": os.getpid(), "saxon_version": engine.saxon_version}, b""
    if op == "compile":
        _executable, compiled, compile_ms = engine.compile(header["xslt"])
        return {
            "ok": True,
            "compiled": compiled,
            "compile_ms": compile_ms,
            "compile_count": engine.compile_count,
        }, b""
    if op == "transform":
        svrl, info = engine.transform(header["xslt"], body)
        answer = {"ok": True}
        answer.update(info)
        return answer, svrl.encode("utf-8")
    if op == "stats":
        answer = {"ok": True, "pid": os.getpid()}
        answer.update(engine.stats())
        return answer, b""
    raise ValueError("unknown op %r" % (op,))


def serve(stdin, stdout):
    engine = SchematronEngine()
    while True:
        try:
            header, body = read_message(stdin)
        except _ProtocolEOF:
            return 0
        if header.get("op") == "exit":
            write_message(stdout, {"ok": True})
            return 0
        try:
            answer, answer_body = handle(engine, header, body)
        except Exception as err:  # answered to the parent, worker keeps going
            answer = {
                "ok": False,
                "error": str(err) or repr(err),
                "error_type": type(err).__name__,
            }
            answer_body = b""
        write_message(stdout, answer, answer_body)


def main():
    _relax_inherited_limits()
    # Keep the protocol channel private: native code (GraalVM / Saxon) may
    # print to file descriptor 1, which would corrupt the framed stream. The
    # protocol gets a duplicate of fd 1, and fd 1 itself is pointed at stderr.
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # Same for the input channel: nothing else may consume the requests.
    proto_in = os.fdopen(os.dup(0), "rb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdin = None
    return serve(proto_in, proto_out)


if __name__ == "__main__":
    sys.exit(main())
