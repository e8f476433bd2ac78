"""Settings: validated once at each entry point; a bad LAC_* value stops every command with one line naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from errors import SettingsError
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("env, message", [
    ({"LAC_TOP_K": "abc"}, "Invalid setting LAC_TOP_K='abc': expected an integer from 1 to 100."),
    ({"LAC_TOP_K": "0"}, "Invalid setting LAC_TOP_K='0': expected an integer from 1 to 100."),
    ({"LAC_NEAREST_TOPIC_SIMILARITY": "2"}, "Invalid setting LAC_NEAREST_TOPIC_SIMILARITY='2': expected a number from -1.0 to 1.0."),
    ({"LAC_EMBEDDER_BACKEND": "gpu"}, "Invalid setting LAC_EMBEDDER_BACKEND='gpu': expected one of auto, onnx, onnx-int8, numpy, torch."),
    ({"LAC_LLM_TIMEOUT": "0"}, "Invalid setting LAC_LLM_TIMEOUT='0': expected a number more than 0 and at most 3600."),
    ({"LAC_EMBEDDING_MODEL": ""}, "Invalid setting LAC_EMBEDDING_MODEL='': expected non-empty text."),
])
def test_bad_environment_values_are_named_with_their_allowed_range(env, message):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert str(caught.value) == message


def test_environment_overrides_defaults_and_replace_validates():
    settings = Settings.from_env({"LAC_TOP_K": "7", "LAC_INDEX_DIR": "/tmp/x", "LAC_NEAREST_TOPIC_SIMILARITY": "0.5"})
    assert (settings.top_k, settings.index_dir, settings.nearest_topic_similarity) == (7, Path("/tmp/x"), 0.5)
    assert Settings.from_env({}) == Settings()
    assert settings.replace(top_k=3).top_k == 3 and settings.top_k == 7
    with pytest.raises(SettingsError, match="top_k=0"):
        settings.replace(top_k=0)
    with pytest.raises(SettingsError, match="Unknown setting"):
        settings.replace(no_such_setting=1)


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "qa", "ask", "respite"],
    [sys.executable, "-m", "index", "status"],
    [sys.executable, "-m", "eval", "--no-baselines", "--no-report"],
    [sys.executable, "app.py"],
])
def test_every_entry_point_exits_2_with_one_line(command):
    env = {**os.environ, "LAC_TOP_K": "abc"}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: Invalid setting LAC_TOP_K='abc': expected an integer from 1 to 100."]


@pytest.mark.parametrize("variable", ["LAC_CORPUS_DIR", "LAC_INDEX_DIR", "LAC_MODEL_CACHE_DIR"])
@pytest.mark.parametrize("value", ["", "  "])
def test_empty_path_setting_is_an_error_not_the_current_folder(variable, value):
    with pytest.raises(SettingsError, match=f"Invalid setting {variable}=.*non-empty folder path"):
        Settings.from_env({variable: value})


def test_empty_corpus_setting_stops_the_cli_before_anything_is_written(tmp_path):
    env = {**os.environ, "LAC_CORPUS_DIR": "", "LAC_INDEX_DIR": ""}
    result = subprocess.run([sys.executable, "-m", "qa", "ask", "respite"], cwd=tmp_path,
                            env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "non-empty folder path" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_lac_variable_is_named_in_a_warning(caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="lac"):
        Settings.from_env({"LAC_CORPUS": "/tmp/x", "LAC_TOP_K": "3"})
    assert "LAC_CORPUS is not a setting and is ignored (did you mean LAC_CORPUS_DIR?)" in caplog.text
    assert "LAC_TOP_K" not in caplog.text
