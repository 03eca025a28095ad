"""Load: N simulated learners over Reflex's websocket (log in, open lessons, mark complete, ~1 event/s each).

Run with ``.venv/bin/python -m bench.load`` (both set-ups, 50 and 200 learners) or, for example,
``.venv/bin/python -m bench.load --setup sqlite --learners 200 --duration 60``.

Set-ups, each served by ``tests/e2e/server.py`` exactly as the tests serve the app (``reflex run --env prod``,
API and websocket only):

* ``sqlite``: one process, a SQLite file, Reflex's in-memory state;
* ``scale``: PostgreSQL and Redis (Debian's servers started on loopback) and two Granian workers.

Each learner is a fresh account enrolled in algorithms-in-depth (220 lessons): every learner in the same course,
whose counters they all move. ``--spread K`` runs each size twice, all in that course and then spread round-robin
over K courses of the same shape (algorithms-in-depth and K-1 copies sharing its modules, added to the served
catalog), and reports the one-course p95 over the spread one (issue 20: within 1.3×). It logs in through ``/auth/login``
(the session cookie is all the socket carries), connects like a browser tab, then loops: open the next lesson
(in-app navigation), wait about a second, click Mark as Complete, wait about a second. Every fifth click is
clicked twice (a double click must not duplicate anything). Latency is from sending the event to its whole reply.

The floor is a Socket.IO round trip on the same sockets in the same run that runs no app code (a CONNECT to a
namespace the server does not serve, refused at once), sent by every learner every few seconds.

The final check compares the database with what was sent: completions stored for these learners must equal the
distinct (learner, lesson) pairs acknowledged (none lost, none extra, none duplicated), and a dry-run
recalculation must find stored progress equal to progress recomputed from the facts, and `learnapp stats verify` must
find every admin statistics counter equal to its recount. Results go to ``bench/results/load.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from itertools import zip_longest
from pathlib import Path

import httpx
import psutil
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench.load_check import Check, check_database, prepare_learners
from bench.reflex_socket import ReflexSocket, SocketError, lesson_route
from learnapp.persistence.db import Database
from learnapp.services.admin.stats_verify import verify
from tests.backing import create_database, postgres_server, redis_server
from tests.e2e.server import Setup, served_app, served_content

COURSE = "algorithms-in-depth"
BUDGET_P95_MS = 250.0
SPREAD_RATIO = 1.3  # one course's mark p95 over the same run spread over several courses (no hot counter row)
RESULTS = Path(__file__).resolve().parent / "results" / "load.json"
THINK = 1.0  # seconds between a learner's events, jittered ±30%
DOUBLE_CLICK_EVERY = 5
FLOOR_EVERY = 3  # loops between floor probes


@dataclass
class Tally:
    """Everything the learners measured; latencies in seconds, kept only inside the measuring window."""

    marks: list[float] = field(default_factory=list)
    opens: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    connects: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sent: set[tuple[int, str]] = field(default_factory=set)  # (learner, lesson) of every click sent
    acknowledged: set[tuple[int, str]] = field(default_factory=set)
    clicks: int = 0


async def log_in(client: httpx.AsyncClient, email: str, password: str) -> str:
    response = await client.post("/auth/login", data={"email": email, "password": password})
    cookie = response.cookies.get("learnapp_session")
    if response.status_code != 303 or not cookie:
        raise SocketError(f"log in failed for {email}: {response.status_code}")
    return f"learnapp_session={cookie}"


@dataclass(frozen=True)
class Learner:
    id: int
    email: str
    password: str
    course: str
    lessons: list[str]  # the course's countable lessons, in order


def courses_like(count: int) -> list[str]:
    """COURSE and count - 1 copies of it (the same modules, so the same work per click)."""
    return [COURSE, *(f"{COURSE}-{n}" for n in range(2, count + 1))]


def add_copies(content: Path, count: int) -> None:
    """The copies of COURSE in the served catalog (a file beside the demo content, imported with it)."""
    source = (content / "30-algorithms.yaml").read_text()
    modules = [line.strip()[2:] for line in source.split("courses:", 1)[1].splitlines() if line.startswith("  - ")]
    lines = ["courses:"]
    for slug in courses_like(count)[1:]:
        lines += [f"- slug: {slug}", f"  title: {slug}", "  description: A copy for bench.load.", "  modules:"]
        lines += [f"  - {module}" for module in modules]
    (content / "40-load-copies.yaml").write_text("\n".join(lines) + "\n")


async def learner(
    url: str, who: Learner, cookie: str, lessons: list[str], window: tuple[float, float], tally: Tally
) -> None:
    start, stop, learner_id = *window, who.id
    socket = ReflexSocket(url, cookie=cookie)
    try:
        tally.connects.append(await socket.connect(lesson_route(who.course, lessons[0])))
        for loop, lesson in enumerate(lessons):
            if time.monotonic() >= stop:
                break
            route = lesson_route(who.course, lesson)
            seconds = await socket.open(route)
            if time.monotonic() >= start:
                tally.opens.append(seconds)
            await asyncio.sleep(THINK * random.uniform(0.7, 1.3))
            for _ in range(2 if loop % DOUBLE_CLICK_EVERY == DOUBLE_CLICK_EVERY - 1 else 1):
                tally.sent.add((learner_id, lesson))
                tally.clicks += 1
                seconds = await socket.mark_complete(route)
                tally.acknowledged.add((learner_id, lesson))
                if time.monotonic() >= start:
                    tally.marks.append(seconds)
            if loop % FLOOR_EVERY == 0 and time.monotonic() >= start:
                tally.floor.append(await socket.floor())
            await asyncio.sleep(THINK * random.uniform(0.7, 1.3))
    except SocketError as error:
        tally.errors.append(f"learner {learner_id}: {error}")
    finally:
        await socket.close()


async def drive(url: str, learners: list[Learner], ramp: float, duration: float) -> Tally:
    """Log everyone in, start them over `ramp` seconds, measure for `duration` once all have started."""
    tally = Tally()
    cookies: dict[int, str] = {}
    gate = asyncio.Semaphore(4)  # password checks are deliberately slow: do not measure a login storm

    async def one_login(client: httpx.AsyncClient, learner_id: int, email: str, password: str) -> None:
        async with gate:
            try:
                cookies[learner_id] = await log_in(client, email, password)
            except (SocketError, httpx.HTTPError) as error:
                tally.errors.append(f"learner {learner_id}: {error}")

    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        await asyncio.gather(*(one_login(client, row.id, row.email, row.password) for row in learners))
    start = time.monotonic() + ramp
    window = (start, start + duration)
    tasks = []
    for index, row in enumerate(learners):
        if row.id in cookies:
            lessons = row.lessons
            order = lessons[index % len(lessons) :] + lessons[: index % len(lessons)]  # spread over the course
            tasks.append(asyncio.create_task(learner(url, row, cookies[row.id], order, window, tally)))
            await asyncio.sleep(ramp / len(learners))
    with Progress(transient=True) as progress:
        bar = progress.add_task(f"{len(learners)} learners", total=ramp + duration)
        while not all(task.done() for task in tasks):
            await asyncio.sleep(0.5)
            progress.update(bar, completed=min(ramp + duration, time.monotonic() - (start - ramp)))
    return tally


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else float("nan")


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), **{f"p{q}": round(percentile(values, q / 100), 2) for q in (50, 95, 99)}}


@dataclass
class Outcome:
    setup: str
    learners: int
    courses: int  # the learners' courses (round-robin)
    duration_s: float
    events_per_s: float
    mark_ms: dict[str, float]
    open_ms: dict[str, float]
    floor_ms: dict[str, float]
    errors: int
    error_samples: list[str]
    check: Check
    server_cpu_ms_per_event: float
    counters_differing: int  # admin statistics counters that differ from their recount after the run

    @property
    def passed(self) -> bool:
        return (
            self.mark_ms["p95"] <= BUDGET_P95_MS and not self.errors and self.check.ok and not self.counters_differing
        )


def serving_processes(url: str) -> list[psutil.Process]:
    """The processes listening on the app's port: the worker(s) doing the app's work."""
    port = int(url.rsplit(":", 1)[1])
    listening = {c.pid for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == port and c.pid}
    return [psutil.Process(pid) for pid in listening]


def cpu_seconds(processes: list[psutil.Process]) -> float:
    return sum(p.cpu_times().user + p.cpu_times().system for p in processes)


def measure(
    url: str, db: Database, setup: str, count: int, ramp: float, duration: float, courses: list[str]
) -> Outcome:
    per_course = []
    for i, course in enumerate(courses):  # learner n in course n mod len(courses), started in that order
        accounts, lessons = prepare_learners(db, len(range(i, count, len(courses))), course)
        per_course.append([Learner(*account, course, lessons) for account in accounts])
    learners = [row for group in zip_longest(*per_course) for row in group if row is not None]
    workers = serving_processes(url)
    cpu_before = cpu_seconds(workers)
    tally = asyncio.run(drive(url, learners, ramp, duration))
    cpu = cpu_seconds(workers) - cpu_before
    check = check_database(db, [row.id for row in learners], tally.sent, tally.acknowledged)
    events = len(tally.marks) + len(tally.opens)
    # Server CPU per app event over the whole run (logins and connects included): the cost that sets capacity.
    all_events = tally.clicks + len(tally.opens) + len(tally.connects)
    return Outcome(
        setup, count, len(courses), duration, round(events / duration, 1), summary(tally.marks),
        summary(tally.opens), summary(tally.floor), len(tally.errors), tally.errors[:5], check,
        round(cpu * 1000 / max(1, all_events), 2), len(verify(db)[1]),
    )  # fmt: skip


@contextmanager
def serve(setup: str, folder: Path, copies: int = 0) -> Iterator[tuple[str, Database]]:
    if copies > 1:
        add_copies(served_content(folder), copies)
    with ExitStack() as stack:
        if setup == "scale":
            admin = stack.enter_context(postgres_server())
            redis_url = stack.enter_context(redis_server(folder / "redis"))
            database_url = create_database(admin, "learnapp_load")
            plan = Setup(database_url=database_url, redis_url=redis_url, workers=2, backend_only=True)
        else:
            database_url = f"sqlite:///{folder / 'e2e.db'}"
            plan = Setup(backend_only=True)
        url = stack.enter_context(served_app(folder, plan))
        db = Database(database_url)
        stack.callback(db.dispose)
        yield url, db


def report(console: Console, outcomes: list[Outcome]) -> None:
    table = Table(title=f"Simulated learners over websockets (budget: p95 ≤ {BUDGET_P95_MS:.0f} ms, zero errors)")
    columns = "set-up,learners,courses,events/s,server CPU ms/event,mark p50/p95/p99 ms,open p50/p95/p99 ms"
    for column in [
        *columns.split(","),
        "floor p50/p95/p99 ms",
        "errors",
        "acked",
        "lost/extra/dup",
        "stored = recomputed",
        "counters = recount",
        "verdict",
    ]:
        table.add_column(column)
    for o in outcomes:
        c = o.check
        table.add_row(
            o.setup, str(o.learners), str(o.courses), str(o.events_per_s), str(o.server_cpu_ms_per_event),
            f"{o.mark_ms['p50']} / {o.mark_ms['p95']} / {o.mark_ms['p99']}",
            f"{o.open_ms['p50']} / {o.open_ms['p95']} / {o.open_ms['p99']}",
            f"{o.floor_ms['p50']} / {o.floor_ms['p95']} / {o.floor_ms['p99']}",
            str(o.errors), str(c.acknowledged), f"{c.lost}/{c.extra}/{c.duplicated}",
            "yes" if c.drifted == 0 else f"no ({c.drifted})",
            "yes" if not o.counters_differing else f"no ({o.counters_differing})",
            "[green]within[/]" if o.passed else "[red]OVER[/]",
        )  # fmt: skip
    console.print(table)
    spread = {(o.setup, o.learners): o for o in outcomes if o.courses > 1}
    for o in outcomes:
        other = spread.get((o.setup, o.learners))
        if o.courses == 1 and other is not None:
            ratio = o.mark_ms["p95"] / other.mark_ms["p95"]
            verdict = "[green]within[/]" if ratio <= SPREAD_RATIO else "[red]OVER[/]"
            console.print(
                f"{o.setup}, {o.learners} learners: mark p95 in one course {o.mark_ms['p95']} ms, over {other.courses}"
                f" courses {other.mark_ms['p95']} ms: {ratio:.2f}× (goal ≤ {SPREAD_RATIO}×) {verdict}"
            )
    for o in outcomes:
        for sample in o.error_samples:
            console.print(f"[red]{o.setup}/{o.learners}[/] {sample}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", choices=("sqlite", "scale", "both"), default="both")
    parser.add_argument("--learners", default="50,200", help="comma-separated sizes")
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds per size")
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds to start every learner")
    parser.add_argument(
        "--spread", type=int, default=0, metavar="K", help="each size again spread over K courses of the same shape"
    )
    args = parser.parse_args(argv)
    console = Console(width=180)
    setups = ("sqlite", "scale") if args.setup == "both" else (args.setup,)
    outcomes: list[Outcome] = []
    for setup in setups:
        with (
            tempfile.TemporaryDirectory(prefix=f"learnapp-load-{setup}-") as folder,
            serve(setup, Path(folder), args.spread) as (
                url,
                db,
            ),
        ):
            for count in (int(size) for size in args.learners.split(",")):
                for courses in [[COURSE], *([courses_like(args.spread)] if args.spread > 1 else [])]:
                    console.print(
                        f"[bold]{setup}[/]: {count} learners in {len(courses)} course(s), {args.ramp:.0f} s ramp,"
                        f" {args.duration:.0f} s"
                    )
                    outcomes.append(measure(url, db, setup, count, args.ramp, args.duration, courses))
    report(console, outcomes)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps([{**asdict(o), "passed": o.passed} for o in outcomes], indent=2, default=str))
    console.print(f"results: {RESULTS}")
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
