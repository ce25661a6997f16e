"""dedup: find exact and near-duplicate text blocks within and across documents.

The Python API::

    from dedup import ScanConfig, scan, detect, Document

    result = scan(["corpus/"], "out/", ScanConfig(threshold=0.7))
    result.report["summary"]

    verdict = check(["corpus/"], Limits(max_cross_duplicates=0))
    verdict.passed

``detect`` works on documents in memory and writes nothing.
"""

__version__ = "0.1.0"

from .check import CheckResult, Limits, check  # noqa: E402
from .config import ScanConfig  # noqa: E402
from .detect import Cluster, Detection, Member, detect  # noqa: E402
from .model import Block, Document  # noqa: E402
from .scan import ScanResult, scan  # noqa: E402

__all__ = ["ScanConfig", "scan", "ScanResult", "check", "Limits", "CheckResult", "detect", "Detection", "Cluster", "Member", "Document", "Block", "__version__"]
