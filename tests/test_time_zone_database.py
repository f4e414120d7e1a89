"""[schedule] timezone: a wrong name and a machine with no time zone database are told apart."""

from __future__ import annotations

import sys
import zoneinfo
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from newsletter.cadence import zone_database_present
from newsletter.cli import app
from newsletter.config import settings_from_mapping
from newsletter.errors import ConfigError


@pytest.fixture
def no_zone_database(monkeypatch) -> Iterator[None]:
    """zoneinfo as on a minimal container: no system zone files and no tzdata package."""
    for name in ["tzdata", *(m for m in sys.modules if m.startswith("tzdata."))]:
        monkeypatch.setitem(sys.modules, name, None)  # `import tzdata…` now fails
    zoneinfo.reset_tzpath(to=[])
    zoneinfo.ZoneInfo.clear_cache()
    try:
        yield
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()


def test_a_misspelt_zone_is_a_wrong_name_with_the_nearest_one():
    """With the database present, "Europe/Lisbn" is a wrong name, and the right one is offered."""
    assert zone_database_present()
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping({"schedule": {"cadence": "weekly", "timezone": "Europe/Lisbn"}})
    message = str(caught.value)
    assert "schedule.timezone: 'Europe/Lisbn': not a time zone name" in message
    assert "did you mean 'Europe/Lisbon'?" in message
    assert "tzdata" not in message


def test_the_tzdata_package_is_a_dependency_and_has_the_zones():
    """newsletter depends on tzdata, so zoneinfo has zones even where the system has none."""
    import importlib.metadata

    requires = importlib.metadata.requires("newsletter") or []
    assert any(r.startswith("tzdata") for r in requires)
    from importlib import resources

    assert resources.files("tzdata.zoneinfo.Europe").joinpath("Lisbon").is_file()


def test_without_a_zone_database_the_error_says_to_install_tzdata(no_zone_database):
    """No zone files and no tzdata: even "UTC" fails, and the error says to install tzdata."""
    assert not zone_database_present()
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping({"schedule": {"cadence": "weekly", "timezone": "Europe/Lisbon"}})
    message = str(caught.value)
    assert (
        "newsletter.toml: schedule.timezone: 'Europe/Lisbon': this machine has no time zone database"
        in message
    )
    assert "`pip install tzdata`" in message and "the system's tzdata package" in message
    assert "not a time zone name" not in message


def test_newsletter_run_without_a_zone_database_is_one_line(
    no_zone_database, tmp_path, monkeypatch
):
    """`newsletter run` on such a machine: one error line naming the file, line and tzdata; exit 1."""
    (tmp_path / "newsletter.toml").write_text(
        'name = "The Test Brief"\n\n[schedule]\ncadence = "weekly"\ntimezone = "UTC"\n', "utf-8"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert result.stderr.startswith("error: newsletter.toml:")
    assert "schedule.timezone: 'UTC': this machine has no time zone database" in result.stderr
    assert "pip install tzdata" in result.stderr
