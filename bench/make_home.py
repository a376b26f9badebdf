#!/usr/bin/env python3
"""Build OpenClaw homes for benchmarks (fake credentials only).

usage: make_home.py typical DIR          # one agent, state-db store, expiring token + api key
       make_home.py agents DIR N P       # N agents x P profiles each (per-agent stores)
       make_home.py store DIR N          # one agent, N profiles in one state-db store
"""
import json, os, sqlite3, sys, time

NOW = int(time.time()) * 1000
H = 3600 * 1000


def tok(exp, i=0):
    return {"type": "token", "provider": "anthropic", "token": f"sk-ant-oat01-FAKE{i:060d}", "expires": exp}


def key(i=0):
    return {"type": "api_key", "provider": "anthropic", "key": f"sk-ant-api03-FAKE{i:060d}"}


def state_db(home, profiles, state=None):
    d = os.path.join(home, ".openclaw", "state")
    os.makedirs(d, exist_ok=True)
    c = sqlite3.connect(os.path.join(d, "openclaw.sqlite"))
    c.execute("CREATE TABLE config_machine_state (state_key TEXT NOT NULL PRIMARY KEY, value_json TEXT NOT NULL, updated_at_ms INTEGER NOT NULL) STRICT")
    rows = [("auth.sharedStore", {"location": "state-db"}), ("authProfiles.store", {"version": 1, "profiles": profiles})]
    if state:
        rows.append(("authProfiles.state", state))
    for k, v in rows:
        c.execute("INSERT INTO config_machine_state VALUES (?,?,?)", (k, json.dumps(v), NOW))
    c.commit()
    c.close()


def agent_db(path, profiles):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    c = sqlite3.connect(path)
    c.execute("CREATE TABLE auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT")
    c.execute("CREATE TABLE auth_profile_state (state_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT")
    c.execute("PRAGMA user_version = 23")
    c.execute("INSERT INTO auth_profile_store VALUES ('primary',?,?)", (json.dumps({"version": 1, "profiles": profiles}), NOW))
    c.commit()
    c.close()


def config(home, cfg):
    d = os.path.join(home, ".openclaw")
    os.makedirs(d, exist_ok=True)
    json.dump(cfg, open(os.path.join(d, "openclaw.json"), "w"), indent=1)


def main():
    mode, home = sys.argv[1], sys.argv[2]
    anth = {"model": {"primary": "anthropic/claude-sonnet-4-6"}}
    if mode == "typical":
        config(home, {"agents": {"defaults": anth}})
        state_db(home, {"anthropic:manual": tok(NOW + 3 * H), "anthropic:key": key()})
    elif mode == "agents":
        n, p = int(sys.argv[3]), int(sys.argv[4])
        ids = [f"agent{i:04d}" for i in range(n)]
        config(home, {"agents": {"ownership": "explicit",
                                 "defaults": {**anth, "systemAgent": {"agentId": ids[0]}},
                                 "entries": {i: {} for i in ids}}})
        state_db(home, {"anthropic:shared": key()})
        for a, aid in enumerate(ids):
            profiles = {f"anthropic:p{j}": tok(NOW + (j + 2) * 24 * H, a * 100 + j) for j in range(p)}
            agent_db(os.path.join(home, ".openclaw", "agents", aid, "agent", "openclaw-agent.sqlite"), profiles)
    elif mode == "store":
        n = int(sys.argv[3])
        config(home, {"agents": {"defaults": anth}})
        profiles = {f"anthropic:p{j:06d}": (tok(NOW + (j % 90 + 2) * 24 * H, j) if j % 2 else key(j)) for j in range(n)}
        order = {"anthropic": list(profiles)[: min(n, 50)]}
        state_db(home, profiles, {"version": 1, "order": order})
    else:
        sys.exit(__doc__)
    print(NOW)


if __name__ == "__main__":
    main()
