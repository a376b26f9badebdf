#!/usr/bin/env python3
"""Generate recorded oracle cases for `openclaw models status --check` (openclaw 2026.9.6).

Each case is a directory <out>/<name>/ laid out exactly like tests/fixtures/hand:
  home/            the HOME the CLI runs with (copied to a temp dir by the runner)
  env              optional KEY=VALUE lines (@HOME@ = the temp HOME)
  fixture.json     generated_at_ms / generated_at_iso (the instant expiries are relative to), desc, spec
  expected.json    rc / json_rc / wall_s recorded from the real CLI
  check.txt, status.json, status.stderr.txt   raw CLI output (dropped when > 20 KB)

Usage:
  python3 tests/oracle/gen_cases.py --out tests/fixtures/oracle [--only a,b] [--no-run] [-j 2]
        [--runner tests/oracle/run-openclaw.sh] [--list] [--readme-only]

Timing: every case is built immediately before it is run, with its own NOW (a whole second,
so the CLI's clock is always a few seconds *after* generated_at_ms). Expiries/cooldowns are never
within 10 minutes of a decision boundary (0, 5 min, 24 h) except values exactly on NOW+24h
(inclusive boundary: the CLI, running later, also sees <= 24 h) and the two deliberate
"oauth within the 5-minute refresh margin" cases (NOW+150 s, run at once).

The random part uses random.Random(20261125); the case structure does not depend on the clock.
`predicted_rc` in fixture.json is what a model of docs/openclaw-rules.md (the function
`predict` below) expects; `expected.json` is what the real CLI did. They may differ: that is the
point of recording.

Only the Python 3.11 standard library is used. Helpers are adapted from
tests/oracle/make_hand_fixtures.py (copied, not imported).
"""
import argparse, copy, json, os, random, re, shutil, sqlite3, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor

SEED = 20261125
DEFAULT_RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run-openclaw.sh")
S = 1000
M = 60 * S
H = 60 * M
D = 24 * H
MAX_KEEP_BYTES = 20 * 1024

FAKE_TOK = "sk-ant-oat01-FAKE0000000000000000000000000000000000000000000000000000000000000000000000000000"
FAKE_TOK2 = "sk-ant-oat01-FAKE2222222222222222222222222222222222222222222222222222222222222222222222222222"
FAKE_KEY = "sk-ant-api03-FAKE00000000000000000000000000000000000000000000000000000000000000000000000000000"
FAKE_KEY2 = "sk-ant-api03-FAKE11111111111111111111111111111111111111111111111111111111111111111111111111111"
FAKE_OAUTH_ACCESS = "sk-ant-oat01-FAKEACCESS0000000000000000"
FAKE_OAUTH_REFRESH = "sk-ant-ort01-FAKEREFRESH000000000000000"
FAKE_ONBOARD = "openclaw onboard --auth-choice FAKE"  # matches the "malformed api key" pattern
PROVIDER_KEYS = {
    "anthropic": FAKE_KEY,
    "google": "AIzaFAKE000000000000000000000000000000",
    "openrouter": "sk-or-v1-FAKE0000000000000000000000000000000000000000",
    "xai": "xai-FAKE00000000000000000000000000000000000000",
    "openai": "sk-proj-FAKE000000000000000000000000000000",
}
PROVIDER_TOKENS = {
    "anthropic": FAKE_TOK,
    "google": "ya29.FAKE-google-token-000000000000",
    "openrouter": "sk-or-v1-FAKE-token-000000000000000000",
    "xai": "xai-FAKE-token-0000000000000000000000",
    "openai": "sk-FAKE-openai-token-00000000000000000",
}
ENV_VARS = {
    "anthropic": ["ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY"],
    "google": ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
    "openrouter": ["OPENROUTER_API_KEY"],
    "xai": ["XAI_API_KEY"],
    "openai": ["OPENAI_API_KEY"],
}
UTILITY_DEFAULT = {"anthropic": "anthropic/claude-haiku-4-5", "openai": "openai/gpt-5.6-luna"}
SONNET = "anthropic/claude-sonnet-4-6"


# ---------------------------------------------------------------- relative times
class Rel:
    """A timestamp NOW + ms, resolved when the case is built."""
    def __init__(self, ms):
        self.ms = int(ms)

    def __repr__(self):
        return f"Rel({self.ms})"


def resolve(o, now):
    if isinstance(o, Rel):
        return now + o.ms
    if isinstance(o, dict):
        return {k: resolve(v, now) for k, v in o.items()}
    if isinstance(o, list):
        return [resolve(v, now) for v in o]
    return o


def fmt_rel(ms):
    sign = "+" if ms >= 0 else "-"
    a = abs(ms)
    if a >= 2 * D:
        return f"{sign}{a / D:.0f}d"
    if a >= H:
        return f"{sign}{a / H:.1f}h".replace(".0h", "h")
    return f"{sign}{a / M:.1f}m".replace(".0m", "m")


# ---------------------------------------------------------------- credential builders
def tok(expires, provider="anthropic", token=None):
    d = {"type": "token", "provider": provider, "token": PROVIDER_TOKENS.get(provider, FAKE_TOK) if token is None else token}
    if expires is not None:
        d["expires"] = expires
    return d


def oauth(expires, refresh=True, provider="anthropic", access=True, email="fake@example.invalid", with_expires=True):
    d = {"type": "oauth", "provider": provider}
    if access:
        d["access"] = FAKE_OAUTH_ACCESS
    if refresh:
        d["refresh"] = FAKE_OAUTH_REFRESH
    if with_expires:
        d["expires"] = expires
    if email:
        d["email"] = email
    return d


def apikey(provider="anthropic", key=None):
    return {"type": "api_key", "provider": provider, "key": PROVIDER_KEYS.get(provider, FAKE_KEY) if key is None else key}


def cfg_model(primary, fallbacks=None, **defaults):
    model = primary if fallbacks is None else {"primary": primary, "fallbacks": fallbacks}
    return {"agents": {"defaults": {"model": model, **defaults}}}


ANTH = cfg_model(SONNET)


# ---------------------------------------------------------------- writers (adapted from make-fixtures.py)
def write_agent_db(home, agent_id, profiles, state, now, root=".openclaw"):
    ad = os.path.join(home, root, "agents", agent_id, "agent")
    os.makedirs(ad, exist_ok=True)
    db = os.path.join(ad, "openclaw-agent.sqlite")
    c = sqlite3.connect(db)
    c.execute("PRAGMA page_size = 512")  # keeps the committed DBs small; the CLI accepts any page size
    c.execute("CREATE TABLE auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT")
    c.execute("CREATE TABLE auth_profile_state (state_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT")
    c.execute("PRAGMA user_version = 23")  # OPENCLAW_AGENT_SCHEMA_VERSION in 2026.9.6
    if profiles is not None:
        c.execute("INSERT INTO auth_profile_store VALUES ('primary',?,?)", (json.dumps({"version": 1, "profiles": profiles}), now))
    if state:
        c.execute("INSERT INTO auth_profile_state VALUES ('primary',?,?)", (json.dumps(state), now))
    c.commit()
    c.close()
    os.chmod(db, 0o600)


def write_store(home, profiles, state, now, root=".openclaw", location=None, omit_location=False):
    sd = os.path.join(home, root, "state")
    os.makedirs(sd, exist_ok=True)
    db = os.path.join(sd, "openclaw.sqlite")
    c = sqlite3.connect(db)
    c.execute("PRAGMA page_size = 512")
    c.execute("CREATE TABLE config_machine_state (state_key TEXT NOT NULL PRIMARY KEY, value_json TEXT NOT NULL, updated_at_ms INTEGER NOT NULL) STRICT")
    rows = []
    if not omit_location:
        rows.append(("auth.sharedStore", location or {"location": "state-db"}))
    if profiles is not None:
        rows.append(("authProfiles.store", {"version": 1, "profiles": profiles}))
    if state:
        rows.append(("authProfiles.state", state))
    for k, v in rows:
        c.execute("INSERT INTO config_machine_state VALUES (?,?,?)", (k, json.dumps(v), now))
    c.commit()
    c.close()
    os.chmod(sd, 0o700)
    os.chmod(db, 0o600)


def write_text(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def build(name, spec_rel, out, now):
    """Materialise one case (spec with Rel placeholders) at clock `now` (ms, whole second)."""
    spec = resolve(spec_rel, now)
    fdir = os.path.join(out, name)
    shutil.rmtree(fdir, ignore_errors=True)
    home = os.path.join(fdir, "home")
    os.makedirs(home)
    root = spec.get("root", ".openclaw")  # the state dir, relative to HOME
    if spec.get("config") is not None:
        write_text(os.path.join(home, spec.get("config_at", f"{root}/openclaw.json")), json.dumps(spec["config"], indent=2) + "\n")
    if spec.get("store") is not None or spec.get("state_db_rows_only"):
        write_store(home, spec.get("store"), spec.get("state"), now, root, spec.get("shared_location"),
                    omit_location=spec.get("omit_location", False))
    for agent_id, adb in (spec.get("agentdbs") or {}).items():
        write_agent_db(home, agent_id, adb.get("profiles"), adb.get("state"), now, adb.get("root", root))
    if spec.get("dotenv"):
        write_text(os.path.join(home, root, ".env"), spec["dotenv"])
    for rel, text in (spec.get("files") or {}).items():
        write_text(os.path.join(home, rel), text)
    if spec.get("env"):
        with open(os.path.join(fdir, "env"), "w") as f:
            f.write("".join(f"{k}={v}\n" for k, v in spec["env"].items()))
    meta = {
        "generated_at_ms": now,
        "generated_at_iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now / 1000)),
        "desc": spec.get("desc", ""),
        "predicted_rc": predict(spec_rel),
        "spec": {k: v for k, v in spec.items() if k not in ("desc", "predict_unknown")},
    }
    with open(os.path.join(fdir, "fixture.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    return fdir


# ---------------------------------------------------------------- spec model (§3 of openclaw-auth.md)
def _valid_exp(e):
    return isinstance(e, (int, float)) and not isinstance(e, bool) and 0 < e <= 8.64e15


def _rel_ms(e):
    """expires value -> ms relative to NOW (None = absent). Absolute numbers are relative to a
    NOW of ~1.795e12 (any realistic run date)."""
    if isinstance(e, Rel):
        return e.ms
    if isinstance(e, (int, float)) and not isinstance(e, bool):
        return e - 1_795_000_000_000
    return e


def _blank(s):
    return not isinstance(s, str) or not s.strip()


def predict(spec):
    """Return the rc §3 predicts (0/1/2), or None when the spec does not say."""
    try:
        return _predict(spec)
    except _Unknown:
        return None


class _Unknown(Exception):
    pass


def _predict(spec):
    if spec.get("predict") is not None:
        return spec["predict"]
    if spec.get("predict_unknown"):
        raise _Unknown()
    cfg = spec.get("config")
    if cfg is None:
        return 1  # default openai/gpt-6-astra via codex
    agents = cfg.get("agents", {})
    defaults = agents.get("defaults", {})
    alist = agents.get("list") or []
    agent_id = "main"
    agent_entry = {}
    if len(alist) >= 2:
        if agents.get("ownership") != "explicit" and sum(1 for a in alist if a.get("default") is True) != 1:
            return 1
        sysid = (defaults.get("systemAgent") or {}).get("agentId")
        if agents.get("ownership") == "explicit":
            if not sysid:
                return 1
            agent_id = sysid
        else:
            agent_id = sysid or [a for a in alist if a.get("default") is True][0]["id"]
        ids = [a["id"] for a in alist]
        if agent_id not in ids:
            return 1
        agent_entry = [a for a in alist if a["id"] == agent_id][0]
    elif len(alist) == 1:
        agent_id = alist[0]["id"]
        agent_entry = alist[0]

    aliases = {v.get("alias"): k for k, v in (defaults.get("models") or {}).items() if isinstance(v, dict) and v.get("alias")}

    def norm(ref):
        ref = aliases.get(ref, ref)
        if "/" not in ref:
            raise _Unknown()
        return ref

    model = agent_entry.get("model", defaults.get("model"))
    if model is None:
        return 1
    primary = model if isinstance(model, str) else model.get("primary")
    fallbacks = [] if isinstance(model, str) else (model.get("fallbacks") or [])
    text_routes = [norm(primary)] + [norm(f) for f in fallbacks]
    img = agent_entry.get("imageModel", defaults.get("imageModel"))
    image_routes = []
    if img:
        image_routes = [norm(img)] if isinstance(img, str) else [norm(img["primary"])] + [norm(f) for f in img.get("fallbacks") or []]
    util = agent_entry.get("utilityModel", defaults.get("utilityModel"))
    if util is None:
        u = UTILITY_DEFAULT.get(text_routes[0].split("/")[0])
        util_routes = [u] if u else []
    elif util.strip() == "":
        util_routes = []
    else:
        util_routes = [norm(util.strip())]
    for r in text_routes + util_routes:
        if r.startswith("openai/"):
            return 1  # codex runtime unavailable

    # stores
    if spec.get("shared_location") is not None:
        return 1
    files = spec.get("files") or {}
    if any(p.endswith("auth-profiles.json") for p in files):
        return 1
    shared_profiles, shared_state = {}, {}
    agentdbs = spec.get("agentdbs") or {}
    if spec.get("store") is not None and not spec.get("omit_location"):
        shared_profiles = dict(spec.get("store") or {})
        shared_state = spec.get("state") or {}
        own = agentdbs.get(agent_id)
    else:
        main = agentdbs.get("main") or {}
        shared_profiles = dict(main.get("profiles") or {})
        shared_state = main.get("state") or {}
        own = agentdbs.get(agent_id) if agent_id != "main" else None
    profiles = dict(shared_profiles)
    state = copy.deepcopy(shared_state)

    def norm_order(o):
        out = {}
        for p, ids in (o or {}).items():
            if not isinstance(ids, list):
                continue
            ids2 = [i.strip() for i in ids if isinstance(i, str) and i.strip()]
            if ids2:
                out[p] = ids2
        return out
    order = norm_order(state.get("order"))
    usage = dict(state.get("usageStats") or {})
    if own:
        profiles.update(own.get("profiles") or {})
        ost = own.get("state") or {}
        order.update(norm_order(ost.get("order")))
        usage.update(ost.get("usageStats") or {})

    # env
    env = {}
    cfg_env = ((cfg.get("env") or {}).get("vars") or {})
    dot = {}
    for line in (spec.get("dotenv") or "").splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            dot[k.strip()] = v
    proc = spec.get("env") or {}
    for src in (proc, dot, cfg_env):
        for k, v in src.items():
            env.setdefault(k, v)
    auth_cfg = cfg.get("auth") or {}
    cfg_order = auth_cfg.get("order") or {}
    cfg_profiles = auth_cfg.get("profiles") or {}

    def in_cooldown(pid, model_id):
        st = usage.get(pid)
        if not st or profiles.get(pid, {}).get("provider") in ("openrouter", "kilocode"):
            return False
        vals = []
        cu = st.get("cooldownUntil")
        scoped = st.get("cooldownReason") in ("rate_limit", "timeout", "model_not_found") and st.get("cooldownModel")
        if not (scoped and st.get("cooldownModel") != model_id):
            vals.append(cu)
        vals.append(st.get("disabledUntil"))
        vals = [_rel_ms(v) for v in vals if v is not None]
        vals = [v for v in vals if isinstance(v, (int, float))]
        return any(v > 0 for v in vals) and max(vals) > 0

    def eligible(c):
        t = c.get("type")
        if t == "api_key":
            k = c.get("key")
            return not _blank(k) and not re.match(r"^openclaw\s+onboard(?:\s+.*)?\s+--auth-choice(?:\s|=|$)", k.strip(), re.I)
        if t == "token":
            if _blank(c.get("token")):
                return False
            e = c.get("expires")
            if e is None:
                return True
            if isinstance(e, Rel):
                return e.ms > 0
            return _valid_exp(e) and _rel_ms(e) > 0  # absolute numbers: valid iff in (0, 8.64e15] and future
        if t == "oauth":
            if _blank(c.get("access")) and _blank(c.get("refresh")):
                return False
            e = c.get("expires")
            return isinstance(e, Rel)  # invalid/absent expires: skipped by route selection (§3.7)
        return False

    def rank(pid):
        c = profiles[pid]
        t = {"oauth": 0, "token": 1, "api_key": 2}.get(c.get("type"), 3)
        expired_oauth = c.get("type") == "oauth" and isinstance(c.get("expires"), Rel) and c["expires"].ms <= 0
        lu = (usage.get(pid) or {}).get("lastUsed") or 0
        return (1 if expired_oauth else 0, t, _rel_ms(lu) if lu else -10 ** 18)

    def route_health(ref):
        prov, model_id = ref.split("/", 1)
        cands = [pid for pid, c in profiles.items() if c.get("provider") == prov]
        explicit = None
        if prov in order:
            explicit = [i for i in order[prov]]
            listed = [i for i in explicit if i in profiles and profiles[i].get("provider") == prov and eligible(profiles[i])]
            if not listed:
                listed = sorted([p for p in cands if eligible(profiles[p])], key=rank)
        elif prov in cfg_order:
            explicit = cfg_order[prov]
            listed = [i for i in explicit if i in profiles and profiles[i].get("provider") == prov and eligible(profiles[i])]
        else:
            restrict = [pid for pid, pc in cfg_profiles.items() if pc.get("provider") == prov]
            pool = [p for p in cands if (not restrict or p in restrict) and eligible(profiles[p])]
            listed = sorted(pool, key=rank)
        for pid, pc in cfg_profiles.items():
            if pid in listed and pc.get("mode") and pc.get("mode") != profiles[pid].get("type"):
                raise _Unknown()
        usable = [p for p in listed if not in_cooldown(p, model_id)]
        if usable:
            c = profiles[usable[0]]
            e = c.get("expires")
            if c.get("type") == "api_key" or e is None:
                return 0
            ms = _rel_ms(e)
            if c.get("type") == "oauth" and ms <= 0:
                return 1
            if c.get("type") == "oauth" and ms <= 5 * M:
                raise _Unknown()
            return 2 if ms <= D else 0
        if listed:
            return 1  # all cooled down
        if explicit is None:
            if any(not _blank(env.get(v)) for v in ENV_VARS.get(prov, [])):
                return 0
        return 1

    worst = 0
    for r in text_routes + image_routes + util_routes:
        h = route_health(r)
        if h == 1:
            return 1
        worst = max(worst, h)
    return worst


# ---------------------------------------------------------------- hand-picked cases
def hand_cases():
    C = {}

    def add(name, desc, **spec):
        spec["desc"] = desc
        C[name] = spec

    A = "anthropic:manual"
    # --- token expiry encodings
    add("h01-token-expires-zero", "token expires 0 (invalid_expires)", config=ANTH, store={A: tok(0)})
    add("h02-token-expires-negative", "token expires -5 (invalid_expires)", config=ANTH, store={A: tok(-5)})
    add("h03-token-expires-string-date", "token expires \"2027-01-01\" (string)", config=ANTH, store={A: tok("2027-01-01")})
    add("h04-token-expires-seconds-epoch", "token expires 1.79e9 (seconds, read as ms in 1970)", config=ANTH, store={A: tok(1_790_000_000)})
    add("h05-token-expires-beyond-max", "token expires 9e15 (> 8.64e15)", config=ANTH, store={A: tok(9_000_000_000_000_000)})
    add("h06-token-expires-at-max", "token expires exactly 8.64e15 (valid, far future)", config=ANTH, store={A: tok(8_640_000_000_000_000)})
    add("h07-token-blank-string", "token with blank token string and valid expiry", config=ANTH, store={A: tok(Rel(30 * D), token="   ")})
    add("h08-token-exactly-24h", "token expires exactly NOW+24h (inclusive -> expiring)", config=ANTH, store={A: tok(Rel(D))})
    add("h09-invalid-token-plus-expiring", "invalid-expires token (string) + expiring token", config=ANTH,
        store={A: tok("soon"), "anthropic:second": tok(Rel(6 * H), token=FAKE_TOK2)})
    # --- oauth
    add("h10-oauth-expiring-within-refresh-margin", "oauth (with refresh) expiring in 150 s (< 5 min refresh margin)", config=ANTH,
        store={"anthropic:fake@example.invalid": oauth(Rel(150 * S), refresh=True)}, predict_unknown=True)
    add("h11-oauth-margin-no-refresh", "oauth (no refresh) expiring in 150 s (< 5 min refresh margin)", config=ANTH,
        store={"anthropic:fake@example.invalid": oauth(Rel(150 * S), refresh=False)}, predict_unknown=True)
    add("h12-token-expiring-150s", "token expiring in 150 s (no refresh margin for tokens?)", config=ANTH, store={A: tok(Rel(150 * S))})
    add("h13-oauth-refresh-only", "oauth with refresh but no access, valid 10d", config=ANTH,
        store={"anthropic:fake@example.invalid": oauth(Rel(10 * D), access=False)}, predict_unknown=True)
    add("h14-oauth-invalid-expires-soon-only", "only profile: oauth expires \"soon\" with refresh", config=ANTH,
        store={"anthropic:fake@example.invalid": oauth("soon", refresh=True)})
    add("h15-oauth-expires0-no-refresh-plus-key", "oauth expires 0 (no refresh) + api_key", config=ANTH,
        store={"anthropic:fake@example.invalid": oauth(0, refresh=False), "anthropic:key": apikey()})
    add("h16-oauth-no-expires-field", "oauth without expires field + expiring token", config=ANTH,
        store={"anthropic:fake@example.invalid": oauth(None, with_expires=False), A: tok(Rel(5 * H))})
    # --- api keys
    add("h17-api-key-blank", "api_key profile with blank key", config=ANTH, store={"anthropic:key": apikey(key="  ")})
    add("h18-api-key-onboard-command", "api_key = 'openclaw onboard --auth-choice ...' (malformed)", config=ANTH,
        store={"anthropic:key": apikey(key=FAKE_ONBOARD)})
    add("h19-api-key-onboard-plus-env", "malformed api_key + ANTHROPIC_API_KEY env", config=ANTH,
        store={"anthropic:key": apikey(key=FAKE_ONBOARD)}, env={"ANTHROPIC_API_KEY": FAKE_KEY2})
    # --- provider field vs id
    add("h20-provider-field-not-prefix", "id work:main provider anthropic, expiring token", config=ANTH,
        store={"work:main": tok(Rel(8 * H))})
    add("h21-prefix-anthropic-provider-openai", "id anthropic:manual but provider openai (expired) + anthropic api key", config=ANTH,
        store={A: tok(Rel(-2 * H), provider="openai"), "work:key": apikey()})
    # --- order / state
    add("h22-state-order-pins-expiring", "state order [expiring token] before valid api key", config=ANTH,
        store={A: tok(Rel(4 * H)), "anthropic:key": apikey()}, state={"version": 1, "order": {"anthropic": [A, "anthropic:key"]}})
    add("h23-state-order-key-first", "state order [api_key, expiring token]", config=ANTH,
        store={A: tok(Rel(4 * H)), "anthropic:key": apikey()}, state={"version": 1, "order": {"anthropic": ["anthropic:key", A]}})
    add("h24-state-order-empty-list", "state order anthropic [] + expiring token + env key", config=ANTH,
        store={A: tok(Rel(4 * H))}, state={"version": 1, "order": {"anthropic": []}}, env={"ANTHROPIC_API_KEY": FAKE_KEY})
    add("h25-state-order-blank-ids", "state order ['', '  '] + valid token", config=ANTH,
        store={A: tok(Rel(9 * D))}, state={"version": 1, "order": {"anthropic": ["", "  "]}})
    add("h26-state-order-unknown-ids-repair", "state order [unknown id] -> repair to all profiles (expiring token)", config=ANTH,
        store={A: tok(Rel(10 * H))}, state={"version": 1, "order": {"anthropic": ["anthropic:gone"]}}, env={"ANTHROPIC_API_KEY": FAKE_KEY})
    add("h27-config-order-empty-list", "config auth.order anthropic [] + valid token + env key", config={**ANTH, "auth": {"order": {"anthropic": []}}},
        store={A: tok(Rel(9 * D))}, env={"ANTHROPIC_API_KEY": FAKE_KEY})
    add("h28-config-order-unknown-ids", "config auth.order [unknown] + valid api key", config={**ANTH, "auth": {"order": {"anthropic": ["anthropic:gone"]}}},
        store={"anthropic:key": apikey()})
    add("h29-config-order-expired-pinned-env", "config order [expired token] + ANTHROPIC_API_KEY (order disables env)",
        config={**ANTH, "auth": {"order": {"anthropic": [A]}}}, store={A: tok(Rel(-3 * H))}, env={"ANTHROPIC_API_KEY": FAKE_KEY})
    add("h30-lastused-picks-expiring", "two tokens, the expiring one least recently used", config=ANTH,
        store={"anthropic:a": tok(Rel(40 * D)), "anthropic:b": tok(Rel(7 * H), token=FAKE_TOK2)},
        state={"version": 1, "usageStats": {"anthropic:a": {"lastUsed": Rel(-1 * H)}, "anthropic:b": {"lastUsed": Rel(-5 * D)}}})
    add("h31-lastused-picks-valid", "two tokens, the valid one least recently used", config=ANTH,
        store={"anthropic:a": tok(Rel(40 * D)), "anthropic:b": tok(Rel(7 * H), token=FAKE_TOK2)},
        state={"version": 1, "usageStats": {"anthropic:a": {"lastUsed": Rel(-5 * D)}, "anthropic:b": {"lastUsed": Rel(-1 * H)}}})
    add("h32-cooldown-expiring-skipped", "expiring token in cooldown (+3h) + valid token", config=ANTH,
        store={"anthropic:a": tok(Rel(6 * H)), "anthropic:b": tok(Rel(20 * D), token=FAKE_TOK2)},
        state={"version": 1, "usageStats": {"anthropic:a": {"cooldownUntil": Rel(3 * H), "cooldownReason": "overloaded", "errorCount": 2}}})
    add("h33-cooldown-past", "expiring token with a past cooldown (-2h)", config=ANTH,
        store={A: tok(Rel(6 * H))}, state={"version": 1, "usageStats": {A: {"cooldownUntil": Rel(-2 * H), "errorCount": 1}}})
    add("h34-disabled-until-future", "only api key disabledUntil +5h (billing)", config=ANTH,
        store={"anthropic:key": apikey()}, state={"version": 1, "usageStats": {"anthropic:key": {"disabledUntil": Rel(5 * H), "disabledReason": "billing"}}})
    add("h35-ratelimit-cooldown-route-model", "rate_limit cooldownModel = claude-sonnet-4-6 on the only key", config=ANTH,
        store={"anthropic:key": apikey()},
        state={"version": 1, "usageStats": {"anthropic:key": {"cooldownUntil": Rel(2 * H), "cooldownReason": "rate_limit", "cooldownModel": "claude-sonnet-4-6"}}})
    add("h36-ratelimit-cooldown-other-model", "rate_limit cooldownModel = claude-opus-4-8 (not a route) on the only key", config=ANTH,
        store={"anthropic:key": apikey()},
        state={"version": 1, "usageStats": {"anthropic:key": {"cooldownUntil": Rel(2 * H), "cooldownReason": "rate_limit", "cooldownModel": "claude-opus-4-8"}}})
    add("h37-ratelimit-sonnet-token-vs-key", "expiring token cooled for sonnet only + api key (haiku route still uses token)", config=ANTH,
        store={A: tok(Rel(9 * H)), "anthropic:key": apikey()},
        state={"version": 1, "usageStats": {A: {"cooldownUntil": Rel(2 * H), "cooldownReason": "rate_limit", "cooldownModel": "claude-sonnet-4-6"}}})
    add("h38-ratelimit-sonnet-utility-disabled", "as h37 but utilityModel \"\" (only sonnet route)",
        config=cfg_model(SONNET, utilityModel=""),
        store={A: tok(Rel(9 * H)), "anthropic:key": apikey()},
        state={"version": 1, "usageStats": {A: {"cooldownUntil": Rel(2 * H), "cooldownReason": "rate_limit", "cooldownModel": "claude-sonnet-4-6"}}})
    add("h39-openrouter-cooldown-bypassed", "openrouter primary, its only key in cooldown (provider-managed cooldown)",
        config=cfg_model("openrouter/anthropic/claude-sonnet-5"), store={"openrouter:key": apikey("openrouter")},
        state={"version": 1, "usageStats": {"openrouter:key": {"cooldownUntil": Rel(3 * H), "cooldownReason": "overloaded"}}})
    # --- config shapes
    add("h40-alias-primary", "primary 'sonnet' via agents.defaults.models alias, expiring token",
        config={"agents": {"defaults": {"model": {"primary": "sonnet"}, "models": {"anthropic/claude-sonnet-5": {"alias": "sonnet"}}}}},
        store={A: tok(Rel(12 * H))})
    add("h41-bare-model-no-provider", "primary 'claude-opus-4-8' without provider, anthropic api key",
        config=cfg_model("claude-opus-4-8"), store={"anthropic:key": apikey()}, predict_unknown=True)
    add("h42-utility-google-missing", "anthropic valid + utilityModel google/gemini-3-flash without google auth",
        config=cfg_model(SONNET, utilityModel="google/gemini-3-flash"), store={A: tok(Rel(30 * D))})
    add("h43-utility-google-env", "anthropic valid + utilityModel google/gemini-3-flash + GEMINI_API_KEY",
        config=cfg_model(SONNET, utilityModel="google/gemini-3-flash"), store={A: tok(Rel(30 * D))},
        env={"GEMINI_API_KEY": PROVIDER_KEYS["google"]})
    add("h44-utility-disabled-google-primary", "google primary (GOOGLE_API_KEY), utilityModel \"\"",
        config=cfg_model("google/gemini-2.5-pro", utilityModel=""), env={"GOOGLE_API_KEY": PROVIDER_KEYS["google"]})
    add("h45-image-model-expiring-xai", "anthropic api key; imageModel xai token expiring",
        config=cfg_model(SONNET, imageModel={"primary": "xai/grok-4.7", "fallbacks": []}),
        store={"anthropic:key": apikey(), "xai:manual": tok(Rel(10 * H), "xai")})
    add("h46-image-fallback-missing", "imageModel primary google (env) + fallback openrouter (no auth)",
        config=cfg_model(SONNET, imageModel={"primary": "google/gemini-2.5-flash", "fallbacks": ["openrouter/auto"]}),
        store={"anthropic:key": apikey()}, env={"GEMINI_API_KEY": PROVIDER_KEYS["google"]})
    add("h47-openai-fallback-codex", "anthropic valid + text fallback openai/gpt-5.6-luna with OPENAI_API_KEY",
        config=cfg_model(SONNET, ["openai/gpt-5.6-luna"]), store={"anthropic:key": apikey()}, env={"OPENAI_API_KEY": PROVIDER_KEYS["openai"]})
    add("h48-openai-image-model", "anthropic valid + imageModel openai/gpt-image-2 with OPENAI_API_KEY",
        config=cfg_model(SONNET, imageModel="openai/gpt-image-2"), store={"anthropic:key": apikey()},
        env={"OPENAI_API_KEY": PROVIDER_KEYS["openai"]})
    add("h49-auth-profiles-restrict", "config auth.profiles lists only the valid key; expiring token not a candidate",
        config={**ANTH, "auth": {"profiles": {"anthropic:key": {"provider": "anthropic", "mode": "api_key"}}}},
        store={A: tok(Rel(5 * H)), "anthropic:key": apikey()})
    add("h50-auth-profiles-mode-mismatch", "config auth.profiles says mode oauth for a token profile (expiring)",
        config={**ANTH, "auth": {"profiles": {A: {"provider": "anthropic", "mode": "oauth"}}}},
        store={A: tok(Rel(5 * H))}, predict_unknown=True)
    # --- env sources
    add("h51-env-vars-config", "config env.vars ANTHROPIC_API_KEY only", config={**ANTH, "env": {"vars": {"ANTHROPIC_API_KEY": FAKE_KEY}}})
    add("h52-env-blank-process-dotenv-set", "process ANTHROPIC_API_KEY blank, ~/.openclaw/.env has it", config=ANTH,
        env={"ANTHROPIC_API_KEY": ""}, dotenv=f"ANTHROPIC_API_KEY={FAKE_KEY}\n", predict_unknown=True)
    add("h53-env-blank-process-config-vars", "process ANTHROPIC_API_KEY blank, config env.vars has it",
        config={**ANTH, "env": {"vars": {"ANTHROPIC_API_KEY": FAKE_KEY}}}, env={"ANTHROPIC_API_KEY": " "}, predict_unknown=True)
    add("h54-env-oauth-token-blank-api-key-set", "ANTHROPIC_OAUTH_TOKEN blank + ANTHROPIC_API_KEY set", config=ANTH,
        env={"ANTHROPIC_OAUTH_TOKEN": "", "ANTHROPIC_API_KEY": FAKE_KEY})
    add("h55-env-key-plus-expired-token", "expired token + ANTHROPIC_OAUTH_TOKEN env (no order)", config=ANTH,
        store={A: tok(Rel(-6 * H))}, env={"ANTHROPIC_OAUTH_TOKEN": FAKE_TOK2})
    add("h56-env-key-plus-expiring-token", "expiring token + ANTHROPIC_API_KEY env (profile preferred?)", config=ANTH,
        store={A: tok(Rel(6 * H))}, env={"ANTHROPIC_API_KEY": FAKE_KEY})
    # --- store locations
    add("h57-state-dir-override", "OPENCLAW_STATE_DIR=@HOME@/custom-state (expiring token) + decoy ~/.openclaw/openclaw.json (google, no auth)",
        root="custom-state", config=ANTH, store={A: tok(Rel(11 * H))}, env={"OPENCLAW_STATE_DIR": "@HOME@/custom-state"},
        files={".openclaw/openclaw.json": json.dumps(cfg_model("google/gemini-2.5-pro"))})
    add("h58-config-path-override", "OPENCLAW_CONFIG_PATH to google config; decoy ~/.openclaw/openclaw.json anthropic",
        config=cfg_model("google/gemini-2.5-pro"), config_at="cfg/alt-openclaw.json",
        env={"OPENCLAW_CONFIG_PATH": "@HOME@/cfg/alt-openclaw.json"}, store={"google:manual": tok(Rel(13 * H), "google")},
        files={".openclaw/openclaw.json": json.dumps(ANTH)})
    add("h59-openclaw-home", "OPENCLAW_HOME=@HOME@/althome, store there has valid oauth",
        root="althome/.openclaw", config=ANTH, store={"anthropic:fake@example.invalid": oauth(Rel(20 * D))},
        env={"OPENCLAW_HOME": "@HOME@/althome"})
    add("h60-state-db-rows-without-location", "state-db rows but no auth.sharedStore row (legacy-main, no agent DB)",
        config=ANTH, store={A: tok(Rel(30 * D))}, omit_location=True)
    add("h61-statedb-plus-main-agentdb", "state-db valid token + main agent DB same id expiring (agent-local wins?)",
        config=ANTH, store={A: tok(Rel(30 * D))}, agentdbs={"main": {"profiles": {A: tok(Rel(7 * H))}}})
    add("h62-legacy-main-state-order", "legacy-main DB: expiring token + api key, state order key first",
        config=ANTH, agentdbs={"main": {"profiles": {A: tok(Rel(7 * H)), "anthropic:key": apikey()},
                                        "state": {"version": 1, "order": {"anthropic": ["anthropic:key", A]}}}})
    add("h63-state-dir-dotenv", "OPENCLAW_STATE_DIR dotenv supplies ANTHROPIC_API_KEY; decoy ~/.openclaw/.env empty",
        root="custom-state", config=ANTH, dotenv=f"ANTHROPIC_API_KEY={FAKE_KEY}\n", env={"OPENCLAW_STATE_DIR": "@HOME@/custom-state"},
        files={".openclaw/.env": "# nothing here\n"})
    # --- multi-agent
    two = [{"id": "main"}, {"id": "research", "model": {"primary": "anthropic/claude-opus-4-8"}}]
    add("h64-agents-roster-no-ownership", "2 agents, no ownership/default marker (roster error)",
        config={"agents": {"defaults": {"model": {"primary": SONNET}}, "list": two}}, store={A: tok(Rel(30 * D))})
    add("h65-agents-explicit-system-main", "explicit ownership, systemAgent main, shared expiring token",
        config={"agents": {"ownership": "explicit", "defaults": {"model": {"primary": SONNET}, "systemAgent": {"agentId": "main"}}, "list": two}},
        store={A: tok(Rel(15 * H))})
    add("h66-agents-research-agentdb-overrides", "systemAgent research, research DB has same id expiring; shared valid",
        config={"agents": {"ownership": "explicit", "defaults": {"model": {"primary": SONNET}, "systemAgent": {"agentId": "research"}}, "list": two}},
        store={A: tok(Rel(30 * D))}, agentdbs={"research": {"profiles": {A: tok(Rel(15 * H))}}})
    add("h67-agents-research-inherits-shared", "systemAgent research (no own DB) inherits shared expiring token",
        config={"agents": {"ownership": "explicit", "defaults": {"model": {"primary": SONNET}, "systemAgent": {"agentId": "research"}}, "list": two}},
        store={A: tok(Rel(15 * H))})
    add("h68-agents-research-model-override-google", "systemAgent research has model google (no google auth); defaults anthropic valid token",
        config={"agents": {"ownership": "explicit", "defaults": {"model": {"primary": SONNET}, "systemAgent": {"agentId": "research"}},
                           "list": [{"id": "main"}, {"id": "research", "model": "google/gemini-2.5-pro"}]}},
        store={A: tok(Rel(30 * D))})
    add("h69-agents-legacy-default-marker", "2 agents, research default:true (no ownership), research DB api key",
        config={"agents": {"defaults": {"model": {"primary": SONNET}}, "list": [{"id": "main"}, {"id": "research", "default": True}]}},
        store={A: tok(Rel(-1 * H))}, agentdbs={"research": {"profiles": {"anthropic:key": apikey()}}})
    add("h70-agents-main-agentdb-other-agent-expired", "systemAgent main (valid); research DB has expired token (ignored)",
        config={"agents": {"ownership": "explicit", "defaults": {"model": {"primary": SONNET}, "systemAgent": {"agentId": "main"}}, "list": two}},
        store={"anthropic:key": apikey()}, agentdbs={"research": {"profiles": {A: tok(Rel(-1 * H))}}})
    add("h71-utility-openai-explicit", "anthropic api key + utilityModel openai/gpt-5.6-luna with OPENAI_API_KEY",
        config=cfg_model(SONNET, utilityModel="openai/gpt-5.6-luna"), store={"anthropic:key": apikey()},
        env={"OPENAI_API_KEY": PROVIDER_KEYS["openai"]})
    add("h72-image-model-expired-xai", "anthropic api key; imageModel xai with only an expired token",
        config=cfg_model(SONNET, imageModel="xai/grok-4.7"),
        store={"anthropic:key": apikey(), "xai:manual": tok(Rel(-4 * H), "xai")})
    add("h73-image-model-expiring-anthropic-own-route", "api key only for text (state order), imageModel anthropic opus; expiring token first for image?",
        config=cfg_model(SONNET, imageModel="anthropic/claude-opus-4-8"),
        store={A: tok(Rel(9 * H)), "anthropic:key": apikey()},
        state={"version": 1, "order": {"anthropic": ["anthropic:key", A]}})
    return C


# ---------------------------------------------------------------- randomized cases
def random_cases(n, rng):
    cases = {}
    targets = [0, 2, 1] * (n // 3 + 1)
    for i in range(n):
        name, spec = gen_random(rng, i + 1, targets[i])
        cases[name] = spec
    return cases


OTHER_MODELS = {
    "google": ["google/gemini-2.5-pro", "google/gemini-3-flash", "google/gemini-3.5-flash"],
    "openrouter": ["openrouter/anthropic/claude-sonnet-5", "openrouter/auto"],
    "xai": ["xai/grok-4.7", "xai/grok-4.5"],
}
ANTH_MODELS = ["anthropic/claude-sonnet-4-6", "anthropic/claude-opus-4-8", "anthropic/claude-sonnet-5"]


def rand_exp(rng, kind):
    if kind == "valid":
        return Rel(rng.choice([rng.randint(2, 60) * D + rng.randint(0, 23) * H, rng.randint(25, 47) * H + rng.randint(0, 40) * M]))
    if kind == "expiring":
        return Rel(rng.choice([D, rng.randint(20, 23 * 60 + 30) * M]))
    if kind == "expired":
        return Rel(-rng.choice([rng.randint(15, 600) * M, rng.randint(1, 30) * D]))
    raise ValueError(kind)


def gen_random(rng, idx, target):
    tags = []
    desc = []
    # routes
    primary_prov = rng.choices(["anthropic", "google", "openrouter", "xai"], [14, 2, 1, 1])[0]
    primary = rng.choice(ANTH_MODELS if primary_prov == "anthropic" else OTHER_MODELS[primary_prov])
    fallbacks = []
    if rng.random() < 0.35:
        fp = rng.choice(["anthropic", "google", "openrouter", "xai"])
        fb = rng.choice(ANTH_MODELS if fp == "anthropic" else OTHER_MODELS[fp])
        if fb != primary:
            fallbacks.append(fb)
    defaults = {}
    alias_used = False
    if primary_prov == "anthropic" and rng.random() < 0.15:
        defaults["models"] = {primary: {"alias": "main-model"}}
        model_val = "main-model"
        alias_used = True
    else:
        model_val = primary
    if fallbacks or rng.random() < 0.4:
        defaults["model"] = {"primary": model_val, "fallbacks": fallbacks}
    else:
        defaults["model"] = model_val
    if rng.random() < 0.2:
        ip = rng.choice(["google", "xai", "anthropic"])
        im = rng.choice(ANTH_MODELS if ip == "anthropic" else OTHER_MODELS[ip])
        defaults["imageModel"] = {"primary": im, "fallbacks": []} if rng.random() < 0.5 else im
        tags.append("img")
    u = rng.random()
    if u < 0.12:
        defaults["utilityModel"] = ""
        tags.append("noutil")
    elif u < 0.27:
        defaults["utilityModel"] = rng.choice(["anthropic/claude-haiku-4-5", "google/gemini-3-flash"])
        tags.append("util")
    routes = [primary] + fallbacks
    if isinstance(defaults.get("imageModel"), dict):
        routes.append(defaults["imageModel"]["primary"])
    elif defaults.get("imageModel"):
        routes.append(defaults["imageModel"])
    util = defaults.get("utilityModel")
    if util is None and primary_prov == "anthropic":
        routes.append(UTILITY_DEFAULT["anthropic"])
    elif util:
        routes.append(util)
    route_provs = []
    for r in routes:
        p = r.split("/")[0]
        if p not in route_provs:
            route_provs.append(p)
    if alias_used:
        tags.append("alias")
    if fallbacks:
        tags.append("fb-" + fallbacks[0].split("/")[0])
    if primary_prov != "anthropic":
        tags.append(primary_prov)

    # per provider intended state
    states = {p: "good" for p in route_provs}
    if target == 2:
        states[rng.choice(route_provs)] = "expiring"
        for p in route_provs:
            if states[p] == "good" and rng.random() < 0.2:
                states[p] = "expiring"
    elif target == 1:
        states[rng.choice(route_provs)] = "bad"
        for p in route_provs:
            if states[p] == "good" and rng.random() < 0.3:
                states[p] = "expiring"

    profiles = {}
    usage = {}
    order = {}
    cfg_order = {}
    env = {}
    dotenv = {}
    env_vars = {}

    def put_env(var, val):
        where = rng.choices(["proc", "dotenv", "cfg"], [5, 2, 2])[0]
        {"proc": env, "dotenv": dotenv, "cfg": env_vars}[where][var] = val
        return where

    for p in route_provs:
        st = states[p]
        name_n = [0]

        def pid(kind):
            name_n[0] += 1
            if rng.random() < 0.15:
                return f"{rng.choice(['work', 'team', 'home'])}:{kind}{name_n[0]}"
            return f"{p}:{kind}{name_n[0]}"
        main_id = None
        main = None
        if st == "good":
            kinds = ["token-valid", "token-noexp", "apikey", "env"] + (["oauth-valid"] if p == "anthropic" else [])
            k = rng.choice(kinds)
        elif st == "expiring":
            k = rng.choice(["token-expiring", "oauth-expiring"] if p == "anthropic" else ["token-expiring"])
        else:
            kinds = ["token-expired", "nothing", "apikey-cooldown", "token-invalid", "apikey-blank"] + (
                ["oauth-expired"] if p == "anthropic" else [])
            k = rng.choice(kinds)
        if k == "env":
            var = rng.choice(ENV_VARS[p])
            val = (FAKE_TOK if "OAUTH" in var else PROVIDER_KEYS[p])
            w = put_env(var, val)
            desc.append(f"{p}:env {var}({w})")
        elif k != "nothing":
            if k.startswith("token"):
                e = {"token-valid": lambda: rand_exp(rng, "valid"), "token-noexp": lambda: None,
                     "token-expiring": lambda: rand_exp(rng, "expiring"), "token-expired": lambda: rand_exp(rng, "expired"),
                     "token-invalid": lambda: rng.choice([0, -1, "2027-01-01", 1_790_000_000, 9e15])}[k]()
                main_id, main = pid("tok"), tok(e, p)
            elif k.startswith("oauth"):
                e = rand_exp(rng, {"oauth-valid": "valid", "oauth-expiring": "expiring", "oauth-expired": "expired"}[k])
                main_id, main = pid("oauth"), oauth(e, refresh=rng.random() < 0.7, provider=p)
            elif k.startswith("apikey"):
                main_id, main = pid("key"), apikey(p, key="" if k == "apikey-blank" else None)
                if k == "apikey-cooldown":
                    usage[main_id] = {"cooldownUntil": Rel(rng.randint(1, 20) * H), "cooldownReason": rng.choice(["overloaded", "billing", "timeout"]),
                                      "errorCount": rng.randint(1, 5)}
            profiles[main_id] = main
            desc.append(f"{main_id}={short(main)}")
        # noise: profiles that should not be selected ahead of the main one
        main_rank = {"oauth": 0, "token": 1, "api_key": 2}.get(main["type"]) if main else 3
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            nk = rng.choice(["expired-token", "invalid-token", "blank-key", "cooled", "lower", "expired-oauth", "invalid-oauth", "other-provider"])
            if nk == "expired-token":
                nid, nc = pid("old"), tok(rand_exp(rng, "expired"), p)
            elif nk == "invalid-token":
                nid, nc = pid("bad"), tok(rng.choice([0, "soon", 1_790_000_000, -100]), p)
            elif nk == "blank-key":
                nid, nc = pid("blank"), apikey(p, key=rng.choice(["", "   ", FAKE_ONBOARD]))
            elif nk == "cooled":
                nid, nc = pid("cool"), rng.choice([tok(rand_exp(rng, rng.choice(["valid", "expiring"])), p), apikey(p)])
                fld = rng.choice(["cooldownUntil", "disabledUntil"])
                usage[nid] = {fld: Rel(rng.randint(1, 30) * H), ("cooldownReason" if fld == "cooldownUntil" else "disabledReason"): rng.choice(["overloaded", "auth", "billing"])}
            elif nk == "lower":
                if main is None or main_rank >= 2:
                    continue
                # same or lower priority type, but used more recently
                if main["type"] == "oauth":
                    nc = rng.choice([tok(rand_exp(rng, rng.choice(["valid", "expiring"])), p), apikey(p)])
                else:
                    nc = rng.choice([apikey(p), tok(rand_exp(rng, rng.choice(["valid", "expiring"])), p)])
                    if nc["type"] == "token":
                        usage.setdefault(main_id, {})["lastUsed"] = Rel(-rng.randint(2, 9) * D)
                        pid_last = pid("recent")
                        usage[pid_last] = {"lastUsed": Rel(-rng.randint(10, 300) * M)}
                        profiles[pid_last] = nc
                        desc.append(f"+{pid_last}={short(nc)}(recent)")
                        continue
                nid = pid("alt")
            elif nk == "expired-oauth":
                if p != "anthropic":
                    continue
                nid, nc = pid("oauthold"), oauth(rand_exp(rng, "expired"), refresh=rng.random() < 0.5, provider=p)
                if main is None or main["type"] == "oauth":
                    continue
            elif nk == "invalid-oauth":
                if p != "anthropic":
                    continue
                nid, nc = pid("oauthbad"), oauth(rng.choice(["soon", 0]), refresh=rng.random() < 0.5, provider=p)
            else:
                op = rng.choice(["openai", "xai", "google"])
                if op in route_provs:
                    continue
                nid = f"{op}:manual"
                nc = rng.choice([tok(rand_exp(rng, rng.choice(["expired", "expiring"])), op), apikey(op)])
            if nid in profiles:
                continue
            profiles[nid] = nc
            desc.append(f"+{nid}={short(nc)}" + (f"[{next(iter(usage[nid]))}]" if nid in usage else ""))
        # explicit order sometimes
        if main_id and rng.random() < 0.25:
            ids = [i for i, c in profiles.items() if c.get("provider") == p]
            rng.shuffle(ids)
            ids.remove(main_id)
            # put main first among eligible: place only ineligible-ish ids before it
            lst = [main_id] + ids[: rng.randint(0, len(ids))]
            if rng.random() < 0.5:
                order[p] = lst
                tags.append("sorder")
                desc.append(f"state.order.{p}={lst}")
            else:
                cfg_order[p] = lst
                tags.append("corder")
                desc.append(f"auth.order.{p}={lst}")
        # an extra env key for a provider in "good"/"expiring" profile state (never overrides a selected profile)
        if main_id and rng.random() < 0.15:
            var = ENV_VARS[p][-1]
            w = put_env(var, PROVIDER_KEYS[p])
            desc.append(f"+env {var}({w})")
        if st == "bad" and k == "token-expired" and rng.random() < 0.3:
            var = ENV_VARS[p][-1]
            env[var] = ""
            desc.append(f"+blank {var}")

    config = {"agents": {"defaults": defaults}}
    if cfg_order:
        config["auth"] = {"order": cfg_order}
    if env_vars:
        config["env"] = {"vars": env_vars}
    # storage backend
    backend = rng.choices(["statedb", "legacy", "custom", "multi"], [11, 4, 2, 3])[0]
    state = {"version": 1}
    if order:
        state["order"] = order
    if usage:
        state["usageStats"] = usage
    if len(state) == 1:
        state = None
    spec = {"config": config}
    if backend == "statedb":
        spec.update(store=profiles, state=state)
    elif backend == "legacy":
        spec.update(agentdbs={"main": {"profiles": profiles, "state": state}})
        tags.append("legacy")
    elif backend == "custom":
        spec.update(root="custom-state", store=profiles, state=state)
        env["OPENCLAW_STATE_DIR"] = "@HOME@/custom-state"
        tags.append("statedir")
    else:
        # two agents, explicit ownership; the checked agent keeps half of the profiles in its own DB
        target_agent = rng.choice(["main", "ops"])
        config["agents"]["ownership"] = "explicit"
        defaults["systemAgent"] = {"agentId": target_agent}
        config["agents"]["list"] = [{"id": "main"}, {"id": "ops"}]
        mine = {k2: v for k2, v in profiles.items() if rng.random() < 0.5}
        shared = {k2: v for k2, v in profiles.items() if k2 not in mine}
        spec.update(store=shared, state=state, agentdbs={target_agent: {"profiles": mine}})
        tags.append(f"agents-{target_agent}")
    if env:
        spec["env"] = env
    if dotenv:
        spec["dotenv"] = "".join(f"{k2}={v}\n" for k2, v in dotenv.items())
    if not profiles and backend != "legacy":
        if "store" in spec and not spec.get("agentdbs"):
            spec["store"] = None
    desc_s = f"target {target}; model {model_val}" + (f" fb {fallbacks}" if fallbacks else "") + (
        f"; util {util!r}" if util is not None else "") + (f"; img {defaults['imageModel']}" if defaults.get("imageModel") else "") + \
        f"; {backend}; " + ", ".join(desc)
    spec["desc"] = desc_s
    spec["target"] = target
    abbrev = {"anthropic": "anth", "google": "goog", "openrouter": "orou", "xai": "xai"}
    name = f"r{idx:02d}-t{target}-" + "-".join([states[p][0] + abbrev[p] for p in route_provs] + tags)
    return name[:80], spec


def short(c):
    t = c["type"]
    if t == "api_key":
        k = c.get("key", "")
        return "api_key" + ("(blank)" if not k.strip() else "(onboard)" if "onboard" in k else "")
    e = c.get("expires", "none")
    if isinstance(e, Rel):
        e = fmt_rel(e.ms)
    extra = ""
    if t == "oauth":
        extra = "+refresh" if c.get("refresh") else "-refresh"
    return f"{t}@{e}{extra}"


# ---------------------------------------------------------------- running
def all_cases():
    cases = dict(hand_cases())
    cases.update(random_cases(N_RANDOM, random.Random(SEED)))
    return cases


N_RANDOM = 30
TMP_PREFIX_RE = re.compile(r"/tmp/ocfix\.[A-Za-z0-9]+")


def scrub_outputs(fdir):
    for fn in ("check.txt", "status.json", "status.stderr.txt"):
        p = os.path.join(fdir, fn)
        if not os.path.exists(p):
            continue
        if os.path.getsize(p) > MAX_KEEP_BYTES:
            os.remove(p)
            continue
        with open(p) as f:
            t = f.read()
        t2 = TMP_PREFIX_RE.sub("~", t)
        if t2 != t:
            with open(p, "w") as f:
                f.write(t2)


def run_case(args):
    name, spec, out, runner = args
    now = int(time.time()) * 1000
    fdir = build(name, spec, out, now)
    r = subprocess.run([runner, fdir, "--record"], capture_output=True, text=True)
    scrub_outputs(fdir)
    res = r.stdout.strip() or r.stderr.strip()
    return name, res


FINDINGS = """\
## What the recordings show beyond (or against) openclaw-auth.md §3

- **Image routes never give rc 2.** `models status` evaluates image routes with
  `resolveProviderAuthAvailability` (no selected profile), so an image route is only ok/missing:
  expiring xai token as image model -> rc 0 (`h45`; §3 model said 2), expiring anthropic token
  behind an ordered api key with an anthropic image model -> 0 (`h73`), expired-only xai image route -> 1 (`h72`).
- **Per-agent model overrides are ignored without `--agent`.** With `agents.ownership: "explicit"` and
  `agents.defaults.systemAgent.agentId: research`, the research agent's dir/store is used (`h66`, `h67`),
  but Default/Fallbacks come from `agents.defaults` (`agentModelPrimary` is only read with `--agent`).
  The provider-default utility model, however, is derived from the *agent's* primary: research's
  `google/...` primary gives "Utility model: -", so `h68` is rc 0 (§3.6 model said 1).
- **Only text primary/fallbacks need the codex runtime**: an explicit `openai/...` utility model with
  `OPENAI_API_KEY` is rc 0 (`h71`; §3.7's reference model assumed 1), an `openai/...` image model too (`h48`).
- A model id without provider (`claude-opus-4-8`) becomes `openai/claude-opus-4-8` (warning on stderr)
  -> codex -> rc 1 (`h41`).
- OAuth expiring within the 5-minute refresh margin (150 s left) -> route indeterminate -> rc 1, with or
  without refresh token (`h10`, `h11`); a token with 150 s left is just expiring -> 2 (`h12`).
  OAuth with refresh but no access token -> indeterminate -> 1 (`h13`).
- Config `auth.profiles.<id>.mode` that mismatches the stored type (`oauth` for a token) does not
  exclude it: rc 2 (`h50`).
- A **blank process env value** blocks `~/.openclaw/.env` (`h52`, rc 1) but **not** config `env.vars`
  (`h53`, rc 0: the config value is used).
- Model-scoped `rate_limit` cooldowns are per route: `cooldownModel` = route model -> that route skips
  the profile (`h35` 1, `h37` 2 because the haiku utility route still selects the expiring token,
  `h38` 0 with utility disabled); another model -> no effect (`h36` 0). openrouter cooldowns are
  ignored entirely (`h39`, `r30`: 0).
- `authProfiles.*` rows in state/openclaw.sqlite without an `auth.sharedStore` row are ignored
  (legacy-main location; `h60` rc 1). A main agent DB next to a state-db shared store overrides the
  same profile id (`h61` rc 2).
- Two agents in `agents.list` make the CLI print `Config (...): Moved agents.list to keyed
  agents.entries.` on stdout before the report (a config-migration notice; no effect on rc).
- When an anthropic env key is present, the report also lists an alias `sonnet -> anthropic/claude-sonnet-5`
  and two allowed models (no effect on rc).
- Only `h64` (roster error) is a command failure without a report.
"""


def write_readme(out, cases):
    rows = []
    counts = {}
    mism = []
    for name in sorted(os.listdir(out)):
        fj = os.path.join(out, name, "fixture.json")
        ej = os.path.join(out, name, "expected.json")
        if not os.path.exists(fj):
            continue
        meta = json.load(open(fj))
        rc = json.load(open(ej))["rc"] if os.path.exists(ej) else "?"
        counts[rc] = counts.get(rc, 0) + 1
        pr = meta.get("predicted_rc")
        flag = " (not covered by §3)" if pr is None else "" if pr == rc else f" (**§3 model predicts {pr}**)"
        if pr is not None and pr != rc:
            mism.append(name)
        rows.append(f"| {name} | {rc} | {meta.get('desc', '').replace('|', '/')}{flag} |")
    dist = ", ".join(f"rc {k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0])))
    text = f"""# Recorded oracle cases (`openclaw models status --check`)

{len(rows)} cases recorded against the real CLI (openclaw 2026.9.6 on Node 24) with
`tests/oracle/run-openclaw.sh <case> --record`. Layout is the same as `tests/fixtures/hand`:

- `home/` — the HOME the CLI ran with (the runner copies it to a temp dir first),
- `env` (optional) — `KEY=VALUE` lines for an otherwise empty environment; `@HOME@` = the temp HOME,
- `fixture.json` — `generated_at_ms` / `generated_at_iso` (the instant all expiries are relative to), `desc`,
  `predicted_rc` (what the §3 model in `gen_cases.py` expected; `null` = §3 does not say), and the `spec`,
- `expected.json` — `rc` of `--check`, `json_rc` of `--json`, wall seconds,
- `check.txt`, `status.json`, `status.stderr.txt` — raw CLI output (removed when larger than 20 KB).

Evaluate with `clawwatch check --now <generated_at_iso>`. Each case got its own NOW (a whole second) and
was run immediately after being built, so the CLI's clock was a few seconds after `generated_at_ms`.
No expiry or cooldown lies within 10 minutes of a decision boundary (0, 5 min, 24 h), except
values exactly on NOW+24h (inclusive, so "expiring" for both) and the deliberate 150-second
cases `h10`/`h11`/`h12` (inside the 5-minute oauth refresh margin, well away from 0).

Cases `hNN-*` are hand-picked (named after what they test); `rNN-tT-*` are random (seed {SEED}), built
towards target rc T; the name lists each route provider's intended state (g=good, e=expiring, b=bad)
and tags (legacy = legacy-main agent DB, statedir = OPENCLAW_STATE_DIR, agents-X = two agents with
explicit ownership and X's own agent DB, sorder/corder = state/config order, img, util, noutil, alias, fb-P).
All secrets are fake (contain `FAKE`).

Regenerate (about 5 s per case, 2 in parallel; rewrites every case with a new NOW):

    python3 tests/oracle/gen_cases.py --out tests/fixtures/oracle
    python3 tests/oracle/gen_cases.py --out tests/fixtures/oracle --only h08-token-exactly-24h   # one case

Distribution: {dist}.
Cases where the real CLI disagreed with the §3 model: {len(mism)} ({', '.join(mism) if mism else 'none'}).

""" + FINDINGS + """
## Cases

| case | rc | description |
|---|---|---|
""" + "\n".join(rows) + "\n"
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/fixtures/oracle")
    ap.add_argument("--only", default="")
    ap.add_argument("--no-run", action="store_true")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--readme-only", action="store_true")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--runner", default=os.environ.get("OPENCLAW_RUNNER", DEFAULT_RUNNER))
    a = ap.parse_args()
    cases = all_cases()
    if a.list:
        for n, s in cases.items():
            print(f"{n}\tpredict={predict(s)}\t{s.get('desc', '')}")
        return
    os.makedirs(a.out, exist_ok=True)
    if a.readme_only:
        write_readme(a.out, cases)
        return
    names = [n for n in cases if not a.only or n in a.only.split(",")]
    if a.no_run:
        now = int(time.time()) * 1000
        for n in names:
            build(n, cases[n], a.out, now)
        return
    with ThreadPoolExecutor(a.j) as ex:
        for name, res in ex.map(run_case, [(n, cases[n], a.out, a.runner) for n in names]):
            print(f"{name}: {res}", flush=True)
    write_readme(a.out, cases)


if __name__ == "__main__":
    main()
