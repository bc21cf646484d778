"""The simulated district of scan-to-order merchants (qraudit's test bed).

``from sandbox.server import SandboxServer``; see :mod:`sandbox.server`.
"""
