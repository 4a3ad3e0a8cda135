import datetime as dt

import pytest

from pitwall.slate import (
    Entry,
    Slate,
    SlateError,
    load_slate,
    normalize_name,
    read_aliases,
    read_salaries,
    read_upload,
    similar_names,
    upload_csv,
)

HEADER = "Position,Name + ID,Name,ID,Roster Position,Salary,Game Info,TeamAbbrev,AvgPointsPerGame"
KNOWN = ["Kyle Larson", "Martin Truex Jr.", "Daniel Suárez", "Chase Elliott", "Denny Hamlin", "Ryan Blaney",
         "Joey Logano", "Kyle Busch", "Kurt Busch"]
DRIVERS = [("Kyle Larson", 1, 11000, 3), ("Martin Truex", 2, 9000, 1), ("daniel suarez", 3, 7000, 5),
           ("Chase Elliott", 4, 10500, 2), ("Denny Hamlin", 5, 9500, 4), ("Ryan Blaney", 6, 6000, 7),
           ("Joey Logano", 7, 5000, 6)]


def salary_csv(drivers=DRIVERS, start=True, extra=""):
    lines = [HEADER + (",Start" if start else "")]
    for name, dk_id, salary, position in drivers:
        row = f"D,{name} ({dk_id}),{name},{dk_id},D,{salary},Race@Track,,0.0"
        lines.append(row + (f",{position}" if start else ""))
    return "\n".join(lines) + "\n" + extra


def test_reads_entries_and_matches_names_to_known_drivers():
    entries = read_salaries(salary_csv(), known_drivers=KNOWN)
    assert entries[1] == Entry("Martin Truex Jr.", 2, 9000, 1)
    assert entries[2].name == "Daniel Suárez"
    assert [e.start for e in entries] == [3, 1, 5, 2, 4, 7, 6]


def test_name_normalization():
    assert normalize_name("  Martin TRUEX Jr. ") == normalize_name("martin truex")
    assert normalize_name("Daniel Suárez") == "daniel suarez"
    assert normalize_name("Ricky Stenhouse Jr") == "ricky stenhouse"


def test_unknown_driver_is_refused_with_closest_names_when_names_are_strict():
    text = salary_csv([("Kyle Larsen", 1, 11000, 1)] + DRIVERS[1:])
    with pytest.raises(SlateError) as error:
        read_salaries(text, known_drivers=KNOWN, strict_names=True)
    message = str(error.value)
    assert "row 2, column 'Name'" in message and "Kyle Larsen" in message and "'Kyle Larson'" in message


def test_unknown_driver_is_kept_as_given_and_a_close_spelling_is_offered():
    text = salary_csv([("Katherine Legge", 1, 6000, 3), ("Kyle Larsen", 8, 5000, 8)] + DRIVERS[1:])
    entries = read_salaries(text, known_drivers=KNOWN)
    assert [e.name for e in entries[:2]] == ["Katherine Legge", "Kyle Larsen"]
    assert similar_names("Kyle Larsen", KNOWN)[0] == "Kyle Larson"
    assert similar_names("Katherine Legge", KNOWN) == ()


def test_alias_file_maps_another_spelling_to_the_results_name():
    aliases = read_aliases("Name,Alias\nJoey Logano,Joseph Logano\nDaniel Suárez,Dani Suarez\n")
    text = salary_csv([("Joseph Logano", 7, 5000, 6), ("DANI SUAREZ", 3, 7000, 5)] + DRIVERS[:2] + DRIVERS[3:6])
    entries = read_salaries(text, known_drivers=KNOWN, aliases=aliases, strict_names=True)
    assert [e.name for e in entries[:2]] == ["Joey Logano", "Daniel Suárez"]
    with pytest.raises(SlateError, match="row 3: both Name and Alias"):
        read_aliases("Name,Alias\nJoey Logano,Joseph Logano\nKyle Busch,\n")


def test_ambiguous_driver_is_an_error():
    with pytest.raises(SlateError, match="ambiguous"):
        read_salaries(salary_csv(), known_drivers=KNOWN + ["Martin Truex"])


def test_missing_column_names_row_and_column():
    text = salary_csv().replace(",Salary,", ",Pay,")
    with pytest.raises(SlateError, match="row 1: missing column.*'Salary'"):
        read_salaries(text)


def test_non_numeric_salary_names_row_and_column():
    text = salary_csv().replace(",9500,", ",9.5k,")
    with pytest.raises(SlateError, match=r"row 6, column 'Salary': '9.5k' is not a number"):
        read_salaries(text)


def test_duplicate_driver_names_both_rows():
    with pytest.raises(SlateError, match=r"row 9, column 'Name': duplicate driver 'Kyle Larson' \(also row 2\)"):
        read_salaries(salary_csv(DRIVERS + [("Kyle Larson", 99, 5000, 8)]))


def test_too_few_drivers():
    with pytest.raises(SlateError, match="5 drivers, a lineup needs 6"):
        read_salaries(salary_csv(DRIVERS[:5]))


def test_no_lineup_fits_the_cap():
    rich = [(n, i, 9000, s) for n, i, _, s in DRIVERS]
    with pytest.raises(SlateError, match=r"no lineup fits the \$50,000 cap"):
        read_salaries(salary_csv(rich))


def test_missing_grid_is_an_error():
    with pytest.raises(SlateError, match="starting grid"):
        read_salaries(salary_csv(start=False))


def test_grid_file_by_name_and_by_id():
    by_name = "Driver,Start\n" + "\n".join(f"{n},{s}" for n, _, _, s in DRIVERS)
    by_id = "ID,Position\n" + "\n".join(f"{i},{s}" for _, i, _, s in DRIVERS)
    expected = [s for *_, s in DRIVERS]
    assert [e.start for e in read_salaries(salary_csv(start=False), by_name)] == expected
    assert [e.start for e in read_salaries(salary_csv(start=False), by_id)] == expected


def test_grid_file_errors_name_row_and_column():
    grid = "ID,Start\n1,3\n2,x\n"
    with pytest.raises(SlateError) as error:
        read_salaries(salary_csv(start=False), grid)
    assert "row 3, column 'Start': 'x' is not a number" in str(error.value)
    assert "no starting position for" in str(error.value)


def test_header_found_below_an_upload_template():
    template = ",,,,\n,,Instructions,,\n"
    text = template + "\n".join(",," + line for line in salary_csv().splitlines())
    assert len(read_salaries(text)) == len(DRIVERS)


def test_upload_csv_round_trip():
    slate = load_slate(salary_csv(), track="Phoenix Raceway", date=dt.date(2024, 11, 10), laps=312)
    text = upload_csv(slate, [(0, 1, 2, 4, 5, 6), (1, 2, 3, 4, 5, 6)])
    assert text.splitlines()[0] == "D,D,D,D,D,D"
    assert text.splitlines()[1] == "1,2,3,5,6,7"
    assert read_upload(slate, text) == [(0, 1, 2, 4, 5, 6), (1, 2, 3, 4, 5, 6)]
    with pytest.raises(SlateError, match="lineup 1: .*cap"):
        upload_csv(slate, [(0, 1, 2, 3, 4, 5)])


def test_slate_rejects_duplicates_and_knows_its_track_type():
    entries = read_salaries(salary_csv())
    slate = Slate("Talladega Superspeedway", dt.date(2024, 10, 6), 188, entries)
    assert slate.kind == "superspeedway"
    assert slate.index("kyle larson") == 0
    assert list(slate.salaries[:2]) == [11000, 9000]
    with pytest.raises(SlateError, match="duplicate starting position"):
        Slate("Talladega Superspeedway", dt.date(2024, 10, 6), 188, entries[:-1] + (Entry("X", 99, 4000, 1),))
