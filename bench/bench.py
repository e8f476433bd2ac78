"""`python -m bench.bench [--quick] [--scale 1000,10000,100000] [--embed-max N] [--no-app]`

Speed, memory and scale of the product, with the plain LangChain recipe (eval/baselines.py: RecursiveCharacter-
TextSplitter 1000/200, the same embedding model, LangChain FAISS, top 4) measured in the same run and every figure
given as a ratio to it (product / recipe: below 1 is better for times and memory, above 1 for throughput).

Measured: cold start (process start to first answer with the index built; `python app.py` to the page answering
HTTP on 127.0.0.1), index build split (model load, parsing, embedding, writing) and an incremental rebuild,
warm latency p50/p95/p99 over the evaluation questions (answer and embedding caches cleared, so every answer is
computed), the query embedding alone (the floor for dense retrieval), throughput with 4 and 16 threads asking
distinct questions, peak RSS of the CLI and of an assistant after 1,000 questions (RSS sampled as it goes: flat
means no leak), a pyinstrument profile of one warm uncached answer, and the scale curve (bench/synth.py corpora).

Writes bench/reports/bench.md, bench/reports/bench.json and bench/reports/scale.png. Each side runs in its own
subprocess (`--worker product|recipe`) so memory figures do not mix. Nothing here is a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from errors import LacGuideError
from eval.metrics import percentile
from eval.questions import question_texts
from settings import PROJECT_ROOT, Settings

REPORTS = PROJECT_ROOT / "bench" / "reports"
FALLBACK_QUESTIONS = [
    "Can I get a break from caring?", "Which recommendation covers sibling placements?",
    "How should health assessments be done for children in care?", "What support is there for care leavers?",
    "How can schools help looked-after children?", "What training should foster carers get?",
    "How do I get mental health help for a child placed with relatives?", "What if a child keeps running away?",
]
PY = sys.executable


# ---------------------------------------------------------------- helpers

def questions() -> list[str]:
    """The evaluation's train and dev question texts (never the locked test split), or a fixed few."""
    return question_texts() or list(FALLBACK_QUESTIONS)


def distinct(base: list[str], n: int) -> list[str]:
    """n distinct questions: the real ones, then variants ("... (2)") so no answer comes from a cache."""
    out: list[str] = []
    round_ = 0
    while len(out) < n:
        for q in base:
            out.append(q if round_ == 0 else f"{q} ({round_ + 1})")
            if len(out) == n:
                break
        round_ += 1
    return out


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def peak_rss_mb() -> float:
    """VmHWM: this process image's peak RSS (ru_maxrss would carry the parent's peak across fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_HWM = ("import atexit, sys\n"
        "def _hwm():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'): sys.stderr.write('LAC_BENCH_HWM %s\\n' % line.split()[1])\n"
        "atexit.register(_hwm)\n")


def run_child(args: list[str], env: dict | None = None, timeout: float = 900) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB, the child's own VmHWM at exit) and stdout of a Python child process."""
    if args[:2] == [PY, "-m"]:
        args = [PY, "-c", _HWM + f"import runpy, sys; sys.argv = {[args[2], *args[3:]]!r}; "
                f"runpy.run_module({args[2]!r}, run_name='__main__', alter_sys=True)"]
    elif args[:2] == [PY, "-c"]:
        args = [PY, "-c", _HWM + args[2], *args[3:]]
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, cwd=PROJECT_ROOT, env={**os.environ, **(env or {})},
                          text=True, timeout=timeout)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{args} exited with {proc.returncode}: {proc.stderr[-500:]}")
    hwm = [int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("LAC_BENCH_HWM")]
    return seconds, (hwm[-1] / 1024 if hwm else float("nan")), proc.stdout




def pct(values: Sequence[float], q: float) -> float:
    """eval.metrics.percentile as a number for the report's arithmetic (NaN when there are no values)."""
    value = percentile(values, q)
    return float("nan") if value is None else value


def latencies(fn: Callable[[Any], object], items: Iterable[Any]) -> list[float]:
    out = []
    for q in items:
        t = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - t)
    return out


def throughput(fn, items: list[str], threads: int) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(fn, items))
    return len(items) / (time.perf_counter() - start)


# ---------------------------------------------------------------- workers (one process per side)

class _Product:
    name = "product"

    def __init__(self, settings: Settings):
        from qa.service import Assistant

        self.assistant = Assistant(settings)

    def warm_up(self):
        self.assistant.warm_up()

    def clear(self):
        self.assistant.clear_caches()

    def ask(self, q: str):
        return self.assistant.ask(q)

    def embed(self, q: str):
        from qa.vocabulary import expand

        return self.assistant.embedder.embed([expand(q)])


class _Recipe:
    name = "recipe"

    def __init__(self, store_dir: Path, settings: Settings):
        self.store_dir = store_dir
        self.settings = settings
        self.store: Any = None

    def warm_up(self):
        from langchain_community.vectorstores import FAISS

        from eval.baselines import EmbedderEmbeddings
        from index.embedder import Embedder

        self.embedder = Embedder(self.settings.embedding_model, backend=recipe_backend())
        # Our own file, written by this benchmark a moment ago; LangChain's docstore is a pickle.
        self.store = FAISS.load_local(str(self.store_dir), EmbedderEmbeddings(self.embedder),
                                      allow_dangerous_deserialization=True)

    def clear(self):
        self.embedder.clear_cache()

    def ask(self, q: str):
        return self.store.similarity_search(q, k=4)

    def embed(self, q: str):
        return self.embedder.embed([q])


def recipe_backend() -> str:
    """The plain recipe embeds with sentence-transformers (torch), as HuggingFaceEmbeddings would."""
    return os.environ.get("LAC_BENCH_RECIPE_BACKEND", "torch")


def worker(settings: Settings, side: str, target: Path, n_latency: int, n_memory: int, profile: bool) -> dict:
    from index.build import settings_for_index

    t0 = time.perf_counter()
    impl = _Product(settings_for_index(settings, target)) if side == "product" else _Recipe(target, settings)
    impl.warm_up()
    base = questions()
    first_q = base[0]
    t = time.perf_counter()
    impl.ask(first_q)
    first_answer = time.perf_counter() - t
    ready = time.perf_counter() - t0
    result: dict = {"warm_up_and_first_answer_s": ready, "first_answer_s": first_answer}

    items = distinct(base, n_latency)
    impl.clear()
    for q in items[:5]:  # let allocators and BLAS settle; then clear so nothing below is cached
        impl.ask(q)
        impl.embed(q)
    impl.clear()
    lat = latencies(impl.ask, items)
    emb = latencies(impl.embed, items)
    result["latency_ms"] = {f"p{p}": 1000 * pct(lat, p) for p in (50, 95, 99)}
    result["embed_ms"] = {f"p{p}": 1000 * pct(emb, p) for p in (50, 95, 99)}
    result["answer_over_embed_p95"] = pct(lat, 95) / pct(emb, 95)
    result["answer_over_embed_p50"] = pct(lat, 50) / pct(emb, 50)
    for threads in (4, 16):
        impl.clear()
        result[f"throughput_{threads}"] = throughput(impl.ask, distinct(base, n_latency + threads)[-n_latency:],
                                                     threads)
    impl.clear()
    repeat = [first_q] * 50
    impl.ask(first_q)
    result["cached_ms"] = 1000 * statistics.median(latencies(impl.ask, repeat))

    samples = []
    many = distinct(base, n_memory + 200)[200:]
    impl.clear()
    for i, q in enumerate(many):
        impl.ask(q)
        if i % max(1, n_memory // 10) == 0 or i == len(many) - 1:
            samples.append((i + 1, rss_mb()))
    result["rss_samples_mb"] = samples
    result["peak_rss_mb"] = peak_rss_mb()
    result["rss_growth_mb"] = samples[-1][1] - samples[1][1] if len(samples) > 1 else 0.0
    if isinstance(impl, _Product):  # after the memory figures: the floor's own session would add to them
        encoder = impl.assistant.embedder.encoder
        result.update(encoder_identity(encoder, [expand_query(q) for q in items], lambda q: encoder.encode([q])))

    if profile and isinstance(impl, _Product):
        result["profile"] = profile_answer(impl, distinct(base, n_memory + 400)[-1])
    return result


def expand_query(question: str) -> str:
    from qa.vocabulary import expand

    return expand(question)


def encoder_identity(encoder, texts: list[str], embed) -> dict:
    """Which encoder answered, and for ONNX Runtime the floor: `session.run` alone on the same file and thread
    count, over the same (already tokenised) texts, alternating with `embed` (our whole query embedding) question
    by question so both see the same machine load."""
    out: dict = {"encoder": encoder.name, "encoder_threads": getattr(encoder, "threads", None)}
    if getattr(encoder, "model_file", None) is not None:
        out["raw_onnx_ms"], out["embed_paired_ms"] = raw_onnx_latency(encoder, texts, embed)
    return out


def raw_onnx_latency(encoder, texts: list[str], embed) -> tuple[dict, dict]:
    import numpy as np
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = encoder.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(encoder.model_file), options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    feeds = []
    for e in encoder.tokenizer.encode_batch(texts):
        ids = np.array([e.ids], dtype=np.int64)
        feeds.append({k: v for k, v in {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                        "token_type_ids": np.zeros_like(ids)}.items() if k in names})
    for feed in feeds[:5]:
        session.run(None, feed)
    raw, ours = [], []
    for text, feed in zip(texts, feeds):
        t = time.perf_counter()
        embed(text)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        session.run(None, feed)
        raw.append(time.perf_counter() - t)
    def summary(lat: list[float]) -> dict:
        return {f"p{p}": 1000 * pct(lat, p) for p in (50, 95, 99)}

    return summary(raw), summary(ours)


# Query encoders compared in one run, each in its own process: (backend, intra-op threads).
ENCODERS = (("numpy", 1), ("onnx", 1), ("onnx", 2), ("onnx-int8", 1), ("onnx-int8", 2), ("torch", 1))


def encoder_worker(settings: Settings, backend: str, threads: int, index_dir: Path, n: int) -> dict:
    """Load time, query embedding latency (raw ONNX Runtime beside it), passages/s over the corpus's passages
    and peak RSS of one encoder. Questions are embedded as the product does (vocabulary expansion)."""
    from index.build import passage_text_for_search
    from index.embedder import Embedder

    if backend == "torch":
        import torch

        torch.set_num_threads(threads)
    t = time.perf_counter()
    embedder = Embedder(settings.embedding_model, backend=backend, threads=threads, cache_dir=settings.model_cache_dir)
    embedder.warm_up()
    load_s = time.perf_counter() - t
    items = [expand_query(q) for q in distinct(questions(), n)]
    for q in items[:5]:
        embedder.embed([q])
    lat = latencies(lambda q: embedder.embed([q]), items)
    peak_rss = peak_rss_mb()  # the encoder answering questions; batches of passages below need more
    sections = {s["section_id"]: s["label"] for s in json.loads((index_dir / "sections.json").read_text("utf-8"))}
    passages = [passage_text_for_search(sections[c["section_id"]], c["text"])
                for c in json.loads((index_dir / "passages.json").read_text("utf-8"))]
    t = time.perf_counter()
    embedder.embed(passages)
    passages_per_s = len(passages) / (time.perf_counter() - t)
    result = {"backend": backend, "threads": threads, "load_s": load_s, "passages_per_s": passages_per_s,
              "embed_ms": {f"p{p}": 1000 * pct(lat, p) for p in (50, 95, 99)}, "peak_rss_mb": peak_rss}
    result.update(encoder_identity(embedder.encoder, items, lambda q: embedder.embed([q])))
    return result


def profile_answer(impl: _Product, question: str) -> dict:
    from pyinstrument import Profiler

    impl.clear()
    profiler = Profiler(interval=0.0005)
    profiler.start()
    impl.ask(question)
    profiler.stop()
    session = profiler.last_session
    assert session is not None
    frames: dict[str, float] = {}

    def walk(frame, depth=0):
        for child in frame.children:
            name = f"{child.function} ({Path(child.file_path or '?').name}:{child.line_no})"
            if any(part in (child.file_path or "") for part in ("/qa/", "/index/")):
                frames[name] = max(frames.get(name, 0.0), child.time)
            walk(child, depth + 1)

    root = session.root_frame()
    walk(root)
    top = sorted(frames.items(), key=lambda kv: -kv[1])[:12]
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    return {"total_ms": 1000 * session.duration, "top_ms": [(k, 1000 * v) for k, v in top],
            "tree": "\n".join(text.splitlines()[:60])}


# ---------------------------------------------------------------- the run

def build_product(settings: Settings) -> dict:
    from index.build import build_index
    from index.embedder import Embedder

    report = build_index(settings, embedder=Embedder.from_settings(settings))
    return {"passages": report.passages, "seconds": report.seconds, "vector_index": report.vector_index}


def build_recipe(store_dir: Path, settings: Settings) -> dict:
    t0 = time.perf_counter()
    from langchain_community.vectorstores import FAISS

    from eval.baselines import EmbedderEmbeddings, split_chunks
    from index.embedder import Embedder

    imports = time.perf_counter() - t0
    t = time.perf_counter()
    chunks = split_chunks(settings.corpus_dir)
    parsing = time.perf_counter() - t
    t = time.perf_counter()
    embedder = Embedder(settings.embedding_model, backend=recipe_backend())
    embedder.warm_up()
    model_load = time.perf_counter() - t
    t = time.perf_counter()
    store = FAISS.from_documents(chunks, EmbedderEmbeddings(embedder))
    embedding = time.perf_counter() - t
    t = time.perf_counter()
    store.save_local(str(store_dir))
    writing = time.perf_counter() - t
    return {"passages": len(chunks), "seconds": {
        "parsing": parsing, "model_load": model_load, "embedding": embedding, "writing": writing,
        "total": time.perf_counter() - t0, "imports": imports}}


def incremental(settings: Settings, work: Path) -> dict:
    """Copy the corpus, add one synthetic document, rebuild over the cached vectors; count what was embedded."""
    from bench.synth import write_corpus
    from index.build import build_index
    from index.embedder import Embedder

    corpus = work / "corpus-plus-one"
    shutil.copytree(settings.corpus_dir, corpus)
    extra = work / "extra"
    write_corpus(extra, 20, seed=7)
    shutil.copy(next(extra.glob("*.md")), corpus / "council-local-offer.md")
    embedder = Embedder.from_settings(settings)
    report = build_index(settings.replace(corpus_dir=corpus), embedder=embedder)
    return {"passages": report.passages, "reused": report.reused_vectors,
            "embedded": embedder.texts_embedded, "seconds": report.seconds}


def app_ready(index_dir: Path, timeout: float = 180) -> dict:
    import psutil

    import app

    port = app.free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "LAC_INDEX_DIR": str(index_dir),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    start = time.perf_counter()
    proc = subprocess.Popen([PY, "app.py"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < timeout:
            if proc.poll() is not None:
                return {"error": f"app.py exited with {proc.returncode}"}
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    if response.status == 200:
                        seconds = time.perf_counter() - start
                        rss = sum(p.memory_info().rss for p in [psutil.Process(proc.pid)]) / 2**20
                        return {"seconds": seconds, "rss_mb": rss}
            except OSError:
                time.sleep(0.1)
        return {"error": "timed out"}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def cold_cli(index_dir: Path, runs: int) -> dict:
    q = questions()[0]
    times, peaks = [], []
    for _ in range(runs):
        s, peak, _ = run_child([PY, "-m", "qa", "ask", "--json", "--index", str(index_dir), q])
        times.append(s)
        peaks.append(peak)
    _, _, mods = run_child([PY, "-c", "import sys, qa.cli, qa.service; print(','.join(m for m in "
                            "('gradio','langchain','langchain_core','bs4','pypdf','docx','torch',"
                            "'sentence_transformers') if m in sys.modules))"])
    return {"seconds": statistics.median(times), "runs": times, "peak_rss_mb": max(peaks),
            "heavy_modules_after_import": mods.strip()}


def cold_recipe(store_dir: Path, runs: int) -> dict:
    q = questions()[0]
    code = ("import sys; from pathlib import Path; from bench.bench import _Recipe; from settings import Settings; "
            "r=_Recipe(Path(sys.argv[1]), Settings.from_env()); "
            "r.warm_up(); print(r.ask(sys.argv[2])[0].metadata)")
    times, peaks = [], []
    for _ in range(runs):
        s, peak, _ = run_child([PY, "-c", code, str(store_dir), q])
        times.append(s)
        peaks.append(peak)
    return {"seconds": statistics.median(times), "runs": times, "peak_rss_mb": max(peaks)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer questions and runs, scale 1000 only")
    parser.add_argument("--scale", default=None, help="corpus sizes in passages, e.g. 1000,10000,100000")
    parser.add_argument("--embed-max", type=int, default=None,
                        help="largest scale size embedded with the real model (larger sizes use proxy vectors)")
    parser.add_argument("--no-app", action="store_true", help="skip app.py to page ready")
    parser.add_argument("--skip-main", action="store_true", help="only the scale curve")
    parser.add_argument("--no-encoders", action="store_true", help="skip the per-encoder comparison")
    parser.add_argument("--worker", choices=("product", "recipe", "encoder"), help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--n-latency", type=int, default=159, help=argparse.SUPPRESS)
    parser.add_argument("--n-memory", type=int, default=1000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except LacGuideError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    if args.worker == "encoder":
        print(json.dumps(encoder_worker(settings, args.backend, args.threads, args.target, args.n_latency)))
        return 0
    if args.worker:
        print(json.dumps(worker(settings, args.worker, args.target, args.n_latency, args.n_memory, profile=True)))
        return 0

    sizes = [int(s) for s in (args.scale or ("1000" if args.quick else "1000,10000,100000")).split(",") if s]
    embed_max = args.embed_max if args.embed_max is not None else (1000 if args.quick else 10000)
    n_latency = 40 if args.quick else len(questions())
    n_memory = 200 if args.quick else 1000
    runs = 1 if args.quick else 3
    REPORTS.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": machine(), "quick": args.quick}

    with tempfile.TemporaryDirectory(prefix="lac-bench-") as tmp:
        work = Path(tmp)
        if not args.skip_main:
            index_dir, store_dir = work / "index", work / "recipe-store"
            log("building the index (product) ...")
            results["build"] = {"product": build_product(settings.replace(index_dir=index_dir))}
            log("building the LangChain recipe store ...")
            results["build"]["recipe"] = build_recipe(store_dir, settings)
            log("incremental rebuild (one added document) ...")
            inc_index = work / "index-inc"
            shutil.copytree(index_dir, inc_index)
            results["incremental"] = incremental(settings.replace(index_dir=inc_index), work)
            log("cold start, CLI ...")
            results["cold"] = {"product": cold_cli(index_dir, runs), "recipe": cold_recipe(store_dir, runs)}
            if not args.no_app:
                log("cold start, app.py to page ready ...")
                results["app"] = app_ready(index_dir)
            for side, target in (("product", index_dir), ("recipe", store_dir)):
                log(f"warm latency, throughput, memory: {side} ...")
                _, _, out = run_child([PY, "-m", "bench.bench", "--worker", side, "--target", str(target),
                                       "--n-latency", str(n_latency), "--n-memory", str(n_memory)], timeout=3600)
                results.setdefault("warm", {})[side] = json.loads(out.strip().splitlines()[-1])
            if not args.no_encoders:
                results["encoders"] = []
                for backend, threads in ENCODERS:
                    log(f"query encoder {backend}, {threads} thread(s) ...")
                    _, _, out = run_child([PY, "-m", "bench.bench", "--worker", "encoder", "--backend", backend,
                                           "--threads", str(threads), "--target", str(index_dir),
                                           "--n-latency", str(n_latency)], timeout=3600)
                    results["encoders"].append(json.loads(out.strip().splitlines()[-1]))
        if sizes:
            from bench.bench_scale import scale_curve

            log(f"scale curve {sizes} (real embedding up to {embed_max}) ...")
            results["scale"] = scale_curve(settings, sizes, embed_max, work)
    write_reports(results)
    print((REPORTS / "bench.md").read_text("utf-8"))
    return 0


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict:
    import platform

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_at_start": os.getloadavg()}


# ---------------------------------------------------------------- report

def write_reports(results: dict) -> None:
    from bench.bench_report import render_markdown, render_scale_png

    (REPORTS / "bench.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    (REPORTS / "bench.md").write_text(render_markdown(results), encoding="utf-8")
    if results.get("scale"):
        render_scale_png(results["scale"], REPORTS / "scale.png")


if __name__ == "__main__":
    raise SystemExit(main())
