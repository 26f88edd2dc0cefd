"""Batch transform's data handling: the JSONPath subset on CSV and JSON records,
splitting, batching by MaxPayloadInMB, JoinSource Input and OutputFilter."""

from __future__ import annotations

import pytest

from irisops.engines.sagemaker import transform_records as tr

CSV = "text/csv"
JSON = "application/json"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", b"r7,5.1,3.5,1.4,0.2"),
        ("$[1:]", b"5.1,3.5,1.4,0.2"),
        ("$[0,-1]", b"r7,0.2"),
        ("$[0]", b"r7"),
        ("$[-1]", b"0.2"),
        ("$[:2]", b"r7,5.1"),
        ("$[1:3]", b"5.1,3.5"),
        ("$[*]", b"r7,5.1,3.5,1.4,0.2"),
    ],
)
def test_filters_on_csv_rows(path: str, expected: bytes) -> None:
    assert tr.filter_input(path, b"r7,5.1,3.5,1.4,0.2", CSV) == expected


def test_csv_fields_with_quotes_survive() -> None:
    assert tr.filter_input("$[1:]", b'1,"a,b",c', CSV) == b'"a,b",c'


def test_filters_on_json_records() -> None:
    record = {"id": 3, "features": [1, 2, 3, 4], "meta": {"src": "x"}}
    assert tr.apply_filter("$.features", record) == [1, 2, 3, 4]
    assert tr.apply_filter("$.features[0]", record) == 1
    assert tr.apply_filter("$.features[1:]", record) == [2, 3, 4]
    assert tr.apply_filter("$['id','features']", record) == [3, [1, 2, 3, 4]]
    assert tr.apply_filter("$.meta.src", record) == "x"
    assert tr.apply_filter("$.meta.*", record) == ["x"]
    assert tr.filter_input("$.features", b'{"id": 1, "features": [5, 6]}', JSON) == b"[5,6]"


@pytest.mark.parametrize("path", ["$[9]", "$.missing", "features", "$..x", "$[a]", "$.features["])
def test_bad_or_out_of_range_paths_fail(path: str) -> None:
    with pytest.raises(tr.FilterError):
        tr.apply_filter(path, {"features": [1, 2]} if "features" in path else [1, 2])


def test_index_on_an_object_fails() -> None:
    with pytest.raises(tr.FilterError):
        tr.apply_filter("$[0]", {"a": 1})


def test_split_lines_and_none() -> None:
    data = b"a,1\r\nb,2\n\n c,3\n"
    assert tr.split_records(data, "Line") == [b"a,1", b"b,2", b" c,3"]
    assert tr.split_records(data, "None") == [data]
    assert tr.split_records(data, None) == [data]
    with pytest.raises(tr.FilterError):
        tr.split_records(data, "RecordIO")


def test_single_record_batches_one_each() -> None:
    assert list(tr.batches([b"a", b"b", b"c"], "SingleRecord", 6)) == [[0], [1], [2]]


def test_multi_record_packs_up_to_max_payload() -> None:
    record = b"x" * (300 * 1024)  # 300 KB + newline: three fit in 1 MB, not four
    groups = list(tr.batches([record] * 7, "MultiRecord", 1))
    assert groups == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(tr.payload([record] * 7, groups[0])) <= tr.MB
    assert tr.payload([b"a", b"b"], [0, 1]) == b"a\nb\n"
    assert tr.payload([b"a", b"b"], [1]) == b"b"


def test_zero_payload_means_no_limit_and_oversize_fails() -> None:
    big = b"x" * (2 * tr.MB)
    assert list(tr.batches([big, big], "MultiRecord", 0)) == [[0, 1]]
    with pytest.raises(tr.FilterError):
        list(tr.batches([big], "MultiRecord", 1))


def test_csv_join_then_output_filter() -> None:
    line = tr.process_output(
        b"r1,5.1,3.5,1.4,0.2", b"setosa\n", join=True, output_filter="$[0,-1]",
        content_type=CSV, accept=CSV,
    )  # fmt: skip
    assert line == b"r1,setosa"
    joined = tr.process_output(
        b"r1,5.1", b"setosa", join=True, output_filter=None, content_type=CSV, accept=CSV
    )
    assert joined == b"r1,5.1,setosa"


def test_json_join() -> None:
    assert tr.join_output(b'{"id": 1}', b'{"p": "setosa"}', JSON, JSON) == {
        "id": 1,
        "SageMakerOutput": {"p": "setosa"},
    }
    assert tr.join_output(b"[1, 2]", b'"setosa"', JSON, JSON) == {
        "SageMakerInput": [1, 2],
        "SageMakerOutput": "setosa",
    }
    out = tr.process_output(
        b'{"id": 1, "f": [1]}', b'{"p": "s"}', join=True,
        output_filter="$['id','SageMakerOutput']", content_type=JSON, accept=JSON,
    )  # fmt: skip
    assert out == b'[1,{"p":"s"}]'


def test_output_filter_without_join_and_passthrough() -> None:
    out = tr.process_output(
        b"ignored", b'{"prediction": "setosa", "features": [1]}', join=False,
        output_filter="$.prediction", content_type=JSON, accept=JSON,
    )  # fmt: skip
    assert out == b'"setosa"'
    raw = tr.process_output(b"x", b"anything", join=False, output_filter="$",
                            content_type=CSV, accept=CSV)  # fmt: skip
    assert raw == b"anything"


def test_split_answer_matches_records() -> None:
    assert tr.split_answer(b"a\nb\n", 2) == [b"a", b"b"]
    assert tr.split_answer(b"a\n", 1) == [b"a"]
    with pytest.raises(tr.FilterError):
        tr.split_answer(b"a\n", 2)
