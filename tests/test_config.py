"""redline.toml: good files load, bad ones stop start-up with file, line or key, and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from redline.app.config import load, parse_duration
from redline.core.errors import ConfigError
from testkit.site import Redline

GOOD = '''
db = "data/watch.db"
user_agent = "redline test (+mailto:desk@example.org)"
discover_every = "10m"
[schedule]
fresh = "5m"
stop_after = "60d"

[[outlets]]
name = "Example Daily"
feeds = ["https://example.com/rss.xml"]
sections = ["https://example.com/news/"]
article_pattern = "/news/\\\\d{4}/"
delay = "2s"
concurrency = 1
[outlets.selectors]
headline = "h1.title"
drop = [".newsletter"]
[outlets.schedule]
fresh = "2m"
'''


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "redline.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_config_loads(tmp_path):
    config = load(_write(tmp_path, GOOD))
    assert config.db == tmp_path / "data/watch.db"
    assert config.discover_every == 600 and config.schedule == {"fresh": 300, "stop_after": 60 * 86400}
    [outlet] = config.outlets
    assert outlet.name == "Example Daily" and outlet.delay == 2 and outlet.concurrency == 1
    assert outlet.selectors.headline == "h1.title" and outlet.selectors.drop == (".newsletter",)
    assert outlet.schedule == {"fresh": 120}


@pytest.mark.parametrize(("text", "message"), [
    ("db = \n", "line 1"),
    ("[[outlets]]\nfeeds = ['https://example.com/rss']\n", "outlets[0].name is missing"),
    ("[[outlets]]\nname = 'A'\nfeeds = ['not a url']\n", "outlets[0].feeds[0] is not a usable URL"),
    ("[[outlets]]\nname = 'A'\nsections = ['https://a.example/']\n", "outlets[0].article_pattern is missing"),
    ("[[outlets]]\nname = 'A'\narticle_pattern = '(['\n", "outlets[0].article_pattern is not a valid regular"),
    ("[[outlets]]\nname = 'A'\ndelay = 'soon'\n", "outlets[0].delay must be a duration"),
    ("[[outlets]]\nname = 'A'\n[[outlets]]\nname = 'A'\n", "names 'A' twice"),
    ("[[outlets]]\nname = 'A'\nfeds = []\n", "outlets[0].feds is not a known setting"),
    ("[schedule]\nfrsh = '5m'\n", "schedule.frsh is not a known setting"),
    ("[[outlets]]\nname = 'A'\n[outlets.selectors]\nbody = 'div[['\n", "outlets[0].selectors.body is not a valid CSS"),
    ("concurrency = 0\n", "concurrency must be a whole number"),
    ("[[alerts]]\nkinds = ['headline']\n", "alerts[0].notify is missing"),
    ("[[alerts]]\nnotify = ['json://127.0.0.1/x']\nkinds = ['headlines']\n", "alerts[0].kinds[0] is 'headlines'"),
    ("[[alerts]]\nnotify = ['json://127.0.0.1/x']\noutlets = ['Nope']\n", "alerts[0].outlets[0] names 'Nope'"),
])
def test_bad_configs_name_the_problem(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_durations():
    assert [parse_duration(v, "k", "f") for v in ("30s", "15m", "6h", "2d", "1w", "1.5h", 90)] == [
        30, 900, 21600, 172800, 604800, 5400, 90]
    with pytest.raises(ConfigError):
        parse_duration("-5m", "k", "f")


def test_the_cli_stops_on_a_bad_config_with_one_line(tmp_path):
    path = _write(tmp_path, "[[outlets]]\nname = 'A'\nfeeds = 'https://a.example/rss'\nbogus = 1\n")
    result = Redline(tmp_path / "r.db")("--config", str(path), "status", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"redline: error: {path}: outlets[0].bogus is not a known setting "
                                                  "(known: article_pattern, concurrency, cookies, delay, discover_every, discover_max_age, "
                                                  "feeds, headers, language, name, proxy, render, schedule, sections, selectors, "
                                                  "sitemaps, user_agent)"]


def test_missing_explicit_config_and_init(tmp_path):
    redline = Redline(tmp_path / "r.db")
    result = redline("--config", str(tmp_path / "nope.toml"), "status", check=False)
    assert "does not exist" in result.stderr and result.returncode == 1
    target = tmp_path / "redline.toml"
    assert "wrote" in redline("init", str(target)).stdout
    load(target)  # the example is itself a valid config
    again = redline("init", str(target), check=False)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_db_from_config_is_relative_to_it(tmp_path):
    (tmp_path / "cfg").mkdir()
    path = tmp_path / "cfg" / "redline.toml"
    path.write_text('db = "watch.db"\n')
    import subprocess

    from testkit.site import REDLINE

    done = subprocess.run([str(REDLINE), "--config", str(path), "track", "https://example.com/a"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "cfg" / "watch.db").exists()
