"""``callcenter asterisk-config``: print or write the rendered files."""
from __future__ import annotations

import pytest

from callcenter import cli
from callcenter.pbx.asterisk_config import FILES


@pytest.fixture
def config(tmp_path, monkeypatch):
    for var in ("CC_AMI_SECRET", "CC_FASTAGI_PORT", "CC_FASTAGI_HOST", "CC_AMI_PORT", "CC_DATABASE_URL", "CC_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "config.yaml"
    path.write_text(f"fastagi: {{host: 127.0.0.1, port: 24999}}\nami: {{port: 25038}}\n"
                    f"database: {{url: 'sqlite+aiosqlite:///{tmp_path / 'absent.db'}'}}\n", encoding="utf-8")
    return path


def test_out_writes_one_file_per_name_with_the_configured_agi_port(config, tmp_path, capsys):
    out = tmp_path / "etc-asterisk"
    assert cli.main(["--config", str(config), "asterisk-config", "--out", str(out), "--phones", "1001-1002"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert "agi://127.0.0.1:24999/inbound" in (out / "extensions.conf").read_text(encoding="utf-8")
    assert "port = 25038" in (out / "manager.conf").read_text(encoding="utf-8")
    assert "[1002-auth]" in (out / "pjsip.conf").read_text(encoding="utf-8")
    assert "127.0.0.1:24999" in capsys.readouterr().out
    assert not (tmp_path / "absent.db").exists()          # --phones: the database is not even looked at


def test_out_keeps_existing_files_unless_forced(config, tmp_path, capsys):
    out = tmp_path / "etc"
    out.mkdir()
    (out / "pjsip.conf").write_text("; mine\n", encoding="utf-8")
    assert cli.main(["--config", str(config), "asterisk-config", "--out", str(out)]) == 2
    assert "pjsip.conf" in capsys.readouterr().err
    assert (out / "pjsip.conf").read_text(encoding="utf-8") == "; mine\n"
    assert cli.main(["--config", str(config), "asterisk-config", "--out", str(out), "--force"]) == 0
    assert "demo's phones" in (out / "pjsip.conf").read_text(encoding="utf-8")


def test_printing_separates_the_files_and_hides_the_secret(config, monkeypatch, capsys):
    monkeypatch.setenv("CC_AMI_SECRET", "s3cret-value")
    assert cli.main(["--config", str(config), "asterisk-config"]) == 0
    printed = capsys.readouterr().out
    assert [line for line in printed.splitlines() if line.startswith(";; =====")] == \
        [f";; ===== {name} =====" for name in FILES]
    assert "agi://127.0.0.1:24999/survey" in printed and "s3cret-value" not in printed
    assert cli.main(["--config", str(config), "asterisk-config", "--show-secret"]) == 0
    assert "secret = s3cret-value" in capsys.readouterr().out


def test_show_secret_without_a_secret_and_a_bad_phones_list_are_refused(config, capsys):
    assert cli.main(["--config", str(config), "asterisk-config", "--show-secret"]) == 2
    assert "CC_AMI_SECRET" in capsys.readouterr().err
    assert cli.main(["--config", str(config), "asterisk-config", "--phones", "10-9"]) == 2
