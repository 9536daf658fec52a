"""Growing the corpus: `policy add`, and DVC runs that follow the manifest texts exactly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import cli, project

from .conftest import ROOT, write_project

POLICY = "某区人才新政十条\n中共某区委 某区人民政府\n2023年5月6日\n一、对顶尖人才团队给予最高800万元资助。\n二、鼓励企业引进博士研究生。\n"
DVC = Path(sys.executable).with_name("dvc")


def test_level_is_guessed_from_the_issuer():
    assert project.guess_level(["中共某区委", "某区人民政府"]) == "district"
    assert project.guess_level(["某市人力资源和社会保障局"]) == "city"
    assert project.guess_level(["某省人民政府办公厅"]) == "province"
    assert project.guess_level(["国务院办公厅"]) == "national"
    assert project.guess_level(["某协会"]) is None


def test_add_fills_the_manifest_row_and_the_dvc_deps(tmp_path, capsys):
    params = write_project(tmp_path)
    src = tmp_path / "incoming" / "new-policy.txt"
    src.parent.mkdir()
    src.write_text(POLICY, encoding="utf-8")
    assert cli.main(["--params", str(params), "add", str(src), "--region", "某省某市某区"]) == 0
    row = (tmp_path / "corpus" / "manifest.csv").read_text(encoding="utf-8").splitlines()[1]
    assert row.startswith("new-policy,new-policy.txt,某区人才新政十条,中共某区委;某区人民政府,某省某市某区,district,2023-05-06")
    assert (tmp_path / "corpus" / "new-policy.txt").read_bytes() == src.read_bytes()
    assert '- "corpus/new-policy.txt"' in (tmp_path / "dvc.yaml").read_text(encoding="utf-8")
    assert cli.main(["--params", str(params), "add", str(src)]) == 2  # the same doc id twice
    assert "already in" in capsys.readouterr().err


def test_a_text_in_a_linked_folder_is_listed_by_the_link(tmp_path):
    # dvc.yaml names the texts by these paths: through a link inside the project, never climbing out
    # of it ('../'), so that `dvc exp show` gives each text one column
    from pipeline.corpus import Entry, Meta

    outside = tmp_path / "elsewhere" / "texts"
    outside.mkdir(parents=True)
    (outside / "a.txt").write_text("正文", encoding="utf-8")
    project_dir = tmp_path / "project"
    (project_dir / "corpus").mkdir(parents=True)
    (project_dir / "shared").symlink_to(Path("..") / "elsewhere", target_is_directory=True)
    entries = [Entry("a", "a.txt", "", Meta()), Entry("b", "b.txt", "", Meta())]
    found, missing = project.text_paths(entries, [project_dir / "corpus", project_dir / "shared" / "texts"], project_dir)
    assert (found, missing) == (["shared/texts/a.txt"], ["b"])


def test_sync_needs_the_marker_block(tmp_path):
    (tmp_path / "dvc.yaml").write_text("stages: {}\n", encoding="utf-8")
    with pytest.raises(Exception, match="no block between"):
        project.sync_dvc(tmp_path / "dvc.yaml", ["a.txt"])


@pytest.mark.skipif(not DVC.exists() or shutil.which("git") is None, reason="needs dvc and git")
def test_dvc_follows_exactly_the_manifest_texts(tmp_path):
    params = write_project(tmp_path)
    env = {**os.environ, "DVC_NO_ANALYTICS": "1", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}

    def run(*cmd):
        return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout

    run("git", "init", "-q")
    run(str(DVC), "init", "-q")
    (tmp_path / "mirror" / "unlisted.txt").write_text("第一条 无关。\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text(POLICY, encoding="utf-8")
    assert cli.main(["--params", str(params), "add", str(tmp_path / "a.txt")]) == 0
    run(str(DVC), "repro", "-q")

    def money():
        ents = (tmp_path / "data" / "extract" / "entities.jsonl").read_text(encoding="utf-8").splitlines()
        return [json.loads(e)["text"] for e in ents if json.loads(e)["label"] == "MONEY"]

    assert money() == ["最高800万元"]
    (tmp_path / "mirror" / "unlisted.txt").write_text("第一条 改了。\n", encoding="utf-8")
    assert "up to date" in run(str(DVC), "status")  # a file no manifest row names: nothing to do
    text = tmp_path / "corpus" / "a.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("800万元", "900万元"), encoding="utf-8")
    assert "corpus/a.txt" in run(str(DVC), "status")
    run(str(DVC), "repro", "-q")
    assert money() == ["最高900万元"]


@pytest.mark.skipif(not DVC.exists() or not (ROOT / ".git").exists(), reason="needs dvc and this git checkout")
def test_dvc_exp_show_fits_the_headline_metrics_in_200_columns():
    from pipeline.evaluate import HEADLINE

    env = {**os.environ, "COLUMNS": "200", "DVC_NO_ANALYTICS": "1"}
    out = subprocess.run([str(DVC), "exp", "show", "--no-pager"], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout
    header = next(line for line in out.splitlines() if "Experiment" in line)
    assert len(header.rstrip()) <= 200 and set(HEADLINE) <= set(header.split()), header
