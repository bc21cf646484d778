"""``python -m sandbox [--port N]``: serve the district in the foreground."""

from sandbox.serve import main

main()
