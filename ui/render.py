"""HTML for the UI: answers with clickable citation markers, citation cards with the
cited sentence marked, case cards. Everything that comes from documents or users is
escaped here: a document's text is data, never markup or script."""
from __future__ import annotations

import html
import uuid

from assistant.excerpt import cited_parts, cited_sentences
from assistant.verify import MARKER as _MARKER


def mark_passage(passage: str, sentences: list[str]) -> str:
    """The passage, escaped, with the sentence(s) matching the cited answer sentences
    wrapped for highlighting."""
    parts, chosen = cited_parts(passage, sentences)
    return "".join(f'<span class="cited-sentence">{html.escape(p)}</span>' if i in chosen else html.escape(p)
                   for i, p in enumerate(parts))


def answer_html(result: dict) -> str:
    """One chat reply: the rewritten question (when any), the answer with clickable
    markers, notes, and the citation cards under a fold."""
    turn = uuid.uuid4().hex[:8]
    answer = result.get("answer", "")
    body = html.escape(answer).replace("\n", "<br>")
    body = _MARKER.sub(lambda m: f'<sup class="cite-marker cid-{turn}-{m.group(1)}" '
                                 f'title="查看出处 {m.group(1)}">[{m.group(1)}]</sup>', body)
    out = []
    if result.get("rewritten_question"):
        out.append(f'<div class="rewritten">检索问题（已结合上文改写）：{html.escape(result["rewritten_question"])}</div>')
    if result.get("refused"):
        out.append('<div class="refused-tag">资料不足</div>')
    out.append(f'<div class="answer">{body}</div>')
    for note in result.get("notes") or []:
        out.append(f'<div class="note">注：{html.escape(note)}</div>')
    cites = result.get("citations") or []
    if cites:
        by_n = cited_sentences(answer)
        cards = [citation_card(c, f"{turn}-{c['n']}", by_n.get(c["n"], [])) for c in cites]
        out.append(f'<details class="citations"><summary>参考资料（{len(cites)}）</summary>'
                   + "".join(cards) + "</details>")
    return "".join(out)


def citation_card(c: dict, cid: str, sentences: list[str]) -> str:
    where = " · ".join(html.escape(str(x)) for x in (c.get("section"), f"第 {c['page']} 页" if c.get("page") else None) if x)
    return (f'<div class="cite-card cid-{cid}"><div class="cite-head"><b>[{c["n"]}]</b> '
            f'{html.escape(c.get("title") or c.get("doc", ""))} <span class="cite-doc">{html.escape(c.get("doc", ""))}</span></div>'
            f'<div class="cite-where">{where}</div>'
            f'<div class="cite-text">{mark_passage(c.get("text", ""), sentences)}</div></div>')


def answer_markdown(result: dict) -> str:
    """An answer with its references, for copying into a document."""
    lines = [f"# 问：{result.get('question', '')}", ""]
    if result.get("rewritten_question"):
        lines += [f"（检索问题：{result['rewritten_question']}）", ""]
    lines += [result.get("answer", ""), "", "## 参考资料", ""]
    for c in result.get("citations") or []:
        where = "，".join(str(x) for x in (c.get("section"), f"第 {c['page']} 页" if c.get("page") else None) if x)
        lines.append(f"[{c['n']}] {c.get('title') or c.get('doc')}（{c.get('doc')}{'，' + where if where else ''}）")
        lines.append(f"> {' '.join((c.get('text') or '').split())}")
        lines.append("")
    return "\n".join(lines)


def case_cards(cases: list[dict]) -> str:
    if not cases:
        return '<div class="empty">资料中未找到可对标的案例。可先在「知识库」导入更多案例材料。</div>'
    out = []
    for i, h in enumerate(cases, start=1):
        figures = "；".join(f"{f.get('what') or ''}{'：' if f.get('what') else ''}{f.get('value')}{f.get('unit', '')}"
                           for f in (h.get("figures") or [])[:4])
        src = h.get("source") or {}
        origin = (f"{src.get('doc', '')}（原始资料 {src['origin_doc']} · {src.get('origin_section', '')}）"
                  if src.get("origin_doc") else f"{src.get('doc', '')} · {src.get('section', '')}")
        tags = "".join(f'<span class="tag">{html.escape(t)}</span>'
                       for t in [h.get("domain"), h.get("delivery_type"), *(h.get("technologies") or [])[:3]] if t)
        out.append(
            f'<div class="case-card"><div class="case-head"><span class="case-n">{i}</span> '
            f'<span class="case-city">{html.escape(h.get("city", ""))}</span> {html.escape(h.get("title", ""))}</div>'
            f'<div class="case-tags">{tags}</div>'
            f'<div class="case-summary">{html.escape(h.get("summary", ""))}</div>'
            + (f'<div class="case-figures">关键数据：{html.escape(figures)}</div>' if figures else "")
            + f'<div class="case-why">对标理由：{html.escape(h.get("why", ""))}</div>'
            f'<div class="case-source">出处：{html.escape(origin)}</div></div>')
    return "".join(out)


def grouped_bars_svg(values: dict[str, dict[str, float]], metrics: list[str], title: str) -> str:
    """Inline SVG: x = metric, one coloured bar per series (retrieval mode) side by side, with
    a legend. Gradio's BarPlot stacks bars that share an x, and one x per metric·mode made
    the labels overlap. Text stays text (svg.fonttype none): the browser draws the Chinese
    names with its own fonts, and tests can read them."""
    import io

    import matplotlib
    import numpy as np
    from matplotlib.figure import Figure

    from core.chart_fonts import chinese_sans_serif

    if not values or not metrics:
        return ""
    series = list(values)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "scenario",
                                "font.sans-serif": chinese_sans_serif()}):
        fig = Figure(figsize=(9, 3.4))
        ax = fig.subplots()
        width = 0.8 / len(series)
        x = np.arange(len(metrics))
        for i, name in enumerate(series):
            ax.bar(x + (i - (len(series) - 1) / 2) * width, [values[name].get(m) or 0 for m in metrics],
                   width, label=name)
        ax.set_xticks(x, metrics, rotation=20, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_title(title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight")
    svg = buf.getvalue()
    return '<div class="metric-chart">' + svg[svg.index("<svg"):] + "</div>"


CSS = """
.cite-marker { color: #1d4ed8; cursor: pointer; font-weight: 600; }
.cite-card { border: 1px solid #d0d7de; border-radius: 8px; padding: 8px 10px; margin: 6px 0; background: #fafbfc; }
.cite-card.active { border-color: #1d4ed8; box-shadow: 0 0 0 2px #bfdbfe; }
.cite-card.active .cited-sentence { background: #fde68a; }
.cite-doc, .cite-where, .case-source, .note, .rewritten { color: #57606a; font-size: 0.85em; }
.rewritten { margin-bottom: 6px; }
.refused-tag { display: inline-block; background: #fff4e5; color: #9a6700; border-radius: 4px; padding: 0 6px; }
.case-card { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px; margin: 8px 0; }
.case-head { font-weight: 600; }
.case-n { display: inline-block; background: #1d4ed8; color: white; border-radius: 10px; padding: 0 7px; }
.case-city { color: #1d4ed8; }
.tag { display: inline-block; background: #eef2ff; color: #3730a3; border-radius: 4px; padding: 0 6px; margin: 2px 4px 2px 0; font-size: 0.8em; }
.case-why { color: #0f766e; }
.metric-chart svg { max-width: 100%; height: auto; }
"""

# One delegated listener: clicking [n] opens the answer's references and highlights the
# cited card and sentence. Works on markup rendered after page load. The marker and its
# card share a class "cid-<turn>-<n>" (the chat's sanitiser keeps classes, not data-*).
JS_HEAD = """
<script>
document.addEventListener('click', function (e) {
  const marker = e.target.closest && e.target.closest('.cite-marker');
  if (!marker) return;
  const cid = Array.from(marker.classList).find(c => c.startsWith('cid-'));
  document.querySelectorAll('.cite-card.active').forEach(el => el.classList.remove('active'));
  const card = cid && document.querySelector('.cite-card.' + cid);
  if (!card) return;
  const fold = card.closest('details');
  if (fold) fold.open = true;
  card.classList.add('active');
  card.scrollIntoView({block: 'nearest', behavior: 'smooth'});
});
</script>
"""
