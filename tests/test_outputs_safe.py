"""Outputs never clobber what is not ours (issue 16, item 5): an output path that is a device, a
FIFO, a folder, a socket or a symbolic link is refused with one line, and the node is left as it was.

Run as root, ``campaign --plot /dev/null`` used to rename a PNG onto the machine's /dev/null."""

from __future__ import annotations

import os
import socket
import stat

import pytest

from ilrs._io import write_text_atomic
from ilrs.errors import InputError


def _nodes(tmp_path):
    """One node of each kind that is not a regular file, made in ``tmp_path``."""
    nodes = {}
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    nodes["FIFO"] = fifo
    folder = tmp_path / "folder"
    folder.mkdir()
    nodes["folder"] = folder
    target = tmp_path / "elsewhere.txt"
    target.write_text("not yours")
    link = tmp_path / "link"
    link.symlink_to(target)
    nodes["symbolic link"] = link
    sock_path = tmp_path / "sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    sock.close()
    nodes["socket"] = sock_path
    if os.geteuid() == 0:  # a character device like /dev/null (major 1, minor 3), as root only
        dev = tmp_path / "null"
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        nodes["device"] = dev
    return nodes


def _mode(path):
    return os.lstat(path).st_mode


def test_atomic_write_refuses_every_node_that_is_not_a_regular_file(tmp_path):
    for kind, node in _nodes(tmp_path).items():
        before = _mode(node)
        with pytest.raises(InputError) as err:
            write_text_atomic(node, "x")
        assert f"is a {kind}" in str(err.value) and str(node) in str(err.value) and "\n" not in str(err.value)
        assert _mode(node) == before, kind  # untouched
    assert (tmp_path / "elsewhere.txt").read_text() == "not yours"  # the link was not followed
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # nothing half-written


def test_a_regular_file_is_replaced_and_a_new_one_written(tmp_path):
    old = tmp_path / "old.txt"
    old.write_text("old")
    write_text_atomic(old, "new")
    write_text_atomic(tmp_path / "fresh.txt", "fresh")
    assert old.read_text() == "new" and (tmp_path / "fresh.txt").read_text() == "fresh"


def test_cli_plot_onto_a_device_or_fifo_is_one_line_exit_2(tmp_path, ilrs_cli):
    nodes = _nodes(tmp_path)
    for kind in ("FIFO", "symbolic link", "device"):
        if kind not in nodes:
            continue
        node = nodes[kind]
        before = _mode(node)
        r = ilrs_cli("campaign", "--plot", node)
        assert r.returncode == 2, (kind, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "--plot" in lines[0] and f"is a {kind}" in lines[0], lines
        assert _mode(node) == before


def test_a_non_finite_number_never_reaches_an_output_silently():
    """NaN and infinities are not JSON: the writer names the quantity in one line (issue 16, item 4;
    a NaN oxygen stock used to end in ``ValueError: Out of range float values`` after the work)."""
    import numpy as np

    from ilrs._io import to_json
    from ilrs.errors import ComputationError

    assert to_json({"a": [1.0, None]}) == '{\n  "a": [\n    1.0,\n    null\n  ]\n}'
    for bad, path in (({"kpis": {"stock_kg": {"oxygen": float("nan")}}}, "kpis.stock_kg.oxygen"),
                      ({"series": [0.0, 1.0, float("inf")]}, "series[2]"),
                      ({"x": np.array([1.0, -np.inf])}, "x[1]"), ({"y": np.float64("nan")}, "y")):
        with pytest.raises(ComputationError) as err:
            to_json(bad)
        assert str(err.value).startswith(f"{path} is not a finite number") and "\n" not in str(err.value)
