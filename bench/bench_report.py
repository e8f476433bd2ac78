"""Markdown and PNG for bench/bench.py results."""

from __future__ import annotations

from pathlib import Path

# Issue 14's "today": measured by this benchmark before the ONNX encoder (2026-11-23, idle machine, numpy encoder).
BEFORE_ONNX = {"cold_start_s": 0.88, "cli_peak_rss_mb": 243.0}


def _r(a, b) -> str:
    try:
        return f"{a / b:.2f}x"
    except (TypeError, ZeroDivisionError):
        return "-"


def _f(v, unit="", digits=1) -> str:
    return "-" if v is None else f"{v:.{digits}f}{unit}"


def render_markdown(res: dict) -> str:
    m = res.get("machine", {})
    out = ["# Benchmark: lac-guide vs the plain LangChain recipe", "",
           f"{m.get('cpus')} CPUs, Python {m.get('python')}, load average at start {m.get('load_avg_at_start')}"
           f"{' (quick run)' if res.get('quick') else ''}. Ratio = product / recipe.", ""]
    rows = []
    cold, build, warm = res.get("cold", {}), res.get("build", {}), res.get("warm", {})
    if cold:
        p, r = cold["product"], cold["recipe"]
        rows.append(("cold start to first answer (s)", p["seconds"], r["seconds"]))
        rows.append(("peak RSS of one CLI answer (MB)", p["peak_rss_mb"], r["peak_rss_mb"]))
    if build:
        p, r = build["product"]["seconds"], build["recipe"]["seconds"]
        for k in ("model_load", "parsing", "embedding", "writing", "total"):
            rows.append((f"index build: {k} (s)", p.get(k), r.get(k)))
    if warm:
        p, r = warm["product"], warm["recipe"]
        for k in ("p50", "p95", "p99"):
            rows.append((f"warm answer {k} (ms)", p["latency_ms"][k], r["latency_ms"][k]))
        rows.append(("query embedding p50 (ms), the floor", p["embed_ms"]["p50"], r["embed_ms"]["p50"]))
        rows.append(("query embedding p95 (ms)", p["embed_ms"]["p95"], r["embed_ms"]["p95"]))
        if "raw_onnx_ms" in p:
            rows.append(("raw ONNX Runtime session.run p50 (ms), same file and threads", p["raw_onnx_ms"]["p50"], None))
        rows.append(("answer p95 / embedding p95", p["answer_over_embed_p95"], r["answer_over_embed_p95"]))
        rows.append(("throughput, 4 threads (answers/s)", p["throughput_4"], r["throughput_4"]))
        rows.append(("throughput, 16 threads (answers/s)", p["throughput_16"], r["throughput_16"]))
        rows.append(("repeated question, cached (ms)", p["cached_ms"], r["cached_ms"]))
        rows.append(("peak RSS after the question run (MB)", p["peak_rss_mb"], r["peak_rss_mb"]))
        rows.append(("RSS growth over the run (MB)", p["rss_growth_mb"], r["rss_growth_mb"]))
    if build and build["product"].get("passages") and build["product"]["seconds"].get("embedding"):
        rows.append(("index build: passages embedded per second", build["product"]["passages"] /
                     build["product"]["seconds"]["embedding"],
                     build["recipe"]["passages"] / build["recipe"]["seconds"]["embedding"]))
    out += ["| measure | product | LangChain recipe | ratio |", "| --- | ---: | ---: | ---: |"]
    for name, a, b in rows:
        out.append(f"| {name} | {_f(a, digits=2)} | {_f(b, digits=2)} | {_r(a, b)} |")
    out.append("")
    if "app" in res:
        a = res["app"]
        out.append(f"`python app.py` to page ready: {_f(a.get('seconds'), ' s', 2)}, RSS {_f(a.get('rss_mb'), ' MB')}"
                   f"{' (' + a['error'] + ')' if a.get('error') else ''}.")
    if cold:
        out.append(f"Heavy modules after `import qa.cli, qa.service`: {cold['product']['heavy_modules_after_import'] or 'none'}.")
        out.append(f"Cold-start runs (s): product {[round(x, 2) for x in cold['product']['runs']]}, "
                   f"recipe {[round(x, 2) for x in cold['recipe']['runs']]}.")
    if "incremental" in res:
        i = res["incremental"]
        out.append(f"Incremental rebuild after adding one document: {i['passages']} passages, {i['reused']} vectors "
                   f"reused from the cache, {i['embedded']} embedded, {i['seconds']['total']:.2f} s.")
    if build:
        out.append(f"Product: {build['product']['passages']} passages ({build['product']['vector_index']}); recipe: "
                   f"{build['recipe']['passages']} chunks; recipe imports {build['recipe']['seconds'].get('imports', 0):.1f} s "
                   "(included in its total).")
    if warm:
        for side in ("product", "recipe"):
            s = warm[side].get("rss_samples_mb", [])
            out.append(f"RSS samples {side} (questions, MB): " + ", ".join(f"{n}: {v:.0f}" for n, v in s))
    out += _targets(res)
    out += _encoders(res)
    prof = warm.get("product", {}).get("profile") if warm else None
    if prof:
        out += ["", f"## Profile of one warm, uncached answer ({prof['total_ms']:.1f} ms)", "",
                "| frame (project code) | ms |", "| --- | ---: |"]
        out += [f"| `{name}` | {ms:.2f} |" for name, ms in prof["top_ms"]]
        out += ["", "```", prof["tree"], "```"]
    if res.get("scale"):
        out += ["", "## Scale (synthetic corpora of recombined real sentences)", "",
                "| passages | embedding | build passages/s | exact p50/p95 ms | HNSW p50/p95 ms | BM25 p50/p95 ms "
                "| HNSW recall@10 (tie-aware / ids) | vectors at or above the 10th score | disk flat/HNSW/BM25 MB | HNSW build s | RSS growth MB |",
                "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for s in res["scale"]:
            out.append(
                f"| {s['passages']:,} | {'measured' if s['real_embedding'] else 'extrapolated (proxy vectors)'} "
                f"| {s['build_passages_per_s']:.1f} | {s['exact_ms']['p50']:.2f}/{s['exact_ms']['p95']:.2f} "
                f"| {s['hnsw_ms']['p50']:.2f}/{s['hnsw_ms']['p95']:.2f} | {s['bm25_ms']['p50']:.2f}/{s['bm25_ms']['p95']:.2f} "
                f"| {s['recall_at_10_hnsw']:.3f} / {s.get('id_recall_at_10_hnsw', float('nan')):.3f} "
                f"| {s.get('vectors_tied_with_10th', float('nan')):.1f} | {s['disk_mb']['flat']:.1f}/{s['disk_mb']['hnsw']:.1f}/{s['disk_mb']['bm25']:.1f} "
                f"| {s['hnsw_build_s']:.1f} | {s['rss_growth_mb']:.0f} |")
    return "\n".join(out) + "\n"


def _targets(res: dict) -> list[str]:
    """Issue 14's targets as ratios from this one run."""
    warm, cold = res.get("warm", {}), res.get("cold", {})
    if not warm or not cold:
        return []
    p, r = warm["product"], warm["recipe"]
    lines = ["", f"## Targets (encoder: {p.get('encoder', '?')}, {p.get('encoder_threads')} intra-op thread(s))", "",
             "| target | measured | ratio | met |", "| --- | ---: | ---: | --- |"]

    def row(name, measured, ratio, limit):
        met = "-" if ratio is None else ("yes" if ratio <= limit else "no")
        lines.append(f"| {name} | {measured} | {'-' if ratio is None else f'{ratio:.2f}x'} | {met} |")

    row("warm answer p95 <= 0.5x recipe retrieval p95",
        f"{p['latency_ms']['p95']:.1f} vs {r['latency_ms']['p95']:.1f} ms",
        p["latency_ms"]["p95"] / r["latency_ms"]["p95"], 0.5)
    raw, paired = p.get("raw_onnx_ms"), p.get("embed_paired_ms", p["embed_ms"])
    row("query embedding p50 <= 1.3x raw ONNX Runtime (same model, threads; alternating question by question)",
        f"{paired['p50']:.2f} vs {raw['p50']:.2f} ms" if raw else "no ONNX encoder",
        paired["p50"] / raw["p50"] if raw else None, 1.3)
    row(f"cold start to first answer <= before ({BEFORE_ONNX['cold_start_s']} s)",
        f"{cold['product']['seconds']:.2f} s", cold["product"]["seconds"] / BEFORE_ONNX["cold_start_s"], 1.0)
    row(f"peak RSS of one CLI answer <= before ({BEFORE_ONNX['cli_peak_rss_mb']:.0f} MB)",
        f"{cold['product']['peak_rss_mb']:.0f} MB", cold["product"]["peak_rss_mb"] / BEFORE_ONNX["cli_peak_rss_mb"], 1.0)
    lines.append("")
    lines.append("Cold start and RSS are compared with figures from an earlier run (machine load differs); "
                 "the README gives paired before/after timings.")
    return lines


def _encoders(res: dict) -> list[str]:
    encoders = res.get("encoders")
    if not encoders:
        return []
    recipe_p95 = res.get("warm", {}).get("recipe", {}).get("latency_ms", {}).get("p95")
    lines = ["", "## Query encoders (each in its own process, same questions; recipe = sentence-transformers + "
             "LangChain FAISS retrieval in this run)", "",
             "| encoder | intra-op threads | load (s) | query p50 / p95 (ms) | raw ORT p50 (ms) | p50 / raw (alternating) "
             "| p95 / recipe retrieval p95 | corpus passages/s | peak RSS, queries (MB) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for e in encoders:
        raw = e.get("raw_onnx_ms", {}).get("p50")
        paired = e.get("embed_paired_ms", e["embed_ms"])["p50"]
        lines.append(f"| {e.get('encoder', e['backend'])} | {e['threads']} | {e['load_s']:.2f} "
                     f"| {e['embed_ms']['p50']:.2f} / {e['embed_ms']['p95']:.2f} | {_f(raw, digits=2)} "
                     f"| {_r(paired, raw)} | {_r(e['embed_ms']['p95'], recipe_p95)} "
                     f"| {e['passages_per_s']:.1f} | {e['peak_rss_mb']:.0f} |")
    return lines


def render_scale_png(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["passages"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    a.plot(n, [r["exact_ms"]["p95"] for r in rows], "o-", label="exact (FlatIP) p95")
    a.plot(n, [r["hnsw_ms"]["p95"] for r in rows], "s-", label="HNSW p95")
    a.plot(n, [r["bm25_ms"]["p95"] for r in rows], "^-", label="BM25 p95")
    a.set_xscale("log"), a.set_yscale("log"), a.set_xlabel("passages"), a.set_ylabel("ms per query")
    a.set_title("search latency by corpus size"), a.legend()
    b.plot(n, [r["disk_mb"]["flat"] + r["disk_mb"]["bm25"] for r in rows], "o-", label="index on disk (MB)")
    b.plot(n, [r["embed_s"] / 60 for r in rows], "s--", label="embedding time (min)")
    b.set_xscale("log"), b.set_yscale("log"), b.set_xlabel("passages"), b.set_title("build cost"), b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
