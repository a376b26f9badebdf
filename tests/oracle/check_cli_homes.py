#!/usr/bin/env python3
"""Compare `clawwatch check` with the real CLI's recorded rc on every tests/fixtures/cli case.

Usage: python3 tests/oracle/check_cli_homes.py [--cases tests/fixtures/cli] [--bin target/release/clawwatch]

For each case and each recorded target (no --agent, then every `--agent <id>` in expected.json)
it copies home/ to a temp dir and runs, in an otherwise empty environment,
  HOME=<copy> PATH=/usr/bin:/bin TZ=UTC <env file lines, @HOME@ = the copy> \
    clawwatch check --now <generated_at_iso> [--agent <id>]
and prints every disagreement. Exit 0 when all agree, 1 otherwise. Python 3.11 stdlib only.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="tests/fixtures/cli")
    ap.add_argument("--bin", default="target/release/clawwatch")
    args = ap.parse_args()
    total, bad = 0, []
    for case in sorted(os.listdir(args.cases)):
        d = os.path.join(args.cases, case)
        if not os.path.exists(os.path.join(d, "expected.json")):
            continue
        fx = json.load(open(os.path.join(d, "fixture.json")))
        ex = json.load(open(os.path.join(d, "expected.json")))
        env_lines = []
        if os.path.exists(os.path.join(d, "env")):
            env_lines = [l for l in open(os.path.join(d, "env")).read().splitlines() if l and not l.startswith("#")]
        for agent, real in [(None, ex["rc"])] + list(ex["agents"].items()):
            h = tempfile.mkdtemp(prefix="cwcheck.")
            try:
                shutil.copytree(os.path.join(d, "home"), h, dirs_exist_ok=True)
                e = {"PATH": "/usr/bin:/bin", "HOME": h, "TZ": "UTC"}
                for l in env_lines:
                    k, v = l.split("=", 1)
                    e[k] = v.replace("@HOME@", h)
                cmd = [os.path.abspath(args.bin), "check", "--now", fx["generated_at_iso"]]
                if agent:
                    cmd += ["--agent", agent]
                p = subprocess.run(cmd, env=e, cwd=h, capture_output=True, text=True, timeout=60)
                out = (p.stdout + p.stderr).replace(h, "~").strip()
            finally:
                shutil.rmtree(h, ignore_errors=True)
            total += 1
            if p.returncode != real:
                bad.append((case, agent or "(default)", real, p.returncode, out))
    print(f"{total} checks, {len(bad)} disagreements")
    for case, agent, real, got, out in bad:
        print(f"=== {case} {agent}: openclaw {real}, clawwatch {got}\n{out[:1500]}\n")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
