"""Slates: a race and its entries, read from DraftKings salary CSVs and written as upload CSVs.

A DraftKings salary export has the columns
`Position, Name + ID, Name, ID, Roster Position, Salary, Game Info, TeamAbbrev, AvgPointsPerGame`.
The starting grid comes either in an extra `Start` column or in a separate grid CSV that
maps a driver (by name or DK id) to a starting position. Driver names are matched to the
drivers the history knows, ignoring case, accents, punctuation and suffixes such as "Jr.".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from pitwall.rules import ROSTER_POSITION, ROSTER_SIZE, SALARY_CAP, validate_lineup
from pitwall.tracks import check_track_type, track_type

SALARY_COLUMNS = (
    "Position",
    "Name + ID",
    "Name",
    "ID",
    "Roster Position",
    "Salary",
    "Game Info",
    "TeamAbbrev",
    "AvgPointsPerGame",
)
_REQUIRED = ("Name", "ID", "Salary")
_GRID_DRIVER_COLUMNS = ("ID", "DK ID", "Name", "Driver")
_GRID_POSITION_COLUMNS = ("Start", "Starting Position", "Position", "Pos")
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


class SlateError(ValueError):
    """A slate that cannot be used; `problems` holds one message per bad row or field."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Entry:
    """A driver on a slate."""

    name: str
    dk_id: int
    salary: int
    start: int


@dataclass(frozen=True)
class Slate:
    """A race (track, date, scheduled laps) and the drivers entered in it.

    `track_type` is needed only for a track the track map does not know.
    """

    track: str
    date: dt.date
    laps: int
    entries: tuple[Entry, ...]
    track_type: str | None = None
    series: str = "Cup"
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(self.entries))
        if self.track_type is not None:
            object.__setattr__(self, "track_type", check_track_type(self.track_type))
        problems = []
        if self.laps < 1:
            problems.append(f"laps must be positive, got {self.laps}")
        if len(self.entries) < ROSTER_SIZE:
            problems.append(f"a slate needs at least {ROSTER_SIZE} drivers, got {len(self.entries)}")
        for what, values in (
            ("driver", [e.name for e in self.entries]),
            ("DK id", [e.dk_id for e in self.entries]),
            ("starting position", [e.start for e in self.entries]),
        ):
            repeated = sorted({v for v in values if values.count(v) > 1}, key=str)
            if repeated:
                problems.append(f"duplicate {what}: {', '.join(map(str, repeated))}")
        if any(e.start < 1 for e in self.entries):
            problems.append("starting positions start at 1")
        if problems:
            raise SlateError(problems)
        object.__setattr__(self, "_index", {_name_key(e.name): i for i, e in enumerate(self.entries)})

    @property
    def kind(self) -> str:
        """The track type: as given, else from the track map as raced on the slate's date."""
        return self.track_type or track_type(self.track, on=self.date)

    # Built on each call rather than cached on the instance: a slate then pickles to the same bytes however
    # it was used, which is what lets a retried flow run find its cached task results again.
    @property
    def salaries(self) -> np.ndarray:
        return np.array([e.salary for e in self.entries], dtype=np.int64)

    @property
    def starts(self) -> np.ndarray:
        return np.array([e.start for e in self.entries], dtype=np.int64)

    @property
    def dk_ids(self) -> np.ndarray:
        return np.array([e.dk_id for e in self.entries], dtype=np.int64)

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    def index(self, name: str) -> int:
        """Position in `entries` of a driver given by name (matched like the CSV import)."""
        key = _name_key(name)
        if key not in self._index:
            raise SlateError(f"driver {name!r} is not on the slate; closest: {_closest(name, self.names)}")
        return self._index[key]


def normalize_name(name: str) -> str:
    """A driver name reduced for matching: no accents, case, punctuation or suffix."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9 ]+", " ", plain.casefold()).split()
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words)


_name_key = normalize_name


def _closest(name: str, choices: Sequence[str], limit: int = 3) -> str:
    found = process.extract(name, list(choices), scorer=fuzz.WRatio, limit=limit, processor=normalize_name)
    return ", ".join(repr(match) for match, _, _ in found) or "none"


# How alike two names must be (rapidfuzz WRatio, 0–100) for one to be offered as a likely spelling of the other.
SIMILAR_SCORE = 88


def similar_names(name: str, choices: Sequence[str], limit: int = 3) -> tuple[str, ...]:
    """Other known names close enough to `name` to be a different spelling of it (none for a true newcomer)."""
    key = normalize_name(name)
    others = [choice for choice in choices if normalize_name(choice) != key]
    found = process.extract(name, others, scorer=fuzz.WRatio, limit=limit, processor=normalize_name,
                            score_cutoff=SIMILAR_SCORE)
    return tuple(match for match, _, _ in found)


def read_aliases(text: str) -> dict[str, str]:
    """An alias file: CSV with columns `Name` (as the results spell a driver) and `Alias` (another
    spelling, e.g. DraftKings'). Returns alias → name, the alias normalized like every name match."""
    _, rows = _read_table(text, ("Name", "Alias"), "alias file")
    problems = []
    aliases: dict[str, str] = {}
    for number, row in rows:
        if not row["Name"] or not row["Alias"]:
            problems.append(f"alias file: row {number}: both Name and Alias are needed")
            continue
        aliases[normalize_name(row["Alias"])] = row["Name"]
    if problems:
        raise SlateError(problems)
    return aliases


def apply_aliases(name: str, aliases: Mapping[str, str] | None) -> str:
    """The name an alias file maps `name` to, else `name` itself."""
    return (aliases or {}).get(normalize_name(name), name)


class DriverMatcher:
    """Maps names as DraftKings spells them to the names the history knows.

    A name the history does not know is a driver without history: kept as given (they race with
    the newcomer prior), or refused with the closest known names when `strict`.
    """

    def __init__(self, known_drivers: Iterable[str], *, aliases: Mapping[str, str] | None = None,
                 strict: bool = False) -> None:
        self.known = sorted(set(known_drivers))
        self.aliases = dict(aliases or {})
        self.strict = strict
        self._by_key: dict[str, list[str]] = {}
        for name in self.known:
            self._by_key.setdefault(normalize_name(name), []).append(name)

    def match(self, name: str) -> str:
        name = apply_aliases(name, self.aliases)
        candidates = self._by_key.get(normalize_name(name), [])
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise SlateError(f"ambiguous driver {name!r}: matches {', '.join(map(repr, candidates))}")
        if self.strict:
            raise SlateError(f"unknown driver {name!r}; closest known: {_closest(name, self.known)}")
        return name


def _read_table(text: str, required: Sequence[str], what: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and rows (with their 1-based line numbers) of a CSV.

    DraftKings' download puts the salary table to the right of and below an upload
    template, so the header is searched for in the first rows, at any column offset.
    """
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    wanted = set(required)
    for header_at, header in enumerate(lines[:20]):
        cells = [cell.strip() for cell in header]
        if wanted <= set(cells):
            offset = min(cells.index(c) for c in required)
            columns = cells[offset:]
            rows = []
            for number, line in enumerate(lines[header_at + 1 :], start=header_at + 2):
                values = [cell.strip() for cell in line[offset:]]
                if not any(values):
                    continue
                rows.append((number, dict(zip(columns, values + [""] * (len(columns) - len(values))))))
            return columns, rows
    seen = [cell.strip() for cell in lines[0]] if lines else []
    missing = [c for c in required if c not in seen]
    raise SlateError(
        f"{what}: row 1: missing column(s) {', '.join(map(repr, missing))} (found {', '.join(map(repr, seen)) or 'nothing'})"
    )


def _integer(value: str, row: int, column: str, problems: list[str]) -> int | None:
    cleaned = value.replace("$", "").replace(",", "").strip()
    try:
        number = float(cleaned)
    except ValueError:
        problems.append(f"row {row}, column {column!r}: {value!r} is not a number")
        return None
    if not number.is_integer() or number < 0:
        problems.append(f"row {row}, column {column!r}: {value!r} is not a whole non-negative number")
        return None
    return int(number)


def read_salaries(
    text: str,
    grid_text: str | None = None,
    *,
    known_drivers: Iterable[str] | None = None,
    aliases: Mapping[str, str] | None = None,
    strict_names: bool = False,
) -> tuple[Entry, ...]:
    """Entries from a DraftKings salary CSV, the grid from its `Start` column or `grid_text`.

    Names go through the alias map (`read_aliases`), then, with `known_drivers`, are replaced by
    the matching known name; ambiguous names are errors, and so are unknown ones with
    `strict_names` (else they are kept as given: drivers without history). Every problem found
    is reported at once in one `SlateError`, each naming its row and column.
    """
    columns, rows = _read_table(text, _REQUIRED, "salary file")
    matcher = (
        DriverMatcher(known_drivers, aliases=aliases, strict=strict_names) if known_drivers is not None else None
    )
    problems: list[str] = []
    has_start = "Start" in columns
    if not has_start and grid_text is None:
        problems.append("salary file: no 'Start' column and no grid file: the starting grid is unknown")
    parsed: list[tuple[int, str, int, int, int | None]] = []
    first_row: dict[str, int] = {}
    first_id: dict[int, int] = {}
    for number, row in rows:
        roster = row.get("Roster Position", ROSTER_POSITION) or ROSTER_POSITION
        if roster != ROSTER_POSITION:
            problems.append(f"row {number}, column 'Roster Position': {roster!r} is not a NASCAR Classic slot ({ROSTER_POSITION!r})")
        name = row["Name"]
        if not name:
            problems.append(f"row {number}, column 'Name': empty")
            continue
        if matcher is not None:
            try:
                name = matcher.match(name)
            except SlateError as error:
                problems.append(f"row {number}, column 'Name': {error}")
                continue
        else:
            name = apply_aliases(name, aliases)
        key = normalize_name(name)
        if key in first_row:
            problems.append(f"row {number}, column 'Name': duplicate driver {name!r} (also row {first_row[key]})")
            continue
        first_row[key] = number
        dk_id = _integer(row["ID"], number, "ID", problems)
        salary = _integer(row["Salary"], number, "Salary", problems)
        start = _integer(row["Start"], number, "Start", problems) if has_start else None
        if dk_id is not None:
            if dk_id in first_id:
                problems.append(f"row {number}, column 'ID': duplicate DK id {dk_id} (also row {first_id[dk_id]})")
            first_id[dk_id] = number
        if start == 0:
            problems.append(f"row {number}, column 'Start': starting positions start at 1")
        if dk_id is not None and salary is not None:
            parsed.append((number, name, dk_id, salary, start))
    if grid_text is not None and not problems:
        grid = _read_grid(grid_text, [(name, dk_id) for _, name, dk_id, _, _ in parsed])
        parsed = [(number, name, dk_id, salary, grid[dk_id]) for number, name, dk_id, salary, _ in parsed]
    starts: dict[int, int] = {}
    for number, name, _, _, start in parsed:
        if start is None:
            continue
        if start in starts:
            problems.append(f"row {number}, column 'Start': position {start} also given at row {starts[start]}")
        starts[start] = number
    if not problems:
        if len(parsed) < ROSTER_SIZE:
            problems.append(f"salary file: {len(parsed)} drivers, a lineup needs {ROSTER_SIZE}")
        else:
            cheapest = sum(sorted(salary for _, _, _, salary, _ in parsed)[:ROSTER_SIZE])
            if cheapest > SALARY_CAP:
                problems.append(
                    f"salary file, column 'Salary': no lineup fits the ${SALARY_CAP:,} cap "
                    f"(the cheapest {ROSTER_SIZE} drivers cost ${cheapest:,})"
                )
    if problems:
        raise SlateError(problems)
    return tuple(Entry(name, dk_id, salary, start) for _, name, dk_id, salary, start in parsed)


def _read_grid(text: str, drivers: Sequence[tuple[str, int]]) -> dict[int, int]:
    """DK id → starting position from a grid CSV keyed by DK id or driver name."""
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header = [cell.strip() for cell in lines[0]] if lines else []
    key_column = next((c for c in _GRID_DRIVER_COLUMNS if c in header), None)
    position_column = next((c for c in _GRID_POSITION_COLUMNS if c in header), None)
    if key_column is None or position_column is None:
        raise SlateError(
            f"grid file: row 1: needs a driver column ({' or '.join(_GRID_DRIVER_COLUMNS)}) and a "
            f"position column ({' or '.join(_GRID_POSITION_COLUMNS)}); found {', '.join(map(repr, header)) or 'nothing'}"
        )
    by_id = {dk_id: dk_id for _, dk_id in drivers}
    by_name = {normalize_name(name): dk_id for name, dk_id in drivers}
    names = [name for name, _ in drivers]
    problems: list[str] = []
    grid: dict[int, int] = {}
    for number, line in enumerate(lines[1:], start=2):
        row = dict(zip(header, (cell.strip() for cell in line)))
        if not any(row.values()):
            continue
        driver = row.get(key_column, "")
        if key_column in ("ID", "DK ID"):
            ident = _integer(driver, number, key_column, problems)
            if ident is None:
                problems[-1] = "grid file: " + problems[-1]
                continue
            dk_id = by_id.get(ident)
            hint = ""
        else:
            dk_id = by_name.get(normalize_name(driver))
            hint = f"; closest: {_closest(driver, names)}"
        if dk_id is None:
            problems.append(f"grid file: row {number}, column {key_column!r}: {driver!r} is not on the slate{hint}")
            continue
        position = _integer(row.get(position_column, ""), number, position_column, problems)
        if position is None:
            problems[-1] = "grid file: " + problems[-1]
            continue
        if dk_id in grid:
            problems.append(f"grid file: row {number}, column {key_column!r}: {driver!r} listed twice")
        grid[dk_id] = position
    missing = [name for name, dk_id in drivers if dk_id not in grid]
    if missing:
        problems.append(f"grid file: no starting position for {', '.join(map(repr, missing))}")
    if problems:
        raise SlateError(problems)
    return grid


def load_slate(
    salary_text: str,
    *,
    track: str,
    date: dt.date,
    laps: int,
    grid_text: str | None = None,
    known_drivers: Iterable[str] | None = None,
    aliases: Mapping[str, str] | None = None,
    strict_names: bool = False,
    track_type: str | None = None,
    series: str = "Cup",
) -> Slate:
    """A slate from a DraftKings salary CSV (and optional grid CSV) plus the race facts."""
    entries = read_salaries(salary_text, grid_text, known_drivers=known_drivers, aliases=aliases,
                            strict_names=strict_names)
    return Slate(track=track, date=date, laps=laps, entries=entries, track_type=track_type, series=series)


def salaries_csv(slate: Slate) -> str:
    """The slate as a DraftKings salary CSV with a `Start` column (round-trips `read_salaries`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SALARY_COLUMNS + ("Start",))
    game = f"{slate.track} {slate.date.isoformat()}"
    for entry in sorted(slate.entries, key=lambda e: (-e.salary, e.start)):
        writer.writerow(
            (ROSTER_POSITION, f"{entry.name} ({entry.dk_id})", entry.name, entry.dk_id, ROSTER_POSITION,
             entry.salary, game, "", "", entry.start)
        )
    return out.getvalue()


def upload_csv(slate: Slate, lineups: Iterable[Sequence[int]]) -> str:
    """A DraftKings upload CSV: header `D,D,D,D,D,D`, one lineup of DK ids a row.

    Lineups are sequences of indices into `slate.entries`; each is checked against the
    roster rules first.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([ROSTER_POSITION] * ROSTER_SIZE)
    for number, lineup in enumerate(lineups, start=1):
        try:
            validate_lineup(lineup, slate.salaries)
        except ValueError as error:
            raise SlateError(f"lineup {number}: {error}") from error
        writer.writerow([slate.entries[int(i)].dk_id for i in lineup])
    return out.getvalue()


def read_upload(slate: Slate, text: str) -> list[tuple[int, ...]]:
    """Lineups (indices into `slate.entries`) from a DraftKings upload CSV of DK ids."""
    lines = [line for line in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if any(c.strip() for c in line)]
    by_id = {e.dk_id: i for i, e in enumerate(slate.entries)}
    problems: list[str] = []
    lineups = []
    for number, line in enumerate(lines[1:], start=2):
        cells = [c.strip() for c in line][:ROSTER_SIZE]
        lineup = []
        for column, cell in enumerate(cells, start=1):
            # DraftKings also accepts "Name (id)" cells in uploads.
            found = re.search(r"(\d+)\)?$", cell)
            if not found or int(found.group(1)) not in by_id:
                problems.append(f"row {number}, column {column}: {cell!r} is not a DK id on the slate")
                continue
            lineup.append(by_id[int(found.group(1))])
        if len(lineup) == len(cells):
            try:
                validate_lineup(lineup, slate.salaries)
            except ValueError as error:
                problems.append(f"row {number}: {error}")
                continue
            lineups.append(tuple(lineup))
    if problems:
        raise SlateError(problems)
    return lineups


def entries_from_mapping(rows: Iterable[Mapping[str, object]]) -> tuple[Entry, ...]:
    """Entries from records with keys name, dk_id, salary, start (e.g. a stored slate)."""
    return tuple(
        Entry(str(r["name"]), int(r["dk_id"]), int(r["salary"]), int(r["start"])) for r in rows  # type: ignore[arg-type]
    )
