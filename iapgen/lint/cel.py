"""The subset of CEL that the shipped CRD schemas' x-kubernetes-validations rules use, compiled to Python.

Kubernetes evaluates these rules on the API server (k8s.io/apiserver, cel-go). The rules in GKE's and Gateway
API's CRDs use: literals (strings, raw triple-quoted strings, integers, booleans, lists), `self` and macro
variables, field selection (`__namespace__` and the other escapes for field names), indexing, `? :`, `||`,
`&&`, `!`, comparisons, `in`, `+ - * / %`, `has()`, `size()`, `duration()`, the macros `all`, `exists`,
`exists_one` and `filter`, and the string functions `matches`, `startsWith`, `endsWith`, `contains`, `split`
and `size`. Anything else fails to compile (`CelError`), and a test compiles every rule of every shipped
schema, so a CRD update that brings an unsupported construct fails the tests rather than going unchecked.

Semantics follow CEL's: selecting a field the object does not have is an error (the API server then rejects
the object), `||` and `&&` absorb an error when the other side decides the result, and `matches` is an RE2
search (Python's `re` agrees on the patterns these CRDs use).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

Env = dict[str, Any]
Compiled = Callable[[Env], Any]


class CelError(Exception):
    """A rule that cannot be compiled, or an evaluation error (no such key, wrong type)."""


class Duration(float):
    """A CEL duration, as seconds."""


_TOKEN = re.compile(r"""
    \s*(?:
      (?P<raw>[rR](?:\"\"\"(?P<r3>.*?)\"\"\"|'''(?P<r3s>.*?)'''|"(?P<r1>[^"]*)"|'(?P<r1s>[^']*)'))
    | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<num>\d+(?:\.\d+)?[uU]?)
    | (?P<id>[A-Za-z_][A-Za-z_0-9]*)
    | (?P<op>\|\||&&|==|!=|<=|>=|[<>!?:.,()\[\]+\-*/%])
    )""", re.VERBOSE | re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}
# field names CEL reaches through an escape (Kubernetes' CEL property-name escaping)
_NAME_ESCAPES = {"__dash__": "-", "__dot__": ".", "__slash__": "/", "__underscores__": "__"}
_RESERVED = {"true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if",
             "import", "let", "loop", "package", "namespace", "return", "var", "void", "while"}
MACROS = ("all", "exists", "exists_one", "filter")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise CelError(f"cannot read {text[pos:pos + 20]!r}")
        pos = m.end()
        if m.group("raw") is not None:
            out.append(("lit", next(g for g in (m.group("r3"), m.group("r3s"), m.group("r1"), m.group("r1s"))
                                    if g is not None)))
        elif m.group("str") is not None:
            body = m.group("str")[1:-1]
            out.append(("lit", re.sub(r"\\(.)", lambda e: _ESCAPES.get(e.group(1), e.group(1)), body)))
        elif m.group("num") is not None:
            num = m.group("num").rstrip("uU")
            out.append(("lit", float(num) if "." in num else int(num)))
        elif m.group("id") is not None:
            word = m.group("id")
            out.append(("lit", word == "true") if word in ("true", "false") else
                       ("lit", None) if word == "null" else ("op", "in") if word == "in" else ("id", word))
        else:
            out.append(("op", m.group("op")))
    out.append(("end", None))
    return out


def field_name(name: str) -> str:
    """The object field a CEL identifier selects (`__namespace__` is `namespace`)."""
    if name.startswith("__") and name.endswith("__") and name[2:-2] in _RESERVED:
        return name[2:-2]
    for escape, plain in _NAME_ESCAPES.items():
        name = name.replace(escape, plain)
    return name


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, Any]:
        return self.tokens[self.pos]

    def take(self, value: str | None = None) -> tuple[str, Any]:
        token = self.tokens[self.pos]
        if value is not None and token != ("op", value):
            raise CelError(f"expected {value!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def at(self, *ops: str) -> bool:
        kind, value = self.peek()
        return kind == "op" and value in ops

    def parse(self) -> Compiled:
        node = self.conditional()
        if self.peek()[0] != "end":
            raise CelError(f"unexpected {self.peek()[1]!r}")
        return node

    def conditional(self) -> Compiled:
        test = self.binary(0)
        if not self.at("?"):
            return test
        self.take("?")
        yes = self.conditional()
        self.take(":")
        no = self.conditional()

        def choose(env: Env) -> Any:
            cond = test(env)
            if not isinstance(cond, bool):
                raise CelError("no matching overload for '_?_:_'")
            return yes(env) if cond else no(env)
        return choose

    LEVELS = (("||",), ("&&",), ("==", "!=", "<", "<=", ">", ">=", "in"), ("+", "-"), ("*", "/", "%"))

    def binary(self, level: int) -> Compiled:
        if level == len(self.LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.at(*self.LEVELS[level]):
            op = self.take()[1]
            right = self.binary(level + 1)
            left = _logic(op, left, right) if op in ("||", "&&") else _arith(op, left, right)
        return left

    def unary(self) -> Compiled:
        if self.at("!"):
            self.take()
            inner = self.unary()

            def negate(env: Env) -> bool:
                value = inner(env)
                if not isinstance(value, bool):
                    raise CelError("no matching overload for '!_'")
                return not value
            return negate
        if self.at("-"):
            self.take()
            inner = self.unary()
            return lambda env: -_number(inner(env))
        return self.member()

    def member(self) -> Compiled:
        node = self.primary()
        while self.at(".", "["):
            if self.take()[1] == "[":
                index = self.conditional()
                self.take("]")
                node = _index(node, index)
                continue
            kind, name = self.take()
            if kind != "id":
                raise CelError(f"expected a name after '.', found {name!r}")
            node = self.call(node, name) if self.at("(") else _select(node, field_name(name))
        return node

    def arguments(self) -> list[Compiled]:
        self.take("(")
        args: list[Compiled] = []
        while not self.at(")"):
            args.append(self.conditional())
            if not self.at(")"):
                self.take(",")
        self.take(")")
        return args

    def call(self, target: Compiled, name: str) -> Compiled:
        if name in MACROS:
            self.take("(")
            kind, var = self.take()
            if kind != "id":
                raise CelError(f"{name}() needs a variable name")
            self.take(",")
            body = self.conditional()
            self.take(")")
            return _macro(name, target, var, body)
        args = self.arguments()
        method = _METHODS.get((name, len(args)))
        if method is None:
            raise CelError(f"unsupported function {name}() with {len(args)} argument(s)")
        return lambda env: method(target(env), *(a(env) for a in args))

    def primary(self) -> Compiled:
        kind, value = self.take()
        if kind == "lit":
            return lambda env: value
        if kind == "id":
            if self.at("("):
                return self.global_call(value)
            name = value
            return lambda env: _variable(env, name)
        if (kind, value) == ("op", "("):
            node = self.conditional()
            self.take(")")
            return node
        if (kind, value) == ("op", "["):
            items: list[Compiled] = []
            while not self.at("]"):
                items.append(self.conditional())
                if not self.at("]"):
                    self.take(",")
            self.take("]")
            return lambda env: [item(env) for item in items]
        raise CelError(f"unexpected {value!r}")

    def global_call(self, name: str) -> Compiled:
        if name == "has":
            self.take("(")
            node = self.member()
            self.take(")")
            selection = getattr(node, "selection", None)
            if selection is None:
                raise CelError("has() needs a field selection")
            holder, field = selection

            def has(env: Env) -> bool:
                value = holder(env)
                if not isinstance(value, dict):
                    raise CelError(f"has() on a {type(value).__name__}")
                return field in value
            return has
        args = self.arguments()
        function = _FUNCTIONS.get((name, len(args)))
        if function is None:
            raise CelError(f"unsupported function {name}() with {len(args)} argument(s)")
        return lambda env: function(*(a(env) for a in args))


def _variable(env: Env, name: str) -> Any:
    try:
        return env[name]
    except KeyError:
        raise CelError(f"undeclared reference to {name!r}") from None


def _select(target: Compiled, name: str) -> Compiled:
    def select(env: Env) -> Any:
        value = target(env)
        if not isinstance(value, dict):
            raise CelError(f"cannot select {name!r} from a {type(value).__name__}")
        try:
            return value[name]
        except KeyError:
            raise CelError(f"no such key: {name}") from None
    select.selection = (target, name)  # type: ignore[attr-defined]  # read by has()
    return select


def _index(target: Compiled, index: Compiled) -> Compiled:
    def get(env: Env) -> Any:
        value, key = target(env), index(env)
        try:
            if isinstance(value, list) and (not isinstance(key, int) or isinstance(key, bool) or key < 0):
                raise IndexError
            return value[key]
        except (IndexError, KeyError, TypeError):
            raise CelError(f"no such key or index: {key!r}") from None
    return get


def _logic(op: str, left: Compiled, right: Compiled) -> Compiled:
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


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CelError(f"expected a number, got {type(value).__name__}")
    return value


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return isinstance(a, Duration) == isinstance(b, Duration)
    return type(a) is type(b) or (isinstance(a, str) and isinstance(b, str))


def _arith(op: str, left: Compiled, right: Compiled) -> Compiled:
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
        x, y = _number(a), _number(b)
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


def _macro(name: str, target: Compiled, var: str, body: Compiled) -> Compiled:
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


_METHODS: dict[tuple[str, int], Callable[..., Any]] = {
    ("size", 0): _size,
    ("matches", 1): _string(lambda s, p: _regex(p).search(s) is not None),
    ("startsWith", 1): _string(lambda s, p: s.startswith(p)),
    ("endsWith", 1): _string(lambda s, p: s.endswith(p)),
    ("contains", 1): _string(lambda s, p: p in s),
    ("split", 1): _string(lambda s, sep: s.split(sep)),
    ("split", 2): _string(lambda s, sep, n: [] if n == 0 else s.split(sep, n - 1 if n > 0 else -1)),
}
_FUNCTIONS: dict[tuple[str, int], Callable[..., Any]] = {
    ("size", 1): _size,
    ("duration", 1): _duration,
}


@functools.cache
def compile_rule(rule: str) -> Compiled:
    """A rule as a function of {"self": value}; CelError for a construct outside the supported subset."""
    return _Parser(rule).parse()


def is_transition_rule(rule: str) -> bool:
    """A rule reading oldSelf applies to updates only, which lint cannot see."""
    return re.search(r"\boldSelf\b", rule) is not None


def evaluate(rule: str, value: Any) -> bool:
    """Whether `value` passes `rule`; CelError when evaluating it errs (the API server then rejects it)."""
    try:
        result = compile_rule(rule)({"self": value})
    except (ArithmeticError, TypeError, ValueError, RecursionError) as e:  # an overload this subset lacks
        raise CelError(f"{type(e).__name__}: {e}") from None
    if not isinstance(result, bool):
        raise CelError(f"rule returned {type(result).__name__}, not bool")
    return result
