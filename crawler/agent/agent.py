"""The order agent: plays a diner who scanned the table QR code, records a trace.

The agent lives in rooms named after what a diner does; this module is its
front door: :class:`~crawler.agent.walk.OrderAgent` (the walk over them),
:class:`~crawler.agent.session.Finished` (how a visit ends) and the submit guard.
"""

from crawler.agent.session import RANK, Ctx, Finished, may_submit, submit_decision
from crawler.agent.walk import OrderAgent

__all__ = ["RANK", "Ctx", "Finished", "OrderAgent", "may_submit", "submit_decision"]
