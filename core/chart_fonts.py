"""Chinese text in matplotlib charts.

matplotlib finds fonts through a cache it builds once per version. A CJK font installed
after that (``apt-get install fonts-wqy-zenhei`` on a machine that had drawn a chart
before) is unknown to it, and every Chinese label is drawn, or measured, as missing
glyphs. ``chinese_sans_serif`` adds such fonts from the system font folders once per
process and returns the family list to draw with.
"""
from __future__ import annotations

from functools import lru_cache

# in order of preference; the last one has no Chinese and stays as the fallback for Latin
FAMILIES = ("WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "DejaVu Sans")
# how their files are named on Debian and elsewhere
FILE_HINTS = ("wqyzenhei", "notosanscjk", "notosanssc", "sourcehansans")


def is_cjk_font_file(path: str) -> bool:
    """One of the files of ``FAMILIES``, by its name ("wqy-zenhei.ttc", "NotoSansCJK-Regular.ttc")."""
    name = path.lower().replace("-", "").replace("_", "")
    return any(hint in name for hint in FILE_HINTS)


@lru_cache(maxsize=1)
def chinese_sans_serif() -> list[str]:
    """``font.sans-serif`` for charts with Chinese text: the CJK families matplotlib knows,
    after adding any installed since its font cache was built."""
    import logging

    from matplotlib import font_manager

    # WenQuanYi has no "normal" weight, only 500: matplotlib says so on every lookup, harmlessly
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    manager = font_manager.fontManager

    def known() -> set[str]:
        return {f.name for f in manager.ttflist}

    if not known() & set(FAMILIES[:-1]):
        for path in font_manager.findSystemFonts():
            if is_cjk_font_file(path):
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a font file matplotlib cannot read
                    continue
    names = known()
    return [f for f in FAMILIES if f in names] or ["DejaVu Sans"]
