"""How long the sandbox takes to build 1,000,000 promoted products (target: under a minute), and a thousand
Trackier campaigns (target: well under a second; the Trackier tests build sandboxes of this size).

Run: .venv/bin/python benchmarks/sandbox_generate.py [--line-items N]
"""

from __future__ import annotations

import argparse
import resource
import time

from bulkops.sandbox import SandboxSettings
from bulkops.sandbox.app import build_state


def main() -> None:
    """Generate, count, print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=4)
    parser.add_argument("--line-items", type=int, default=1005)  # per account; ~250 products each on average
    args = parser.parse_args()
    began = time.perf_counter()
    state = build_state(SandboxSettings.of(accounts=args.accounts, line_items=args.line_items, max_products=500))
    took = time.perf_counter() - began
    products = state.store.scalar("SELECT COUNT(*) FROM products")
    line_items = state.store.scalar("SELECT COUNT(*) FROM line_items")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"built {products:,} promoted products on {line_items:,} line items in {took:.1f} s"
          f" ({products / took:,.0f} products/s, peak RSS {peak_mb:.0f} MB); target < 60 s")
    state.store.close()
    began = time.perf_counter()
    state = build_state(SandboxSettings.of(trackier_campaigns=1000, line_items=1, max_products=0))
    took = time.perf_counter() - began
    campaigns = state.store.scalar("SELECT COUNT(*) FROM trackier_campaigns")
    print(f"built {campaigns:,} Trackier campaigns in {took:.2f} s; target well under 1 s")
    state.store.close()


if __name__ == "__main__":
    main()
