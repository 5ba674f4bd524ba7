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
from typing import Any

from iapgen.lint import cel_runtime as runtime
from iapgen.lint.cel_runtime import MACROS, CelError, Compiled, Duration, Env

__all__ = ["CelError", "Duration", "compile_rule", "evaluate", "field_name", "is_transition_rule"]


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
            left = runtime.logic(op, left, right) if op in ("||", "&&") else runtime.arith(op, left, right)
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
            return lambda env: -runtime.number(inner(env))
        return self.member()

    def member(self) -> Compiled:
        node = self.primary()
        while self.at(".", "["):
            if self.take()[1] == "[":
                index = self.conditional()
                self.take("]")
                node = runtime.index(node, index)
                continue
            kind, name = self.take()
            if kind != "id":
                raise CelError(f"expected a name after '.', found {name!r}")
            node = self.call(node, name) if self.at("(") else runtime.select(node, field_name(name))
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
            return runtime.macro(name, target, var, body)
        args = self.arguments()
        method = runtime.METHODS.get((name, len(args)))
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
            return lambda env: runtime.variable(env, name)
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
        function = runtime.FUNCTIONS.get((name, len(args)))
        if function is None:
            raise CelError(f"unsupported function {name}() with {len(args)} argument(s)")
        return lambda env: function(*(a(env) for a in args))


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
