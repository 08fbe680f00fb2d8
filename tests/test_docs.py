"""The README documents every setting: a PORTAL_* variable the code reads and the configuration table does not
list is one an operator cannot find."""
import re

from conftest import ROOT


def settings_read() -> set[str]:
    """Every PORTAL_* name the portal and its gunicorn settings take from the environment (a quoted literal)."""
    sources = [*sorted((ROOT / "portal").rglob("*.py")), ROOT / "gunicorn.conf.py"]
    return {name for path in sources for name in re.findall(r"""["'](PORTAL_[A-Z_]+)["']""", path.read_text())}


def settings_documented() -> set[str]:
    """The names in the first column of the README's configuration table."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`(PORTAL_[A-Z_]+)`", row)}


def test_every_setting_the_code_reads_is_in_the_readme_table():
    read = settings_read()
    assert "PORTAL_DATABASE_URL" in read and "PORTAL_WORKER_CONNECTIONS" in read  # the search itself works
    assert sorted(read - settings_documented()) == []
