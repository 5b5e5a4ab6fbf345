"""report.html: one self-contained page (charts embedded as PNG, no external files or
scripts) with the summary table, charts by mode, task and difficulty, the latency
distribution, and a drill-down of every item with its matched evidence highlighted."""
from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

from core.chunk_meta import BUILTIN

from .matching import normalize

CHART_METRICS = ("hit@5", "recall@5", "mrr@10", "key_fact_recall", "citation_recall", "city_recall@5")
TASK_NAMES = {"qa": "问答", "case": "案例", "proposal": "方案", "unanswerable": "无答案"}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _bars(groups: dict[str, dict], title: str) -> str:
    """Grouped bars: one group per key of ``groups`` (Chinese task names), one bar per chart metric."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from core.chart_fonts import chinese_sans_serif

    names = list(groups)
    metrics = [m for m in CHART_METRICS if any(groups[g].get(m) is not None for g in names)]
    with matplotlib.rc_context({"font.sans-serif": chinese_sans_serif()}):
        fig, ax = plt.subplots(figsize=(7.5, 3.2))
        width = 0.8 / max(len(metrics), 1)
        for i, m in enumerate(metrics):
            ax.bar(np.arange(len(names)) + i * width, [groups[g].get(m) or 0 for g in names], width, label=m)
        ax.set_xticks(np.arange(len(names)) + width * (len(metrics) - 1) / 2, names)
        ax.set_ylim(0, 1.05)
        ax.set_title(title)
        if metrics:  # a set of unanswerable items only has no metric to draw
            ax.legend(fontsize=7, ncol=3, loc="lower right")
        return _png(fig)


def _latency(latency: dict[str, list[float]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from core.chart_fonts import chinese_sans_serif

    with matplotlib.rc_context({"font.sans-serif": chinese_sans_serif()}):
        fig, ax = plt.subplots(figsize=(7.5, 2.8))
        for mode, values in latency.items():
            ax.hist(values, bins=30, alpha=0.55, label=mode)
        ax.set_xlabel("每题耗时（毫秒）")
        ax.set_title("耗时分布")
        ax.legend(fontsize=8)
        return _png(fig)


def _mark(text: str, quotes: list[str]) -> str:
    """Escape, then highlight the evidence quotes found in the chunk (whitespace-insensitive)."""
    escaped = html.escape(text)
    for q in quotes:
        chars = [re.escape(html.escape(c)) for c in normalize(q)]
        if not chars:
            continue
        pattern = r"\s*".join(chars)
        escaped = re.sub(pattern, lambda m: f"<mark>{m.group(0)}</mark>", escaped, count=1)
    return escaped


def _fmt(v) -> str:
    return "—" if v is None else f"{v:.3f}"


def _knowledge_base(results: dict) -> str:
    """Which documents were searched (older runs did not record them) and the warnings."""
    docs = results.get("documents")
    if docs is None:
        return ""
    warn = "".join(f'<p class="warning">警告：{html.escape(w)}</p>' for w in results.get("warnings", []))
    names = "、".join(html.escape(d["doc"]) + ("（内置）" if d["origin"] == BUILTIN else "") for d in docs)
    return (f'<h2>知识库（{len(docs)} 个文档）</h2>{warn}<p id="documents">{names or "（空）"}</p>')


def render(results: dict) -> str:
    modes = results["metrics"]
    names = results["metric_names"]
    shown = [m for m in names if any(modes[mo]["overall"].get(m) is not None for mo in modes)]
    rows = "".join(f"<tr><th>{html.escape(mo)}</th>" + "".join(f"<td>{_fmt(agg['overall'].get(m))}</td>" for m in shown)
                   + "</tr>" for mo, agg in modes.items())
    charts = [("按检索方式", _bars({mo: agg["overall"] for mo, agg in modes.items()}, "各检索方式的指标"))]
    first = next(iter(modes.values()))
    charts.append(("按任务", _bars({TASK_NAMES.get(t, t): v for t, v in first["by_task"].items()}, "按任务（第一种检索方式）")))
    charts.append(("按难度", _bars(first["by_difficulty"], "按难度（第一种检索方式）")))
    charts.append(("耗时分布", _latency(results["latency_ms"])))
    chart_html = "".join(f'<figure><img class="chart" alt="{t}" src="{src}"><figcaption>{t}</figcaption></figure>'
                         for t, src in charts)
    items_html = []
    for it in results["items"]:
        quotes = [e["quote"] for e in it.get("evidence", [])]
        chunks = "".join(
            f'<li class="{"hit" if c["matched"] else ""}"><b>{html.escape(c["doc"])}</b> · {html.escape(c["section"])}'
            f'<div class="chunk">{_mark(c["text"], [quotes[i] for i in c["matched"]])}</div></li>'
            for c in it["retrieved"])
        scores = " ".join(f"{k}={v:.2f}" for k, v in it["scores"].items() if v is not None)
        items_html.append(
            f'<details class="item" data-id="{html.escape(it["id"])}"><summary>[{html.escape(it["mode"])}] '
            f'{html.escape(it["id"])} · {TASK_NAMES.get(it["task"], it["task"])} · {it["difficulty"]} — '
            f'{html.escape(it["question"])} <small>{scores}</small></summary>'
            f'<p><b>参考答案：</b>{html.escape(it.get("gold") or "（无）")}</p>'
            f'<p><b>关键事实：</b>{html.escape("、".join(it.get("key_facts") or []) or "（无）")}</p>'
            f'<div class="answer"><b>系统回答：</b><pre>{html.escape(it.get("answer") or "")}</pre></div>'
            f'<p><b>证据：</b>{html.escape(" | ".join(quotes) or "（无）")}</p>'
            f'<ol class="retrieved">{chunks}</ol></details>')
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>评测报告 · {html.escape(Path(results['dataset']).name)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right}}figure{{display:inline-block;margin:.5em}}
.chart{{max-width:520px}}mark{{background:#ffe066}}li.hit{{border-left:4px solid #2b8a3e;padding-left:6px}}
.chunk{{white-space:pre-wrap;font-size:13px;color:#333}}pre{{white-space:pre-wrap}}summary{{cursor:pointer}}.warning{{color:#b45309}}</style>
</head><body><h1>评测报告</h1>
<p>数据集：{html.escape(results['dataset'])}；生成方式：{html.escape(results['generator'])}；
时间：{html.escape(results['created_at'])}；总耗时 {results['timings_s']['total']} 秒（导入 {results['timings_s']['ingest']} 秒）</p>
{_knowledge_base(results)}
<h2>汇总</h2><table id="summary"><tr><th>mode</th>{''.join(f'<th>{html.escape(m)}</th>' for m in shown)}</tr>{rows}</table>
<h2>图表</h2>{chart_html}
<h2>逐题明细（{len(results['items'])}）</h2>{''.join(items_html)}
</body></html>"""


def write_report(results: dict, path: Path) -> Path:
    path.write_text(render(results), encoding="utf-8")
    return path
