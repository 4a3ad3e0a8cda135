"""Marginal portfolio payout of every pooled candidate, kept exact as lineups are chosen.

This is the solver's hot loop: the incremental bookkeeping (entries per candidate and
scenario, the portfolio's counts and losses per grid edge, lazy bounds) that makes
greedy selection by the real objective affordable. Apart from the greedy loop, which
decides what may be chosen (controls, refills); this decides what each choice is worth.
"""

from __future__ import annotations

import numpy as np

from pitwall import kernels
from pitwall.portfolio.arena import GRID_BINS, _Arena, _cells, _lerp
from pitwall.portfolio.enumeration import _masks
from pitwall.portfolio.threads import _chunks, _in_threads
from pitwall.rules import ROSTER_SIZE

POOL_CHUNK = 500
# Entries of closed candidates are dropped once they are this share of all entries.
COMPACT_BELOW = 0.6
# Candidates whose bound is more than twice this share below the gain just picked are
# left stale, and brought up to date once it is within this share of the best gain.
LAZY_SLACK = 0.1


class _Selection:
    """Greedy selection by marginal portfolio payout, kept exact incrementally.

    A candidate's gain is its expected payout against the field alone plus, in each
    scenario where it reaches the zone, the change in its own prize from our lineups
    above it and the prizes it takes from our lineups below it. Adding a lineup changes
    those terms only in the scenarios where it reaches the zone, so only the entries of
    still-open candidates in those scenarios are recomputed.

    The portfolio can only lower a candidate's prizes and take from them, so its
    payout against the field alone (`bound`) caps its gain. Candidates whose bound has
    fallen well below the gains being picked are left stale (their entries are not
    recomputed) and brought up to date in a batch when the best gain comes near their
    bound.

    Per scenario and grid edge the portfolio keeps how many of its lineups outscore the
    edge and what a newcomer scoring at the edge would take from those it beats
    (`count_above` and `loss`).
    """

    _WIDTH = GRID_BINS + 1

    def __init__(self, arena: _Arena, capacity: int) -> None:
        self.arena = arena
        self.count_above = np.zeros((arena.n_scenarios, self._WIDTH), dtype=np.float32)
        self.loss = np.zeros((arena.n_scenarios, self._WIDTH), dtype=np.float32)
        # Per scenario, the portfolio's lineups in its zone, in the order chosen: their grid positions and
        # the opponents and lineups of ours ahead of them. Scenario-major: a step reads and writes the rows
        # of the scenarios it changes.
        chosen = (arena.n_scenarios, capacity)
        self.n_members = np.zeros(arena.n_scenarios, dtype=np.int16)
        self.position = np.zeros(chosen, dtype=np.float32)
        self.field_ahead = np.zeros(chosen, dtype=np.float32)
        self.own_ahead = np.zeros(chosen, dtype=np.float32)
        self.size = 0
        self.lineups = np.zeros((0, ROSTER_SIZE), dtype=np.int64)
        self.masks = np.zeros(0, dtype=np.uint64)
        self.bound = np.zeros(0)  # expected payout against the field alone
        self.far = np.zeros(0)  # the part of it from scenarios where it stays below the zone
        self.within = np.zeros(0)  # payout in the other scenarios, net of what it takes there
        self.open = np.zeros(0, dtype=bool)
        self.stale = np.zeros(0, dtype=bool)  # `within` not kept up to date
        self.n_entries = np.zeros(0, dtype=np.int64)  # each candidate's entries
        # Entries: one per candidate and scenario in which it reaches the zone, stored
        # in scenario order (and by candidate within a scenario) so a scenario's
        # entries are one slice.
        self.owner = np.zeros(0, dtype=np.intp)
        self.cell = np.zeros(0, dtype=np.intp)  # flat index of the grid edge below the entry's score
        self.frac = np.zeros(0, dtype=np.float32)  # how far past that edge
        self.ahead = np.zeros(0, dtype=np.float32)
        self.net = np.zeros(0, dtype=np.float32)  # its prize among the portfolio, less what it takes from it
        self.scenario_start = np.zeros(arena.n_scenarios + 1, dtype=np.intp)

    @property
    def gain(self) -> np.ndarray:
        return self.far + self.within

    def add_candidates(self, lineups: np.ndarray) -> None:
        if not len(lineups):
            return
        arena = self.arena
        first = len(self.lineups)
        alone, far = np.zeros(len(lineups)), np.zeros(len(lineups))
        within, n_entries = np.zeros(len(lineups)), np.zeros(len(lineups), dtype=np.int64)

        def place(at: slice) -> tuple[np.ndarray, ...]:
            alone[at], far[at], owner, cell, frac, ahead, _ = kernels.place_candidates(
                arena.scores(lineups[at]), arena.base, arena.scale, GRID_BINS, arena.ahead.ravel(), *arena.prize_table,
                arena.zone,
            )
            net = self._net(cell, frac, ahead)
            within[at] = np.bincount(owner, weights=net, minlength=at.stop - at.start)
            n_entries[at] = np.bincount(owner, minlength=at.stop - at.start)
            return owner + (first + at.start), cell, frac, ahead, net

        pieces = [tuple(getattr(self, name) for name in self._COLUMNS)]
        pieces += _in_threads(place, _chunks(len(lineups), POOL_CHUNK))
        self.lineups = np.concatenate([self.lineups, lineups])
        self.masks = np.concatenate([self.masks, _masks(lineups)])
        self.bound = np.concatenate([self.bound, alone / arena.n_scenarios])
        self.far = np.concatenate([self.far, far / arena.n_scenarios])
        self.within = np.concatenate([self.within, within / arena.n_scenarios])
        self.n_entries = np.concatenate([self.n_entries, n_entries])
        self.open = np.concatenate([self.open, np.ones(len(lineups), dtype=bool)])
        self.stale = np.concatenate([self.stale, np.zeros(len(lineups), dtype=bool)])
        self._store(*self._merge(pieces))

    def _merge(self, pieces: list[tuple[np.ndarray, ...]]) -> list[np.ndarray]:
        """Entry columns of pieces that are each in scenario order (candidates ascending from piece to piece),
        joined into one in scenario order: a scenario's entries piece by piece.

        Written straight to where they belong rather than joined and then sorted: the entries run to millions, and
        every copy of them is memory a fresh process (every flow run) touches for the first time."""
        edges = np.arange(self.arena.n_scenarios + 1) * self._WIDTH
        starts = np.array([np.searchsorted(cell, edges) for _, cell, *_ in pieces])
        counts = np.diff(starts, axis=1)
        per_scenario = counts.sum(axis=0)
        # A piece's entries of a scenario land after every entry of the scenarios before it and after the
        # earlier pieces' entries of the same scenario.
        landing = (np.cumsum(per_scenario) - per_scenario) + (np.cumsum(counts, axis=0) - counts)
        shift = landing - starts[:, :-1]
        columns = [np.empty(per_scenario.sum(), dtype=column.dtype) for column in pieces[0]]

        def scatter(at: slice) -> None:
            for k in range(at.start, at.stop):
                to = np.arange(len(pieces[k][0])) + np.repeat(shift[k], counts[k])
                for merged, column in zip(columns, pieces[k]):
                    merged[to] = column

        _in_threads(scatter, _chunks(len(pieces), 1))
        return columns

    _COLUMNS = ("owner", "cell", "frac", "ahead", "net")

    def _store(self, *columns: np.ndarray) -> None:
        for name, column in zip(self._COLUMNS, columns):
            setattr(self, name, column)
        # The cells of a scenario all lie in its row, so in scenario order the entries
        # at or past a row's first cell are those of that scenario and after.
        self.scenario_start = np.searchsorted(self.cell, np.arange(self.arena.n_scenarios + 1) * self._WIDTH)

    def _compact(self) -> None:
        """Forget the entries of candidates the controls have closed for good."""
        # Counted per candidate, as a look-up per entry costs more than most compactions.
        if self.n_entries[self.open].sum() < COMPACT_BELOW * len(self.owner):
            keep = self.open[self.owner]
            self._store(*(getattr(self, name)[keep] for name in self._COLUMNS))

    def _net(self, cell: np.ndarray, frac: np.ndarray, ahead: np.ndarray) -> np.ndarray:
        """Entries' prizes among the portfolio as it stands, less what they take from it."""
        return kernels.net(cell, frac, ahead, self.count_above.ravel(), self.loss.ravel(), *self.arena.prize_table)

    def choose(self, best: int) -> None:
        """Add candidate `best` to the portfolio and bring every open gain up to date."""
        arena = self.arena
        width = self._WIDTH
        self.open[best] = False
        self.size += 1
        position = arena.locate(arena.scores(self.lineups[best][None, :]))[:, 0]
        paid = np.flatnonzero(position >= 0)
        cell, frac = _cells(paid, position[paid], width)
        ahead = _lerp(arena.ahead.ravel(), cell, frac)
        near = ahead < arena.zone
        zone = paid[near]
        if not len(zone):
            return
        kernels.add_to_portfolio(
            zone, position[zone], cell[near], frac[near], ahead[near], self.n_members,
            self.position, self.field_ahead, self.own_ahead, self.count_above, self.loss, *arena.prize_table,
        )
        # Entries in these scenarios see a new portfolio.
        if self.size % 8 == 0:
            self._compact()
        change = np.zeros(len(self.within))
        kernels.renew(
            zone, self.scenario_start, self.owner, self.cell, self.frac, self.ahead, self.net, self.open & ~self.stale,
            self.count_above.ravel(), self.loss.ravel(), *arena.prize_table, change,
        )
        self.within += change / arena.n_scenarios

    def best(self, allowed: np.ndarray) -> int:
        """The allowed candidate of highest gain. When a stale one's bound reaches the
        best fresh gain, those within LAZY_SLACK below it are brought up to date too,
        so that the next few picks need no refresh."""
        while True:
            fresh = allowed & ~self.stale
            waiting = allowed & self.stale
            if not fresh.any():
                self._refresh(waiting)
                continue
            top = self.gain[fresh].max()
            if not (waiting & (self.bound >= top)).any():
                return int(np.flatnonzero(fresh)[np.argmax(self.gain[fresh])])
            self._refresh(waiting & (self.bound >= top - LAZY_SLACK * abs(top)))

    def set_aside(self, gain: float) -> None:
        """Stop keeping up to date the candidates whose bound is well below `gain`."""
        self.stale |= self.open & (self.bound < gain - 2 * LAZY_SLACK * abs(gain))

    def _refresh(self, due: np.ndarray) -> None:
        entries = np.flatnonzero(due[self.owner])
        net = self._net(self.cell[entries], self.frac[entries], self.ahead[entries])
        self.net[entries] = net
        within = np.bincount(self.owner[entries], weights=net, minlength=len(self.within)) / self.arena.n_scenarios
        self.within[due] = within[due]
        self.stale &= ~due
