"""A seeded mutation fuzzer for everything iapgen reads: specs and anyone's manifests.

Each case starts from a real input (the example spec, rendered objects, real-world manifests,
rule examples) and applies a few hostile mutations: byte noise, broken structure, tabs,
anchors and alias bombs, deep nesting, huge numbers and strings, wrong types, non-UTF-8,
empty files. `run_case` feeds the bytes to `iapgen lint` and to spec validation, the way the
command line does, and reports what went wrong; the same seed gives the same cases.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from iapgen.errors import SpecError
from iapgen.lint.command import lint
from iapgen.lint.docs import full_spec
from iapgen.lint.examples import EXAMPLES
from iapgen.spec.validate import validate_document
from iapgen.spec.yamlsource import decode, parse_all

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CASE_SECONDS = 5.0

TOKENS = [b"&a ", b"*a", b"<<: *a\n", b"!!python/object/apply:os.system ['true']", b"!!binary aGk=", b"[", b"]",
          b"{", b"}", b"- ", b": ", b"? ", b"%YAML 1.1\n", b"---\n", b"...\n", b"\t", b"\x00", b"\xff\xfe", b"\r",
          b"'", b'"', b"|\n", b">-\n", b"#", b"~", b"null", b"yes", b"no", b".inf", b"-.nan", b"0x1F", b"0o17",
          b"1e999", b"9" * 400, b"2001-12-14t21:59:43.10-05:00", b"\xe2\x80\xae", b"\xf0\x9f\x92\xa5"]


def corpus() -> list[bytes]:
    seeds = [(REPO / "services.yaml").read_bytes()]
    for example in (e for examples in EXAMPLES.values() for e in examples):
        seeds += [full_spec(example, example.bad).encode(), full_spec(example, example.good).encode()]
    if (SHARED / "real-world").is_dir():
        seeds += [p.read_bytes() for p in sorted((SHARED / "real-world").glob("*.yaml"))]
    return seeds


def _flip(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    i = rng.randrange(len(data))
    return data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]


def _insert_token(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + rng.choice(TOKENS) + data[i:]


def _lines(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    if len(lines) < 2:
        return data + b"\n" + data
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    op = rng.randrange(4)
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(i, lines[j])
    elif op == 2:
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines[i] = b" " * rng.choice([1, 3, 7]) + lines[i]
    return b"\n".join(lines)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _huge_value(rng: random.Random, data: bytes) -> bytes:
    big = rng.choice([b"9" * rng.choice([20, 70, 5000]), b"x" * rng.choice([64, 300, 200_000]),
                      b"-1", b"0", b"65536", b"3.5", b"true", b"[1, 2]", b"{a: 1}", b"''", b"null"])
    positions = [i + 2 for i in range(len(data) - 1) if data[i:i + 2] == b": "]
    if not positions:
        return data + b"\nx: " + big
    i = rng.choice(positions)
    end = data.find(b"\n", i)
    return data[:i] + big + (data[end:] if end >= 0 else b"")


def _alias_bomb(rng: random.Random, data: bytes) -> bytes:
    width = rng.choice([2, 10, 30])
    depth = rng.choice([3, 8, 12])
    lines = [b"l0: &l0 [" + b", ".join([b"x"] * width) + b"]"]
    for d in range(1, depth):
        lines.append(b"l%d: &l%d [" % (d, d) + b", ".join([b"*l%d" % (d - 1)] * width) + b"]")
    return b"\n".join(lines) + b"\n" + data


def _deep(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([50, 150, 2000])
    if rng.random() < 0.5:
        return b"deep: " + b"[" * depth + b"]" * depth + b"\n" + data
    return b"".join(b" " * i + b"k:\n" for i in range(min(depth, 300))) + data


def _encoding(rng: random.Random, data: bytes) -> bytes:
    return rng.choice([data.decode("utf-8", "replace").encode("utf-16"), b"\xef\xbb\xbf" + data,
                       data.replace(b"\n", b"\r\n"), data + b"\x80\x81", b""])


MUTATORS: list[Callable[[random.Random, bytes], bytes]] = [
    _flip, _insert_token, _insert_token, _lines, _lines, _truncate, _huge_value, _huge_value, _alias_bomb, _deep,
    _encoding]


@dataclass
class Outcome:
    seconds: float
    problem: str | None


def cases(seed: int, count: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    seeds = corpus()
    for _ in range(count):
        data = rng.choice(seeds)
        for _ in range(rng.choice([1, 1, 2, 3])):
            data = rng.choice(MUTATORS)(rng, data)
        yield data


def run_case(data: bytes) -> Outcome:
    """Lint and validate one input; `problem` says what broke the contract, None when all held."""
    started = time.monotonic()
    try:
        result = lint(["-"], stdin=data)
        for finding in result.findings:
            if "\n" in str(finding) or not finding.rule:
                return Outcome(time.monotonic() - started, f"lint finding not one line: {finding!r}")
        try:
            documents = parse_all(decode(data, "services.yaml"), "services.yaml")
            for document in documents:
                validate_document(document)
        except SpecError as err:
            for finding in err.findings:
                if "\n" in str(finding) or not finding.rule:
                    return Outcome(time.monotonic() - started, f"spec finding not one line: {finding!r}")
    except Exception as err:  # the contract: never a traceback
        return Outcome(time.monotonic() - started, f"{type(err).__name__}: {err}")
    elapsed = time.monotonic() - started
    if elapsed > CASE_SECONDS:
        return Outcome(elapsed, f"took {elapsed:.1f}s")
    return Outcome(elapsed, None)


# Shapes whose cost could grow faster than the input (issue 16): the fuzz suite runs them at CI sizes,
# bench/run.py at 250 and 1,000 objects.

def shared_selector(n: int) -> bytes:
    """N Services and N Deployments in one namespace, every Service selecting every Deployment, half of
    them by a named targetPort, all with one BackendConfig whose health check probes the container port."""
    docs = ["apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata: {name: shared, namespace: crowd}\n"
            "spec:\n  healthCheck: {type: HTTP, port: 8080, requestPath: /healthz}\n"]
    for i in range(n):
        target = "http" if i % 2 else "8080"
        docs.append(f"apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: crowd\n  annotations:\n"
                    f"    cloud.google.com/neg: '{{\"ingress\": true}}'\n"
                    f"    cloud.google.com/backend-config: '{{\"default\": \"shared\"}}'\n"
                    f"spec:\n  selector: {{app: crowd}}\n  ports:\n  - {{port: 80, targetPort: {target}}}\n")
        docs.append(f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app-{i}, namespace: crowd}}\nspec:\n"
                    "  selector: {matchLabels: {app: crowd}}\n  template:\n    metadata: {labels: {app: crowd}}\n"
                    f"    spec:\n      containers:\n      - name: app\n        image: nginx\n"
                    f"        args: [--listen=0.0.0.0:8080]\n        ports: [{{name: http, containerPort: 8080}}]\n")
    return "---\n".join(docs).encode()


def near_miss(n: int) -> bytes:
    """N BackendConfigs and N Services in one namespace, each Service naming a BackendConfig that is
    one letter off: every reference is unresolved and every name is close to every other."""
    return _unresolved(n, "near", lambda i: f"backend-config-{i:05d}", lambda i: f"backend-config-{i:05d}x")


def unmatched_names(n: int) -> bytes:
    """N BackendConfigs and N Services in one namespace and file, each Service naming a BackendConfig that
    nothing resembles: every finding could name every BackendConfig that does exist."""
    return _unresolved(n, "far", lambda i: f"bc-{i:05d}", lambda i: f"{'q' * 12}-{i}")


def _unresolved(n: int, namespace: str, defined: Callable[[int], str], named: Callable[[int], str]) -> bytes:
    """N BackendConfigs `defined(i)` and N Services whose backend-config names `named(i)`, in one namespace."""
    docs = []
    for i in range(n):
        docs.append(f"apiVersion: cloud.google.com/v1\nkind: BackendConfig\n"
                    f"metadata: {{name: {defined(i)}, namespace: {namespace}}}\nspec: {{timeoutSec: 30}}\n")
        docs.append(f"apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: {namespace}\n"
                    f"  annotations:\n    cloud.google.com/backend-config: '{{\"default\": \"{named(i)}\"}}'\n"
                    f"spec:\n  selector: {{app: svc-{i}}}\n  ports:\n  - {{port: 80, targetPort: 8080}}\n")
    return "---\n".join(docs).encode()


def many_environments(services: int, environments: int) -> bytes:
    """A spec whose environments all share one anchored definition: small text, environments x services. Each
    merges it with a domain of its own (a host belongs to one environment, HOST_MULTI_ENV)."""
    lines = ["environments:", "  e0: &env", "    project: acme-dev", "    domain: e0.acme.example",
             "    iap: {members: ['group:eng@acme.example']}"]
    lines += [f"  e{i}: {{<<: *env, domain: e{i}.acme.example}}" for i in range(1, environments)]
    lines.append("services:")
    for i in range(services):
        lines += [f"  - name: svc{i}", f"    namespace: team{i // 15}", f"    selector: {{app: svc{i}}}",
                  "    port: 80", "    targetPort: 8080", "    protocol: HTTP", "    healthCheck: {path: /healthz}"]
    return ("\n".join(lines) + "\n").encode()


def flat_list(size: int) -> bytes:
    """One flow list of `size` bytes with no anchor: as many values as the text allows."""
    return b"x: [" + b"1," * (size // 2 - 4) + b"1]\n"


def tiny_documents(size: int) -> bytes:
    """`size` bytes of one-value documents."""
    return b"a: 1\n---\n" * (size // 9)
