"""The knowledge base's structured records: city case cards (YAML) and policy briefs
(Markdown with front matter), validated against the schema and the vocabularies.

A card becomes one searchable chunk whose facets (city, domain, delivery type,
technologies, mechanisms, figures, source) travel as metadata, so the case library can
filter by facet without a second store.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from core.chunk_meta import ChunkMeta
from core.vocab import Vocab

UNNAMED_CITY = "未具名"  # reports that anonymise a city ("湖南某市") keep its province
SUMMARY_CHARS = (80, 250)
BRIEF_BODY_CHARS = (200, 600)
BRIEF_LEVELS = ("国家", "省", "市", "区")
BRIEF_TYPES = ("意见", "方案", "措施", "指南", "报告", "通知", "办法", "计划", "规划", "条例", "细则", "清单")
CARD_KEYS = ("id", "city", "province", "year", "domain", "delivery_type", "title", "summary",
             "actions", "technologies", "mechanisms", "figures", "outcomes", "source")
BRIEF_KEYS = ("title", "issuer", "doc_number", "date", "level", "region", "type", "status", "source")


@dataclass
class CaseCard:
    id: str
    city: str
    province: str
    year: int
    domain: str
    delivery_type: str
    title: str
    summary: str
    actions: list[str]
    technologies: list[str]
    mechanisms: list[str]
    figures: list[dict]
    outcomes: list[str]
    source: dict
    district: str | None = None
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def place(self) -> str:
        city = self.city if self.city != UNNAMED_CITY else f"{self.province}某地"
        return f"{city}{('·' + self.district) if self.district else ''}"

    def text(self) -> str:
        """The searchable text: what an official would read on a case card."""
        figures = "；".join(f"{f['what']}：{f['value']}{f.get('unit', '')}" for f in self.figures)
        lines = [f"案例：{self.title}",
                 f"地区：{self.place}（{self.province}） 年份：{self.year} 领域：{self.domain} 类型：{self.delivery_type}",
                 self.summary.strip()]
        if self.actions:
            lines.append("主要做法：" + "；".join(self.actions) + "。")
        if self.technologies:
            lines.append("技术：" + "、".join(self.technologies))
        if self.mechanisms:
            lines.append("机制：" + "、".join(self.mechanisms))
        if figures:
            lines.append("关键数据：" + figures + "。")
        if self.outcomes:
            lines.append("成效：" + "；".join(self.outcomes) + "。")
        return "\n".join(lines)

    def metadata(self) -> ChunkMeta:
        """Facets as Chroma metadata (lists of strings; figures as JSON)."""
        return {"case_like": True, "case_id": self.id, "case_city": self.city, "case_province": self.province,
                "case_district": self.district or "", "case_year": self.year, "domain": self.domain,
                "delivery_type": self.delivery_type, "case_title": self.title,
                "technologies": list(self.technologies), "mechanisms": list(self.mechanisms),
                "figures": json.dumps(self.figures, ensure_ascii=False),
                "source_doc": self.source.get("doc", ""), "source_section": self.source.get("section", "")}


def _list_of_str(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def validate_card(data, vocab: Vocab) -> list[str]:
    """Problems with a card, in Chinese; empty when it is valid."""
    if not isinstance(data, dict):
        return ["内容不是键值结构"]
    problems = [f"缺少字段 {k}" for k in CARD_KEYS if k not in data]
    if problems:
        return problems
    raw_vocab = vocab.raw
    city, province, district = data["city"], data["province"], data.get("district")
    if province not in vocab.provinces:
        problems.append(f"province 不在词表中：{province}")
    if city == UNNAMED_CITY or city in vocab.provinces:
        if city in vocab.provinces and city != province:
            problems.append(f"city {city} 是省级地区，应与 province 相同")
    elif city in vocab.cities:
        if vocab.cities[city] != province:
            problems.append(f"{city} 属于 {vocab.cities[city]}，不是 {province}")
    else:
        problems.append(f"city 不在词表中：{city}")
    if district is not None:
        if district not in vocab.districts:
            problems.append(f"district 不在词表中：{district}")
        elif vocab.districts[district] not in (city, vocab.districts.get(city)):
            problems.append(f"{district} 属于 {vocab.districts[district]}，不是 {city}")
    if not isinstance(data["year"], int) or not 2000 <= data["year"] <= 2030:
        problems.append(f"year 应为 2000–2030 的整数：{data['year']!r}")
    if data["domain"] not in raw_vocab.get("domains", ()):
        problems.append(f"domain 不在词表中：{data['domain']}")
    if data["delivery_type"] not in raw_vocab.get("delivery_types", ()):
        problems.append(f"delivery_type 不在词表中：{data['delivery_type']}")
    for key, allowed in (("technologies", "technologies"), ("mechanisms", "mechanisms")):
        if not isinstance(data[key], list):
            problems.append(f"{key} 应为列表")
            continue
        unknown = [v for v in data[key] if v not in raw_vocab.get(allowed, ())]
        if unknown:
            problems.append(f"{key} 含词表外标签：{'、'.join(map(str, unknown))}")
    for key in ("actions", "outcomes"):
        if not _list_of_str(data[key]):
            problems.append(f"{key} 应为非空字符串列表")
    summary = data["summary"] if isinstance(data["summary"], str) else ""
    n = len("".join(summary.split()))
    if not SUMMARY_CHARS[0] <= n <= SUMMARY_CHARS[1]:
        problems.append(f"summary 长度 {n} 字，应为 {SUMMARY_CHARS[0]}–{SUMMARY_CHARS[1]} 字")
    if not isinstance(data["title"], str) or not data["title"].strip():
        problems.append("title 不能为空")
    if not isinstance(data["figures"], list):
        problems.append("figures 应为列表")
    else:
        for i, f in enumerate(data["figures"], start=1):
            if not isinstance(f, dict) or not {"value", "unit", "what"} <= set(f):
                problems.append(f"figures 第 {i} 项应含 value、unit、what")
            elif not isinstance(f["value"], str) or not f["value"].strip():
                problems.append(f"figures 第 {i} 项的 value 应为字符串（按原文书写）")
    source = data["source"]
    if not isinstance(source, dict) or not source.get("doc") or not source.get("section"):
        problems.append("source 应含 doc 与 section")
    return problems


def card_from_dict(data: dict) -> CaseCard:
    return CaseCard(id=data["id"], city=data["city"], province=data["province"], year=data["year"],
                    domain=data["domain"], delivery_type=data["delivery_type"], title=data["title"].strip(),
                    summary=" ".join(data["summary"].split()), actions=list(data["actions"]),
                    technologies=list(data["technologies"]), mechanisms=list(data["mechanisms"]),
                    figures=[{k: str(v) for k, v in f.items()} for f in data["figures"]],
                    outcomes=list(data["outcomes"]), source=dict(data["source"]),
                    district=data.get("district"), raw=data)


def is_card(data) -> bool:
    return isinstance(data, dict) and {"id", "city", "summary"} <= set(data)


def validate_brief(meta: dict, body: str, vocab: Vocab) -> list[str]:
    problems = [f"缺少字段 {k}" for k in BRIEF_KEYS if k not in meta]
    if problems:
        return problems
    if meta["level"] not in BRIEF_LEVELS:
        problems.append(f"level 应为 {'/'.join(BRIEF_LEVELS)}：{meta['level']}")
    if meta["type"] not in BRIEF_TYPES:
        problems.append(f"type 应为 {'/'.join(BRIEF_TYPES)} 之一：{meta['type']}")
    if meta["region"] != "全国" and meta["region"] not in vocab.regions:
        problems.append(f"region 不在词表中：{meta['region']}")
    status = str(meta["status"])
    if not (status == "现行" or status.startswith("已被替代：")):
        problems.append(f"status 应为“现行”或“已被替代：<简报文件名>”：{status}")
    if not isinstance(meta["source"], dict) or not meta["source"].get("doc"):
        problems.append("source 应含 doc")
    n = len("".join(body.split()))
    if not BRIEF_BODY_CHARS[0] <= n <= BRIEF_BODY_CHARS[1]:
        problems.append(f"正文 {n} 字，应为 {BRIEF_BODY_CHARS[0]}–{BRIEF_BODY_CHARS[1]} 字")
    return problems


BRIEF_META_KEYS = {"issuer": "policy_issuer", "doc_number": "policy_doc_number", "date": "policy_date",
                   "level": "policy_level", "region": "policy_region", "type": "policy_type",
                   "status": "policy_status"}


def brief_metadata(meta: dict) -> ChunkMeta:
    """Front-matter fields carried on every chunk of a brief; ``source_doc`` names the
    document a brief or method note restates (retrieval puts that document first)."""
    out = {target: str(meta[key]) for key, target in BRIEF_META_KEYS.items() if meta.get(key) is not None}
    source = meta.get("source")
    if isinstance(source, dict) and isinstance(source.get("doc"), str) and source["doc"].strip():
        out["source_doc"] = source["doc"].strip()
    return out
