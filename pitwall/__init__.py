"""pitwall: tournament portfolios of NASCAR DraftKings lineups.

The domain package: rules, slates, simulation, portfolio, contest and stores.
It imports neither Prefect nor FastAPI; flows, tasks and the service are thin layers over it.
"""

__version__ = "0.1.0"
