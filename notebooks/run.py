"""Run an analyst notebook from the command line, with parameters, and keep the executed copy.

    python notebooks/run.py 01-district-overview.ipynb
    python notebooks/run.py 02-merchant-drilldown.ipynb -p RUN_ID 20261130T091500Z-demo -p MERCHANT_ID b91bf3b1c509
    python notebooks/run.py 03-rectification.ipynb -p RUN_A 20261130T091500Z-demo -p RUN_B 20261207T091500Z-demo

Papermill-style: the values given with ``-p NAME VALUE`` are assigned in a cell inserted
after the notebook's cell tagged ``parameters`` (papermill itself works too).  Without
them each notebook picks its runs itself (the latest run of the demo district that
audited merchants; see its first cell).  The data folder is ``--data``, else
``$QRAUDIT_DATA``, else ``./data``.  The executed notebook, with its tables and charts,
is written to ``<data>/notebooks/<name>`` (``--out`` to choose); what the notebook
prints is echoed here.  Exit status 1 when a cell fails (its error is shown).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent


def find(name: str) -> Path:
    """The notebook ``name``: a path, or a file name in this folder (``.ipynb`` optional)."""
    for cand in (Path(name), HERE / name, HERE / f"{name}.ipynb"):
        if cand.is_file():
            return cand
    known = ", ".join(p.name for p in sorted(HERE.glob("*.ipynb")))
    raise SystemExit(f"run.py: no notebook {name!r} (known: {known})")


def with_parameters(nb: nbformat.NotebookNode, params: dict[str, str]) -> nbformat.NotebookNode:
    """Insert ``NAME = 'value'`` assignments after the ``parameters`` cell (at the top when none)."""
    if not params:
        return nb
    src = "# injected by notebooks/run.py\n" + "".join(f"{k} = {v!r}\n" for k, v in params.items())
    cell = nbformat.v4.new_code_cell(src, metadata={"tags": ["injected-parameters"]})
    at = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), 0)
    nb.cells.insert(at, cell)
    return nb


def execute(path: Path, params: dict[str, str] | None = None, timeout: int = 600) -> nbformat.NotebookNode:
    """Execute the notebook at ``path`` in a fresh kernel (working folder: this one); return it.
    Raises ``nbclient.exceptions.CellExecutionError`` when a cell fails."""
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")  # no "Jupyter is migrating its paths" warning
    nb = with_parameters(nbformat.read(path, as_version=4), dict(params or {}))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(HERE)}},
                            # the kernel's "running over TCP without encryption" warning is no news here
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    # The kernel process's own log (not what cells print: that comes back as outputs) goes to a
    # file: ipykernel 7 may log a ZMQ error while it shuts down after the last cell has run.
    # It is shown only when the run fails, where it can explain a dead kernel.
    with tempfile.TemporaryFile(mode="w+") as log:
        try:
            client.execute(stderr=log)
        except BaseException:
            log.seek(0)
            if text := log.read().strip():
                print(f"run.py: the kernel's log:\n{text}", file=sys.stderr)
            raise
    return nb


def printed(nb: nbformat.NotebookNode) -> str:
    """What the notebook's cells printed (stream outputs), in order."""
    return "".join(out.get("text", "") for c in nb.cells for out in c.get("outputs", [])
                   if out.get("output_type") == "stream")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python notebooks/run.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("notebook", help="e.g. 01-district-overview.ipynb")
    ap.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                    help="set a parameter (RUN_ID, MERCHANT_ID, RUN_A, RUN_B, DISTRICT)")
    ap.add_argument("--data", help="data folder (default $QRAUDIT_DATA or ./data)")
    ap.add_argument("--out", help="where to write the executed notebook (default <data>/notebooks/<name>)")
    args = ap.parse_args(argv)
    path = find(args.notebook)
    if args.data:
        os.environ["QRAUDIT_DATA"] = str(Path(args.data).resolve())
    else:  # the kernel runs in notebooks/: give it the data folder as seen from here
        os.environ["QRAUDIT_DATA"] = str(Path(os.environ.get("QRAUDIT_DATA") or "data").resolve())
    out = Path(args.out) if args.out else Path(os.environ["QRAUDIT_DATA"]) / "notebooks" / path.name
    try:
        nb = execute(path, dict(args.parameter))
        failed = None
    except CellExecutionError as exc:
        nb, failed = None, exc
    if failed is not None:
        print(f"run.py: {path.name} failed:\n{failed}", file=sys.stderr)
        return 1
    sys.stdout.write(printed(nb))
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    print(f"executed notebook: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
