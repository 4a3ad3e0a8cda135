"""The limits of a request, defined here only: whatever enforces them (the solver, too) imports them."""

MAX_DRIVERS = 80
MAX_SCENARIOS = 100_000
MAX_LINEUPS = 150
MAX_ENTRIES = 200_000
MAX_ENTRY_FEE = 10_000
MAX_PAYOUT_ROWS = 1_000
MAX_GROUPS = 50
MAX_ENTRIES_CSV = 500_000
