"""The runtime of iapgen.lint.cel: CEL's operators, macros and the functions the shipped CRD rules call, each
compiled into a closure over the values of an object (see iapgen.lint.cel for the subset and its semantics)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

Env = dict[str, Any]
Compiled = Callable[[Env], Any]
MACROS = ("all", "exists", "exists_one", "filter")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class CelError(Exception):
    """A rule that cannot be compiled, or an evaluation error (no such key, wrong type)."""


class Duration(float):
    """A CEL duration, as seconds."""


def variable(env: Env, name: str) -> Any:
    try:
        return env[name]
    except KeyError:
        raise CelError(f"undeclared reference to {name!r}") from None


def select(target: Compiled, name: str) -> Compiled:
    def selected(env: Env) -> Any:
        value = target(env)
        if not isinstance(value, dict):
            raise CelError(f"cannot select {name!r} from a {type(value).__name__}")
        try:
            return value[name]
        except KeyError:
            raise CelError(f"no such key: {name}") from None
    selected.selection = (target, name)  # type: ignore[attr-defined]  # read by has()
    return selected


def index(target: Compiled, index: Compiled) -> Compiled:
    def get(env: Env) -> Any:
        value, key = target(env), index(env)
        try:
            if isinstance(value, list) and (not isinstance(key, int) or isinstance(key, bool) or key < 0):
                raise IndexError
            return value[key]
        except (IndexError, KeyError, TypeError):
            raise CelError(f"no such key or index: {key!r}") from None
    return get


def logic(op: str, left: Compiled, right: Compiled) -> Compiled:
    decisive = op == "||"  # the value that decides the result on its own

    def logic(env: Env) -> bool:
        error: CelError | None = None
        try:
            a = left(env)
            if not isinstance(a, bool):
                raise CelError(f"no matching overload for '{op}'")
            if a is decisive:
                return decisive
        except CelError as e:
            error = e
        b = right(env)
        if not isinstance(b, bool):
            raise CelError(f"no matching overload for '{op}'")
        if b is decisive:
            return decisive
        if error is not None:
            raise error
        return not decisive
    return logic


def number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CelError(f"expected a number, got {type(value).__name__}")
    return value


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return isinstance(a, Duration) == isinstance(b, Duration)
    return type(a) is type(b) or (isinstance(a, str) and isinstance(b, str))


def arith(op: str, left: Compiled, right: Compiled) -> Compiled:
    def apply(env: Env) -> Any:
        a, b = left(env), right(env)
        if op == "in":
            if isinstance(b, list | dict):
                return a in b
            raise CelError("no matching overload for 'in'")
        if op in ("==", "!="):
            equal = _same_kind(a, b) and a == b
            return equal if op == "==" else not equal
        if not _same_kind(a, b):
            raise CelError(f"no matching overload for '{op}'")
        if op in ("<", "<=", ">", ">="):
            if isinstance(a, list | dict | bool) or a is None:
                raise CelError(f"no matching overload for '{op}'")
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        if op == "+" and isinstance(a, str | list):
            return a + b
        x, y = number(a), number(b)
        if op in ("/", "%") and y == 0:
            raise CelError("division by zero")
        if op == "/":
            return int(x / y) if isinstance(x, int) and isinstance(y, int) else x / y
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if not (isinstance(x, int) and isinstance(y, int)):
            raise CelError("no matching overload for '%'")
        return int(x - y * int(x / y))  # CEL's % truncates toward zero, like Go
    return apply


def macro(name: str, target: Compiled, var: str, body: Compiled) -> Compiled:
    def run(env: Env) -> Any:
        value = target(env)
        if not isinstance(value, list | dict):
            raise CelError(f"{name}() on a {type(value).__name__}")
        items = list(value)  # a map iterates over its keys
        scope = dict(env)

        def test(item: Any) -> Any:
            scope[var] = item
            return body(scope)
        if name == "filter":
            out = []
            for item in items:
                keep = test(item)
                if not isinstance(keep, bool):
                    raise CelError("filter() body is not a bool")
                if keep:
                    out.append(item)
            return out
        if name == "exists_one":
            return sum(1 for item in items if _truth(test(item))) == 1
        # all / exists: an error is absorbed when another element decides the result
        decisive = name == "exists"
        error: CelError | None = None
        for item in items:
            try:
                if _truth(test(item)) is decisive:
                    return decisive
            except CelError as e:
                error = e
        if error is not None:
            raise error
        return not decisive
    return run


def _truth(value: Any) -> bool:
    if not isinstance(value, bool):
        raise CelError("macro body is not a bool")
    return value


def _size(value: Any) -> int:
    if isinstance(value, str | list | dict):
        return len(value)
    raise CelError(f"size() of a {type(value).__name__}")


def _string(function: Callable[..., Any]) -> Callable[..., Any]:
    def checked(target: Any, *args: Any) -> Any:
        if not isinstance(target, str) or not all(isinstance(a, str | int) for a in args):
            raise CelError(f"no matching overload for {function.__name__}()")
        return function(target, *args)
    checked.__name__ = function.__name__
    return checked


@functools.lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise CelError(f"invalid regular expression: {e}") from None


def _duration(text: Any) -> Duration:
    if not isinstance(text, str):
        raise CelError("duration() needs a string")
    if text in ("0", ""):
        return Duration(0)
    sign, body = (-1, text[1:]) if text.startswith("-") else (1, text.lstrip("+"))
    parts = _DURATION_PART.findall(body)
    if not parts or "".join(n + u for n, u in parts) != body:
        raise CelError(f"invalid duration {text!r}")
    return Duration(sign * sum(float(n) * _DURATION_UNITS[u] for n, u in parts))


METHODS: dict[tuple[str, int], Callable[..., Any]] = {
    ("size", 0): _size,
    ("matches", 1): _string(lambda s, p: _regex(p).search(s) is not None),
    ("startsWith", 1): _string(lambda s, p: s.startswith(p)),
    ("endsWith", 1): _string(lambda s, p: s.endswith(p)),
    ("contains", 1): _string(lambda s, p: p in s),
    ("split", 1): _string(lambda s, sep: s.split(sep)),
    ("split", 2): _string(lambda s, sep, n: [] if n == 0 else s.split(sep, n - 1 if n > 0 else -1)),
}
FUNCTIONS: dict[tuple[str, int], Callable[..., Any]] = {
    ("size", 1): _size,
    ("duration", 1): _duration,
}
