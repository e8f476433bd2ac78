"""Fitted numbers shipped with the code as numpy .npz files whose bytes depend only on the arrays (the same fit
gives the same file, so a refit that changes nothing shows no diff)."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every member's date, so the same arrays give the same bytes


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write an .npz (np.load reads it) atomically: fixed member dates, no compression, no pickles."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIME), member.getvalue())
    handle, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(buffer.getvalue())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the file ships with the code
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


__all__ = ["write_npz"]
