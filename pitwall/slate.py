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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from pitwall.rules import ROSTER_POSITION, ROSTER_SIZE, SALARY_CAP, validate_lineup
from pitwall.text import csv_safe
from pitwall.tracks import UnknownTrack, check_track_type, track_type

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


# What a slate may hold, checked the same way wherever a slate comes in (a salary CSV upload, the command
# line, an inline slate in an optimize request): `slate_problems` applies every rule.
# DraftKings ids are positive 32-bit integers.
DK_ID_MIN = 1
DK_ID_MAX = 2**31 - 1
# DraftKings' NASCAR Classic salaries, whole dollars: the cheapest drivers are priced around $4,500 and the
# dearest around $12,500-$13,000; the bounds leave room on both sides and refuse anything DraftKings never posts.
SALARY_MIN = 3_000
SALARY_MAX = 16_000
# The fields of a driver on a slate, as `slate_problems` names them.
DRIVER_FIELDS = ("name", "dk_id", "salary", "start")


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
        problems = []
        if self.track_type is not None:
            problem = track_type_problem(self.track_type)
            if problem:
                raise SlateError(problem)
            object.__setattr__(self, "track_type", check_track_type(self.track_type))
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


# Every inline request reduces each of its drivers' names a few times, and the names repeat across
# requests: a cache makes a burst of submissions cheaper.
@lru_cache(maxsize=8192)
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


# -- the rules of a slate ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlateProblem:
    """One broken rule of a slate: the driver it concerns (`index`, in the order the drivers were given; None
    for the slate as a whole), the field (one of `DRIVER_FIELDS`; None for the slate as a whole) and what is
    wrong. Callers say where that is in their own terms: a CSV row and column, or a request field."""

    index: int | None
    field: str | None
    message: str


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 20 else text[:19] + "…"


def dk_id_problem(dk_id: int) -> str | None:
    """Why `dk_id` cannot be a DraftKings id, or None."""
    if not DK_ID_MIN <= dk_id <= DK_ID_MAX:
        return f"DK id {_shown(dk_id)} is outside {DK_ID_MIN} … {DK_ID_MAX:,} (DraftKings ids are positive 32-bit integers)"
    return None


def salary_problem(salary: int) -> str | None:
    """Why `salary` (whole dollars) cannot be a DraftKings NASCAR salary, or None."""
    if not SALARY_MIN <= salary <= SALARY_MAX:
        return f"salary {_shown(salary)} is outside DraftKings' NASCAR range ${SALARY_MIN:,} … ${SALARY_MAX:,}"
    return None


def start_problem(start: int, field_size: int | None = None) -> str | None:
    """Why `start` cannot be a starting position on a slate of `field_size` drivers (any size if None), or None."""
    if start < 1:
        return f"starting position {_shown(start)} is below 1 (the pole)"
    if field_size is not None and start > field_size:
        return f"starting position {_shown(start)} is beyond the field of {field_size} drivers (starts run 1 … {field_size})"
    return None


def track_type_problem(kind: str) -> str | None:
    """Why `kind` is not a track type pitwall knows, or None."""
    try:
        check_track_type(kind)
    except ValueError as error:
        return str(error)
    return None


def race_problem(track: str, date: dt.date | None, kind: str | None) -> tuple[str, str] | None:
    """The field (`track_type` or `track`) and why, when a race's track type is neither given as a known type
    nor known from the track map; None when the race has a type."""
    if kind is not None:
        problem = track_type_problem(kind)
        return ("track_type", problem) if problem else None
    try:
        track_type(track, on=date)
    except UnknownTrack as error:
        return ("track", str(error))
    return None


DriverValues = tuple[str | None, int | None, int | None, int | None]


def slate_problems(
    drivers: Sequence[DriverValues], *, where: Callable[[int], str] = lambda i: f"driver {i + 1}"
) -> list[SlateProblem]:
    """Every rule a slate's drivers break: each given as (name, DK id, salary, start), a value None when it
    could not be read (its reader reported that already).

    Per driver: DK id in `DK_ID_MIN` … `DK_ID_MAX`, salary in `SALARY_MIN` … `SALARY_MAX`, start in 1 … the
    number of drivers. Across drivers: no name (as `normalize_name` reduces it), DK id or start twice; `where(i)`
    names the other driver in the message. Then, when every driver is sound, the slate as a whole: at least a
    lineup's worth of drivers, and a lineup that fits the salary cap.
    """
    problems: list[SlateProblem] = []
    size = len(drivers)
    for index, (name, dk_id, salary, start) in enumerate(drivers):
        if name is not None and not name.strip():
            problems.append(SlateProblem(index, "name", "empty"))
        for column, value, problem in (
            ("dk_id", dk_id, dk_id_problem(dk_id) if dk_id is not None else None),
            ("salary", salary, salary_problem(salary) if salary is not None else None),
            ("start", start, start_problem(start, size) if start is not None else None),
        ):
            if problem:
                problems.append(SlateProblem(index, column, problem))
    for position, column, what, key in (
        (0, "name", "driver", normalize_name),
        (1, "dk_id", "DK id", None),
        (3, "start", "starting position", None),
    ):
        first: dict[object, int] = {}
        for index, values in enumerate(drivers):
            value = values[position]
            if value is None:
                continue
            seen = key(value) if key else value
            if seen in first:
                shown = repr(value) if column == "name" else _shown(value)
                problems.append(SlateProblem(index, column, f"duplicate {what} {shown} (also {where(first[seen])})"))
            else:
                first[seen] = index
    if problems or any(value is None for values in drivers for value in values):
        return problems
    if size < ROSTER_SIZE:
        problems.append(SlateProblem(None, None, f"{size} drivers, a lineup needs {ROSTER_SIZE}"))
    else:
        cheapest = sum(sorted(salary for _, _, salary, _ in drivers)[:ROSTER_SIZE])  # type: ignore[type-var]
        if cheapest > SALARY_CAP:
            problems.append(SlateProblem(
                None, "salary",
                f"no lineup fits the ${SALARY_CAP:,} cap (the cheapest {ROSTER_SIZE} drivers cost ${cheapest:,})",
            ))
    return problems


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


# A whole number as DraftKings writes one: digits (`10500`), perhaps with a `$` and thousands separators
# (`$10,500`). Not a float (`1e5`, `10500.0`) nor a shorthand (`9.5k`).
_WHOLE = re.compile(r"(-?)\$?(\d+|\d{1,3}(?:,\d{3})+)")
# More digits than this is beyond every bound, whatever the value.
_MAX_DIGITS = 20


def _integer(value: str, row: int, column: str, problems: list[str]) -> int | None:
    """The whole number in a CSV cell, or None with a problem naming row and column."""
    cleaned = value.strip()
    found = _WHOLE.fullmatch(cleaned)
    if found is None:
        try:
            float(cleaned.replace("$", "").replace(",", ""))
        except ValueError:
            problems.append(f"row {row}, column {column!r}: {_shown(repr(value))} is not a number")
        else:
            problems.append(f"row {row}, column {column!r}: {_shown(repr(value))} is not a whole number written in digits (like 10500)")
        return None
    sign, digits = found.group(1), found.group(2).replace(",", "")
    if len(digits) > _MAX_DIGITS:
        digits = "9" * _MAX_DIGITS  # shown clipped; out of every range all the same
    return -int(digits) if sign else int(digits)


# How `read_salaries` names a driver's field in the salary file.
_CSV_COLUMNS = {"name": "Name", "dk_id": "ID", "salary": "Salary", "start": "Start"}


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
    `strict_names` (else they are kept as given: drivers without history). Numbers are whole and
    written in digits; the slate then has to keep every rule of `slate_problems` (DK ids, salaries,
    starts within the field, nothing twice, a lineup under the cap). Every problem found is
    reported at once in one `SlateError`, each naming its row and column.
    """
    columns, rows = _read_table(text, _REQUIRED, "salary file")
    matcher = (
        DriverMatcher(known_drivers, aliases=aliases, strict=strict_names) if known_drivers is not None else None
    )
    problems: list[str] = []
    has_start = "Start" in columns
    if not has_start and grid_text is None:
        problems.append("salary file: no 'Start' column and no grid file: the starting grid is unknown")
    numbers: list[int] = []
    parsed: list[DriverValues] = []
    for number, row in rows:
        roster = row.get("Roster Position", ROSTER_POSITION) or ROSTER_POSITION
        if roster != ROSTER_POSITION:
            problems.append(f"row {number}, column 'Roster Position': {roster!r} is not a NASCAR Classic slot ({ROSTER_POSITION!r})")
        name: str | None = row["Name"]
        if not name:
            problems.append(f"row {number}, column 'Name': empty")
            name = None
        elif matcher is not None:
            try:
                name = matcher.match(name)
            except SlateError as error:
                problems.append(f"row {number}, column 'Name': {error}")
                name = None
        else:
            name = apply_aliases(name, aliases)
        dk_id = _integer(row["ID"], number, "ID", problems)
        salary = _integer(row["Salary"], number, "Salary", problems)
        start = _integer(row["Start"], number, "Start", problems) if has_start else None
        numbers.append(number)
        parsed.append((name, dk_id, salary, start))
    from_grid = grid_text is not None and not problems
    if from_grid:
        grid = _read_grid(grid_text, [(name, dk_id) for name, dk_id, _, _ in parsed])  # type: ignore[arg-type, misc]
        parsed = [(name, dk_id, salary, grid[dk_id]) for name, dk_id, salary, _ in parsed]  # type: ignore[index]

    def row_of(index: int) -> str:
        return f"row {numbers[index]}"

    readable = not problems
    for problem in slate_problems(parsed, where=row_of):
        if problem.index is not None and problem.field == "start" and from_grid:
            problems.append(f"grid file, driver {parsed[problem.index][0]!r}: {problem.message}")
        elif problem.index is not None:
            problems.append(f"{row_of(problem.index)}, column {_CSV_COLUMNS[problem.field or 'name']!r}: {problem.message}")
        elif readable:
            column = f", column {_CSV_COLUMNS[problem.field]!r}" if problem.field else ""
            problems.append(f"salary file{column}: {problem.message}")
    if problems:
        raise SlateError(problems)
    return tuple(Entry(name, dk_id, salary, start) for name, dk_id, salary, start in parsed)  # type: ignore[arg-type]


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
    """The slate as a DraftKings salary CSV with a `Start` column (round-trips `read_salaries`).

    Name cells go through `csv_safe`: a name a spreadsheet would take for a formula (`=cmd|...`) is written
    with a leading `'`, and reads back with it.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SALARY_COLUMNS + ("Start",))
    game = f"{slate.track} {slate.date.isoformat()}"
    for entry in sorted(slate.entries, key=lambda e: (-e.salary, e.start)):
        writer.writerow(
            (ROSTER_POSITION, csv_safe(f"{entry.name} ({entry.dk_id})"), csv_safe(entry.name), entry.dk_id, ROSTER_POSITION,
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
