"""The build order of the warehouse's models (pipeline/build.py): each model file is parsed with sqlglot
(DuckDB dialect), and a model depends on the models its statement reads as tables."""
from __future__ import annotations

import re
from graphlib import TopologicalSorter
from pathlib import Path

import pytest

from pipeline import build

# The regular expression build.py used before sqlglot, kept here as a fixed reference.
OLD_MODEL_NAME = re.compile(r"\b((?:stg|int|mart)_[a-z0-9_]+)\b")
OLD_COMMENT = re.compile(r"--[^\n]*")


def old_graph(files: dict[str, Path]) -> dict[str, list[str]]:
    graph = {}
    for name, path in files.items():
        mentioned = set(OLD_MODEL_NAME.findall(OLD_COMMENT.sub("", path.read_text()))) & files.keys()
        graph[name] = sorted(mentioned - {name})
    return dict(sorted(graph.items()))


def models(tmp_path: Path, **sql: str) -> dict[str, Path]:
    files = {}
    for name, text in sql.items():
        files[name] = tmp_path / f"{name}.sql"
        files[name].write_text(text)
    return files


def test_the_parsed_graph_of_the_repository_is_the_regex_graph():
    files = build.model_files()
    graph = build.model_graph(files)
    edges = sum(len(reads) for reads in graph.values())
    print(f"{len(graph)} models, {edges} edges")
    assert (len(graph), edges) == (35, 72)
    assert graph == old_graph(files)
    assert build.build_order(files) == list(TopologicalSorter(old_graph(files)).static_order())
    # the mart everything ends in, through the units view
    assert graph["mart_counts"] == ["mart_coverage", "mart_units"]


def test_every_model_creates_the_name_of_its_file():
    files = build.model_files()
    parsed = {name: build.parse_model(path) for name, path in files.items()}
    assert {name: model.name for name, model in parsed.items()} == {name: name for name in files}
    # the kind agrees with the regex _rebuild_touched still finds the model's select by
    assert {name: model.kind for name, model in parsed.items()} == {
        name: build.CREATES.search(path.read_text()).group(1) for name, path in files.items()}
    assert sorted(name for name, model in parsed.items() if model.kind == "view") == [
        "int_applicable_ranges", "int_victims", "mart_unit_dimensions", "mart_units", "stg_investigations",
        "stg_judgments", "stg_prosecutions", "stg_victims"]


def test_a_cte_named_like_a_model_is_not_a_dependency(tmp_path):
    files = models(
        tmp_path,
        mart_units="create or replace view mart_units as select 1 as a",
        int_offences="create or replace table int_offences as select 1 as a",
        mart_x="create or replace table mart_x as\n"
               "with mart_units as (select 2 as a)\n"
               "select * from mart_units join (select a from int_offences) using (a)",
    )
    assert build.parse_model(files["mart_x"]).reads == {"int_offences"}
    assert build.model_graph(files) == {"int_offences": [], "mart_units": [], "mart_x": ["int_offences"]}


def test_a_model_named_in_a_comment_or_a_string_is_not_a_dependency(tmp_path):
    files = models(
        tmp_path,
        mart_units="create or replace view mart_units as select 1 as a",
        mart_sentences="create or replace table mart_sentences as select 1 as a",
        int_offences="create or replace table int_offences as select 1 as a",
        mart_x="-- reads mart_units\n"
               "create or replace table mart_x as\n"
               "/* not mart_sentences either */\n"
               "select 'mart_units' as source, 'from mart_sentences' as note, a\n"
               "from int_offences  -- nor mart_units here",
    )
    assert build.model_graph(files)["mart_x"] == ["int_offences"]
    # the old regex saw the string literals as names
    assert old_graph(files)["mart_x"] == ["int_offences", "mart_sentences", "mart_units"]


def test_a_file_that_does_not_parse_stops_the_build_naming_the_file(tmp_path):
    files = models(
        tmp_path,
        int_offences="create or replace table int_offences as select 1 as a",
        mart_x="create or replace table mart_x as\nselect (a from int_offences\n",
    )
    with pytest.raises(build.ModelParseError) as raised:
        build.build_order(files)
    assert str(raised.value) == f"model {files['mart_x']}: sqlglot cannot parse it: Expecting ) (line 2, column 14)"


def test_a_file_that_is_not_one_create_statement_stops_the_build(tmp_path):
    files = models(tmp_path, mart_x="create or replace table mart_x as select 1 as a;\nselect 2")
    with pytest.raises(build.ModelParseError, match=re.escape(
            f"model {files['mart_x']}: sqlglot does not read it as one create table or view statement")):
        build.build_order(files)


def test_a_repository_file_is_named_from_the_warehouse_folder():
    path = build.model_files()["mart_counts"]
    with pytest.raises(build.ModelParseError) as raised:
        build.parse_model(path, "create or replace table mart_counts as select (1")
    assert str(raised.value).startswith("model marts/mart_counts.sql: sqlglot cannot parse it: ")


