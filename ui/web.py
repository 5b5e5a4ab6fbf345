"""The Gradio UI, in Chinese, in five tabs: 政策问答, 案例对标, 方案起草, 评测, 知识库.

Every handler turns the signed-in Gradio user into a reader and calls ServerState, so the
UI enforces the same roles and document access as the API. Errors reach the user as
one-line Chinese hints (gr.Warning) that leave the panels as they were, never as stack traces.
Files to download (an exported answer, drafts, an evaluation report) are the user's own:
written by ``state.downloads`` and served only to the user who made them (see ``ui.downloads``).
"""
from __future__ import annotations

import functools
import inspect
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pandas as pd

from core.access import INTERNAL, PUBLIC, ROLE_NAMES
from core.errors import ScenarioError
from assistant.retrieve import Filters
from core.settings import MODES
from core.chunk_meta import BUILTIN
from ingest.loaders import SUPPORTED_SUFFIXES

from . import render
from .state import ServerState

MODE_NAMES = {"hybrid": "混合检索", "dense": "向量检索", "lexical": "关键词检索"}
CHART_METRICS = ("hit@5", "recall@5", "mrr@10", "key_fact_recall", "citation_precision",
                 "refused_unanswerable", "city_recall@5", "proposal_key_facts")


def _hints(outputs: int):
    """ScenarioError → a one-line Chinese hint (gr.Warning), and every output keeps what it
    showed. gr.Error would mark each output with a red error badge and print a traceback in
    the server log for what is only a user's slip (an empty question, no file chosen)."""
    def skip():
        return gr.skip() if outputs == 1 else tuple(gr.skip() for _ in range(outputs))

    def decorate(fn):
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen(*args, **kwargs):
                try:
                    yield from fn(*args, **kwargs)
                except ScenarioError as e:
                    gr.Warning(e.message)
                    yield skip()
            return gen

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except ScenarioError as e:
                gr.Warning(e.message)
                return skip()
        return wrapper
    return decorate


@dataclass
class _Page:
    """What every tab of the page needs: the server's state, who is asking, the choices."""

    state: ServerState
    cities: list[str]
    years: list[str]

    def reader(self, request: gr.Request):
        return self.state.reader_for_name(getattr(request, "username", None))


def _ask_tab(page: _Page) -> SimpleNamespace:
    """政策问答: the chat with filters; answers stream in, each with its citations."""
    state, reader, cities, years = page.state, page.reader, page.cities, page.years
    with gr.Tab("政策问答", id="ask"):
        history = gr.State([])  # [(question, answer)] for follow-up rewriting
        last = gr.State(None)
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="对话", height=520, elem_id="chat", buttons=["copy", "copy_all"],
                                  feedback_options=None, placeholder="问一个政策或案例问题，回答中的 [1] 可点开出处。")
                with gr.Row():
                    question = gr.Textbox(show_label=False, placeholder="例如：无锡开放了多少个场景机会？",
                                          scale=5, elem_id="question", lines=1)
                    send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
                with gr.Row():
                    clear = gr.Button("新对话", size="sm")
                    export = gr.DownloadButton("导出最近回答（Markdown）", size="sm", visible=False, elem_id="export")
            with gr.Column(scale=1):
                gr.Markdown("**筛选**（可不选）")
                f_city = gr.Dropdown(cities, multiselect=True, allow_custom_value=True, label="城市")
                f_doc = gr.Dropdown([], multiselect=True, label="文档")
                f_year = gr.Dropdown(years, multiselect=True, label="年份")
                f_mode = gr.Radio([(MODE_NAMES[m], m) for m in MODES], value=state.settings.mode, label="检索方式")

        @_hints(5)
        def on_ask(q, msgs, hist, cities_, docs_, years_, mode, request: gr.Request):
            q = (q or "").strip()
            if not q:
                raise ScenarioError("请输入问题")
            r = reader(request)
            view = state.for_reader(r)
            filters = Filters(docs=tuple(docs_ or ()), cities=tuple(cities_ or ()),
                              years=tuple(int(y) for y in years_ or ()))
            msgs = list(msgs or []) + [{"role": "user", "content": q}, {"role": "assistant", "content": ""}]
            text = ""
            for event in view.ask_stream(q, mode=mode, filters=filters if filters else None,
                                         history=list(hist or [])):
                if event["type"] == "delta":
                    text += event["text"]
                    msgs[-1] = {"role": "assistant", "content": text}
                    yield msgs, hist, gr.update(), "", gr.update()
                else:
                    result = event["result"].to_dict()
                    msgs[-1] = {"role": "assistant", "content": render.answer_html(result)}
                    hist = list(hist or []) + [(q, result["answer"])]
                    path = state.downloads.write(r, "回答.md", render.answer_markdown(result)).path
                    yield msgs, hist, result, "", gr.update(value=str(path), visible=True)

        ask_io = dict(fn=on_ask, inputs=[question, chat, history, f_city, f_doc, f_year, f_mode],
                      outputs=[chat, history, last, question, export])
        send.click(**ask_io)
        question.submit(**ask_io)
        clear.click(lambda: ([], [], None, gr.update(visible=False)), outputs=[chat, history, last, export])
    return SimpleNamespace(f_doc=f_doc)


def _cases_tab(page: _Page) -> None:
    """案例对标: comparable cases for a need."""
    state, reader, cities = page.state, page.reader, page.cities
    with gr.Tab("案例对标", id="cases"):
        with gr.Row():
            need = gr.Textbox(label="需求", placeholder="例如：建设城市安全风险监测预警平台", scale=4, elem_id="need")
            own_city = gr.Dropdown(cities, allow_custom_value=True, value=None, label="本市（不出现在结果中）", scale=1)
            k_cases = gr.Slider(1, 10, value=5, step=1, label="案例数", scale=1)
        find = gr.Button("查找可对标案例", variant="primary", elem_id="find-cases")
        case_out = gr.HTML(elem_id="case-results")

        @_hints(1)
        def on_cases(text, city, k, request: gr.Request):
            if not (text or "").strip():
                raise ScenarioError("请输入需求")
            hits = state.for_reader(reader(request)).find_cases(text, city=city or None, k=int(k))
            return render.case_cards([h.to_dict() for h in hits])

        find.click(on_cases, [need, own_city, k_cases], case_out)
        need.submit(on_cases, [need, own_city, k_cases], case_out)


def _draft_tab(page: _Page) -> None:
    """方案起草: a proposal or a response to a published need, previewed and downloadable."""
    state, reader, cities = page.state, page.reader, page.cities
    with gr.Tab("方案起草", id="draft"):
        kind = gr.Radio([("场景建设方案", "proposal"), ("揭榜响应方案", "response")], value="proposal", label="类型")
        idea = gr.Textbox(label="场景设想", lines=3, placeholder="例如：独居老人智能报警", elem_id="idea")
        with gr.Row(visible=False) as response_fields:
            need_item = gr.Textbox(label="需求清单条目", lines=4)
            capability = gr.Textbox(label="企业能力", lines=4)
        draft_city = gr.Dropdown(cities, allow_custom_value=True, value=None, label="城市")
        write = gr.Button("起草", variant="primary", elem_id="write-draft")
        with gr.Row():
            dl_docx = gr.DownloadButton("下载 DOCX", visible=False, elem_id="download-docx")
            dl_md = gr.DownloadButton("下载 Markdown", visible=False, elem_id="download-md")
        preview = gr.Markdown(elem_id="draft-preview")
        # another kind of draft: the old preview and its downloads no longer match the form
        kind.change(lambda k: (gr.update(visible=k == "proposal"), gr.update(visible=k == "response"), "",
                               gr.update(visible=False), gr.update(visible=False)),
                    kind, [idea, response_fields, preview, dl_docx, dl_md])

        @_hints(3)
        def on_draft(k, idea_, need_, cap_, city, request: gr.Request, progress=gr.Progress()):
            from assistant.export import draft_to_docx

            if k == "proposal" and not (idea_ or "").strip():
                raise ScenarioError("请填写场景设想")
            if k != "proposal" and (not (need_ or "").strip() or not (cap_ or "").strip()):
                raise ScenarioError("请填写需求清单条目和企业能力")
            progress(0.1, desc="检索方法、案例与政策依据…")
            r = reader(request)
            service = state.for_reader(r)
            if k == "proposal":
                d = service.draft_proposal(idea_, city=city or None)
            else:
                d = service.draft_response(need_, cap_, city=city or None)
            progress(0.8, desc="生成文档…")
            md = d.to_markdown()
            stem = ("场景建设方案" if k == "proposal" else "揭榜响应方案")
            md_path = state.downloads.write(r, f"{stem}.md", md).path
            docx_path = state.downloads.add(r, draft_to_docx(d, state.downloads.new_path(r, f"{stem}.docx"))).path
            return md, gr.update(value=str(docx_path), visible=True), gr.update(value=str(md_path), visible=True)

        write.click(on_draft, [kind, idea, need_item, capability, draft_city], [preview, dl_docx, dl_md])


def _run_views(state: ServerState, run_id: str, r):
    """A finished run as the tab shows it: the grouped bar chart, the item table and the report download."""
    results = state.load_run(run_id)
    by_mode = {MODE_NAMES.get(mode, mode): agg["overall"] for mode, agg in results["metrics"].items()}
    shown = [m for m in CHART_METRICS if any(v.get(m) is not None for v in by_mode.values())]
    chart_html = render.grouped_bars_svg(by_mode, shown, "各检索方式的主要指标")
    table = pd.DataFrame([{"编号": r["id"], "检索方式": MODE_NAMES.get(r["mode"], r["mode"]), "任务": r["task"],
                           "问题": r["question"],
                           **{m: round(r["scores"][m], 3) for m in ("hit@5", "key_fact_recall")
                              if r["scores"].get(m) is not None}} for r in results["items"]])
    try:  # the run's report, as the admin's own download
        report = state.downloads.write(r, f"评测报告-{run_id}.html", state.report(r, run_id).read_bytes()).path
    except ScenarioError:
        return chart_html, table, gr.update(value=None, visible=False)
    return chart_html, table, gr.update(value=str(report), visible=True)


def _eval_tab(page: _Page) -> SimpleNamespace:
    """评测: run a dataset over the chosen modes, look at items, compare two runs."""
    state, reader = page.state, page.reader
    with gr.Tab("评测", id="eval"):
        eval_note = gr.Markdown("运行评测需要管理员角色。")
        with gr.Row():
            dataset = gr.Dropdown([], label="评测集", elem_id="dataset", scale=3)
            modes = gr.CheckboxGroup([(MODE_NAMES[m], m) for m in MODES], value=["hybrid"], label="检索方式", scale=2,
                                    elem_id="eval-modes")
        with gr.Accordion("上传评测集（JSONL）", open=False):
            ds_file = gr.File(file_types=[".jsonl"], label="评测集文件", elem_id="dataset-file")
        run_btn = gr.Button("开始评测", variant="primary", elem_id="run-eval")
        run_status = gr.Markdown(elem_id="eval-status")
        chart = gr.HTML(elem_id="eval-chart")  # grouped bars, x = metric, colour = mode (render.grouped_bars_svg)
        items = gr.Dataframe(label="逐题结果（点一行看详情）", interactive=False, wrap=True, elem_id="eval-items")
        detail = gr.Markdown()
        report_file = gr.DownloadButton("下载完整报告（HTML）", visible=False)
        current_run = gr.State(None)
        gr.Markdown("### 比较两次评测")
        with gr.Row():
            run_a = gr.Dropdown([], label="运行 A（基线）")
            run_b = gr.Dropdown([], label="运行 B")
            cmp_btn = gr.Button("比较")
        cmp_out = gr.Markdown()
        cmp_chart = gr.BarPlot(x="指标", y="变化", title="B 相对 A 的变化（所有检索方式合计）", height=280)

        def _choice_lists():
            runs = [(f"{r['id']} · {r['dataset']} · {'/'.join(r['modes'])}", r["id"])
                    for r in state.runs() if r["status"] == "done"]
            return gr.update(choices=runs), gr.update(choices=runs)

        @_hints(1)
        def on_dataset_upload(file, request: gr.Request):
            if not file:
                return gr.update()
            name = state.add_dataset(reader(request), Path(file).name, Path(file).read_bytes())
            return gr.update(choices=sorted(state.datasets()), value=name)

        ds_file.upload(on_dataset_upload, ds_file, dataset)

        @_hints(7)
        def on_run(ds, chosen, request: gr.Request, progress=gr.Progress()):
            if not ds:
                raise ScenarioError("请选择评测集")
            r = reader(request)
            job = state.start_eval(r, ds, list(chosen or []))
            progress(0, desc="准备评测…")
            while True:
                info = state.job(job.id)
                if info["status"] in ("done", "failed"):
                    break
                if info["total"]:
                    progress((info["done"], info["total"]), desc="评测中", unit="题")
                time.sleep(0.3)
            if info["status"] == "failed":  # said in the status line; the last results stay
                yield (f"评测失败：{info['error']}", *(gr.skip() for _ in range(6)))
                return
            chart_df, table, report = _run_views(state, job.id, r)
            a, b = _choice_lists()
            results = state.load_run(job.id)
            n_docs = len(results.get("documents", []))  # what was searched; listed in the report
            warned = "".join(f"\n\n⚠️ {w}" for w in results.get("warnings", []))  # a knowledge base unlike the set's
            yield (f"评测完成：{job.id}（{info['total']} 题次；知识库 {n_docs} 个文档）{warned}", chart_df, table, report,
                   job.id, a, b)

        run_btn.click(on_run, [dataset, modes], [run_status, chart, items, report_file, current_run, run_a, run_b])

        def on_item(run_id, evt: gr.SelectData):
            if not run_id:
                return ""
            row = state.load_run(run_id)["items"][evt.index[0]]
            retrieved = "\n".join(f"{i}. {c['doc']} · {c['section']}：{c['text'][:80]}…"
                                  for i, c in enumerate(row["retrieved"][:5], start=1))
            return (f"**{row['id']}**（{row['task']}，{row['mode']}）\n\n**问题**：{row['question']}\n\n"
                    f"**参考答案**：{row['gold']}\n\n**系统回答**：{row.get('answer', '')}\n\n"
                    f"**得分**：{ {k: round(v, 3) for k, v in row['scores'].items() if v is not None} }\n\n"
                    f"**检索结果（前 5）**：\n{retrieved}")

        items.select(on_item, current_run, detail)

        @_hints(2)
        def on_compare(a, b, request: gr.Request):
            if not a or not b:
                raise ScenarioError("请选择两次评测")
            from evals.compare import format_comparison

            result = state.compare(a, b, reader(request))
            rows = [{"指标": d["metric"], "变化": round(d["delta"], 3), "检索方式": "全部"}
                    for d in result["metrics"] if d["metric"] in CHART_METRICS]
            return f"```\n{format_comparison(result)}\n```", pd.DataFrame(rows)

        cmp_btn.click(on_compare, [run_a, run_b], [cmp_out, cmp_chart])
    return SimpleNamespace(run_btn=run_btn, dataset=dataset, eval_note=eval_note, run_a=run_a, run_b=run_b,
                           choice_lists=_choice_lists)


def _kb_tab(page: _Page, f_doc) -> SimpleNamespace:
    """知识库: upload, re-ingest and delete documents (deleting asks for confirmation)."""
    state, reader = page.state, page.reader
    with gr.Tab("知识库", id="kb"):
        kb_note = gr.Markdown()
        with gr.Row():
            files = gr.File(file_count="multiple", label=f"上传文件（{'、'.join(s.lstrip('.') for s in SUPPORTED_SUFFIXES)}）",
                            elem_id="upload-files", scale=3)
            with gr.Column(scale=1):
                access = gr.Dropdown([PUBLIC, INTERNAL], value=PUBLIC, allow_custom_value=True,
                                     label="访问级别（公开、内部或组名）", elem_id="access")
                ocr_mode = gr.Radio([("自动（仅无文字层的页面）", "auto"), ("关闭", "off"), ("全部页面", "force")],
                                    value="auto", label="OCR 文字识别", elem_id="ocr-mode")
                upload_btn = gr.Button("导入", variant="primary", elem_id="upload")
        upload_result = gr.Dataframe(label="导入结果", interactive=False, wrap=True, elem_id="upload-result")
        gr.Markdown("### 文档")
        doc_table = gr.Dataframe(interactive=False, wrap=True, elem_id="doc-table")
        with gr.Row():
            doc_pick = gr.Dropdown([], label="选择文档", scale=3)
            new_access = gr.Dropdown([PUBLIC, INTERNAL], allow_custom_value=True, label="重新导入时的访问级别（可不改）",
                                     scale=2)
            reingest_btn = gr.Button("重新导入", scale=1)
            delete_btn = gr.Button("删除", variant="stop", scale=1, elem_id="delete-doc")
        with gr.Row(visible=False) as confirm_row:  # deleting cannot be undone: a second, explicit click
            confirm_btn = gr.Button("确认删除", variant="stop", elem_id="confirm-delete")
            cancel_btn = gr.Button("取消", elem_id="cancel-delete")
        kb_msg = gr.Markdown(elem_id="kb-msg")

        def _docs(request: gr.Request):
            docs = state.for_reader(reader(request)).documents()
            table = pd.DataFrame([{"文档": d["doc"], "标题": d["title"], "片段数": d["chunks"],
                                   "导入时间": d["ingested_at"].replace("T", " ")[:19], "访问级别": d["access"],
                                   "来源": "内置" if d["origin"] == BUILTIN else "用户",
                                   "状态": "完整" if d["complete"] else "不完整"} for d in docs])
            names = [d["doc"] for d in docs]
            user_docs = [d["doc"] for d in docs if d["origin"] != BUILTIN]
            return table, gr.update(choices=user_docs, value=None), gr.update(choices=names)

        @_hints(5)
        def on_upload(paths, label, ocr, request: gr.Request, progress=gr.Progress()):
            if not paths:
                raise ScenarioError("请先选择文件")
            r = reader(request)
            progress(0, desc="导入中")

            def on_file(done, total, result):
                progress((done, total), desc=f"导入 {result.source}", unit="个文件")

            payload = [(Path(p).name, Path(p).read_bytes()) for p in paths]
            out = state.upload(r, payload, label or PUBLIC, on_file=on_file, ocr=ocr or "auto")
            status = {"added": "已导入", "updated": "已更新", "unchanged": "未变化", "failed": "失败", "skipped": "跳过"}
            table = pd.DataFrame([{"文件": f["source"], "结果": status.get(f["status"], f["status"]),
                                   "片段数": f["chunks"],
                                   "原因": "；".join(filter(None, [f["reason"], *f.get("warnings", [])]))}
                                  for f in out["files"]])
            docs, pick, doc_filter = _docs(request)
            return table, docs, pick, doc_filter, None

        upload_btn.click(on_upload, [files, access, ocr_mode], [upload_result, doc_table, doc_pick, f_doc, files])

        @_hints(2)
        def on_ask_delete(name):
            if not name:
                raise ScenarioError("请选择文档")
            return f"确定删除 **{name}** 吗？删除后无法恢复。", gr.update(visible=True)

        @_hints(5)
        def on_delete(name, request: gr.Request):
            if not name:
                raise ScenarioError("请选择文档")
            n = state.delete(reader(request), name)
            return (f"已删除 {name}（{n} 个片段）", gr.update(visible=False), *_docs(request))

        @_hints(4)
        def on_reingest(name, label, request: gr.Request):
            if not name:
                raise ScenarioError("请选择文档")
            out = state.reingest(reader(request), name, label or None)
            f = out["files"][0] if out["files"] else {"status": "failed", "reason": "无结果", "chunks": 0}
            msg = (f"已重新导入 {name}（{f['chunks']} 个片段）" if f["status"] != "failed"
                   else f"{name} 重新导入失败：{f['reason']}")
            return (msg, *_docs(request))

        delete_btn.click(on_ask_delete, doc_pick, [kb_msg, confirm_row])
        confirm_btn.click(on_delete, doc_pick, [kb_msg, confirm_row, doc_table, doc_pick, f_doc])
        cancel_btn.click(lambda: ("已取消删除", gr.update(visible=False)), outputs=[kb_msg, confirm_row])
        doc_pick.change(lambda: gr.update(visible=False), outputs=confirm_row)  # confirm only what was asked
        reingest_btn.click(on_reingest, [doc_pick, new_access], [kb_msg, doc_table, doc_pick, f_doc])
    return SimpleNamespace(doc_table=doc_table, doc_pick=doc_pick, upload_btn=upload_btn, delete_btn=delete_btn,
                           reingest_btn=reingest_btn, access=access, kb_note=kb_note, docs=_docs)


def build_ui(state: ServerState) -> gr.Blocks:
    vocab = state.assistant.index.vocab
    page = _Page(state, sorted(set(vocab.cities)), [str(y) for y in range(2026, 2014, -1)])
    reader = page.reader

    with gr.Blocks(title="场景智答") as demo:
        header = gr.Markdown("## 场景智答 · 城市数字场景政策与案例助手")
        ask = _ask_tab(page)
        _cases_tab(page)
        _draft_tab(page)
        ev = _eval_tab(page)
        kb = _kb_tab(page, ask.f_doc)
        f_doc, _docs, _choice_lists = ask.f_doc, kb.docs, ev.choice_lists
        doc_table, doc_pick, upload_btn, delete_btn, reingest_btn, access, kb_note = (
            kb.doc_table, kb.doc_pick, kb.upload_btn, kb.delete_btn, kb.reingest_btn, kb.access, kb.kb_note)
        run_btn, dataset, eval_note, run_a, run_b = ev.run_btn, ev.dataset, ev.eval_note, ev.run_a, ev.run_b

        # --- on load: who is signed in, what they may do ---------------------------------
        def on_load(request: gr.Request):
            r = reader(request)
            who = ("本机模式（未设置用户，仅本机可访问）" if state.open_mode
                   else f"{r.name}（{ROLE_NAMES.get(r.role, r.role)}{'，组：' + '、'.join(r.groups) if r.groups else ''}）"
                        " · [退出登录](/logout)")
            table, pick, doc_filter = _docs(request)
            write_ok, admin_ok = r.can("write"), r.can("admin")
            labels = [PUBLIC, INTERNAL, *r.groups]
            a, b = _choice_lists()
            return (f"## 场景智答 · 城市数字场景政策与案例助手\n当前用户：{who}",
                    table, pick, doc_filter,
                    gr.update(interactive=write_ok), gr.update(interactive=write_ok), gr.update(interactive=write_ok),
                    gr.update(choices=labels), "" if write_ok else "上传、删除文档需要编辑者或管理员角色。",
                    gr.update(interactive=admin_ok), gr.update(choices=sorted(state.datasets())),
                    "" if admin_ok else "运行评测需要管理员角色；可以查看和比较已有评测。", a, b)

        demo.load(on_load, outputs=[header, doc_table, doc_pick, f_doc, upload_btn, delete_btn, reingest_btn,
                                    access, kb_note, run_btn, dataset, eval_note, run_a, run_b])
    # several officials at once: up to four answers, searches or drafts run in parallel
    # (ingest is serialised by ServerState); Gradio's default would queue them one by one
    demo.queue(default_concurrency_limit=4)
    return demo
