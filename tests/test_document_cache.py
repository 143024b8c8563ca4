"""The embedded documents are parsed from YAML once, then read from a JSON copy kept under
their content's hash: the same document either way, and no cache is ever a reason to fail."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from emulator.spec import CONTROL_DOCUMENT, PRODUCT_DOCUMENT, documents_dir, load_document


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EMULATOR_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def from_yaml(name: str) -> object:
    return yaml.safe_load(documents_dir().joinpath(name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", [PRODUCT_DOCUMENT, CONTROL_DOCUMENT])
def test_the_cached_copy_is_the_document_the_yaml_holds(cache: Path, name: str) -> None:
    first = load_document(name)
    [copy] = cache.glob(f"{name}.*.json")
    again = load_document(name)
    assert first == again == from_yaml(name)
    assert copy.stat().st_size > 0


def test_a_damaged_copy_is_read_past_and_written_again(cache: Path) -> None:
    load_document(CONTROL_DOCUMENT)
    [copy] = cache.glob(f"{CONTROL_DOCUMENT}.*.json")
    copy.write_text('{"openapi": ', encoding="utf-8")  # cut short
    assert load_document(CONTROL_DOCUMENT) == from_yaml(CONTROL_DOCUMENT)
    assert load_document(CONTROL_DOCUMENT) == from_yaml(CONTROL_DOCUMENT)
    assert copy.read_text(encoding="utf-8").startswith('{"openapi": "')


def test_a_copy_of_an_earlier_edit_is_never_read_and_is_removed(cache: Path) -> None:
    cache.mkdir()
    stale = cache / f"{CONTROL_DOCUMENT}.{'0' * 32}.json"
    stale.write_text('{"openapi": "stale"}', encoding="utf-8")
    assert load_document(CONTROL_DOCUMENT) == from_yaml(CONTROL_DOCUMENT)
    assert not stale.exists()


def test_a_cache_path_that_is_a_file_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("EMULATOR_CACHE_DIR", str(blocker / "cache"))
    assert load_document(CONTROL_DOCUMENT) == from_yaml(CONTROL_DOCUMENT)


def test_a_user_without_a_home_directory_reads_the_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("EMULATOR_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", no_home)
    assert load_document(CONTROL_DOCUMENT) == from_yaml(CONTROL_DOCUMENT)
