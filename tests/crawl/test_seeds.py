"""Merchant identity (canonical URL, id, table parameter) and district files."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.districts import open_district
from core.errors import QrauditError
from crawler.district import (
    District,
    canonical_url,
    load_district,
    merchant_id,
    split_table_param,
)


def test_canonical_url_drops_table_and_tracking_params_and_sorts():
    a = "HTTPS://Shop.Example.com:443/h5/index?utm_source=poster&tableNo=5&shop=12&b=2&spm=a.b&from=timeline"
    assert canonical_url(a) == "https://shop.example.com/h5/index?b=2&shop=12"
    assert split_table_param(a) == "tableNo=5"


@pytest.mark.parametrize("param", ["table=A3", "tableNo=5", "desk=3", "seat=9", "table_id=7", "deskNo=2"])
def test_table_params_do_not_change_the_merchant_id(param):
    base = "http://h.example/m/kd/m01/"
    assert merchant_id(f"{base}?{param}") == merchant_id(base)
    assert merchant_id(f"{base}?{param}&utm_medium=list") == merchant_id(base)
    assert split_table_param(f"{base}?{param}") == param


def test_merchant_id_is_stable_and_distinguishes_merchants():
    u = "http://h.example/order?shopId=1&table=3"
    assert merchant_id(u) == merchant_id("http://H.EXAMPLE:80/order?table=9&shopId=1")
    assert merchant_id(u) != merchant_id("http://h.example/order?shopId=2&table=3")
    assert len(merchant_id(u)) == 12 and int(merchant_id(u), 16) >= 0


def test_hash_route_keeps_route_drops_table():
    u = "https://saas.example/o/#/menu?shopId=88&tableNo=12&from=groupmessage"
    assert canonical_url(u) == "https://saas.example/o/#/menu?shopId=88"
    assert split_table_param(u) == "tableNo=12"
    assert canonical_url("https://a.example/x#top") == "https://a.example/x"


def test_sandbox_ids_do_not_depend_on_the_port():
    d1 = District(name="d", sandbox_origins=["http://127.0.0.1:40001"])
    d2 = District(name="d", sandbox_origins=["http://127.0.0.1:51234"])
    assert d1.merchant_id("http://127.0.0.1:40001/m/kd/m01/?table=A3") == d2.merchant_id(
        "http://127.0.0.1:51234/m/kd/m01/?table=Z1"
    )


def test_shipped_districts_load():
    demo = load_district("demo")
    assert demo.sandbox and {s.type for s in demo.sources} == {"directory", "sitemap", "csv", "qr_photos"}
    ex = load_district("example-district")
    assert not ex.sandbox and {s.type for s in ex.sources} == {"directory", "sitemap", "csv", "qr_photos", "urls"}
    assert load_district(None).name == "demo"


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "d.toml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD_SOURCES = '[[sources]]\ntype = "urls"\nurls = ["https://a.example/order?table=1"]\n'


@pytest.mark.parametrize(
    "text, problem",
    [
        ("[district\nname='x'", "not valid TOML"),
        ('[district]\nname = "x"\n', "no [[sources]]"),
        ('[district]\nname = "x"\nenv = "weibo"\n' + GOOD_SOURCES, "district.env"),
        ('[district]\nname = "x"\n[[sources]]\ntype = "ftp"\n', "sources[1].type"),
        ('[district]\nname = "x"\n[[sources]]\ntype = "directory"\nstart_urls = "http://a"\n', "start_urls"),
        ('[district]\nname = "x"\n' + GOOD_SOURCES + "[limits]\nmax_merchants = 'many'\n", "limits.max_merchants"),
        ('[district]\nname = "x"\n' + GOOD_SOURCES + "[limits]\nspeed = 3\n", "unknown key(s) in [limits]"),
        ('[district]\nname = "x"\ncolour = 1\n' + GOOD_SOURCES, "unknown key(s) in [district]"),
        ('[district]\nname = "x"\n[[sources]]\ntype = "sitemap"\nurl = "http://a"\ninclude = "("\n', "regular"),
    ],
)
def test_bad_district_file_is_one_line_naming_file_and_problem(tmp_path, text, problem):
    p = _write(tmp_path, text)
    with pytest.raises(QrauditError) as exc:
        load_district(p)
    msg = str(exc.value)
    assert str(p) in msg and problem in msg and "\n" not in msg


def test_unknown_district_name_lists_known_ones():
    with pytest.raises(QrauditError, match="unknown district 'nowhere'.*demo"):
        load_district("nowhere")


def test_sandbox_placeholder_without_sandbox_and_missing_local_sources(tmp_path):
    p = _write(tmp_path, '[district]\nname = "x"\n[[sources]]\ntype = "urls"\nurls = ["{sandbox}/a"]\n')
    with pytest.raises(QrauditError, match="sandbox = true"):
        with open_district(load_district(p)):
            pass
    p = _write(tmp_path, '[district]\nname = "x"\n[[sources]]\ntype = "csv"\npath = "missing.csv"\n')
    with pytest.raises(QrauditError, match="csv.*missing.csv"):
        with open_district(load_district(p)):
            pass


def test_defaults_obey_robots(tmp_path):
    d = load_district(_write(tmp_path, '[district]\nname = "x"\n' + GOOD_SOURCES))
    assert d.limits.obey_robots is True and d.env == "wechat"
