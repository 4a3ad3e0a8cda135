"""Settings for every pitwall process, read from `PITWALL_*` environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PITWALL_", extra="ignore")

    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_password: SecretStr | None = None
    redis_timeout_seconds: float = Field(2.0, gt=0)
    redis_retries: int = Field(2, ge=0)
    job_retention_seconds: int = Field(7 * 24 * 3600, gt=0)
    key_prefix: str = "pitwall:v1"

    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_timeout_seconds: float = Field(3.0, gt=0)

    prefect_api_url: str = "http://127.0.0.1:4200/api"
    deployment_name: str = "optimize-slate/optimize-slate"
    work_pool: str = "pitwall"
    # A Dask scheduler (tcp://host:8786) for the scenario shards; empty runs them on the flow's thread pool.
    dask_address: str = ""

    ready_timeout_seconds: float = Field(3.0, gt=0)
    # A non-terminal job not touched for this long is checked against the Prefect API on read.
    reconcile_after_seconds: float = Field(20.0, gt=0)
    reconcile_interval_seconds: float = Field(30.0, gt=0)
    max_body_bytes: int = Field(1_000_000, gt=0)

    history_csv: Path | None = None


@lru_cache
def get_settings() -> Settings:
    return Settings()
