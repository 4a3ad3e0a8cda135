"""Run pydfs-lineup-optimizer on a slate: the max-projection baseline the benchmarks compare with.

Runs in bench/.venv-pydfs (pydfs is not a pitwall dependency). Reads a JSON request on
stdin: {"players": [{"id", "name", "salary", "projection"}], "lineups", "max_exposure",
"max_overlap"}; prints {"lineups": [[id, ...], ...], "seconds": s} where `seconds` is the
time pydfs spent building the portfolio (players loaded to last lineup).
"""

import json
import sys
import time

from pydfs_lineup_optimizer import Player, Site, Sport, get_optimizer


def main() -> None:
    request = json.load(sys.stdin)
    started = time.perf_counter()
    optimizer = get_optimizer(Site.DRAFTKINGS, Sport.NASCAR)
    players = []
    for row in request["players"]:
        first, _, last = row["name"].partition(" ")
        players.append(Player(str(row["id"]), first, last, ["D"], "", float(row["salary"]), float(row["projection"])))
    optimizer.player_pool.load_players(players)
    if request.get("max_overlap") is not None:
        optimizer.set_max_repeating_players(int(request["max_overlap"]))
    lineups = [
        [int(player.id) for player in lineup.players]
        for lineup in optimizer.optimize(n=int(request["lineups"]), max_exposure=request.get("max_exposure"))
    ]
    json.dump({"lineups": lineups, "seconds": time.perf_counter() - started}, sys.stdout)


if __name__ == "__main__":
    main()
