"""The controlled vocabularies of ``corpus/vocab.yaml``: domain terms for the jieba
dictionary and region names (with their province) for entity detection and filters."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from core.errors import ConfigError
from core.settings import default_vocab

_SUFFIXES = ("市", "省", "区", "县", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区")


@dataclass(frozen=True)
class Vocab:
    terms: tuple[str, ...]
    provinces: dict[str, str]
    cities: dict[str, str]  # city -> province
    districts: dict[str, str]  # district -> city
    raw: dict = field(default_factory=dict, compare=False, hash=False)
    aliases: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # 海淀 -> 海淀区

    @cached_property
    def regions(self) -> tuple[str, ...]:
        return tuple(self.provinces) + tuple(self.cities) + tuple(self.districts)

    def parent_of(self, region: str) -> str | None:
        return self.districts.get(region) or self.cities.get(region)

    def ancestors(self, region: str) -> list[str]:
        """The places that contain ``region``, nearest first (海淀区 → 北京; 无锡 → 江苏)."""
        out: list[str] = []
        parent = self.parent_of(region)
        while parent and parent not in out and parent != region:
            out.append(parent)
            parent = self.parent_of(parent)
        return out

    @cached_property
    def _region_re(self) -> re.Pattern:
        # built once per vocabulary: find_regions runs for every paragraph answered or checked
        names = sorted(set(self.regions) | set(self.aliases), key=len, reverse=True)
        return re.compile("|".join(re.escape(n) for n in names))

    def region_spans(self, text: str) -> list[tuple[int, int]]:
        """Where regions are named in ``text`` (start, end), as written."""
        return [m.span() for m in self._region_re.finditer(text)]

    def find_regions(self, text: str) -> list[str]:
        """Regions named in ``text``; a district also counts for its city."""
        found: dict[str, None] = {}
        for m in self._region_re.finditer(text):
            name = self.canonical(m.group(0))
            found[name] = None
            for parent in self.ancestors(name):
                found.setdefault(parent, None)
        return list(found)


    @cached_property
    def digest(self) -> str:
        """A short hash of the vocabulary: ingest re-runs and BM25 rebuilds when it changes."""
        import hashlib
        import json

        return hashlib.sha1(json.dumps(self.raw, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:10]

    def canonical(self, name: str) -> str:
        """The listed name of a region as written ("无锡市" → 无锡, "海淀" → 海淀区)."""
        if name in self.provinces or name in self.cities or name in self.districts:
            return name
        if name in self.aliases:
            return self.aliases[name]
        return _strip_suffix(name, self)


def _strip_suffix(name: str, vocab: Vocab) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in vocab.regions:
            return name[: -len(suffix)]
    return name



def load_vocab(path: Path | None = None) -> Vocab:
    """The vocabulary at ``path``; by default the corpus's (``SCENARIO_CORPUS``) or the shipped one."""
    return _load_vocab(Path(path) if path else default_vocab())


@lru_cache(maxsize=4)
def _load_vocab(path: Path) -> Vocab:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"词表文件不存在：{path}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"词表文件格式错误：{path}（{e}）") from None
    for key in ("terms", "provinces", "cities", "districts"):
        if key not in data:
            raise ConfigError(f"词表文件缺少「{key}」：{path}")
    return Vocab(terms=tuple(data["terms"]), provinces=dict(data["provinces"]),
                 cities=dict(data["cities"]), districts=dict(data["districts"]), raw=data,
                 aliases={a: n for a, n in (data.get("region_aliases") or {}).items() if n in data["districts"]})
