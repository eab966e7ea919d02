"""A local server that behaves like the APIs bulkops drives (Criteo Retail Media, ...): the embedded default.

One process serves every registered API (`bulkops.sandbox.registry`) over one shared core: store, clock,
credentials, quota per credential, the fault schedule and the control plane. It imports nothing from the
rest of bulkops, so a client bug can never hide a sandbox bug.
"""

from bulkops.sandbox.app import Sandbox
from bulkops.sandbox.settings import SandboxSettings

__all__ = ["Sandbox", "SandboxSettings"]
