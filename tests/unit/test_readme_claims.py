"""Claims of README.adoc that are about the repository itself (not about running code)."""

from __future__ import annotations

import re
from pathlib import Path

import domino

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.adoc").read_text(encoding="utf-8")


def _make_recipe(target: str) -> list[str]:
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_make_bench_runs_every_measurement_in_the_performance_table() -> None:
    table = README.split("== Performance", 1)[1].split("|===", 2)[1]
    commands = re.findall(r"^\|`(bench/\S+\.py(?: --[\w-]+)*)`", table, flags=re.M)
    assert "bench/server_load.py --subprocess" in commands  # the headline server figure
    recipe = " ; ".join(_make_recipe("bench"))
    for command in commands:
        assert re.search(re.escape(command) + r"(\s|$|;)", recipe), (
            f"README's performance table quotes `{command}` but `make bench` does not run it"
        )


def test_install_section_builds_the_wheel_of_this_version() -> None:
    install = README.split("== Install", 1)[1].split("\n== ", 1)[0]
    assert f"dist/dominodatalab-{domino.__version__}-py3-none-any.whl[server]" in install
    assert "pip install '.[server]'" in install


def test_no_instruction_installs_the_public_package_by_name() -> None:
    # this project is not on PyPI: `pip install 'dominodatalab[cli]'` on a fresh machine (the CI
    # example did this) installs the public 2.x client, which has no `domino` command
    by_name = re.compile(r"""pip install ['"]?dominodatalab(\[[\w,]+\])?['"]?(\s|$)""")
    blocks = re.findall(r"^----\n(.*?)^----\n", README, flags=re.M | re.S)
    offending = [line for block in blocks for line in block.splitlines() if by_name.search(line)]
    assert not offending, offending


def test_prose_installs_extras_from_the_checkout_not_by_the_public_name() -> None:
    # `pip install 'dominodatalab[airflow]'` in a sentence is as wrong as in a code block; only
    # the sentences that explain why it is wrong may show it
    by_name = re.compile(r"""`pip install ['"]?dominodatalab\[\w+\]['"]?`""")
    offending = [
        line
        for line in README.splitlines()
        if by_name.search(line) and not re.search(r"warns|would fetch|fetches", line)
    ]
    assert not offending, offending


def test_changelog_is_one_unreleased_section_in_keep_a_changelog_groups() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## (.*)$", changelog, flags=re.M)
    assert releases[0] == "[Unreleased]" and releases.count("[Unreleased]") == 1
    unreleased = changelog.split("## [Unreleased]", 1)[1].split("\n## ", 1)[0]
    groups = re.findall(r"^### (.*)$", unreleased, flags=re.M)
    standard = ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"]
    assert groups == [g for g in standard if g in groups], groups  # each once, in this order
    for line in unreleased.splitlines():
        assert line == "" or line.startswith(("### ", "- ", "  ")), line


def test_the_retried_statuses_are_the_ones_the_readme_names() -> None:
    from domino._http import RETRY_STATUSES

    named = {int(code) for code in "408/429/500/502/503/504".split("/")}
    assert RETRY_STATUSES == named
    # Environment variables, dataset uploads and the differences list all name the same set
    assert README.count("408/429/500/502/503/504") >= 3 and "408/429/5xx" not in README


def _headings() -> list[tuple[int, str]]:
    body = re.sub(r"^----\n.*?^----\n", "", README, flags=re.M | re.S)  # not inside listings
    return [(len(m.group(1)), m.group(2)) for m in re.finditer(r"^(=+) (.+)$", body, flags=re.M)]


def test_headings_nest_without_gaps_and_the_toc_shows_every_section() -> None:
    headings = _headings()
    assert headings[0][0] == 1 and [level for level, _ in headings].count(1) == 1
    for (before, _), (level, title) in zip(headings, headings[1:], strict=False):
        assert level <= before + 1, f"heading {title!r} skips a level"
    toclevels = int(re.search(r"^:toclevels: (\d+)$", README, flags=re.M).group(1))  # type: ignore[union-attr]
    assert max(level for level, _ in headings) - 1 <= toclevels
    assert re.search(r"^:toc: macro$", README, flags=re.M) and README.count("\ntoc::[]\n") == 1


def test_every_cross_reference_names_a_section_or_an_anchor() -> None:
    titles = {title for _, title in _headings()}
    auto_ids = {
        "_" + re.sub(r"[\s.\-]+", "_", re.sub(r"[^\w\s.\-]", "", t.replace("`", "").lower()))
        for t in titles
    }
    anchors = set(re.findall(r"\[\[([\w-]+)\]\]", README))
    for target in re.findall(r"<<([^,>]+)(?:,[^>]*)?>>", README):
        assert target in titles | auto_ids | anchors, f"<<{target}>> points nowhere"


def test_every_exception_is_in_the_drawn_tree_and_only_wait_interrupted_is_outside() -> None:
    # README (Errors): one DominoException tree, drawn by the module docstring, except
    # WaitInterrupted, which is a KeyboardInterrupt
    import inspect

    from domino import exceptions

    classes = {
        name: obj
        for name, obj in vars(exceptions).items()
        if inspect.isclass(obj)
        and issubclass(obj, BaseException)
        and obj.__module__ == exceptions.__name__
    }
    doc = exceptions.__doc__ or ""
    assert [name for name in classes if name not in doc] == []
    outside = [n for n, c in classes.items() if not issubclass(c, exceptions.DominoException)]
    assert outside == ["WaitInterrupted"]
    assert issubclass(exceptions.WaitInterrupted, KeyboardInterrupt)


def test_dataset_upload_defaults_are_the_readme_numbers() -> None:
    # README (Datasets): 10 workers, 8 MiB chunks by default; transient failures retried with
    # backoff for up to 5 minutes
    from domino._upload import _engine, _paths

    assert _paths.check_max_workers(None) == 10
    assert _paths.check_chunk_size(None) == 8 * 1024 * 1024
    assert _engine.DEFAULT_RETRY_DEADLINE == 5 * 60


def test_every_wheel_the_readme_names_is_of_this_version() -> None:
    wheels = re.findall(r"dominodatalab-([\w.]+)-py3-none-any\.whl", README)
    assert len(wheels) >= 2  # Install and the CI example
    assert set(wheels) == {domino.__version__}
    assert f"Its version is\n{domino.__version__}" in README or (
        f"version is {domino.__version__}" in README.replace("\n", " ")
    )


def _make_variable(name: str) -> str:
    found = re.search(rf"^{name} \?= (\S+)$", (ROOT / "Makefile").read_text(), flags=re.M)
    assert found is not None, name
    return found.group(1)


def test_the_readme_opens_with_make_demo_and_make_test_described_as_the_makefile_does() -> None:
    first = re.search(r"^----\n(.*?)^----\n", README, flags=re.M | re.S)
    assert first is not None and first.group(1) == "make demo\nmake test\n"
    intro = README[first.end() :].split("toc::[]", 1)[0]
    makefile = (ROOT / "Makefile").read_text()
    test_prerequisites = re.search(r"^test: (.*)$", makefile, flags=re.M).group(1)  # type: ignore[union-attr]
    assert "$(PUBLIC_STAMP)" in test_prerequisites and "airflow-venvs" in test_prerequisites
    assert "lint" in test_prerequisites and "typecheck" in test_prerequisites  # ruff, mypy
    for name in ("PUBLIC_VENV", "AIRFLOW3_VENV", "AIRFLOW2_VENV"):
        assert f"`{_make_variable(name)}`" in intro, name
    for name in ("AIRFLOW3_VERSION", "AIRFLOW2_VERSION"):
        assert f"Airflow {_make_variable(name)}" in intro or _make_variable(name) in intro, name
    assert _make_variable("PUBLIC_CLIENT").split("==")[1] in intro
    assert _make_variable("AIRFLOW_EXTRAS") == "airflow,pipelines"
    assert "examples/demo.py" in " ".join(_make_recipe("demo"))
    assert "quickstart.py" in (ROOT / "examples" / "demo.py").read_text()


def test_the_pipelines_extra_brings_everything_the_domino_command_needs() -> None:
    # README (Pipelines, Outputs): `domino pipeline output` needs only the `pipelines` extra
    from importlib.metadata import requires

    def extra(name: str) -> set[str]:
        marker = f'extra == "{name}"'
        return {r.split(";")[0].strip() for r in requires("dominodatalab") or [] if marker in r}

    assert extra("cli") and extra("cli") <= extra("pipelines")
