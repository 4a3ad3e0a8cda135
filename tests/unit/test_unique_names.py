"""pytest imports test modules by basename (rootdir-relative packages are not used here), so two test files of
one name in different folders stop the whole run at collection; this catches it in the unit run itself."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).parents[1]


def test_no_two_test_modules_share_a_name():
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
