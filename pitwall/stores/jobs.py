"""Jobs in Redis, shared by the API (which creates and reads them) and the flow (which moves them).

Layout under a versioned prefix (default `pitwall:v1`):
  {p}:job:{run_id}           hash: the status record
  {p}:result:{run_id}        string: the result JSON, apart from the record so status reads stay small
  {p}:jobs                   sorted set of run ids by creation time (newest first when read)
  {p}:jobs:{status}          the same, one set per status
  {p}:idem:{key}             the run id an Idempotency-Key created, with a fingerprint of its request

Every change of status is one Lua script (compare-and-set): Redis runs it atomically, so two writers
(a state hook and the reconciler, say) can never both win. Finished jobs get the retention TTL; pending
and running jobs have none, so they never vanish silently. Keys are built inside the scripts, which
assumes a single Redis instance (not a cluster).
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any, Callable, TypeVar

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from pitwall.jobs import ALLOWED_FROM, FINISHED, Job, JobStatus
from pitwall.settings import Settings
from pitwall.stores.errors import CredentialsRefused, StoreUnavailable

T = TypeVar("T")


class JobNotFound(LookupError):
    def __init__(self, run_id: str):
        super().__init__(f"no job with run id {run_id!r}")
        self.run_id = run_id


class IllegalTransition(Exception):
    def __init__(self, run_id: str, current: str, target: str):
        super().__init__(f"job {run_id} cannot move from {current} to {target}")
        self.current = current
        self.target = target


class IdempotencyConflict(Exception):
    def __init__(self, key: str, run_id: str):
        super().__init__(f"Idempotency-Key {key!r} was already used for a different request (run {run_id})")
        self.run_id = run_id


_CREATE = """
-- KEYS: job, idem ('' when none); ARGV: run_id, fingerprint, score, idem_ttl, prefix, field, value, ...
if KEYS[2] ~= '' then
  local seen = redis.call('GET', KEYS[2])
  if seen then return {0, seen} end
end
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('ZADD', ARGV[5] .. ':jobs', ARGV[3], ARGV[1])
redis.call('ZADD', ARGV[5] .. ':jobs:pending', ARGV[3], ARGV[1])
if KEYS[2] ~= '' then
  redis.call('SET', KEYS[2], ARGV[1] .. ' ' .. ARGV[2], 'EX', ARGV[4])
end
return {1, ARGV[1]}
"""

_TRANSITION = """
-- KEYS: job, result
-- ARGV: target, allowed-from (comma list), ttl (0: keep forever), prefix, run_id, result ('' when none),
--       field, value, ...
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {-1, ''} end
if current == ARGV[1] then return {0, current} end
if not string.find(',' .. ARGV[2] .. ',', ',' .. current .. ',', 1, true) then return {-2, current} end
for i = 7, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i])
  else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
local score = redis.call('HGET', KEYS[1], 'created_ts')
redis.call('ZREM', ARGV[4] .. ':jobs:' .. current, ARGV[5])
redis.call('ZADD', ARGV[4] .. ':jobs:' .. ARGV[1], score, ARGV[5])
if ARGV[6] ~= '' then redis.call('SET', KEYS[2], ARGV[6]) end
if tonumber(ARGV[3]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
else
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
end
return {1, current}
"""

_PROGRESS = """
-- Only a running job moves its stage: a late update must not touch a finished or retried record.
-- KEYS: job; ARGV: stage, progress, updated_at, updated_ts
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'stage', ARGV[1], 'progress', ARGV[2], 'updated_at', ARGV[3], 'updated_ts', ARGV[4])
return 1
"""


def _unavailable(fn: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except redis.AuthenticationError as exc:
            # Not an outage: a wrong or missing password is refused every time, so say which setting to fix.
            raise CredentialsRefused("redis", f"refuses the credentials, check PITWALL_REDIS_PASSWORD "
                                            f"({type(exc).__name__}: {exc})") from exc
        except redis.RedisError as exc:
            raise StoreUnavailable("redis", f"{type(exc).__name__}: {exc}") from exc

    return wrapper


def _now() -> tuple[str, str]:
    now = datetime.now(UTC)
    return now.isoformat(), f"{now.timestamp():.6f}"


def fingerprint(request: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:16]


class JobStore:
    def __init__(self, client: redis.Redis, *, prefix: str = "pitwall:v1", retention_seconds: int = 7 * 24 * 3600):
        self.client = client
        self.prefix = prefix
        self.retention_seconds = retention_seconds
        self._create = client.register_script(_CREATE)
        self._transition = client.register_script(_TRANSITION)
        self._progress = client.register_script(_PROGRESS)

    @classmethod
    def from_settings(cls, settings: Settings) -> JobStore:
        timeout = settings.redis_timeout_seconds
        client = redis.Redis.from_url(
            settings.redis_url,
            password=settings.redis_password.get_secret_value() if settings.redis_password else None,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), settings.redis_retries),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError],
            health_check_interval=30,
            decode_responses=True,
        )
        return cls(client, prefix=settings.key_prefix, retention_seconds=settings.job_retention_seconds)

    def close(self) -> None:
        self.client.close()

    def _job_key(self, run_id: str) -> str:
        return f"{self.prefix}:job:{run_id}"

    def _result_key(self, run_id: str) -> str:
        return f"{self.prefix}:result:{run_id}"

    @_unavailable
    def ping(self) -> bool:
        return bool(self.client.ping())

    @_unavailable
    def create(self, request: dict[str, Any], *, idempotency_key: str | None = None) -> tuple[Job, bool]:
        """Store a new pending job; with an idempotency key already used, return that job instead.

        Returns the job and whether it was created now.
        """
        run_id = uuid.uuid4().hex
        at, ts = _now()
        fields = {
            "run_id": run_id,
            "status": JobStatus.pending.value,
            "progress": "0",
            "created_at": at,
            "created_ts": ts,
            "updated_at": at,
            "updated_ts": ts,
            "request": json.dumps(request),
            "slate_id": request.get("slate_id") or "",
        }
        request_print = fingerprint(request)
        idem_key = f"{self.prefix}:idem:{idempotency_key}" if idempotency_key else ""
        args = [run_id, request_print, ts, self.retention_seconds, self.prefix]
        for name, value in fields.items():
            if value != "":
                args += [name, value]
        created, value = self._create(keys=[self._job_key(run_id), idem_key], args=args)
        if created:
            return self._read(run_id), True
        seen_run, seen_print = value.split(" ", 1)
        if seen_print != request_print:
            raise IdempotencyConflict(idempotency_key or "", seen_run)
        job = self._read(seen_run)
        if job is None:  # the job it named has expired: the key names nothing any more
            self.client.delete(idem_key)
            return self.create(request, idempotency_key=idempotency_key)
        return job, False

    @_unavailable
    def release_idempotency_key(self, idempotency_key: str, run_id: str) -> None:
        """Forget a key whose job never started, so the client's retry with the same key starts afresh."""
        key = f"{self.prefix}:idem:{idempotency_key}"
        value = self.client.get(key)
        if value and value.split(" ", 1)[0] == run_id:
            self.client.delete(key)

    @_unavailable
    def get(self, run_id: str) -> Job | None:
        return self._read(run_id)

    def _read(self, run_id: str) -> Job | None:
        raw = self.client.hgetall(self._job_key(run_id))
        return _job(raw) if raw else None

    @_unavailable
    def list(self, *, status: JobStatus | None = None, limit: int = 50, offset: int = 0) -> list[Job]:
        """Jobs newest first; ids whose record has expired are dropped from the index as they are met."""
        index = f"{self.prefix}:jobs" + (f":{status.value}" if status else "")
        run_ids = self.client.zrevrange(index, offset, offset + limit - 1)
        pipe = self.client.pipeline(transaction=False)
        for run_id in run_ids:
            pipe.hgetall(self._job_key(run_id))
        jobs, expired = [], []
        for run_id, raw in zip(run_ids, pipe.execute()):
            if raw:
                jobs.append(_job(raw))
            else:
                expired.append(run_id)
        if expired:
            pipe = self.client.pipeline(transaction=False)
            for name in [f"{self.prefix}:jobs"] + [f"{self.prefix}:jobs:{s.value}" for s in JobStatus]:
                pipe.zrem(name, *expired)
            pipe.execute()
        return jobs

    @_unavailable
    def transition(
        self,
        run_id: str,
        target: JobStatus,
        *,
        error: str | None = None,
        flow_run_id: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> bool:
        """Move a job to `target` if its current state allows it. Returns False when it was already there.

        Raises JobNotFound, or IllegalTransition when the current state does not lead to `target`.
        """
        at, ts = _now()
        fields: dict[str, str] = {"updated_at": at, "updated_ts": ts}
        if target is JobStatus.running:
            # A retry starts afresh: the previous attempt's error and end time no longer describe the job.
            fields |= {"started_at": at, "error": "", "finished_at": "", "stage": "", "progress": "0"}
        if target in FINISHED:
            fields["finished_at"] = at
        if target is JobStatus.complete:
            fields |= {"progress": "1", "stage": "done"}
        if error is not None:
            fields["error"] = error
        if flow_run_id is not None:
            fields["flow_run_id"] = flow_run_id
        allowed = ",".join(sorted(s.value for s in ALLOWED_FROM[target]))
        ttl = self.retention_seconds if target in FINISHED else 0
        args: list[Any] = [target.value, allowed, ttl, self.prefix, run_id, json.dumps(result) if result is not None else ""]
        for name, value in fields.items():
            args += [name, value]
        outcome, current = self._transition(keys=[self._job_key(run_id), self._result_key(run_id)], args=args)
        if outcome == -1:
            raise JobNotFound(run_id)
        if outcome == -2:
            raise IllegalTransition(run_id, current, target.value)
        return outcome == 1

    def complete(self, run_id: str, result: dict[str, Any]) -> bool:
        """Store the result and mark the job complete in one atomic step: never a complete job without one."""
        return self.transition(run_id, JobStatus.complete, result=result)

    @_unavailable
    def set_flow_run(self, run_id: str, flow_run_id: str) -> None:
        # Only fills the field: the status is the scripts' business.
        self.client.hset(self._job_key(run_id), "flow_run_id", flow_run_id)

    @_unavailable
    def set_progress(self, run_id: str, stage: str, progress: float) -> bool:
        at, ts = _now()
        return bool(self._progress(keys=[self._job_key(run_id)], args=[stage, f"{progress:.4f}", at, ts]))

    @_unavailable
    def result(self, run_id: str) -> dict[str, Any] | None:
        raw = self.client.get(self._result_key(run_id))
        return json.loads(raw) if raw else None

    @_unavailable
    def ttl(self, run_id: str) -> int:
        """Seconds until the job record expires; -1 when it never does."""
        return int(self.client.ttl(self._job_key(run_id)))


def _job(raw: dict[str, str]) -> Job:
    return Job(
        run_id=raw["run_id"],
        status=JobStatus(raw["status"]),
        stage=raw.get("stage") or None,
        progress=float(raw.get("progress") or 0),
        created_at=raw["created_at"],
        updated_at=raw["updated_at"],
        started_at=raw.get("started_at") or None,
        finished_at=raw.get("finished_at") or None,
        flow_run_id=raw.get("flow_run_id") or None,
        slate_id=raw.get("slate_id") or None,
        error=raw.get("error") or None,
        request=json.loads(raw["request"]),
    )

