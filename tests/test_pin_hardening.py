"""pin and diff --base-ref: the size cap a file on disk has, and U+2028 inside a quoted value (issue 24 item 10)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from iapgen.spec.yamllimits import MAX_BYTES
from tests.conftest import REPO, run_cli, write_spec
from tests.test_pin import HEAD, entry, git


def test_a_spec_at_a_ref_past_the_cap_is_refused_before_it_is_read(tmp_path: Path) -> None:
    spec = tmp_path / "services.yaml"
    with spec.open("w") as handle:  # valid YAML, one comment past the cap
        handle.write(HEAD + entry(0) + "# " + "x" * (MAX_BYTES + 1024) + "\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "services.yaml")
    git(tmp_path, "commit", "-qm", "big")
    write_spec(tmp_path, HEAD + entry(0))
    for command in ("pin", "diff"):
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking pytest process across exec
        code = ("import re, sys; from iapgen.cli import main; code = main(sys.argv[1:]); "
                "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1), file=sys.stderr); "
                "sys.exit(code)")
        proc = subprocess.run([sys.executable, "-c", code, command, "--spec", str(spec), "--base-ref", "HEAD"],
                              capture_output=True, text=True, cwd=REPO, timeout=300)
        assert proc.returncode == 1, (command, proc.stderr[-500:])
        assert "larger than 16 MiB" in proc.stderr and "Traceback" not in proc.stderr
        peak_kib = int(proc.stderr.strip().splitlines()[-1])
        assert peak_kib < 200 * 1024, (command, peak_kib)  # the blob was not read into memory


def test_u2028_inside_a_quoted_value_is_pinned_at_the_right_line(tmp_path: Path) -> None:
    text = HEAD + "".join(entry(i) for i in range(16))
    text = text.replace("  - name: app0\n",
                        '  - name: app0\n    iap: {enabled: false, reason: "legacy\u2028app, public on purpose"}\n', 1)
    spec = tmp_path / "services.yaml"
    spec.write_text(text, encoding="utf-8")
    result = run_cli("pin", "--spec", spec)
    assert result.code == 0, result.err
    lines = result.out.split("\n")
    at = lines.index("  - name: app15")
    assert lines[at + 1] == "    ingress: 2"
    assert result.out.replace("    ingress: 2\n", "", 1) == text
