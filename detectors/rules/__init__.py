"""Rule families; importing this package registers every rule (detectors.base.REGISTRY)."""

from detectors.rules import (  # noqa: F401
    consent,
    fields,
    follow,
    leak,
    membership,
    permissions,
    phone,
    profile,
)
