"""DraftKings' entries file for a slate, in DraftKings' layout (as the hand-written file in
tests/unit/test_dkentries.py): entries on the left, a blank column, the instruction block and the player
list to the right."""

from __future__ import annotations

INSTRUCTIONS = (
    "1. Locate the player you want to select in the list below",
    "2. Copy the ID of your player (you can use the Name + ID column or the ID column)",
    "3. Paste the ID into the roster position desired",
    "4. You must paste the ID or the Name + ID into the correct column",
    "5. You can use the Name + ID or the ID column",
)


def dk_entries(contests: list[tuple[str, str, str, int]], players: list[tuple[str, int, int]],
               newline: str = "\r\n", game: str = "Cup Series Race") -> str:
    """`contests`: (contest id, name, fee as DK writes it, number of entries), their entries interleaved as
    a player's downloads often are; `players`: (name, DK id, salary)."""
    left = []
    queues = [[(cid, name, fee)] * n for cid, name, fee, n in contests]
    entry_id = 4_567_890_100
    while any(queues):
        for queue in queues:
            if queue:
                cid, name, fee = queue.pop()
                entry_id += 1
                cell = f'"{name}"' if "," in name else name
                left.append(f"{entry_id},{cell},{cid},{fee},,,,,,")
    right = [*INSTRUCTIONS, "", "Position,Name + ID,Name,ID,Roster Position,Salary,Game Info,TeamAbbrev,AvgPointsPerGame"]
    right += [f"D,{name} ({dk_id}),{name},{dk_id},D,{salary},{game},,30.5" for name, dk_id, salary in players]
    lines = ["Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D,,Instructions"]
    for row in range(max(len(left), len(right))):
        line = left[row] if row < len(left) else ",,,,,,,,,"
        if row < len(right):
            line += ",," + right[row]
        lines.append(line)
    return newline.join(lines) + newline
