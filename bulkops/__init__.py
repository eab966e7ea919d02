"""bulkops: safe, fast bulk changes to retail-media and performance-marketing campaigns.

The Python API mirrors the command line (see `bulkops.api` and the README)::

    result = await bulkops.apply_bids("bids.csv", connection=bulkops.connect(url, client_id, secret))
"""

from bulkops.api import (
    Connection,
    ExportFilter,
    ExportResult,
    RunResult,
    Secret,
    apply_bids,
    connect,
    export,
    resume,
    set_product_status,
    update_line_items,
)
from bulkops.errors import BulkopsError, InputError, JournalError, UsageError

__version__ = "0.1.0"

__all__ = ["BulkopsError", "Connection", "ExportFilter", "ExportResult", "InputError", "JournalError", "RunResult",
           "Secret", "UsageError", "apply_bids", "connect", "export", "resume", "set_product_status",
           "update_line_items"]
