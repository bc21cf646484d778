"""``python -m sandbox [--port N]``: serve the district in the foreground."""

from sandbox.cmd import main

main()
