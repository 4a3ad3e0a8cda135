"""docker-compose.yml holds to the Compose specification and to what pitwall's services need, checked
without a container engine.

The schema is the compose-spec JSON schema that check-jsonschema ships (a pinned test dependency). As
Compose does, variables are interpolated before validation, each with its default.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT

COMPOSE = ROOT / "docker-compose.yml"
ONE_SHOT = {"register"}

_VARIABLE = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's substitution: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        escaped, name, operator, argument, bare = match.groups()
        if escaped:
            return "$"
        name = name or bare
        present = name in env
        if operator in (":-", ":?") and not env.get(name):
            present = False
        if present:
            return env[name]
        if operator and operator.endswith("?"):
            raise KeyError(f"${{{name}}} is required: {argument}")
        return argument if operator else ""

    return _VARIABLE.sub(substitute, value)


def as_int(value: Any) -> Any:
    """After interpolation Compose reads numeric strings as numbers."""
    return int(value) if isinstance(value, str) and value.isdigit() else value


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def compose(raw: dict[str, Any]) -> dict[str, Any]:
    document = interpolate(raw, env={})
    for service in document["services"].values():
        if "replicas" in service.get("deploy", {}):
            service["deploy"]["replicas"] = as_int(service["deploy"]["replicas"])
    return document


def spec_errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads((resources.files("check_jsonschema") / "builtin_schemas/vendor/compose-spec.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
            for error in validator.iter_errors(document)]


def test_the_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    assert spec_errors(compose) == []


def _break(document: dict[str, Any], how: str) -> dict[str, Any]:
    broken = json.loads(json.dumps(document))
    services = broken["services"]
    if how == "unknown condition":
        services["api"]["depends_on"]["redis"] = {"condition": "service_ready"}
    elif how == "misspelt key":
        services["api"]["healthchek"] = services["api"].pop("healthcheck")
    elif how == "volumes not a list":
        services["redis"]["volumes"] = "redis-data:/data"
    elif how == "replicas not a number":
        services["worker"]["deploy"]["replicas"] = [2]
    return broken


@pytest.mark.parametrize("how", ["unknown condition", "misspelt key", "volumes not a list", "replicas not a number"])
def test_the_schema_check_refuses_what_compose_refuses(compose: dict[str, Any], how: str) -> None:
    assert spec_errors(_break(compose, how)) != []


def test_every_variable_has_a_default_so_the_file_runs_unconfigured(raw: dict[str, Any]) -> None:
    text = COMPOSE.read_text()
    bare = [m.group(0) for m in _VARIABLE.finditer(text) if m.group(1) is None and m.group(3) is None]
    assert bare == [], f"variables without a default: {bare}"
    interpolate(raw, env={})


def test_every_long_running_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name in ONE_SHOT:
            assert service.get("restart") == "no", f"{name} runs once"
            continue
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no healthcheck"


def test_services_wait_on_the_health_of_what_they_need(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        needs = service.get("depends_on", {})
        assert isinstance(needs, dict), f"{name}: depends_on without conditions starts before its needs are up"
        for needed, how in needs.items():
            want = "service_completed_successfully" if needed in ONE_SHOT else "service_healthy"
            assert how.get("condition") == want, f"{name} waits on {needed} with {how}"
    for name in ("worker", "api"):
        assert {"register", "redis", "neo4j"} <= set(services[name]["depends_on"]), name
    assert set(services["register"]["depends_on"]) == {"prefect"}


def test_redis_keeps_acknowledged_writes_on_a_volume(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    data = [volume for volume in redis["volumes"] if volume.split(":")[1] == "/data"]
    assert data and data[0].split(":")[0] in compose["volumes"]


def test_neo4j_is_the_5_26_line_with_no_usage_report(compose: dict[str, Any]) -> None:
    neo4j = compose["services"]["neo4j"]
    assert re.fullmatch(r"neo4j:5\.26(\.\d+)?(-community)?", neo4j["image"]), neo4j["image"]
    assert neo4j["environment"]["NEO4J_dbms_usage__report_enabled"] == "false"


def test_postgresql_backs_the_prefect_server(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    prefect = services["prefect"]
    url = prefect["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    assert re.fullmatch(r"postgresql\+asyncpg://[^:@]+:[^@]*@postgres:5432/\w+", url), url
    assert prefect["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "postgres" in services and any(v.startswith("postgres-data:") for v in services["postgres"]["volumes"])


def test_configuration_comes_from_the_environment(raw: dict[str, Any], compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("worker", "api", "register"):
        env = services[name]["environment"]
        for key in ("PITWALL_REDIS_URL", "PITWALL_NEO4J_URI", "PITWALL_PREFECT_API_URL", "PREFECT_API_URL"):
            assert env.get(key), f"{name} lacks {key}"
        assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
        assert not any(volume.endswith((".toml", ".yaml", ".ini", ".conf")) for volume in services[name].get("volumes", []))
    # Secrets are the operator's to set: they are variables, not literals.
    assert raw["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${")
    assert "${" in raw["services"]["prefect"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    assert "${" in raw["services"]["neo4j"]["environment"]["NEO4J_AUTH"]


def test_published_ports_are_on_loopback_only(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond this machine"


def test_more_than_one_worker_polls_the_pool_and_they_share_results(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    assert worker["deploy"]["replicas"] >= 2
    results = compose["services"]["worker"]["environment"]["PREFECT_LOCAL_STORAGE_PATH"]
    assert any(volume.split(":")[1] == results for volume in worker["volumes"])
    assert worker["environment"]["PREFECT_RESULTS_PERSIST_BY_DEFAULT"] == "true"



def test_workers_fork_flow_runs_from_a_preloaded_server(compose: dict[str, Any]) -> None:
    """As the local stack's default worker: the pool's command set to the launcher, then the fork server's
    worker, which runs Prefect's process worker with these options (the health server among them)."""
    shell, flag, script = compose["services"]["worker"]["command"]
    assert (shell, flag) == ("sh", "-c")
    set_pool, start = script.split(" && ")
    assert set_pool.split() == ["python", "deployments/work_pool.py", "pitwall", "preload"]
    assert start.split() == ["exec", "python", "deployments/preload_worker.py", "--pool", "pitwall", "--with-healthcheck"]
    assert (ROOT / "deployments/preload_worker.py").exists() and (ROOT / "deployments/work_pool.py").exists()


PREFECT_CLIENTS = ("register", "worker", "api", "dask-worker")


@pytest.mark.parametrize("env", [{}, {"PREFECT_AUTH_STRING": "ops:a-long-secret"}], ids=["default", "set"])
def test_the_prefect_server_wants_basic_auth_and_every_client_sends_it(raw: dict[str, Any], env: dict[str, str]) -> None:
    services = interpolate(raw, env=env)["services"]
    required = services["prefect"]["environment"].get("PREFECT_SERVER_API_AUTH_STRING")
    assert required and ":" in required, "the Prefect server runs without basic auth"
    if env:
        assert required == env["PREFECT_AUTH_STRING"]
    for name in PREFECT_CLIENTS:
        assert services[name]["environment"].get("PREFECT_API_AUTH_STRING") == required, f"{name} would get 401"
    # The healthcheck calls the one path the server leaves open, so it needs no credentials.
    assert services["prefect"]["healthcheck"]["test"][-1].endswith("urlopen('http://localhost:4200/api/health')")


def test_the_prefect_auth_string_is_the_operators_to_set(raw: dict[str, Any]) -> None:
    assert raw["services"]["prefect"]["environment"]["PREFECT_SERVER_API_AUTH_STRING"].startswith("${PREFECT_AUTH_STRING:-")
    assert raw["x-pitwall-env"]["PREFECT_API_AUTH_STRING"].startswith("${PREFECT_AUTH_STRING:-")


STORE_CLIENTS = ("worker", "api", "dask-worker")


def _requirepass(redis: dict[str, Any]) -> str | None:
    command = redis["command"]
    return command[command.index("--requirepass") + 1] if "--requirepass" in command else None


@pytest.mark.parametrize("env", [{}, {"REDIS_PASSWORD": "r-a-long-secret", "NEO4J_PASSWORD": "n-a-long-secret"}],
                         ids=["default", "set"])
def test_the_stores_want_passwords_and_every_client_sends_them(raw: dict[str, Any], env: dict[str, str]) -> None:
    services = interpolate(raw, env=env)["services"]
    redis_password = _requirepass(services["redis"])
    assert redis_password, "Redis runs without a password"
    user, _, neo4j_password = services["neo4j"]["environment"]["NEO4J_AUTH"].partition("/")
    assert user == "neo4j" and neo4j_password, "Neo4j runs without authentication"
    # Neo4j 5 refuses to start on a password shorter than 8 characters or equal to "neo4j".
    assert len(neo4j_password) >= 8 and neo4j_password != "neo4j"
    if env:
        assert (redis_password, neo4j_password) == (env["REDIS_PASSWORD"], env["NEO4J_PASSWORD"])
    for name in STORE_CLIENTS:
        client = services[name]["environment"]
        assert client.get("PITWALL_REDIS_PASSWORD") == redis_password, f"{name} would get NOAUTH from Redis"
        assert (client.get("PITWALL_NEO4J_USER"), client.get("PITWALL_NEO4J_PASSWORD")) == (user, neo4j_password), (
            f"{name} would get an AuthError from Neo4j")


def test_the_stores_healthchecks_authenticate_without_the_password_in_their_definition(raw: dict[str, Any]) -> None:
    services = interpolate(raw, env={"REDIS_PASSWORD": "r-a-long-secret", "NEO4J_PASSWORD": "n-a-long-secret"})["services"]
    redis, neo4j = services["redis"], services["neo4j"]
    redis_check, neo4j_check = redis["healthcheck"]["test"][-1], neo4j["healthcheck"]["test"][-1]
    assert "r-a-long-secret" not in redis_check and "n-a-long-secret" not in neo4j_check
    # Each reads it in its shell from its service's environment (Compose leaves `$$VAR` to the shell).
    assert "REDISCLI_AUTH=\"$REDIS_PASSWORD\"" in redis_check
    assert redis["environment"]["REDIS_PASSWORD"] == "r-a-long-secret"
    # A NOAUTH reply exits 0 from redis-cli, so only PONG may count as healthy.
    assert redis_check.endswith("| grep -qx PONG")
    assert 'NEO4J_PASSWORD="${NEO4J_AUTH#*/}"' in neo4j_check and 'NEO4J_USERNAME="${NEO4J_AUTH%%/*}"' in neo4j_check
    assert neo4j["environment"]["NEO4J_AUTH"] == "neo4j/n-a-long-secret"
    # The Neo4j image turns every other NEO4J_ variable into a setting (NEO4J_server_http_enabled is
    # server.http.enabled) and an unknown one stops the server, so no NEO4J_PASSWORD may sit beside NEO4J_AUTH.
    settings = [key.removeprefix("NEO4J_") for key in neo4j["environment"] if key != "NEO4J_AUTH"]
    assert all("_" in key and not key.isupper() for key in settings), settings


def test_the_store_passwords_are_the_operators_to_set(raw: dict[str, Any]) -> None:
    assert raw["x-pitwall-env"]["PITWALL_REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:-")
    assert raw["x-pitwall-env"]["PITWALL_NEO4J_PASSWORD"].startswith("${NEO4J_PASSWORD:-")
    assert _requirepass(raw["services"]["redis"]).startswith("${REDIS_PASSWORD:-")
    assert raw["services"]["redis"]["environment"]["REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:-")
    assert raw["services"]["neo4j"]["environment"]["NEO4J_AUTH"].startswith("neo4j/${NEO4J_PASSWORD:-")
