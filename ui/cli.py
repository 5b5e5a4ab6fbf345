"""The ``scenario`` command: a thin edge over :class:`assistant.service.Assistant`.

Every command takes ``--home`` (also ``SCENARIO_HOME``) and ``--json`` (machine-readable
output on stdout; progress and messages go to stderr). Errors are shown in Chinese,
without stack traces, with a non-zero exit status.
"""
from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click

from core.chunk_meta import BUILTIN

from core.errors import ScenarioError
from core.settings import MODES, Settings, prepare_process


def _emit(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=None))


def common_options(fn):
    """--home and --json on every command; ScenarioError becomes a clean message."""

    @click.option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="SCENARIO_HOME",
                  default=None, help="数据目录（默认 ~/.scenario，或环境变量 SCENARIO_HOME）")
    @click.option("--json", "as_json", is_flag=True, help="以 JSON 输出到标准输出")
    @click.option("--chroma-url", default=None, metavar="URL",
                  help="使用 Chroma 服务器（如 http://127.0.0.1:8000）而非内置存储；也可设环境变量 SCENARIO_CHROMA_URL")
    @functools.wraps(fn)
    def wrapper(*args, home=None, as_json=False, chroma_url=None, **kwargs):
        if chroma_url:  # the edge: Settings.from_env reads it like every other setting
            os.environ["SCENARIO_CHROMA_URL"] = chroma_url
        try:
            return fn(*args, home=home, as_json=as_json, **kwargs)
        except ScenarioError as e:
            if as_json:
                _emit({"error": {"message": e.message, "code": type(e).__name__}})
            else:
                click.secho(f"错误：{e.message}", fg="red", err=True)
            sys.exit(e.exit_code)

    return wrapper


def _settings(home: Path | None, **overrides) -> Settings:
    return Settings.from_env(home=home, **overrides)


def _assistant(home: Path | None, **overrides):
    from assistant.service import Assistant

    return Assistant(_settings(home, **overrides))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="scenario-assistant")
@click.option("--progress/--no-progress", default=True, envvar="SCENARIO_PROGRESS", show_default=True,
              help="在终端显示进度条（也可设环境变量 SCENARIO_PROGRESS=0 关闭）")
def cli(progress):
    """场景智答：城市数字场景政策与案例的检索问答助手。"""
    prepare_process()
    click.get_current_context().meta["scenario.progress"] = progress


def _progress() -> bool:
    """Whether progress bars are shown (``--no-progress`` / ``SCENARIO_PROGRESS=0`` turn them off)."""
    return click.get_current_context().meta.get("scenario.progress", True)


# --- ingest ---------------------------------------------------------------------------

@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--builtin", is_flag=True, help="导入（或更新）内置知识库：corpus/ 中的案例卡片与政策简报")
@click.option("--quiet", "-q", is_flag=True, help="不显示进度条")
@click.option("--access", default="公开", show_default=True,
              help="访问级别：公开、内部（登录用户可见），或组名（仅该组成员可见）")
@click.option("--ocr", type=click.Choice(["auto", "off", "force"]), default="auto", show_default=True,
              help="OCR 文字识别：auto 只识别没有文字层的页面（扫描件）和图片，off 不识别，force 每一页都识别")
@common_options
def ingest(paths, builtin, quiet, access, ocr, home, as_json):
    """导入文件或文件夹（文本、PDF、Word、网页、表格、演示文稿、OFD、图片与案例卡片），已导入且未改动的文件会跳过。"""
    from core.access import check_label

    label = check_label(access)
    assistant = _assistant(home)
    targets = list(paths) + (assistant.settings.builtin_paths if builtin else [])
    if not targets:
        raise ScenarioError("请给出要导入的文件或文件夹，或用 --builtin 导入内置知识库")
    report = assistant.ingest(targets, progress=not quiet and _progress(), access=label, ocr=ocr)
    data = report.to_dict()
    data["home"] = str(assistant.settings.home)
    if as_json:
        _emit(data)
    else:
        for r in report.results:
            label = {"added": "新增", "updated": "更新", "unchanged": "未变", "failed": "失败",
                     "skipped": "跳过"}[r.status]
            line = f"[{label}] {r.source}"
            if r.status == "failed":
                click.secho(f"{line}：{r.reason}", fg="red", err=True)
            elif r.status == "skipped":
                click.secho(f"{line}：{r.reason}", fg="yellow", err=True)
            else:
                click.echo(f"{line}（{r.chunks} 个片段）")
            for warning in r.warnings:
                click.secho(f"    注意：{warning}", fg="yellow", err=True)
        click.echo(f"完成：新增 {data['added']}，更新 {data['updated']}，未变 {data['unchanged']}，"
                   f"失败 {data['failed']}，跳过 {data['skipped']}；知识库共 {data['total_chunks']} 个片段。")
    if report.failed:
        sys.exit(1)


# --- ask --------------------------------------------------------------------------------

@cli.command()
@click.argument("question", required=False)
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL 文件，每行一个 {\"question\": …}；每行输出一个结果")
@click.option("--mode", type=click.Choice(MODES), default=None, help="检索方式（默认 hybrid）")
@click.option("-k", "--top-k", type=click.IntRange(1, 50), default=None, help="检索片段数")
@click.option("--doc", "docs", multiple=True, help="只在这些文档中检索（文件名，可重复）")
@click.option("--city", "cities", multiple=True, help="只检索提到这些城市的片段（可重复）")
@click.option("--year", "years", multiple=True, type=int, help="只检索提到这些年份的片段（可重复）")
@click.option("--generator", type=click.Choice(["extractive", "llm"]), default=None,
              help="回答方式：摘录式（默认，无需大模型）或大模型")
@click.option("--no-builtin", is_flag=True, help="知识库为空时不自动导入内置语料")
@common_options
def ask(question, batch, mode, top_k, docs, cities, years, generator, no_builtin, home, as_json):
    """提问，得到带引用的回答。"""
    from assistant.retrieve import Filters

    if not question and not batch:
        raise ScenarioError("请给出问题，例如 scenario ask \"无锡开放了多少个场景机会？\"，或用 --batch 文件")
    assistant = _assistant(home, use_builtin=False if no_builtin else None)
    assistant.ensure_builtin(progress=_progress())
    if assistant.index.store.count() == 0:
        raise ScenarioError("知识库为空：请先导入文档，例如 scenario ingest 报告.pdf 或 scenario ingest 文件夹/")
    filters = Filters(tuple(docs), tuple(cities), tuple(years))
    if batch:
        _ask_batch(assistant, batch, mode, top_k, filters, generator)
        return
    result = assistant.ask(question, mode=mode, k=top_k, filters=filters, generator=generator)
    if as_json:
        _emit(result.to_dict())
        return
    _print_answer(result)


def _ask_batch(assistant, path: Path, mode, top_k, filters, generator) -> None:
    from assistant.retrieve import Filters

    failures = 0
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict) or not str(obj.get("question", "")).strip():
                raise ScenarioError("缺少 question 字段")
            f = filters
            if any(k in obj for k in ("docs", "cities", "years")):
                f = Filters(tuple(obj.get("docs", ())), tuple(obj.get("cities", ())),
                            tuple(int(y) for y in obj.get("years", ())))
            result = assistant.ask(obj["question"], mode=obj.get("mode", mode), k=obj.get("k", top_k),
                                   filters=f, generator=generator).to_dict()
            if "id" in obj:
                result = {"id": obj["id"], **result}
            _emit(result)
        except json.JSONDecodeError as e:
            failures += 1
            _emit({"line": n, "error": {"message": f"第 {n} 行不是合法的 JSON（{e.msg}）", "code": "BadInput"}})
        except ScenarioError as e:
            failures += 1
            _emit({"line": n, "error": {"message": f"第 {n} 行：{e.message}", "code": type(e).__name__}})
    if failures:
        sys.exit(1)


def _print_answer(result) -> None:
    color = "yellow" if result.refused else None
    click.secho(result.answer, fg=color)
    if result.citations:
        from assistant.excerpt import cited_sentences, excerpt

        by_n = cited_sentences(result.answer)
        click.echo()
        click.secho("引用：", bold=True)
        for c in result.citations:
            ch = c.chunk
            where = " · ".join(x for x in (ch.section.split(" / ")[-1] if ch.section else "",
                                           f"第 {ch.page} 页" if ch.page else "") if x)
            # the sentence the answer cites, with a little context, not the chunk's start
            before, cited, after = excerpt(ch.text, by_n.get(c.n, []))
            click.echo(f"[{c.n}] 《{ch.title or ch.doc}》（{ch.doc}）{where}")
            click.echo("    " + click.style(before, dim=True) + click.style(cited, bold=True)
                       + click.style(after, dim=True))
    for note in result.notes:
        click.secho(f"注：{note}", fg="yellow", err=True)
    for u in result.unverified:
        click.secho(f"未通过核验（已删除）：{u['sentence']} —— {'；'.join(u['reasons'])}", fg="yellow", err=True)
    click.secho(f"（{result.generator} · {result.mode} · {result.timings_ms['total']:.0f} ms）", dim=True, err=True)


# --- cases ------------------------------------------------------------------------------

@cli.command()
@click.argument("need")
@click.option("--city", default=None, help="本市（不出现在对标结果中）")
@click.option("--exclude-city", "exclude", multiple=True, help="排除的城市（可重复）")
@click.option("-k", "--top-k", type=click.IntRange(1, 20), default=5, help="返回案例数")
@click.option("--per-city", type=click.IntRange(1, 20), default=1, help="同一城市最多返回几个案例")
@click.option("--no-builtin", is_flag=True, help="不使用内置知识库")
@common_options
def cases(need, city, exclude, top_k, per_city, no_builtin, home, as_json):
    """按需求查找可对标的城市案例，并说明对标理由。"""
    assistant = _assistant(home, use_builtin=False if no_builtin else None)
    assistant.ensure_builtin(progress=_progress())
    hits = assistant.find_cases(need, city=city, exclude_cities=tuple(exclude), k=top_k, per_city=per_city)
    if as_json:
        _emit({"need": need, "cases": [h.to_dict() for h in hits]})
        return
    if not hits:
        click.secho("资料中未找到可对标的案例。可先导入更多案例材料：scenario ingest 文件夹/", fg="yellow")
        return
    for i, h in enumerate(hits, start=1):
        click.secho(f"{i}. 【{h.city}】{h.title}", bold=True)
        click.echo(f"   {h.summary}")
        if h.figures:
            click.echo("   关键数据：" + "；".join(f"{f.get('what') or ''}{'：' if f.get('what') else ''}{f['value']}{f.get('unit', '')}"
                                          for f in h.figures[:4]))
        click.secho(f"   对标理由：{h.why}", fg="cyan")
        origin = h.source.get("origin_doc")
        click.secho(f"   出处：{h.source['doc']}" + (f"（原始资料 {origin} · {h.source.get('origin_section', '')}）" if origin else
                                                  f" · {h.source.get('section', '')}"), dim=True)


# --- drafts -----------------------------------------------------------------------------

@cli.group()
def draft():
    """起草场景方案或揭榜响应方案（每句事实均带出处）。"""


def _text_or_file(value: str | None, path: Path | None, what: str) -> str:
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as e:
            raise ScenarioError(f"无法读取{what}文件 {path}：{e}") from None
    return (value or "").strip()


def _emit_draft(d, out: Path | None, as_json: bool) -> None:
    from assistant.export import write_draft

    written = write_draft(d, out) if out else None
    if as_json:
        data = d.to_dict()
        data["out"] = str(written) if written else None
        _emit(data)
        return
    if written:
        click.echo(f"已保存：{written}（{len(d.references)} 条参考资料）")
    else:
        click.echo(d.to_markdown())


@draft.command("proposal")
@click.argument("idea", required=False)
@click.option("--idea-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="从文件读取场景设想")
@click.option("--city", default=None, help="本市名称（用于政策与现状核对，且不出现在对标案例中）")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="导出到 .md 或 .docx")
@common_options
def draft_proposal(idea, idea_file, city, out, home, as_json):
    """按“七有、三维、五阶、四类、三步、三元”方法起草场景建设方案。"""
    text = _text_or_file(idea, idea_file, "场景设想")
    assistant = _assistant(home)
    assistant.ensure_builtin(progress=_progress())
    _emit_draft(assistant.draft_proposal(text, city=city), out, as_json)


@draft.command("response")
@click.option("--need", default=None, help="需求清单条目")
@click.option("--need-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="从文件读取需求")
@click.option("--capability", default=None, help="企业能力")
@click.option("--capability-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="从文件读取企业能力")
@click.option("--city", default=None, help="发布需求清单的城市")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="导出到 .md 或 .docx")
@common_options
def draft_response(need, need_file, capability, capability_file, city, out, home, as_json):
    """针对城市发布的场景需求清单，起草企业揭榜响应方案。"""
    assistant = _assistant(home)
    assistant.ensure_builtin(progress=_progress())
    d = assistant.draft_response(_text_or_file(need, need_file, "需求"),
                                 _text_or_file(capability, capability_file, "企业能力"), city=city)
    _emit_draft(d, out, as_json)


# --- evaluation ---------------------------------------------------------------------------

class _RunByDefault(click.Group):
    """``scenario eval DATASET …`` runs; ``scenario eval compare|validate …`` are subcommands."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@cli.group(cls=_RunByDefault)
def eval():  # noqa: A001 - the command is called eval
    """评测：scenario eval 数据集.jsonl | eval compare 运行A 运行B | eval validate 数据集 --corpus 目录"""


@eval.command("run")
@click.argument("dataset", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--corpus", type=click.Path(exists=True, path_type=Path), default=None,
              help="先把这个文件夹导入一个全新的数据目录（未给 --home 时自动新建）")
@click.option("--modes", default="hybrid", help="检索方式，逗号分隔：hybrid,dense,lexical")
@click.option("--generator", type=click.Choice(["extractive", "llm"]), default="extractive")
@click.option("--judge", is_flag=True, help="用已配置的大模型评判忠实度与正确性（结果缓存）")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="输出目录（默认 evals/runs/<时间>）")
@click.option("--no-builtin", is_flag=True, help="不使用内置知识库")
@common_options
def eval_run(dataset, corpus, modes, generator, judge, out, no_builtin, home, as_json):
    """运行评测，写出 results.json 与 report.html，并打印汇总表。"""
    import tempfile
    from datetime import datetime

    from evals.runner import RunConfig, run, summary_table, write_run

    from core.settings import MODES

    chosen = tuple(m.strip() for m in modes.split(",") if m.strip())
    bad = [m for m in chosen if m not in MODES]
    if bad or not chosen:
        raise ScenarioError(f"检索方式无效：{', '.join(bad) or '（空）'}，应为 {', '.join(MODES)}")
    if corpus and home is None:
        home = Path(tempfile.mkdtemp(prefix="scenario-eval-"))
    settings = _settings(home, use_builtin=False if no_builtin else None)
    results = run(RunConfig(dataset, chosen, generator, corpus, judge, settings), progress=_progress())
    out = out or Path("evals/runs") / datetime.now().strftime("%Y%m%d-%H%M%S")
    results_path, report_path = write_run(results, out)
    if as_json:
        _emit({"results": str(results_path), "report": str(report_path), "timings_s": results["timings_s"],
               "documents": results["documents"], "warnings": results["warnings"], "metrics": results["metrics"]})
        return
    docs = results["documents"]
    click.echo(f"知识库（{len(docs)} 个文档）：" + "、".join(
        d["doc"] + ("（内置）" if d["origin"] == BUILTIN else "") for d in docs[:20]) + ("等" if len(docs) > 20 else ""))
    for w in results["warnings"]:
        click.secho(f"警告：{w}", fg="yellow", err=True)
    click.echo(summary_table(results))
    click.echo(f"\n耗时 {results['timings_s']['total']} 秒（导入 {results['timings_s']['ingest']} 秒）")
    click.echo(f"结果：{results_path}\n报告：{report_path}")


@eval.command("compare")
@click.argument("run_a", type=click.Path(exists=True, path_type=Path))
@click.argument("run_b", type=click.Path(exists=True, path_type=Path))
@common_options
def eval_compare(run_a, run_b, home, as_json):
    """比较两次评测：指标变化（配对 bootstrap 显著性）与变差的题目。"""
    from evals.compare import compare, format_comparison, load_run

    try:
        result = compare(load_run(run_a), load_run(run_b))
    except (OSError, ValueError, KeyError) as e:
        raise ScenarioError(f"无法读取评测结果：{e}") from None
    if as_json:
        _emit(result)
    else:
        click.echo(format_comparison(result))


@eval.command("validate")
@click.argument("dataset", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="证据所在的文档目录")
@common_options
def eval_validate(dataset, corpus, home, as_json):
    """检查数据集：引文是原文片段、关键事实在证据中、id 唯一、格式正确。"""
    from evals.dataset import validate_dataset

    problems = validate_dataset(dataset, corpus)
    if as_json:
        _emit({"valid": not problems, "problems": problems})
    else:
        for p in problems:
            click.secho(p, fg="red", err=True)
        click.echo("数据集有效。" if not problems else f"发现 {len(problems)} 个问题。")
    if problems:
        sys.exit(1)


# --- docs -------------------------------------------------------------------------------

@cli.group()
def docs():
    """管理已导入的文档。"""


@docs.command("list")
@common_options
def docs_list(home, as_json):
    """列出已导入的文档及其片段数。"""
    assistant = _assistant(home)
    documents = assistant.documents()
    if as_json:
        _emit({"documents": documents})
        return
    if not documents:
        click.echo("知识库中还没有文档。用 scenario ingest 导入。")
        return
    for d in documents:
        flag = "" if d["complete"] else "（不完整，请重新导入）"
        click.echo(f"{d['doc']}\t{d['chunks']} 个片段\t{d['access']}\t{d['ingested_at']}\t{d['title']}{flag}")


@docs.command("remove")
@click.argument("names", nargs=-1, required=True)
@common_options
def docs_remove(names, home, as_json):
    """按文件名删除文档及其全部片段。"""
    assistant = _assistant(home)
    removed = assistant.remove(list(names))
    missing = [n for n, c in removed.items() if c == 0]
    if as_json:
        _emit({"removed": removed, "not_found": missing})
    else:
        for n, c in removed.items():
            if c:
                click.echo(f"已删除 {n}（{c} 个片段）")
        for n in missing:
            click.secho(f"未找到文档：{n}", fg="red", err=True)
    if missing:
        sys.exit(1)


# --- serve and users -------------------------------------------------------------------

@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址；未设置用户时只能是本机地址")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="端口")
@common_options
def serve(host, port, home, as_json):
    """启动网页界面（/）和 REST 接口（/api/，文档 /api/docs），同一个进程。"""
    from ui.server import serve as run_server

    run_server(_settings(home), host=host, port=port, ensure_builtin=True)


@cli.command()
@click.option("--no-builtin", is_flag=True, help="不使用内置知识库")
@common_options
def mcp(no_builtin, home, as_json):
    """以 MCP 服务器（stdio）提供问答、检索、案例对标、方案起草和文档列表，供桌面助手等客户端调用。"""
    from ui.mcp_server import local_server

    local_server(_settings(home, use_builtin=False if no_builtin else None)).run("stdio")


@cli.group()
def users():
    """管理登录用户：角色 viewer（提问、对标、起草）、editor（另可上传删除文档）、admin（另可管理用户、运行评测）。"""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), default="viewer", show_default=True)
@click.option("--group", "groups", multiple=True, help="所属组（可重复）：可读取该组的受限文档")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（用于脚本）")
@click.option("--replace", is_flag=True, help="用户已存在时覆盖（修改密码、角色或组）")
@common_options
def users_add(name, role, groups, password_stdin, replace, home, as_json):
    """添加用户（密码以 scrypt 加盐哈希保存）。"""
    from assistant.users import UserStore

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    user = UserStore(_settings(home).home).add(name, password, role, groups, replace=replace)
    if as_json:
        _emit(user.public())
    else:
        click.echo(f"已添加用户 {user.name}（{user.role}{'，组：' + '、'.join(user.groups) if user.groups else ''}）")


@users.command("list")
@common_options
def users_list(home, as_json):
    """列出用户。"""
    from assistant.users import UserStore

    found = UserStore(_settings(home).home).list()
    if as_json:
        _emit({"users": [u.public() for u in found]})
        return
    if not found:
        click.echo("还没有用户：服务只在本机地址提供，访问者拥有全部权限。")
    for u in found:
        click.echo(f"{u.name}\t{u.role}\t{'、'.join(u.groups) or '—'}\t{u.created_at}\t{len(u.tokens)} 个令牌")


@users.command("remove")
@click.argument("name")
@common_options
def users_remove(name, home, as_json):
    """删除用户（连同其令牌）。"""
    from assistant.users import UserStore

    UserStore(_settings(home).home).remove(name)
    if as_json:
        _emit({"removed": name})
    else:
        click.echo(f"已删除用户 {name}")


@users.command("token")
@click.argument("name")
@click.option("--label", default="api", help="令牌用途说明")
@click.option("--days", type=float, default=None, help="有效天数（默认长期有效）")
@common_options
def users_token(name, label, days, home, as_json):
    """为用户签发 API 令牌（只显示一次，服务器只保存其哈希）。"""
    from assistant.users import UserStore

    token = UserStore(_settings(home).home).issue_token(name, label, hours=days * 24 if days else None)
    if as_json:
        _emit({"user": name, "token": token})
    else:
        click.echo(token)


# --- status -----------------------------------------------------------------------------

@cli.command()
@common_options
def status(home, as_json):
    """显示数据目录、模型、知识库规模和索引状态。"""
    assistant = _assistant(home)
    s = assistant.settings
    idx = assistant.index
    documents = assistant.documents()
    data = {
        "home": str(s.home),
        "embedder": idx.embedder.model_id,
        "collection": idx.store.name,
        "documents": len(documents),
        "chunks": idx.store.count(),
        "lexical_index": "fresh" if idx.lexical_is_fresh() else "stale",
        "builtin_corpus": str(s.builtin_corpus) if s.builtin_corpus else None,
        "llm": {"base_url": s.llm.base_url, "model": s.llm.model} if s.llm else None,
        "retrieval": {"mode": s.mode, "top_k": s.top_k, "chunk_chars": s.chunk_chars},
    }
    if as_json:
        _emit(data)
        return
    click.echo(f"数据目录：{data['home']}")
    click.echo(f"嵌入模型：{data['embedder']}")
    click.echo(f"文档：{data['documents']} 篇，片段：{data['chunks']} 个，BM25 索引：{'最新' if data['lexical_index'] == 'fresh' else '需重建'}")
    click.echo(f"内置语料：{data['builtin_corpus'] or '无'}")
    click.echo(f"大模型：{(s.llm.model + ' @ ' + s.llm.base_url) if s.llm else '未配置（使用摘录式回答）'}")


def main() -> None:
    cli(prog_name="scenario")


if __name__ == "__main__":
    main()
