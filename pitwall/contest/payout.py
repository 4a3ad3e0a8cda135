"""Payout tables: prizes by place, DraftKings-style GPPs, payout files, and tied places' shares.

Apart because a contest's prizes change for their own reasons (a new contest shape, a
site's payout file), and the rest of the contest reads them only through `PayoutTable`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from pitwall.contest.errors import ContestError


@dataclass(frozen=True)
class PayoutTable:
    """Prizes by finishing place in a contest of `entries` entries at `entry_fee` each.

    `prizes[0]` is first place; places past `len(prizes)` win nothing.
    """

    entries: int
    entry_fee: float
    prizes: tuple[float, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "prizes", tuple(float(p) for p in self.prizes))
        if self.entries < 2:
            raise ContestError(f"a contest needs at least 2 entries, got {self.entries}")
        if self.entry_fee <= 0:
            raise ContestError(f"the entry fee must be positive, got {self.entry_fee}")
        if not self.prizes or len(self.prizes) > self.entries:
            raise ContestError(f"{len(self.prizes)} paid places for {self.entries} entries")
        if any(p < 0 for p in self.prizes) or any(a < b for a, b in zip(self.prizes, self.prizes[1:])):
            raise ContestError("prizes must be non-negative and never rise with a worse place")
        if self.pool > self.entries * self.entry_fee + 1e-6:
            raise ContestError(f"prizes ${self.pool:,.2f} exceed the entry fees ${self.entries * self.entry_fee:,.2f}")

    @property
    def pool(self) -> float:
        return float(sum(self.prizes))

    @property
    def rake(self) -> float:
        return 1.0 - self.pool / (self.entries * self.entry_fee)

    @property
    def paid_places(self) -> int:
        return len(self.prizes)

    @property
    def top_places(self) -> int:
        """Places that make the top 1% (at least first place)."""
        return max(1, self.entries // 100)

    @classmethod
    def gpp(
        cls,
        entries: int = 10_000,
        entry_fee: float = 20.0,
        *,
        rake: float = 0.15,
        paid_fraction: float = 0.22,
        first_share: float = 0.12,
        min_cash_multiple: float = 2.0,
    ) -> PayoutTable:
        """A DraftKings-style guaranteed prize pool.

        The defaults are the shape of a typical DraftKings NASCAR GPP: 15% rake, the top
        22% cash, first place takes 12% of the pool, a min cash of twice the fee, and
        prizes in between falling as a power of the place (steep at the top, flat at the
        bottom), with the exponent chosen so the prizes add up to the pool.
        """
        if not 0 <= rake < 1:
            raise ContestError(f"rake must be in [0, 1), got {rake}")
        paid = max(1, int(round(entries * paid_fraction)))
        pool = entries * entry_fee * (1 - rake)
        first = pool * first_share
        floor = entry_fee * min_cash_multiple
        if paid == 1:
            return cls(entries, entry_fee, (pool,))
        if floor * paid > pool or first < floor or first + floor * (paid - 1) > pool:
            raise ContestError("the pool cannot pay that first prize, min cash and number of places")
        places = np.arange(1, paid + 1, dtype=np.float64)

        def total(exponent: float) -> np.ndarray:
            shape = (places**-exponent - paid**-exponent) / (1 - paid**-exponent)
            return floor + (first - floor) * shape

        low, high = 1e-3, 20.0  # the pool shrinks as the exponent grows
        for _ in range(100):
            mid = (low + high) / 2
            if total(mid).sum() > pool:
                low = mid
            else:
                high = mid
        prizes = np.floor(total(high) * 100) / 100  # cents, never over the pool
        return cls(entries, entry_fee, tuple(prizes.tolist()))

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[int, int, float]], *, entries: int, entry_fee: float, where: str = "payout"
    ) -> PayoutTable:
        """Prizes from rows `(first_place, last_place, prize)`: every place from `first_place` to `last_place`
        (inclusive) wins `prize`. The rows, in any order, cover places 1 … k without a gap or an overlap;
        the table's own rules then apply (prizes never rise with a worse place, no more paid places than
        entries, prizes within the entry fees). The one place these rules live: the command line's payout
        file and the API's `contest.payout` both come through here."""
        rows = [(int(first), int(last), float(prize)) for first, last, prize in rows]
        if not rows:
            raise ContestError(f"{where}: no rows")
        expected = 1
        for first, last, prize in sorted(rows):
            if first < 1 or last < first:
                raise ContestError(f"{where}: places {first}-{last}: places run from 1 and a row's last place "
                                   "is not before its first")
            if first > expected:
                raise ContestError(f"{where}: places {expected}-{first - 1} are missing; rows must cover places "
                                   "from 1 without gaps")
            if first < expected:
                raise ContestError(f"{where}: places {first}-{last} overlap another row")
            if last > entries:
                raise ContestError(f"{where}: places {first}-{last} go past the contest's {entries:,} entries")
            if not math.isfinite(prize) or prize < 0:
                raise ContestError(f"{where}: places {first}-{last}: a prize is a non-negative amount, got {prize}")
            expected = last + 1
        prizes: list[float] = []
        for first, last, prize in sorted(rows):
            prizes.extend([prize] * (last - first + 1))
        return cls(entries, entry_fee, tuple(prizes))

    @classmethod
    def from_csv(cls, text: str, *, entries: int, entry_fee: float) -> PayoutTable:
        """Prizes from rows `first_place,last_place,prize` (a header row is allowed), by `from_rows`' rules."""
        rows: list[tuple[int, int, float]] = []
        for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
            cells = [c.strip().replace("$", "").replace(",", "") for c in row]
            if not any(cells):
                continue
            try:
                first, last, prize = int(cells[0]), int(cells[1]), float(cells[2])
            except (ValueError, IndexError):
                if number == 1:
                    continue
                raise ContestError(f"payout file: row {number}: expected first_place,last_place,prize") from None
            rows.append((first, last, prize))
        if not rows:
            raise ContestError("payout file: places must run from 1 without gaps")
        return cls.from_rows(rows, entries=entries, entry_fee=entry_fee, where="payout file")

    def cumulative(self) -> np.ndarray:
        """cumulative()[k]: prizes of the first k places together (k = 0 … entries)."""
        out = np.zeros(self.entries + 1)
        out[1 : len(self.prizes) + 1] = np.cumsum(self.prizes)
        out[len(self.prizes) + 1 :] = out[len(self.prizes)]
        return out

    def share(self, ahead: np.ndarray, tied: np.ndarray) -> np.ndarray:
        """Prize of one entry with `ahead` entries above it and `tied` entries (itself
        included) on its score: the tied entries split the places they occupy.

        Both may be fractional (a field lineup standing for several opponents).
        """
        cumulative = self.cumulative()
        grid = np.arange(len(cumulative), dtype=np.float64)
        ahead = np.asarray(ahead, dtype=np.float64)
        tied = np.asarray(tied, dtype=np.float64)
        return (np.interp(ahead + tied, grid, cumulative) - np.interp(ahead, grid, cumulative)) / tied
