"""Calibration: a `RaceModel` for a slate, fitted only on races before the slate's date.

Driver strength is a Plackett–Luce model of finishing orders,
`strength = skill[driver] + start_effect · (log start, start / 40)`, fitted by weighted
maximum likelihood:

* each past race is weighted by recency (half-life `HALF_LIFE_DAYS`) and by whether it
  was raced on the slate's track type (other types count `OTHER_TYPE_WEIGHT`), so a
  driver's strength is their strength *on this kind of track*, borrowing from the rest;
* a Gaussian prior on skill (precision `SKILL_PRECISION`) shrinks drivers with few
  starts toward an average driver; the starting grid carries the rest;
* finishers and DNFs are ranked as two separate groups, matching the simulator, which
  places DNFs behind every finisher;
* beside each race's finishing order, the same drivers ordered by the loop data, which one late
  wreck does not decide: by average running position (weight `RUNNING_ORDER_WEIGHT`) and by
  driver rating (`RATING_ORDER_WEIGHT`, off); and the drivers who ran fastest laps, most first,
  ranked ahead of the rest of the field (`FASTEST_LAP_ORDER_WEIGHT`): the race's raw speed, a
  partial order, as the drivers without a fastest lap are not ranked among themselves.

DNF rates are each driver's weighted DNF share shrunk toward the track type's rate with
`DNF_PRIOR_STARTS` pseudo-starts. Laps-led and fastest-lap concentration: the track
type's recent history (half-life `PROFILE_HALF_LIFE_DAYS`, shorter than the skills') gives
the top leader's share and the number of leaders (and the same for fastest laps, plus the
green-flag share of laps); the simulator's focus and stint count are then chosen so that
this slate's simulated races match those figures.

Dominance: some drivers lead and set fastest laps more than their finishes say (they run up
front and fade, or win from the lead), others finish well without leading. Each driver's
weighted share of laps led in past races is set against the share drivers finishing where he
finished led on average, shrunk toward even with `DOMINANCE_PRIOR_RACES` pseudo-races; its log,
times `DOMINANCE_WEIGHT`, tilts the laps the simulator hands him (the same for fastest laps).
The concentration is fitted with the tilt in place, so the top leader's share stays the track
type's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from pitwall.history import History
from pitwall.newcomers import NEWCOMER_PRIOR, NewcomerPrior, describe, salary_scores
from pitwall.simulation import RaceModel, _gumbel, _hand_out, _stints
from pitwall.slate import Slate, normalize_name
from pitwall.tracks import check_track_type

HALF_LIFE_DAYS = 400.0
# A track type's laps-led and fastest-lap concentration (and green share) come from its races weighted with
# this shorter half-life: how a type's races share out the lead moves with the car and the rules (the 2022
# car), faster than a driver's skill does; chosen by bench/model_choice.py on 2021–2023 (docs/simulation.md).
PROFILE_HALF_LIFE_DAYS = 100.0
OTHER_TYPE_WEIGHT = 0.2
SKILL_PRECISION = 1.5
START_PRECISION = 0.01
DNF_PRIOR_STARTS = 25.0
# Races that old or that unlike the slate carry too little weight to be worth fitting.
MIN_RACE_WEIGHT = 0.02
FIELD_SIZE = 40.0
MIN_TYPE_RACES = 4
# Weight of each past race's running order (by average running position, loop data), of its order by
# driver rating and of its fastest-lap order beside its finishing order in the skill fit; chosen by
# bench/model_choice.py on 2021–2023. The rating sharpened the simulation's metrics there but its portfolios
# did worse on those seasons' actual results (docs/simulation.md), so it is off; the fastest-lap order
# raised the finishing order's likelihood too, with the portfolios level, and was confirmed on 2024.
RUNNING_ORDER_WEIGHT = 2.0
RATING_ORDER_WEIGHT = 0.0
FASTEST_LAP_ORDER_WEIGHT = 1.0
# How far a driver's history of leading (and fastest laps) beyond his finishes tilts the laps he is
# handed, and the pseudo-races of an average leader it is shrunk with; chosen by bench/model_choice.py.
DOMINANCE_WEIGHT = 2.0
DOMINANCE_PRIOR_RACES = 5.0

_FOCUS_RANGE = (0.0, 8.0)
_BISECTIONS = 6
_STINT_GRID = np.array([2, 3, 4, 6, 8, 10, 13, 16, 20, 25, 32, 40, 50, 64, 80, 100, 128])
_FIT_SCENARIOS = 300


class CalibrationError(ValueError):
    """Not enough history to calibrate a slate."""


@dataclass(frozen=True)
class Concentration:
    """How a track type shares out a pool of laps: the top holder's share and how many hold any."""

    top_share: float
    holders: float


@dataclass(frozen=True)
class TrackProfile:
    """What past races of a kind of track looked like (recency weighted)."""

    dnf_rate: float
    lead: Concentration
    fast: Concentration
    green_share: float


def race_weights(
    history: History, series: str, before: dt.date, kind: str | None, *, half_life: float | None = None
) -> np.ndarray:
    """Weight of each past race for a slate of `kind` on `before` (0 for races on/after it), halving every
    `half_life` days (default `HALF_LIFE_DAYS`)."""
    half_life = HALF_LIFE_DAYS if half_life is None else half_life
    weights = np.zeros(len(history.races))
    for i, race in enumerate(history.races):
        if race.series != series or race.date >= before:
            continue
        age = (before - race.date).days
        weight = 0.5 ** (age / half_life)
        if kind is not None and race.track_type != kind:
            weight *= OTHER_TYPE_WEIGHT
        weights[i] = weight
    return weights


def _fit_weights(history: History, slate: Slate, kind: str, *, half_life: float | None = None) -> np.ndarray:
    """`race_weights` for the slate, races too light to be worth fitting left out."""
    weights = race_weights(history, slate.series, slate.date, kind, half_life=half_life)
    weights[weights < MIN_RACE_WEIGHT] = 0.0
    return weights


def _start_features(starts: np.ndarray) -> np.ndarray:
    starts = np.maximum(np.asarray(starts, dtype=np.float64), 1.0)
    return np.stack([np.log(starts), starts / FIELD_SIZE], axis=-1)


def fit_plackett_luce(
    groups: list[np.ndarray],
    group_weights: np.ndarray,
    item: np.ndarray,
    n_items: int,
    features: np.ndarray,
    *,
    item_precision: float,
    feature_precision: float = START_PRECISION,
    ranked: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted MAP Plackett–Luce: strength of a row = value[item[row]] + features[row] · coef.

    `groups` are arrays of row indices, best first. With `ranked`, only a group's first `ranked[g]`
    places are its order (the rest are the field they were chosen from). Returns (value per item, coef).
    """
    width = max(len(g) for g in groups)
    rows = np.zeros((len(groups), width), dtype=np.int64)
    valid = np.zeros((len(groups), width), dtype=bool)
    for r, group in enumerate(groups):
        rows[r, : len(group)] = group
        valid[r, : len(group)] = True
    k = features.shape[1]
    row_weight = np.repeat(group_weights[:, None], width, axis=1) * valid
    if ranked is not None:
        row_weight *= np.arange(width)[None, :] < np.asarray(ranked)[:, None]

    def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
        value, coef = params[:n_items], params[n_items:]
        theta = value[item] + features @ coef
        t = np.where(valid, theta[rows], -np.inf)
        top = t.max(axis=1, keepdims=True)
        e = np.exp(t - top)
        remaining = np.cumsum(e[:, ::-1], axis=1)[:, ::-1]
        safe = np.where(valid, remaining, 1.0)
        loglik = np.where(valid, np.log(np.where(valid, e, 1.0)) - np.log(safe), 0.0)
        total = float((row_weight * loglik).sum())
        grad_t = row_weight - e * np.cumsum(np.where(valid, row_weight / safe, 0.0), axis=1)
        grad_theta = np.bincount(rows.ravel(), weights=(valid * grad_t).ravel(), minlength=len(item))
        grad_value = np.bincount(item, weights=grad_theta, minlength=n_items)
        grad_coef = features.T @ grad_theta
        total -= 0.5 * item_precision * float(value @ value) + 0.5 * feature_precision * float(coef @ coef)
        grad_value -= item_precision * value
        grad_coef -= feature_precision * coef
        return -total, -np.concatenate([grad_value, grad_coef])

    # Imported here: a run whose calibration comes from the cache never loads scipy.optimize (~10% of a
    # flow process's imports, bench/latency.py).
    from scipy.optimize import minimize

    # One BLAS thread: the fit's products are too small to share out, and a BLAS thread of its own spins
    # on a core the rest of the process (or another process) is using (docs/simulation.md, Speed).
    with threadpool_limits(1, user_api="blas"):
        result = minimize(objective, np.zeros(n_items + k), jac=True, method="L-BFGS-B", options={"maxiter": 300})
    return result.x[:n_items], result.x[n_items:]


def _race_groups(history: History, race_ids: np.ndarray) -> tuple[list[np.ndarray], list[int]]:
    """Row groups (finishers, then DNFs, best first) for races, and the race of each group."""
    groups, owner = [], []
    for r in race_ids:
        race = history.races[r]
        rows = np.arange(race.rows.start, race.rows.stop)  # already in finishing order
        for part in (rows[history.running[rows]], rows[~history.running[rows]]):
            if len(part) > 1:
                groups.append(part)
                owner.append(int(r))
    return groups, owner


def _loop_order_groups(
    history: History, race_ids: np.ndarray, values: np.ndarray, *, higher_is_better: bool = False
) -> tuple[list[np.ndarray], list[int]]:
    """Each race's drivers ordered by a loop-data column (best first), where the rows have it: the
    average running position is the whole race's pace, which one late wreck does not decide as it
    decides the finish; the driver rating folds in the rest of the loop data."""
    groups, owner = [], []
    for r in race_ids:
        rows = np.arange(history.races[r].rows.start, history.races[r].rows.stop)
        value = values[rows]
        if len(rows) > 1 and not np.isnan(value).any():
            groups.append(rows[np.argsort(-value if higher_is_better else value, kind="stable")])
            owner.append(int(r))
    return groups, owner


def _count_order_groups(
    history: History, race_ids: np.ndarray, counts: np.ndarray
) -> tuple[list[np.ndarray], list[int], list[int]]:
    """Each race's drivers with a count (fastest laps: the race's raw speed), most first (ties in finishing
    order), ranked ahead of the rest of its field: a partial order, the drivers without one not ranked."""
    groups, owner, ranked = [], [], []
    for r in race_ids:
        rows = np.arange(history.races[r].rows.start, history.races[r].rows.stop)
        count = counts[rows]
        k = int((count > 0).sum())
        if k == 0 or len(rows) < 2:
            continue
        groups.append(rows[np.argsort(-count, kind="stable")])
        owner.append(int(r))
        ranked.append(min(k, len(rows) - 1))
    return groups, owner, ranked


def profile(history: History, weights: np.ndarray) -> TrackProfile:
    """Weighted DNF rate, laps-led and fastest-lap concentration of the races weighted."""
    used = np.flatnonzero(weights > 0)
    if len(used) == 0:
        raise CalibrationError("no races before the slate's date to calibrate from")
    stats = np.zeros((len(used), 7))
    for j, r in enumerate(used):
        rows = history.races[r].rows
        led = history.laps_led[rows]
        fast = history.fastest_laps[rows]
        laps = history.races[r].laps
        stats[j] = (
            (~history.running[rows]).mean(),
            led.max() / max(led.sum(), 1),
            (led > 0).sum(),
            fast.max() / max(fast.sum(), 1),
            (fast > 0).sum(),
            min(fast.sum() / laps, 1.0),
            led.sum() > 0 and fast.sum() > 0,
        )
    usable = stats[:, 6] > 0
    w = weights[used]
    mean = lambda col, mask=usable: float(np.average(stats[mask, col], weights=w[mask]))  # noqa: E731
    return TrackProfile(
        dnf_rate=mean(0, np.ones(len(used), dtype=bool)),
        lead=Concentration(mean(1), mean(2)),
        fast=Concentration(mean(3), mean(4)),
        green_share=mean(5),
    )


def fit_concentration(
    strength: np.ndarray, dnf: np.ndarray, pool: int, target: Concentration, *, seed: int = 0,
    bias: np.ndarray | None = None,
) -> tuple[float, int]:
    """Focus and stint count whose simulated top share and holder count match `target`.

    For each stint count the focus matching the top share is found by bisection (the
    top share grows with focus); the stint count whose holder count then comes closest
    wins. Common random numbers keep the search smooth.
    """
    rng = np.random.default_rng(seed)
    size = _FIT_SCENARIOS
    performance = _gumbel(rng, (size, len(strength))) + strength.astype(np.float32)
    fate = rng.random(performance.shape, dtype=np.float32)
    completed = np.where(fate < dnf, fate / np.maximum(dnf, 1e-9), 1.0).astype(np.float32)
    relative = performance - performance.max(axis=1, keepdims=True)
    tilt = np.zeros(len(strength), np.float32) if bias is None else np.asarray(bias, np.float32)

    def shares(focus: float, stints: tuple[np.ndarray, np.ndarray]) -> tuple[float, float]:
        weight = np.exp(np.float32(focus) * relative + tilt) * completed
        counts = _hand_out(weight, *stints)
        return counts.max(axis=1).mean() / pool, (counts > 0).sum(axis=1).mean()

    best, best_miss = (1.0, 10), np.inf
    for count in _STINT_GRID[_STINT_GRID <= pool]:
        # The same stints for every focus tried at this count: the common random numbers, drawn once.
        stints = _stints(np.random.default_rng(seed + 1), size, pool, int(count))
        low, high = _FOCUS_RANGE
        for _ in range(_BISECTIONS):
            focus = 0.5 * (low + high)
            top, _ = shares(focus, stints)
            low, high = (focus, high) if top < target.top_share else (low, focus)
        focus = 0.5 * (low + high)
        top, holders = shares(focus, stints)
        miss = ((top - target.top_share) / 0.02) ** 2 + ((holders - target.holders) / max(target.holders, 1.0) / 0.05) ** 2
        if miss < best_miss:
            best, best_miss = (focus, int(count)), miss
    return best


@dataclass(frozen=True)
class Skills:
    """The fitted part of a slate's strengths: skill per entry (NaN for a driver the fit did not
    see), the start effect, each entry's history id and the race weights used."""

    skill: np.ndarray
    start_effect: np.ndarray
    driver_ids: list[int]
    weights: np.ndarray


def fit_skills(history: History, slate: Slate, kind: str) -> Skills:
    """Plackett–Luce skills of the slate's drivers from the series' races before the slate."""
    weights = _fit_weights(history, slate, kind)
    used = np.flatnonzero(weights > 0)
    if len(used) == 0:
        raise CalibrationError(f"no {slate.series} races before {slate.date} to calibrate from")
    groups, owner = _race_groups(history, used)
    group_weights = weights[owner]
    loop_orders = ((history.avg_position, False, RUNNING_ORDER_WEIGHT), (history.rating, True, RATING_ORDER_WEIGHT))
    ranked = [len(g) for g in groups]
    for values, higher_is_better, weight in loop_orders:
        if weight <= 0:
            continue
        ordered, ordered_owner = _loop_order_groups(history, used, values, higher_is_better=higher_is_better)
        groups += ordered
        ranked += [len(g) for g in ordered]
        group_weights = np.concatenate([group_weights, weight * weights[ordered_owner]])
    if FASTEST_LAP_ORDER_WEIGHT > 0:
        fastest, fastest_owner, fastest_ranked = _count_order_groups(history, used, history.fastest_laps)
        groups += fastest
        ranked += fastest_ranked
        group_weights = np.concatenate([group_weights, FASTEST_LAP_ORDER_WEIGHT * weights[fastest_owner]])
    rows = np.unique(np.concatenate(groups))
    item_ids, item = np.unique(history.driver_id[rows], return_inverse=True)
    # Re-index the groups onto the compact rows the fit sees.
    position = np.empty(len(history), dtype=np.int64)
    position[rows] = np.arange(len(rows))
    skill, start_effect = fit_plackett_luce(
        [position[g] for g in groups],
        group_weights,
        item,
        len(item_ids),
        _start_features(history.start[rows]),
        item_precision=SKILL_PRECISION,
        ranked=np.array(ranked),
    )
    driver_ids = _slate_driver_ids(history, slate)
    slot = {int(d): i for i, d in enumerate(item_ids)}
    slate_skill = np.array([skill[slot[d]] if d in slot else np.nan for d in driver_ids])
    return Skills(slate_skill, start_effect, driver_ids, weights)


def newcomer_features(history: History, slate: Slate, driver_ids: Sequence[int], newcomers: np.ndarray) -> np.ndarray:
    """The prior's inputs per entry (rows of newcomers only are filled): 1, salary score, skill in
    the other series (0 without), and whether there is any (see `pitwall.newcomers`)."""
    features = np.zeros((len(driver_ids), 4))
    features[:, 0] = 1.0
    features[:, 1] = salary_scores(slate.salaries)
    if not newcomers.any():
        return features
    wanted = {driver_ids[i] for i in np.flatnonzero(newcomers)}
    weights = np.zeros(len(history.races))
    for i, race in enumerate(history.races):
        if race.series != slate.series and race.date < slate.date:
            weights[i] = 0.5 ** ((slate.date - race.date).days / HALF_LIFE_DAYS)
    weights[weights < MIN_RACE_WEIGHT] = 0.0
    raced = {int(history.driver_id[r]) for r in np.flatnonzero(weights[history.race] > 0)} & wanted
    if not raced:
        return features
    # Only the races the newcomers ran in: their skill is measured against those fields.
    used = [r for r in np.flatnonzero(weights > 0) if wanted & set(history.driver_id[history.races[r].rows].tolist())]
    groups, owner = _race_groups(history, np.array(used, dtype=np.int64))
    rows = np.concatenate(groups)
    item_ids, item = np.unique(history.driver_id[rows], return_inverse=True)
    position = np.empty(len(history), dtype=np.int64)
    position[rows] = np.arange(len(rows))
    skill, _ = fit_plackett_luce(
        [position[g] for g in groups], weights[owner], item, len(item_ids), _start_features(history.start[rows]),
        item_precision=SKILL_PRECISION,
    )
    slot = {int(d): i for i, d in enumerate(item_ids)}
    for i in np.flatnonzero(newcomers):
        if driver_ids[i] in slot:
            features[i, 2] = skill[slot[driver_ids[i]]]
            features[i, 3] = 1.0
    return features


def calibrate(
    history: History, slate: Slate, *, track_type: str | None = None, prior: NewcomerPrior = NEWCOMER_PRIOR
) -> RaceModel:
    """A race model for `slate` from the races in `history` strictly before `slate.date`.

    A driver the fit did not see races with the newcomer prior (`pitwall.newcomers`); the
    model lists those with no result in the series at all, and why.
    """
    kind = check_track_type(track_type) if track_type else slate.kind
    fitted = fit_skills(history, slate, kind)
    unseen = np.isnan(fitted.skill)
    features = newcomer_features(history, slate, fitted.driver_ids, unseen)
    skill = np.where(unseen, features @ prior.coefficients, fitted.skill)
    strength = skill + _start_features(slate.starts) @ fitted.start_effect

    # The DNF rate a driver is shrunk toward keeps the skills' memory; the concentration follows recent races.
    dnf = _dnf_rates(history, fitted.weights, fitted.driver_ids,
                     profile(history, _same_type(history, fitted.weights, kind)).dnf_rate)
    recent = _fit_weights(history, slate, kind, half_life=PROFILE_HALF_LIFE_DAYS)
    track_profile = profile(history, _same_type(history, recent, kind))
    lead_bias = DOMINANCE_WEIGHT * dominance(history, fitted.weights, fitted.driver_ids, history.laps_led)
    fast_bias = DOMINANCE_WEIGHT * dominance(history, fitted.weights, fitted.driver_ids, history.fastest_laps)
    lead_focus, lead_stints = fit_concentration(strength, dnf, slate.laps, track_profile.lead, bias=lead_bias)
    pool = max(1, int(round(track_profile.green_share * slate.laps)))
    fast_focus, fast_stints = fit_concentration(strength, dnf, pool, track_profile.fast, seed=1, bias=fast_bias)
    return RaceModel(
        starts=slate.starts,
        laps=slate.laps,
        track_type=kind,
        strength=strength,
        dnf=dnf,
        lead_focus=lead_focus,
        lead_stints=lead_stints,
        fast_focus=fast_focus,
        fast_stints=fast_stints,
        green_share=track_profile.green_share,
        lead_bias=lead_bias,
        fast_bias=fast_bias,
        names=tuple(slate.names),
        newcomers=tuple(describe(slate.names, slate.series, _series_of(history, slate, fitted.driver_ids),
                                 known=history.known_drivers())),
    )


def _series_of(history: History, slate: Slate, driver_ids: Sequence[int]) -> dict[str, set[str]]:
    """Each slate driver's name → the series he has results in before the slate."""
    before = history.date < np.datetime64(slate.date, "D")
    raced: dict[int, set[str]] = {}
    for driver, series in zip(history.driver_id[before].tolist(), history.series[before].tolist()):
        raced.setdefault(driver, set()).add(series)
    return {name: raced.get(driver, set()) for name, driver in zip(slate.names, driver_ids)}


def _same_type(history: History, weights: np.ndarray, kind: str) -> np.ndarray:
    """The weights restricted to races of one track type, when there are enough of them.

    Concentration is what differs most between track types, so it is taken from the
    type alone; a type with too few recent races falls back to every race.
    """
    same = np.array([race.track_type == kind for race in history.races])
    return weights * same if (weights * same > 0).sum() >= MIN_TYPE_RACES else weights


def _slate_driver_ids(history: History, slate: Slate) -> list[int]:
    """History driver id per entry: by DK id when it is a known driver id, else by name."""
    by_name = {normalize_name(name): int(d) for d, name in history.driver_names().items()}
    known_ids = set(history.driver_id.tolist())
    ids = []
    for entry in slate.entries:
        key = normalize_name(entry.name)
        if key in by_name:
            ids.append(by_name[key])
        elif entry.dk_id in known_ids:
            ids.append(int(entry.dk_id))
        else:
            ids.append(-1 - len(ids))  # a newcomer: no history, the prior alone
    return ids


def dominance(history: History, weights: np.ndarray, driver_ids: list[int], laps: np.ndarray) -> np.ndarray:
    """Per entry, the log of how much more of `laps` (laps led, or fastest laps) the driver took in the
    weighted past races than drivers finishing where he finished took on average, shrunk toward 0 with
    `DOMINANCE_PRIOR_RACES` races of his own expectation (0 for a driver without those races)."""
    row_weight = weights[history.race]
    used = row_weight > 0
    if not used.any():
        return np.zeros(len(driver_ids))
    total = np.bincount(history.race[used], weights=laps[used], minlength=len(weights))
    share = laps[used] / np.maximum(total[history.race[used]], 1.0)
    finish, w, ids = history.finish[used], row_weight[used], history.driver_id[used]
    # The share a finishing position takes on average over the same races, weighted alike.
    by_finish = np.bincount(finish, weights=w * share) / np.maximum(np.bincount(finish, weights=w), 1e-12)
    expected = by_finish[finish]
    out = np.zeros(len(driver_ids))
    for i, driver in enumerate(driver_ids):
        mine = ids == driver
        weight = float(w[mine].sum())
        if weight <= 0:
            continue
        own = float(w[mine] @ expected[mine])
        prior = DOMINANCE_PRIOR_RACES * own / weight
        out[i] = np.log((float(w[mine] @ share[mine]) + prior + 1e-9) / (own + prior + 1e-9))
    return out


def _dnf_rates(history: History, weights: np.ndarray, driver_ids: list[int], base: float) -> np.ndarray:
    row_weight = weights[history.race]
    used = row_weight > 0
    ids = history.driver_id[used]
    w = row_weight[used]
    out = (~history.running[used]).astype(np.float64)
    rates = np.empty(len(driver_ids))
    for i, driver in enumerate(driver_ids):
        mine = ids == driver
        rates[i] = (float(w[mine] @ out[mine]) + DNF_PRIOR_STARTS * base) / (float(w[mine].sum()) + DNF_PRIOR_STARTS)
    return rates


# -- the start-position-only baseline -----------------------------------------------------


@dataclass(frozen=True)
class StartOnly:
    """A start-position-only model: strength per grid slot, one DNF rate and concentration."""

    strength_by_start: np.ndarray
    profile: TrackProfile

    def model(self, slate: Slate) -> RaceModel:
        slots = np.minimum(slate.starts, len(self.strength_by_start)) - 1
        strength = self.strength_by_start[slots]
        dnf = np.full(len(strength), self.profile.dnf_rate)
        lead_focus, lead_stints = fit_concentration(strength, dnf, slate.laps, self.profile.lead)
        pool = max(1, int(round(self.profile.green_share * slate.laps)))
        fast_focus, fast_stints = fit_concentration(strength, dnf, pool, self.profile.fast, seed=1)
        return RaceModel(
            starts=slate.starts,
            laps=slate.laps,
            track_type=slate.track_type or "unknown",
            strength=strength,
            dnf=dnf,
            lead_focus=lead_focus,
            lead_stints=lead_stints,
            fast_focus=fast_focus,
            fast_stints=fast_stints,
            green_share=self.profile.green_share,
            names=tuple(slate.names),
        )


def fit_start_only(history: History, series: str, start: dt.date, end: dt.date) -> StartOnly:
    """The baseline, fitted on one series' races with start <= date <= end, every race equal.

    Strength depends only on the starting slot (one free value per slot, lightly
    shrunk); DNF rate and lap concentration are pooled over all tracks.
    """
    weights = np.array(
        [1.0 if r.series == series and start <= r.date <= end else 0.0 for r in history.races]
    )
    used = np.flatnonzero(weights > 0)
    if len(used) == 0:
        raise CalibrationError(f"no {series} races between {start} and {end}")
    groups, owner = _race_groups(history, used)
    rows = np.concatenate(groups)
    position = np.empty(len(history), dtype=np.int64)
    position[rows] = np.arange(len(rows))
    slots = int(history.start[rows].max())
    value, _ = fit_plackett_luce(
        [position[g] for g in groups],
        weights[owner],
        np.maximum(history.start[rows], 1) - 1,
        slots,
        np.zeros((len(rows), 0)),
        item_precision=0.1,
    )
    return StartOnly(strength_by_start=value, profile=profile(history, weights))
