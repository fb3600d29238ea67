"""`warroom log` wall time against `python -c "import sqlmodel"`, same run.

    .venv/bin/python bench/bench_cli.py [RUNS]

Runs are interleaved so machine noise hits both alike.  Target: median ratio
<= 0.7 (the structure issue, part 5: the hot path imports no ORM; it was
<= 1.3 in issue 2).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(runs: int = 21) -> None:
    folder = Path(tempfile.mkdtemp(prefix="warroom-bench-"))
    env = {
        **os.environ,
        "WARROOM_DB": str(folder / "cli.db"),
        "WARROOM_CONFIG": str(folder / "none.toml"),
        "WARROOM_SITE_CONFIG": str(folder / "none.toml"),
        "WARROOM_USER": "bench",
    }
    warroom = [sys.executable, "-m", "warroom"]
    subprocess.run([*warroom, "declare", "bench"], check=True, env=env, stdout=subprocess.DEVNULL)
    log_times, import_times = [], []
    for index in range(runs):
        log_times.append(timed([*warroom, "log", "1", f"note {index}"], env))
        import_times.append(timed([sys.executable, "-c", "import sqlmodel"], env))
    log_median = statistics.median(log_times)
    import_median = statistics.median(import_times)
    print(f"warroom log         : median {log_median * 1000:.0f} ms (n={runs})")
    print(f"import sqlmodel     : median {import_median * 1000:.0f} ms (n={runs})")
    ratio = log_median / import_median
    load = os.getloadavg()[0]
    print(f"ratio               : {ratio:.2f}  (target <= 0.7; load average {load:.1f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 21)
