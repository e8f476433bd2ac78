"""`python -m bench.load`: many users at once against the running app, over loopback, with gradio_client.

By default it starts the app itself (a child process on 127.0.0.1 and a free port), then runs
--users concurrent clients that share --questions questions (unique wordings drawn from
the evaluation's train and dev questions, so the answer cache does not flatter the figures) through the public /ask
endpoint, with an overall --timeout. It reports the latency distribution, throughput and errors, and
the server's resident memory (RSS) at checkpoints, into bench/reports/load.md.

  python -m bench.load                                   # 20 users, 500 questions, the app's own settings
  python -m bench.load --limits 1 2 4                    # compare Gradio concurrency limits for /ask
  python -m bench.load --url http://127.0.0.1:7860/      # an app that is already running (no memory figures)
  python -m bench.load --memory-run 2000                 # also: RSS before/after a long sequential run
  python -m bench.load --users 30 --phases 2 --phase-seconds 60 --check-cli 20   # issue 22's soak check

With --phases N each user cycles through its own share of the questions for N phases of --phase-seconds each
(instead of the questions being shared out once), and the server's RSS is taken at the end of every phase.
With --check-cli K, K distinct questions answered during the run are asked again of `python -m qa ask --json`
(one subprocess, same LAC_ environment and index folder) and the answer text and cited sections compared.

Exit status 0 when every question was answered, 1 when any failed or the time ran out, any answer differed
from the CLI's, or RSS grew more than 10% from the first phase to the last.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.bench import questions as bench_questions
from eval.metrics import percentile
from settings import Settings

# gradio_client would otherwise call the Hugging Face hub (usage telemetry, user-agent registry): stay on loopback.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "bench" / "reports" / "load.md"
MAX_RSS_GROWTH = 10.0  # percent, first phase to last (issue 22)
FRAMES = ("{q}", "Please tell me: {q}", "Quick question - {q}", "{q} Thanks.", "Hello, {q}", "{q} (asking for training)")


def question_pool(n: int) -> list[str]:
    """n distinct questions: each eval question in several wordings, interleaved so neighbours differ."""
    base = bench_questions()
    pool = [frame.format(q=q) for frame in FRAMES for q in base]
    if n > len(pool):
        pool = [f"{q} ({k})" for k in range(n // len(pool) + 1) for q in pool]
    return pool[:n]




def serve(settings: Settings, port: int, limit: int | None) -> None:
    """Run the app in this process (used as the child process); `limit` overrides /ask's concurrency limit."""
    import app

    demo, options = app.create_app(settings.replace(ask_concurrency=limit) if limit is not None else settings)
    print("READY", flush=True)
    demo.launch(server_name="127.0.0.1", server_port=port, quiet=True, show_error=True, **options)


@dataclass
class Server:
    url: str
    proc: subprocess.Popen | None = None

    def rss_mb(self) -> float | None:
        if self.proc is None:
            return None
        import psutil

        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_server(limit: int | None, startup_timeout: float = 600) -> Server:
    import app

    port = app.free_port()
    cmd = [sys.executable, "-m", "bench.load", "--serve", str(port)]
    if limit is not None:
        cmd += ["--serve-limit", str(limit)]
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with status {proc.returncode} while starting")
        try:
            with urllib.request.urlopen(url + "config", timeout=2) as response:
                if response.status == 200:
                    return Server(url, proc)
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the app did not start in time")


@dataclass
class Run:
    users: int
    limit: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    not_run: int = 0
    wall: float = 0.0
    rss: list[tuple[int, float]] = field(default_factory=list)  # (questions done, MB)


def ask_timed(client, question: str) -> tuple[Any, str | None, float]:
    """One question through /ask: (the reply, an error message or None, seconds taken)."""
    t = time.perf_counter()
    try:
        result = client.predict(question, api_name="/ask")
        ok = isinstance(result, dict) and result.get("answer")
        error = None if ok else f"bad reply: {str(result)[:80]}"
    except Exception as exc:  # noqa: BLE001 -- every failure is a reported error
        result, error = None, f"{type(exc).__name__}: {str(exc)[:120]}"
    return result, error, time.perf_counter() - t


def run_users(users: list[Callable[[], None]], deadline: float, grace: float) -> float:
    """Run each user on its own thread and wait for them all (a question in flight at the deadline may take `grace`
    seconds more); the wall seconds taken."""
    start = time.perf_counter()
    threads = [threading.Thread(target=user, daemon=True) for user in users]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=max(0.0, deadline - time.monotonic()) + grace)
    return time.perf_counter() - start


def record(into: Run | Phase, question: str, result: Any, error: str | None, elapsed: float,
           replies: dict[str, dict] | None) -> None:
    """One timed reply (ask_timed) into a run's or a phase's figures, under the caller's lock; the first reply to
    each question is kept in `replies`."""
    if error:
        into.errors.append(error)
    else:
        into.latencies.append(elapsed)
        if replies is not None:
            replies.setdefault(question, result)


def run_load(server: Server, questions: list[str], users: int, timeout: float, limit: str,
             replies: dict[str, dict] | None = None) -> Run:
    from gradio_client import Client

    run = Run(users=users, limit=limit)
    todo: queue.Queue[str] = queue.Queue()
    for q in questions:
        todo.put(q)
    lock = threading.Lock()
    deadline = time.monotonic() + timeout
    checkpoint = max(1, len(questions) // 10)
    done = 0
    warm(server)
    rss = server.rss_mb()
    if rss is not None:
        run.rss.append((0, rss))

    def user() -> None:
        nonlocal done
        try:
            client = Client(server.url, verbose=False)
        except Exception as exc:  # noqa: BLE001 -- every failure is a reported error
            with lock:
                run.errors.append(f"connect: {type(exc).__name__}: {exc}")
            return
        while time.monotonic() < deadline:
            try:
                question = todo.get_nowait()
            except queue.Empty:
                return
            timed = ask_timed(client, question)
            with lock:
                record(run, question, *timed, replies)
                done += 1
                rss = server.rss_mb() if done % checkpoint == 0 else None
                if rss is not None:
                    run.rss.append((done, rss))

    run.wall = run_users([user] * users, deadline, grace=60)
    run.not_run = todo.qsize()
    return run


@dataclass
class Phase:
    number: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    rss: float | None = None  # MB at the end of the phase


def warm(server: Server) -> None:
    """One untimed question: the embedding model loads on the first question, not at start-up."""
    from gradio_client import Client

    Client(server.url, verbose=False).predict("What is a virtual school head?", api_name="/ask")


def run_phases(server: Server, questions: list[str], users: int, phases: int, seconds: float,
               replies: dict[str, dict]) -> list[Phase]:
    """The same users for `phases` back-to-back phases, each cycling through its own questions until the phase
    ends (a question in flight at the end is finished and counted); the first reply to each question is kept."""
    from gradio_client import Client

    warm(server)
    mine = [itertools.cycle(questions[i::users] or questions) for i in range(users)]
    clients: list[Client | None] = [None] * users
    lock = threading.Lock()
    out: list[Phase] = []
    for number in range(1, phases + 1):
        phase = Phase(number)
        deadline = time.monotonic() + seconds

        def user(i: int, phase: Phase = phase, deadline: float = deadline) -> None:
            try:
                if clients[i] is None:
                    clients[i] = Client(server.url, verbose=False)
            except Exception as exc:  # noqa: BLE001 -- every failure is a reported error
                with lock:
                    phase.errors.append(f"connect: {type(exc).__name__}: {exc}")
                return
            while time.monotonic() < deadline:
                question = next(mine[i])
                client = clients[i]
                assert client is not None  # connected above, or this user returned
                timed = ask_timed(client, question)
                with lock:
                    record(phase, question, *timed, replies)

        phase.wall = run_users([functools.partial(user, i) for i in range(users)], deadline, grace=120)
        phase.rss = server.rss_mb()
        out.append(phase)
        print(phase_row(phase), flush=True)
    return out


def rss_change(phases: list[Phase]) -> float | None:
    """RSS change in percent from the end of the first phase to the end of the last (None without figures)."""
    if len(phases) < 2 or not phases[0].rss or phases[-1].rss is None:
        return None
    return (phases[-1].rss - phases[0].rss) / phases[0].rss * 100


def answer_differences(app: dict, cli: dict) -> list[str]:
    """What differs between two /ask JSON objects, in the parts a user sees: answer text and cited sections."""
    diffs = []
    if app.get("answer") != cli.get("answer"):
        diffs.append("answer text")
    cited_app = [c.get("section_id") for c in app.get("citations") or []]
    cited_cli = [c.get("section_id") for c in cli.get("citations") or []]
    if cited_app != cited_cli:
        diffs.append(f"cited sections {cited_app} (app) vs {cited_cli} (CLI)")
    return diffs


def pick_for_cli(questions: list[str], replies: dict[str, dict], k: int) -> list[str]:
    """k distinct answered questions spread over the pool (so several wordings are checked, not only the first)."""
    answered = [q for q in questions if q in replies]
    return answered[:: max(1, len(answered) // k)][:k] if k > 0 else []


def check_cli(questions: list[str], replies: dict[str, dict]) -> list[tuple[str, str]]:
    """Ask `python -m qa ask --json --batch` (one process: the model loads once) the same questions, with the same
    LAC_ environment and index folder as the app; returns the mismatches as (question, what differed)."""
    if not questions:
        return []
    batch = "\n".join(questions) + "\n"
    index_dir = str(Settings.from_env().index_dir)
    proc = subprocess.run([sys.executable, "-m", "qa", "ask", "--json", "--batch", "-", "--index", index_dir],
                          cwd=ROOT, env=dict(os.environ), input=batch, capture_output=True, text=True, timeout=900)
    answers = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or len(answers) != len(questions):
        problem = f"CLI exit {proc.returncode}, {len(answers)} answers: {proc.stderr.strip()[-200:]}"
        return [(q, problem) for q in questions]
    mismatches = []
    for question, cli in zip(questions, answers):
        diffs = answer_differences(replies[question], cli)
        if cli.get("question") != replies[question].get("question"):
            diffs.insert(0, "question text")
        if diffs:
            mismatches.append((question, "; ".join(diffs)))
    return mismatches


def memory_run(server: Server, n: int) -> list[tuple[int, float]]:
    """One client asking n distinct questions in turn; RSS every n/10 questions."""
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    samples = [(0, server.rss_mb())]
    questions = question_pool(n + 1000)[1000:]  # wordings not used by the load runs
    for k, q in enumerate(questions, start=1):
        client.predict(q, api_name="/ask")
        if k % max(1, n // 10) == 0:
            samples.append((k, server.rss_mb()))
    return [(k, mb) for k, mb in samples if mb is not None]


def _seconds(latencies: list[float], q: float) -> str:
    value = percentile(latencies, q)
    return "—" if value is None else f"{value:.2f}"


def summary_row(run: Run, total: int) -> str:
    lat = run.latencies
    ok = len(lat)
    mean = statistics.fmean(lat) if lat else float("nan")
    return (f"| {run.limit} | {run.users} | {total} | {ok} | {len(run.errors)} | {run.not_run} | {run.wall:.1f} | "
            f"{ok / run.wall if run.wall else 0:.1f} | {_seconds(lat, 50)} | {_seconds(lat, 95)} | {_seconds(lat, 99)} | "
            f"{max(lat) if lat else float('nan'):.2f} | {mean:.2f} |")


def phase_row(phase: Phase) -> str:
    lat = phase.latencies
    rss = "—" if phase.rss is None else f"{phase.rss:.0f}"
    return (f"| {phase.number} | {len(lat)} | {len(phase.errors)} | {phase.wall:.1f} | "
            f"{len(lat) / phase.wall if phase.wall else 0:.1f} | {_seconds(lat, 50)} | {_seconds(lat, 95)} | {rss} |")


def load_average() -> str:
    return "/".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "—"


def write_report(path: Path, runs: list[Run], total: int, memory: list[tuple[int, float]] | None,
                 args: argparse.Namespace, phases: Sequence[tuple[str, list[Phase]]] = (),
                 cli: tuple[int, list[tuple[str, str]]] | None = None, load: str = "—") -> None:
    lines = [
        "# Load test: many users at once",
        "",
        f"Run {datetime.now(timezone.utc).isoformat(timespec='seconds')} with `python -m bench.load "
        f"{' '.join(sys.argv[1:])}` on {os.cpu_count()} CPU cores. Every request goes through the app's public "
        "`/ask` endpoint with gradio_client over 127.0.0.1 (the same queue the chat uses). Questions are distinct "
        "wordings of the eval question set, so the answer cache does not flatter the figures. Latency is seen by "
        f"the client: queueing plus answering, in seconds. Load average (1/5/15 min) at the start: {load}, "
        f"at the end: {load_average()}.",
    ]
    for label, ps in phases:
        change = rss_change(ps)
        lines += ["", f"## {len(ps)} phases of {args.phase_seconds:g} s, {args.users} users, /ask limit {label}", "",
                  "Each user cycles through its own share of the questions (so once a user has been round its share, its "
                  "questions come from the answer cache); RSS is the server's at the end of the phase.",
                  "", "| phase | answered | errors | wall s | answers/s | p50 s | p95 s | RSS MB |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        lines += [phase_row(p) for p in ps]
        lines += ["", "RSS change from the first phase to the last: "
                  + ("—" if change is None else f"{change:+.1f}% (limit +{MAX_RSS_GROWTH:g}%)")]
        errors = [e for p in ps for e in p.errors]
        if errors:
            lines += ["", "Errors (first 10):", ""] + [f"- `{e}`" for e in errors[:10]]
    if cli is not None:
        checked, mismatches = cli
        lines += ["", "## Answers compared with the CLI", "",
                  f"{checked - len(mismatches)} of {checked} distinct questions answered during the run gave the same "
                  "answer text and cited sections from `python -m qa ask --json` (same environment and index folder)."]
        lines += [f"- `{q}`: {what}" for q, what in mismatches]
    if runs:
        lines += ["", "| /ask concurrency limit | users | questions | answered | errors | not run (time out) | wall s "
                  "| answers/s | p50 s | p95 s | p99 s | max s | mean s |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        lines += [summary_row(r, total) for r in runs]
    errors = [e for r in runs for e in r.errors]
    if errors:
        lines += ["", "Errors (first 10):", ""] + [f"- `{e}`" for e in errors[:10]]
    for r in runs:
        if r.rss:
            lines += ["", f"Server memory during the run with limit {r.limit} (RSS, MB, after n questions): "
                      + ", ".join(f"{n}: {mb:.0f}" for n, mb in r.rss)]
    if memory:
        growth = memory[-1][1] - memory[1][1] if len(memory) > 2 else float("nan")
        lines += ["", f"## Memory over a long run ({memory[-1][0]} distinct questions, one client)", "",
                  "| questions answered | RSS MB |", "| --- | --- |"]
        lines += [f"| {n} | {mb:.0f} |" for n, mb in memory]
        lines += ["", f"Growth from the first checkpoint to the last: {growth:+.0f} MB "
                      f"({growth / max(1, memory[-1][0] - memory[1][0]) * 1024:+.1f} KB per question)."]
    if args.notes:
        lines += ["", "## Notes", "", args.notes.strip()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an app already running on loopback (default: start one)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=900, help="seconds for the whole run (default 900)")
    parser.add_argument("--limits", type=int, nargs="*", default=None,
                        help="/ask concurrency limits to compare (default: the app's own setting)")
    parser.add_argument("--memory-run", type=int, default=0, metavar="N", help="then N questions in turn, RSS")
    parser.add_argument("--phases", type=int, default=0, metavar="N", help="N timed phases instead of one pass")
    parser.add_argument("--phase-seconds", type=float, default=60, metavar="S", help="seconds per phase (default 60)")
    parser.add_argument("--check-cli", type=int, default=0, metavar="K",
                        help="compare K answered questions with `python -m qa ask --json`")
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--notes", default="", help="text added to the report")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--serve-limit", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(Settings.from_env(), args.serve, args.serve_limit)
        return 0

    questions = question_pool(args.questions)
    runs: list[Run] = []
    phased: list[tuple[str, list[Phase]]] = []
    replies: dict[str, dict] = {}
    memory = None
    load = load_average()
    for limit in (args.limits or [None]):
        label = "app default" if limit is None else str(limit)
        server = Server(args.url) if args.url else start_server(limit)
        try:
            print(f"limit {label}: {args.users} users, {len(questions)} questions...", flush=True)
            if args.phases:
                phased.append((label, run_phases(server, questions, args.users, args.phases, args.phase_seconds,
                                                 replies)))
            else:
                run = run_load(server, questions, args.users, args.timeout, label, replies)
                runs.append(run)
                print(summary_row(run, len(questions)), flush=True)
            if args.memory_run and memory is None and server.proc is not None:
                print(f"memory run: {args.memory_run} questions...", flush=True)
                memory = memory_run(server, args.memory_run)
        finally:
            if not args.url:
                server.stop()
    cli = None
    if args.check_cli:
        checked = pick_for_cli(questions, replies, args.check_cli)
        print(f"comparing {len(checked)} answers with the CLI...", flush=True)
        cli = (len(checked), check_cli(checked, replies))
        print(f"CLI: {cli[0] - len(cli[1])} of {cli[0]} match", flush=True)
    write_report(args.report, runs, len(questions), memory, args, phased, cli, load)
    print(f"report: {args.report}")
    changes = [rss_change(ps) for _, ps in phased]
    ok = (all(not r.errors and not r.not_run for r in runs)
          and all(not p.errors for _, ps in phased for p in ps)
          and (cli is None or (cli[0] > 0 and not cli[1]))
          and all(c is None or c <= MAX_RSS_GROWTH for c in changes))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
