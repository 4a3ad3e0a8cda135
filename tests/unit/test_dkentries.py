"""DraftKings' entries file: read in its exact layout, filled and written back with nothing else changed."""

from __future__ import annotations

import csv
import io

import pytest

from pitwall.dkentries import EntriesError, fill_entries, name_and_id, read_entries, slate_mismatch

# A DKEntries.csv as DraftKings hands it out for a NASCAR Classic slate, written by hand: two contests
# (three entries in one, two in the other), the instruction block and the player list to the right after a
# blank column, more rows on the right than entries on the left, CRLF line endings, a contest name with a
# comma (quoted), trailing empty cells.
INSTRUCTIONS = [
    "1. Locate the player you want to select in the list below",
    "2. Copy the ID of your player (you can use the Name + ID column or the ID column)",
    "3. Paste the ID into the roster position desired",
    "4. You must paste the ID or the Name + ID into the correct column",
    "5. You can use the Name + ID or the ID column",
    "6. Make sure your lineup is under the salary cap",
]
PLAYERS = [
    ("Kyle Larson", 34567001, 11000), ("Denny Hamlin", 34567002, 10500), ("William Byron", 34567003, 10000),
    ("Christopher Bell", 34567004, 9700), ("Ryan Blaney", 34567005, 9400), ("Chase Elliott", 34567006, 9100),
    ("Tyler Reddick", 34567007, 8800), ("Daniel Suárez", 34567008, 7000), ("Ricky Stenhouse Jr.", 34567009, 6500),
]
DK_FILE = (
    "Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D,,Instructions\r\n"
    "4567890123,NASCAR $50K Sunday Special [$10K to 1st],170000001,$5,,,,,,,,1. Locate the player you want to "
    "select in the list below\r\n"
    "4567890124,NASCAR $50K Sunday Special [$10K to 1st],170000001,$5,,,,,,,,2. Copy the ID of your player "
    "(you can use the Name + ID column or the ID column)\r\n"
    '4567890125,"NASCAR $3 Pit Stop, Single Entry",170000002,$0.25,,,,,,,,3. Paste the ID into the roster '
    "position desired\r\n"
    "4567890126,NASCAR $50K Sunday Special [$10K to 1st],170000001,$5,,,,,,,,4. You must paste the ID or the "
    "Name + ID into the correct column\r\n"
    '4567890127,"NASCAR $3 Pit Stop, Single Entry",170000002,$0.25,,,,,,,,5. You can use the Name + ID or '
    "the ID column\r\n"
    ",,,,,,,,,,,6. Make sure your lineup is under the salary cap\r\n"
    ",,,,,,,,,,,\r\n"
    ",,,,,,,,,,,Position,Name + ID,Name,ID,Roster Position,Salary,Game Info,TeamAbbrev,AvgPointsPerGame\r\n"
    + "".join(
        f",,,,,,,,,,,D,{name} ({dk_id}),{name},{dk_id},D,{salary},Daytona 500 02/16/2025 02:30PM ET,,41.25\r\n"
        for name, dk_id, salary in PLAYERS
    )
)


def test_the_contests_and_entries_of_a_file_in_dks_layout():
    entries = read_entries(DK_FILE)
    assert [(c.contest_id, c.name, c.entry_fee, c.entry_ids) for c in entries.contests] == [
        ("170000001", "NASCAR $50K Sunday Special [$10K to 1st]", 5.0, ("4567890123", "4567890124", "4567890126")),
        ("170000002", "NASCAR $3 Pit Stop, Single Entry", 0.25, ("4567890125", "4567890127")),
    ]
    assert [e.line for e in entries.entries] == [2, 3, 4, 5, 6]
    assert [(p.name, p.dk_id, p.name_and_id) for p in entries.players] == [
        (name, dk_id, f"{name} ({dk_id})") for name, dk_id, _ in PLAYERS
    ]


def _lineups(entries, offset=0):
    ids = [p for p in entries.players]
    return {
        entry.entry_id: [name_and_id(p.name, p.dk_id) for p in (ids[(k + offset) % 9:] + ids)[:6]]
        for k, entry in enumerate(entries.entries)
    }


def test_fill_sets_only_the_six_d_cells_of_each_entry_row():
    entries = read_entries(DK_FILE)
    lineups = _lineups(entries)
    filled = fill_entries(entries, lineups)

    before, after = DK_FILE.split("\r\n"), filled.split("\r\n")
    assert len(before) == len(after) and filled.endswith("\r\n") and "\n" not in filled.replace("\r\n", "")
    for number, (old, new) in enumerate(zip(before, after), start=1):
        if 2 <= number <= 6:  # an entry row: its first four cells and everything right of the D cells kept
            entry = entries.entries[number - 2]
            assert new.startswith(old.split(",,,,,,,")[0] + ",")
            assert new.endswith(old[len(old.split(",,,,,,,")[0]) + 7:])
            assert ",".join(lineups[entry.entry_id]) in new
        else:
            assert new == old

    # Read back: the same contests and entries, and each D cell is `Name (ID)` of the lineup written.
    again = read_entries(filled)
    assert again.contests == entries.contests and again.players == entries.players
    rows = list(csv.reader(io.StringIO(filled)))
    for entry in again.entries:
        assert rows[entry.line - 1][4:10] == lineups[entry.entry_id]
        assert all(cell.endswith(")") and " (" in cell for cell in rows[entry.line - 1][4:10])
    # Filling a filled file again (a re-entry) overwrites the D cells.
    refilled = fill_entries(again, _lineups(again, offset=3))
    assert read_entries(refilled).entries == entries.entries
    assert fill_entries(read_entries(refilled), lineups) == filled


def test_more_entries_than_rows_on_the_right_and_lf_endings_and_a_bom():
    # Entry rows beyond the instruction block end after their ten cells (or in stray empty cells).
    rows = ["Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D,,Instructions",
            "11,NASCAR Main,170000003,$1,,,,,,,,1. Locate the player you want to select in the list below"]
    rows += [f"{12 + k},NASCAR Main,170000003,$1,,,,,,," + ("," if k % 2 else "") for k in range(6)]
    text = "\ufeff" + "\n".join(rows)  # no line ending after the last row
    entries = read_entries(text)
    assert entries.contests[0].entry_ids == tuple(str(i) for i in range(11, 18)) and entries.players == ()
    lineups = {e.entry_id: [name_and_id(f"Driver {k}", 100 + k) for k in range(6)] for e in entries.entries}
    filled = fill_entries(entries, lineups)
    assert filled.startswith("\ufeffEntry ID,") and not filled.endswith("\n")
    assert filled.split("\n")[0] == "\ufeff" + rows[0]
    assert filled.split("\n")[-1] == "17,NASCAR Main,170000003,$1,Driver 0 (100),Driver 1 (101),Driver 2 (102)," \
                                     "Driver 3 (103),Driver 4 (104),Driver 5 (105),,"
    assert read_entries(filled).entries == entries.entries


def test_names_with_commas_or_quotes_are_quoted_as_csv_needs():
    entries = read_entries(DK_FILE)
    cells = ['Odd, Name (1)', 'Quote "Q" Name (2)'] + [f"D{k} ({k})" for k in range(3, 7)]
    filled = fill_entries(entries, {e.entry_id: cells for e in entries.entries})
    rows = list(csv.reader(io.StringIO(filled)))
    assert rows[1][4:10] == cells and rows[1][11].startswith("1. Locate")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "line 1: the file is empty"),
        ("Position,Name + ID,Name,ID,Roster Position,Salary\nD,A (1),A,1,D,5000\n",
         "line 1, column A (Entry ID): expected 'Entry ID', found 'Position'"),
        ("Entry ID,Contest Name,Contest ID,Entry Fee,QB,RB,RB,WR,WR,WR\n1,X,2,$1,,,,,,\n",
         "line 1, column E (D): expected 'D', found 'QB'"),
        ("Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D\n", "line 2: the file holds no entry"),
        ("Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D\nabc,X,170,$1,,,,,,\n",
         "line 2, column A (Entry ID): expected DraftKings' number, found 'abc'"),
        ("Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D\n1,X,,$1,,,,,,\n",
         "line 2, column C (Contest ID): empty"),
        ("Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D\n1,X,170,five dollars,,,,,,\n",
         "line 2, column D (Entry Fee): expected a fee such as $5 or $0.25, found 'five dollars'"),
        ("Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D\n1,X,170,$1,,,,,,\n1,X,170,$1,,,,,,\n",
         "line 3, column A (Entry ID): entry 1 is already on line 2"),
        ("Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D\n1,X,170,$1,,,,,,\n2,X,170,$2,,,,,,\n",
         "line 3, column D (Entry Fee): contest 170 costs $1 on line 2, $2 here"),
        ("Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D\n1,X,170,$1,,,,,,\n2,Y,170,$1,,,,,,\n",
         "line 3, column B (Contest Name): contest 170 is named 'X' on line 2, 'Y' here"),
        ('Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D\n1,"X,170,$1,,,,,,\n',
         "line 2: a quoted cell is not closed"),
        ("Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D,,Instructions\n1,X,170,$1,,,,,,,,\n"
         ",,,,,,,,,,,Position,Name + ID,Name,ID,Roster Position\n,,,,,,,,,,,D,A (x),A,x,D\n",
         "line 4, column O: the player list's ID must be DraftKings' number, found 'x'"),
    ],
)
def test_a_bad_file_is_an_error_naming_line_column_and_problem(text, expected):
    with pytest.raises(EntriesError) as caught:
        read_entries(text)
    assert expected in str(caught.value), str(caught.value)


def test_every_entry_needs_a_lineup_of_six():
    entries = read_entries(DK_FILE)
    lineups = _lineups(entries)
    del lineups["4567890124"]
    with pytest.raises(EntriesError, match="no lineup for entries 4567890124"):
        fill_entries(entries, lineups)
    lineups["4567890124"] = ["A (1)"] * 5
    with pytest.raises(EntriesError, match="a lineup holds 6 drivers, got 5"):
        fill_entries(entries, lineups)


def test_slate_ids_the_player_list_lacks_are_named():
    entries = read_entries(DK_FILE)
    drivers = [(name, dk_id) for name, dk_id, _ in PLAYERS]
    assert slate_mismatch(entries, drivers) == []
    assert slate_mismatch(entries, drivers + [("Kyle Busch", 4008)]) == ["Kyle Busch (4008)"]
