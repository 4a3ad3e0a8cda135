"""DraftKings' entries file (DKEntries.csv): read the contests and entries in it, write it back filled.

DraftKings lets a player download the entries he holds on a slate as one CSV and upload the same file with
lineups in it. Its layout, for NASCAR Classic:

    Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D,,Instructions
    4567890123,NASCAR $50K Sunday Special,170000001,$5,,,,,,,,1. Locate the player ...
    4567890124,NASCAR $50K Sunday Special,170000001,$5,,,,,,,,2. Copy the ID of your player ...
    ,,,,,,,,,,,3. Paste the ID into the roster position desired
    ...
    ,,,,,,,,,,,Position,Name + ID,Name,ID,Roster Position,Salary,Game Info,TeamAbbrev,AvgPointsPerGame
    ,,,,,,,,,,,D,Kyle Larson (34567001),Kyle Larson,34567001,D,11000,Daytona 500 ...,,45.1

The left block holds one row per entry (its six D cells empty, or holding the lineup it was entered with);
after a blank column, DraftKings' instruction block and the slate's player list sit to the right, on the
same lines. Either block may be the longer one, so an entry row may carry instructions, players or
nothing to its right, and a row below the entries has ten empty cells on its left. Rows often end in
empty cells.

Reading keeps the file's lines as they are; writing changes only the six D cells of each entry row, to
`Name (ID)` as DraftKings writes them, so the file goes back with its instructions, player list and line
endings untouched.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pitwall.rules import ROSTER_POSITION, ROSTER_SIZE

HEADER = ("Entry ID", "Contest Name", "Contest ID", "Entry Fee") + (ROSTER_POSITION,) * ROSTER_SIZE
# Where the six D cells of a row are.
FIRST_SLOT = 4
LEFT_COLUMNS = len(HEADER)
PLAYER_HEADER = ("Position", "Name + ID", "Name", "ID")
# Most entry rows a file may hold: DraftKings caps a contest at 150 entries per player.
MAX_ENTRY_ROWS = 1_500
MAX_CONTESTS = 50

_FEE = re.compile(r"^\$?\s*(\d{1,3}(?:,\d{3})*|\d+)(\.\d{1,2})?$")
_DIGITS = re.compile(r"^\d{1,20}$")


class EntriesError(ValueError):
    """An entries file that cannot be read; `problems` holds one message per bad line or cell, each
    naming the line (1 = the header) and the column."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class EntryRow:
    """One entry: a row of the left block."""

    line: int  # 1-based line of the file
    entry_id: str
    contest_name: str
    contest_id: str
    entry_fee: float


@dataclass(frozen=True)
class EntryContest:
    """A contest of the file: its id, name, entry fee and its entries, in file order."""

    contest_id: str
    name: str
    entry_fee: float
    entry_ids: tuple[str, ...]


@dataclass(frozen=True)
class PoolPlayer:
    """A driver of DraftKings' player list to the right of the entries."""

    name: str
    dk_id: int
    name_and_id: str  # the `Name + ID` cell, exactly as DraftKings spells it


@dataclass(frozen=True)
class EntriesFile:
    """A read entries file: its lines as they were, its entries and contests, and the player list."""

    lines: tuple[str, ...]  # each with its own line ending
    bom: bool  # the file began with a byte order mark, written back with it
    entries: tuple[EntryRow, ...]
    contests: tuple[EntryContest, ...]
    players: tuple[PoolPlayer, ...]

    def contest(self, contest_id: str) -> EntryContest:
        for contest in self.contests:
            if contest.contest_id == contest_id:
                return contest
        raise KeyError(contest_id)

    @property
    def player_ids(self) -> dict[int, PoolPlayer]:
        return {player.dk_id: player for player in self.players}


def _raw_cells(line: str, number: int) -> list[str]:
    """The cells of one line as they are written (quotes kept), split on commas outside quotes."""
    cells, start, quoted = [], 0, False
    for position, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            cells.append(line[start:position])
            start = position + 1
    if quoted:
        raise EntriesError(f"line {number}: a quoted cell is not closed (a cell may not span lines)")
    cells.append(line[start:])
    return cells


def _value(raw: str, number: int) -> str:
    """A cell's value: quotes undone, surrounding spaces dropped."""
    try:
        return next(csv.reader([raw]))[0].strip() if raw else ""
    except (csv.Error, StopIteration):
        raise EntriesError(f"line {number}: the cell {raw!r} is not CSV") from None


def _column(index: int) -> str:
    name = HEADER[index] if index < LEFT_COLUMNS else ""
    letters = ""
    n = index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"column {letters}" + (f" ({name})" if name else "")


def _fee(text: str) -> float | None:
    match = _FEE.match(text)
    if match is None:
        return None
    return float(match.group(1).replace(",", "") + (match.group(2) or ""))


def _split_lines(text: str) -> list[str]:
    # Only \r\n, \r and \n end a line of a CSV; str.splitlines would also split on form feeds and the like.
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def read_entries(text: str) -> EntriesFile:
    """The entries, contests and player list of a DKEntries.csv; any problem is an `EntriesError` naming
    its line and column."""
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    lines = _split_lines(text)
    if not lines or not lines[0].strip():
        raise EntriesError("line 1: the file is empty; expected DraftKings' header "
                           f"{','.join(HEADER)}")
    rows = [[_value(raw, number) for raw in _raw_cells(line.rstrip("\r\n"), number)]
            for number, line in enumerate(lines, start=1)]
    header = rows[0]
    problems = []
    for index, expected in enumerate(HEADER):
        found = header[index] if index < len(header) else None
        if found is None or found.lower() != expected.lower():
            problems.append(f"line 1, {_column(index)}: expected {expected!r}, found "
                            f"{'nothing' if found is None else repr(found)}")
    if problems:
        raise EntriesError(problems[:3] + ["this is not DraftKings' entries file (Entry ID, Contest Name, Contest "
                                           "ID, Entry Fee and six D columns)"])
    entries: list[EntryRow] = []
    seen: dict[str, int] = {}
    contests: dict[str, tuple[str, float, int]] = {}
    for number, row in enumerate(rows[1:], start=2):
        left = (row + [""] * LEFT_COLUMNS)[:LEFT_COLUMNS]
        if not any(left[:FIRST_SLOT]):
            continue
        entry_id, name, contest_id, fee_text = left[:FIRST_SLOT]
        where = f"line {number}"
        for index, value in ((0, entry_id), (2, contest_id)):
            if not _DIGITS.match(value):
                problems.append(f"{where}, {_column(index)}: expected DraftKings' number, found "
                                f"{value!r}" if value else f"{where}, {_column(index)}: empty")
        if not name:
            problems.append(f"{where}, {_column(1)}: empty")
        fee = _fee(fee_text)
        if fee is None:
            problems.append(f"{where}, {_column(3)}: expected a fee such as $5 or $0.25, found {fee_text!r}")
        if entry_id in seen:
            problems.append(f"{where}, {_column(0)}: entry {entry_id} is already on line {seen[entry_id]}")
        seen.setdefault(entry_id, number)
        if contest_id in contests and fee is not None and name:
            first_name, first_fee, first_line = contests[contest_id]
            if name != first_name:
                problems.append(f"{where}, {_column(1)}: contest {contest_id} is named {first_name!r} on line "
                                f"{first_line}, {name!r} here")
            if fee != first_fee:
                problems.append(f"{where}, {_column(3)}: contest {contest_id} costs ${first_fee:g} on line "
                                f"{first_line}, {fee_text} here")
        elif fee is not None and name and _DIGITS.match(contest_id):
            contests[contest_id] = (name, fee, number)
        if fee is not None:
            entries.append(EntryRow(number, entry_id, name, contest_id, fee))
        if len(problems) >= 20:
            break
    if problems:
        raise EntriesError(problems)
    if not entries:
        raise EntriesError("line 2: the file holds no entry (no row with an Entry ID under the header)")
    if len(entries) > MAX_ENTRY_ROWS:
        raise EntriesError(f"line {entries[MAX_ENTRY_ROWS].line}: more than {MAX_ENTRY_ROWS} entries")
    if len(contests) > MAX_CONTESTS:
        raise EntriesError(f"the file holds {len(contests)} contests, at most {MAX_CONTESTS}")
    return EntriesFile(
        lines=tuple(lines),
        bom=bom,
        entries=tuple(entries),
        contests=tuple(
            EntryContest(contest_id=cid, name=name, entry_fee=fee,
                         entry_ids=tuple(e.entry_id for e in entries if e.contest_id == cid))
            for cid, (name, fee, _) in contests.items()
        ),
        players=_players(rows),
    )


def _players(rows: list[list[str]]) -> tuple[PoolPlayer, ...]:
    """DraftKings' player list to the right of the entries: the rows under its `Position,Name + ID,Name,ID`
    header, read until the first row without an ID."""
    for number, row in enumerate(rows, start=1):
        for start in range(LEFT_COLUMNS, len(row) - len(PLAYER_HEADER) + 1):
            if tuple(cell.lower() for cell in row[start:start + len(PLAYER_HEADER)]) == tuple(
                    h.lower() for h in PLAYER_HEADER):
                return _pool(rows, number, start)
    return ()


def _pool(rows: list[list[str]], header_line: int, start: int) -> tuple[PoolPlayer, ...]:
    players: list[PoolPlayer] = []
    problems = []
    seen: dict[int, int] = {}
    for number, row in enumerate(rows[header_line:], start=header_line + 1):
        cells = (row + [""] * (start + len(PLAYER_HEADER)))[start:start + len(PLAYER_HEADER)]
        _, name_and_id, name, dk_id = cells
        if not any(cells):
            break
        where = f"line {number}, {_column(start + 3)}"
        if not _DIGITS.match(dk_id) or not 1 <= int(dk_id) <= 2**31 - 1:
            problems.append(f"{where}: the player list's ID must be DraftKings' number, found {dk_id!r}")
            continue
        if not name:
            problems.append(f"line {number}, {_column(start + 2)}: the player list's Name is empty")
            continue
        if int(dk_id) in seen:
            problems.append(f"{where}: ID {dk_id} is already on line {seen[int(dk_id)]} of the player list")
            continue
        seen[int(dk_id)] = number
        players.append(PoolPlayer(name=name, dk_id=int(dk_id), name_and_id=name_and_id or f"{name} ({dk_id})"))
    if problems:
        raise EntriesError(problems[:20])
    return tuple(players)


def _cell(text: str) -> str:
    """A cell as csv writes it: quoted only when it must be."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([text])
    return out.getvalue()


def fill_entries(entries: EntriesFile, lineups: Mapping[str, Sequence[str]]) -> str:
    """The file back with the six D cells of every entry row set to `lineups[entry_id]` (six `Name (ID)`
    cells), every other cell, line and line ending as it was. Every entry needs a lineup."""
    missing = [e.entry_id for e in entries.entries if e.entry_id not in lineups]
    if missing:
        raise EntriesError(f"no lineup for entries {', '.join(missing[:10])}")
    lines = list(entries.lines)
    for entry in entries.entries:
        cells = lineups[entry.entry_id]
        if len(cells) != ROSTER_SIZE:
            raise EntriesError(f"entry {entry.entry_id}: a lineup holds {ROSTER_SIZE} drivers, got {len(cells)}")
        line = lines[entry.line - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        raw = _raw_cells(body, entry.line)
        raw += [""] * (LEFT_COLUMNS - len(raw))
        raw[FIRST_SLOT:LEFT_COLUMNS] = [_cell(text) for text in cells]
        lines[entry.line - 1] = ",".join(raw) + ending
    return ("\ufeff" if entries.bom else "") + "".join(lines)


def slate_mismatch(entries: EntriesFile, drivers: Sequence[tuple[str, int]]) -> list[str]:
    """Slate drivers (name, DK id) whose id the file's player list lacks: the slate and the entries file
    are of different slates. Nothing to say when the file carries no player list."""
    if not entries.players:
        return []
    known = entries.player_ids
    return [f"{name} ({dk_id})" for name, dk_id in drivers if dk_id not in known]


def name_and_id(name: str, dk_id: int) -> str:
    """A D cell as DraftKings writes it."""
    return f"{name} ({dk_id})"
