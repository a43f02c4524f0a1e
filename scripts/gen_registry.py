#!/usr/bin/env python3
"""Writes a realistic portnix registry of about N entries, with its config, for benchmarks.

Shape: hosts, each its own scope, with tiers of services whose ports are let-bound bases plus
offsets (`base.web + 3`), a `{ from; to; }` pool per host, and comments. The config has a range
per tier and reserved ports. `--conflicts K` plants K duplicate ports.

    scripts/gen_registry.py 100000 OUT_DIR [--conflicts K]
"""
import argparse
import os

TIERS = {"web": (8000, 8099), "api": (9000, 9099), "db": (5400, 5499), "cache": (6300, 6399)}
PER_TIER = 25
PER_HOST = len(TIERS) * PER_TIER + 1  # + the pool


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("entries", type=int)
    ap.add_argument("out")
    ap.add_argument("--conflicts", type=int, default=0)
    args = ap.parse_args()
    hosts = max(1, args.entries // PER_HOST)
    os.makedirs(args.out, exist_ok=True)
    lines = ["# Generated for portnix's benchmarks.", "let", "  base = {"]
    lines += [f"    {t} = {lo};" for t, (lo, _) in TIERS.items()]
    lines += ["  };", "in", "{", "  hosts = {"]
    planted = 0
    for h in range(hosts):
        lines.append(f"    h{h} = {{")
        for t in TIERS:
            lines.append(f"      # {t} services of host {h}")
            lines.append(f"      {t} = {{")
            for i in range(PER_TIER):
                offset = i
                if planted < args.conflicts and t == "web" and i == 1 and h % 7 == 0:
                    offset = 0  # the same port as s0: a planted conflict
                    planted += 1
                lines.append(f"        s{i} = base.{t} + {offset};")
            lines.append("      };")
        lines.append("      pool = { from = 30000; to = 30099; };")
        lines.append("    };")
    lines += ["  };", "}", ""]
    with open(os.path.join(args.out, "ports.nix"), "w") as f:
        f.write("\n".join(lines))
    config = ["{", "  scopes = [ \"hosts.*\" ];", "  ranges = {"]
    config += [f"    \"hosts.*.{t}\" = {{ from = {lo}; to = {hi}; }};" for t, (lo, hi) in TIERS.items()]
    config += ["    \"hosts.*.pool\" = { from = 30000; to = 30999; };", "  };", "  reserved = ["]
    config += ["    { from = 1; to = 1023; reason = \"system ports\"; }",
               "    { port = 8080; reason = \"process-compose's API server\"; }", "  ];", "}", ""]
    with open(os.path.join(args.out, "portnix.nix"), "w") as f:
        f.write("\n".join(config))
    print(f"{hosts * PER_HOST} entries in {hosts} hosts, {planted} planted conflicts -> {args.out}")


if __name__ == "__main__":
    main()
