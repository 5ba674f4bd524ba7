"""Multi-cluster Gateway mode at scale (issue 26), on this machine, in one run:

    .venv/bin/python bench/multicluster.py [--quick]

- render of 500 services over 3 clusters (each service in every member, so 3 Services and 3 ServiceExports
  each), wall time, against the bare Pulumi program that registers the same resources under the same mocks (the
  ratio is what bench/run.py reports for ingress mode);
- 300 services over 3 clusters, every one moved to a single member: render both revisions and `iapgen diff`
  them; the report must fit one PR comment (COMMENT_LIMIT) with every table row kept.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from run import PROTOCOLS, median_pair, run_bare, timed  # noqa: E402

from iapgen.operations.diff import COMMENT_LIMIT, report  # noqa: E402
from iapgen.render.command import plan, render, write  # noqa: E402

CLUSTERS = [{"name": n, "context": f"gke_acme-dev_{r}_apps-{n}"}
            for n, r in (("west", "europe-west1"), ("east", "us-east1"), ("south", "asia-south1"))]
STACK = "config:\n  iapgen:oauthClientSecret:\n    secure: v1:cGxhY2Vob2xkZXI=\n"


def spec(n: int) -> dict[str, Any]:
    services = []
    for i in range(n):
        protocol, port, target = PROTOCOLS[i % 3]
        services.append({"name": f"svc{i}", "namespace": f"team{i // 15}", "selector": {"app": f"svc{i}"},
                         "port": port, "targetPort": target, "protocol": protocol,
                         "healthCheck": {"path": "/healthz", "checkIntervalSec": 10, "timeoutSec": 5},
                         "iap": {"members": [f"user:owner{i}@acme.example"]}})
    return {"environments": {"dev": {
        "project": "acme-dev", "domain": "dev.acme.example", "loadBalancer": "multicluster-gateway",
        "clusters": CLUSTERS, "configCluster": "west",
        "iap": {"members": ["group:eng@acme.example"], "oauthClientId": "1234-abcd.apps.googleusercontent.com"}}},
        "services": services}


def write_spec(folder: Path, data: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.dev.yaml").write_text(STACK)
    path = folder / "services.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each instead of three")
    runs = 1 if parser.parse_args().quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = write_spec(root / "n500", spec(500))
        first = render(str(path), "dev")
        entries = [e for e in plan(first.run) if not e["type"].startswith("pulumi:providers:")]
        objects = sum(1 for f in first.files if f.startswith("k8s/"))
        ours, floor = median_pair(lambda: render(str(path), "dev"), lambda: run_bare(entries), runs)
        print("| measure | iapgen | baseline | ratio |")
        print("|---|---|---|---|")
        print(f"| render, 500 services x 3 clusters ({len(first.run.resources):,} resources, {objects:,} objects) | "
              f"{ours:.2f} s | bare Pulumi program {floor:.2f} s | {ours / floor:.2f}x |")
        base = spec(300)
        head = copy.deepcopy(base)
        for i, entry in enumerate(head["services"]):
            entry["clusters"] = [CLUSTERS[i % 3]["name"]]
        folders = {}
        seconds = []
        for name, data in (("base", base), ("head", head)):
            spec_path = write_spec(root / f"spec-{name}", data)
            seconds.append(timed(lambda p=spec_path, n=name: write(root / n, render(str(p), "dev").files)))
            folders[name] = root / name
        diff_seconds = statistics.median([timed(lambda: report(folders["base"], folders["head"]))])
        text = report(folders["base"], folders["head"])
        rows = text.count("| changed | clusters ")
        print(f"| render, 300 services x 3 clusters (base, head) | {seconds[0]:.2f} s, {seconds[1]:.2f} s | | |")
        print(f"| iapgen diff, 300 services moved to one cluster | {diff_seconds:.2f} s, {len(text):,} characters, "
              f"{rows} rows | one comment: {COMMENT_LIMIT:,} | {len(text) / COMMENT_LIMIT:.2f} |")
        return 0 if len(text) <= COMMENT_LIMIT and rows == 300 else 1


if __name__ == "__main__":
    sys.exit(main())
