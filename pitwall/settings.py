"""Settings for every pitwall process, read from `PITWALL_*` environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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

    # Seconds between a flow task's retries when Redis or Neo4j does not answer. A blip is over after the
    # first; the later ones outlast a restart of Neo4j (about a minute on a small machine).
    store_retry_delays: list[float] = Field(default_factory=lambda: [1, 2, 4, 8, 16, 32], max_length=10)

    prefect_api_url: str = "http://127.0.0.1:4200/api"
    # "user:password" of a Prefect server behind basic auth (its PREFECT_SERVER_API_AUTH_STRING). Unset, the
    # API sends Prefect's own PREFECT_API_AUTH_STRING if that is set, and nothing otherwise.
    prefect_auth_string: SecretStr | None = None
    deployment_name: str = "optimize-slate/optimize-slate"
    # How long the API waits for the Prefect server to answer one call (a check on submit, creating a
    # job's flow run, reading its state) before it answers 503 or tries again.
    prefect_timeout_seconds: float = Field(20.0, gt=0)
    # Flow runs the API creates at once; accepted jobs beyond it wait, pending, in the API's queue.
    dispatch_concurrency: int = Field(4, ge=1, le=64)
    # While submissions are being answered the API creates no flow runs, for at most this long after a job
    # was accepted; 0 creates each as soon as its job is accepted.
    dispatch_hold_seconds: float = Field(5.0, ge=0, le=60)
    work_pool: str = "pitwall"
    # A running flow run silent this long is marked Crashed (deployments/zombies.py registers the automation).
    zombie_after_seconds: float = Field(600.0, gt=0)
    # A Dask scheduler (tcp://host:8786) for the scenario shards; empty runs them on the flow's thread pool.
    dask_address: str = ""

    ready_timeout_seconds: float = Field(3.0, gt=0)
    # A non-terminal job not touched for this long is checked against the Prefect API on read.
    reconcile_after_seconds: float = Field(20.0, gt=0)
    reconcile_interval_seconds: float = Field(30.0, gt=0)
    max_body_bytes: int = Field(1_000_000, gt=0)
    # Write endpoints want one of these in X-API-Key; with none the API is open, as the local stack runs.
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    # Per key and per API process: each process keeps its own buckets.
    rate_limit_per_minute: int = Field(120, ge=1)
    # No origins, no CORS middleware: browsers on other origins get no access.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Host header values the API answers (port ignored); any other gets 400. "*" allows any, "*.example.com"
    # its subdomains. The default, loopback names only, matches a stack that listens on 127.0.0.1.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["127.0.0.1", "localhost", "::1"])

    history_csv: Path | None = None

    @field_validator("api_keys", "cors_origins", "allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
