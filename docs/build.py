"""Build the documentation: ``python docs/build.py``.

1. ``docs/make_gallery.py`` makes the generated pictures and plots (``docs/_generated/``);
   ``--skip-generate`` reuses the ones already there.
2. Sphinx builds the HTML with warnings as errors (``-W --keep-going``) into
   ``docs/_build/html``.

Needs ``pip install -e ".[docs]"``. Pictures that run the pipeline read the public weights
from ``$SMARTCROP_WEIGHTS_DIR``, by default ``../shared/weights`` when that folder is there.
Exits non-zero, saying which step failed, if either step fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATOR = DOCS / "make_gallery.py"
OUTPUT = DOCS / "_build" / "html"
SHARED_WEIGHTS = ROOT.parent / "shared" / "weights"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python docs/build.py",
        description="Generate the pictures (docs/make_gallery.py), then build the HTML "
        "with Sphinx, warnings as errors, into docs/_build/html.",
    )
    parser.add_argument(
        "--skip-generate",
        action="store_true",
        help="reuse the pictures already in docs/_generated instead of making them again",
    )
    parser.add_argument(
        "--output", type=Path, default=OUTPUT, help="HTML folder (default docs/_build/html)"
    )
    return parser.parse_args(argv)


def environment() -> dict[str, str]:
    """The environment of both steps: local weights when the shared folder is beside us."""
    env = dict(os.environ)
    if "SMARTCROP_WEIGHTS_DIR" not in env and SHARED_WEIGHTS.is_dir():
        env["SMARTCROP_WEIGHTS_DIR"] = str(SHARED_WEIGHTS)
    return env


def run(step: str, command: list[str], env: dict[str, str]) -> None:
    print(f"docs/build.py: {step}: {' '.join(command)}", flush=True)
    completed = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if completed.returncode != 0:
        sys.exit(f"docs/build.py: {step} failed (exit status {completed.returncode}); see above")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = environment()
    if args.skip_generate:
        print("docs/build.py: --skip-generate: reusing docs/_generated", flush=True)
    elif GENERATOR.is_file():
        run("generating pictures", [sys.executable, str(GENERATOR)], env)
    else:
        print(f"docs/build.py: {GENERATOR.relative_to(ROOT)} is not here; nothing to generate")
    output = args.output.resolve()
    sphinx = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html"]
    run("building HTML", [*sphinx, str(DOCS), str(output)], env)
    print(f"docs/build.py: the HTML is in {output} (open {output / 'index.html'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
