"""Line protocol shared by the oracles: one JSON value per stdin line, one verdict per stdout line.

A verdict is {"ok": true} (with "result": what check returned, when not None) or
{"ok": false, "error": "<exception class>: <message>"}.
Any exception counts as a refusal: Nova's own, or another one the service would die of at start.
"""
import json
import sys


def serve(check):
    """Calls check(value) for each input line; check raises to refuse, may return a JSON-able result."""
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            result = check(json.loads(line))
            verdict = {"ok": True} if result is None else {"ok": True, "result": result}
        except Exception as exc:  # noqa: BLE001 - every exception is a verdict
            verdict = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(verdict) + "\n")
        sys.stdout.flush()
