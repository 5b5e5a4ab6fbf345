"""Look-alike code points from PDF fonts are mapped back; Chinese punctuation is kept."""
import unicodedata

from ingest.normalize import has_lookalikes, normalize_text


def test_kangxi_and_supplement_radicals_become_ideographs():
    # ⼯ U+2F2F (Kangxi), ⺠ U+2EA0, ⻅ U+2EC5, ⻓ U+2ED3, ⻔ U+2ED4 (Supplement: NFKC leaves them)
    raw = "\u2f2f作\u2ea0\u2f63意\u2ec5\u2ed3效机制\u2ed4户"
    assert unicodedata.normalize("NFKC", "\u2ea0") == "\u2ea0"  # why a table is needed
    assert normalize_text(raw) == "工作民生意见长效机制门户"
    assert not has_lookalikes(normalize_text(raw)) and has_lookalikes(raw)


def test_full_width_punctuation_survives_but_digits_and_letters_are_ascii():
    raw = "到２０２７年，开放场景ＡＩ机会１２０个（含３个实验室）：“首试首用”；完成率８５％。"
    out = normalize_text(raw)
    assert out == "到2027年，开放场景AI机会120个（含3个实验室）：“首试首用”；完成率85％。"
    for mark in "，（）：“”；。％":
        assert mark in out


def test_compatibility_ideographs_ligatures_and_invisible_glyphs():
    assert normalize_text("\uf9a8令") == "\u4ee4令"  # CJK COMPATIBILITY IDEOGRAPH-F9A8 → 令
    assert normalize_text("\ufb01le \ufb02ow") == "file flow"
    assert normalize_text("智\ue0a3慧\u200b城\ufeff市\u00ad") == "智慧城市"


def test_text_loaders_normalise_what_they_read(tmp_path):
    from ingest.loaders import load_document

    path = tmp_path / "radicals.txt"
    path.write_text("一、总体要求\n\n推进⺠⽣服务场景建设，听取企业意⻅。\n", encoding="utf-8")
    doc = load_document(path)
    assert "推进民生服务场景建设，听取企业意见。" in doc.pages[0].text
