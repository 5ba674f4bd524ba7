"""A spec file, and the stack configs beside it, as they were at a git ref (`diff --base-ref`, `pin --base-ref`)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from iapgen.spec.yamllimits import MAX_BYTES  # the cap a spec on disk has; the same at a ref


class GitRefError(Exception):
    """The ref or the file at it cannot be read; the message says which and why, in one line."""


@dataclass(frozen=True)
class AtRef:
    spec: str  # the spec's text at the ref
    stack_configs: dict[str, str]  # Pulumi.<stack>.yaml beside it at the ref: file name -> text


def read_at_ref(ref: str, spec: Path) -> AtRef:
    folder = spec.resolve().parent
    try:
        top = Path(_git(folder, "rev-parse", "--show-toplevel").strip())
        rel = spec.resolve().relative_to(top)
        # The ref is resolved to a commit id first, so no value the user passes reaches git as an option
        # (--base-ref=--output=FILE), and paths go after "--" (a folder may be called --full-tree).
        commit = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").strip()
        text = _show(top, commit, rel.as_posix(), spec, ref)
        configs = {}
        folder_spec = [f"{rel.parent.as_posix()}/"] if rel.parent.parts else []
        for name in _git(top, "ls-tree", "--name-only", "-z", commit, "--", *folder_spec).split("\0"):
            base = Path(name).name
            if base.startswith("Pulumi.") and base.endswith(".yaml"):
                configs[base] = _show(top, commit, name, Path(name), ref)
    except subprocess.CalledProcessError as err:
        why = (err.stderr or "").strip() or ("no such commit" if "rev-parse" in err.cmd
                                             else f"git exited {err.returncode}")
        raise GitRefError(f"cannot read {spec} at {ref!r}: {' '.join(why.split())}") from None
    except (ValueError, OSError, UnicodeDecodeError) as err:
        raise GitRefError(f"cannot read {spec} at {ref!r}: {err}") from None
    return AtRef(text, configs)


def _show(top: Path, commit: str, path: str, shown: Path, ref: str) -> str:
    """A file's text at the commit, refused (before git prints it) past the size a file on disk may have."""
    size = int(_git(top, "cat-file", "-s", f"{commit}:{path}").strip() or 0)
    if size > MAX_BYTES:
        raise GitRefError(f"cannot read {shown} at {ref!r}: larger than {MAX_BYTES // (1024 * 1024)} MiB "
                          f"({size:,} bytes); a spec that size is refused on disk too")
    return _git(top, "show", f"{commit}:{path}")


def _git(cwd: Path, *args: str) -> str:
    # Specs are UTF-8 whatever the locale says (cp1252 on Windows); bytes that are not raise UnicodeDecodeError.
    return subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True,
                          encoding="utf-8").stdout
