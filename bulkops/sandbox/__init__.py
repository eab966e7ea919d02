"""A local server that behaves like the Criteo Retail Media API: the embedded default of bulkops.

It imports nothing from the rest of bulkops, so a client bug can never hide a sandbox bug.
"""

from bulkops.sandbox.app import Sandbox
from bulkops.sandbox.settings import SandboxSettings

__all__ = ["Sandbox", "SandboxSettings"]
