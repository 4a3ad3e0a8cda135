"""The contest's one error, raised by its payouts, field, scoring and evaluation alike.

Alone so that none of those modules imports another only to raise it.
"""


class ContestError(ValueError):
    """A payout table or field that cannot describe a contest."""
