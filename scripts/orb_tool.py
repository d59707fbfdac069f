#!/usr/bin/env python3
"""Pack, lint and inspect the ecs-ship orb (orb/src, CircleCI Orb-Template layout).

    orb_tool.py pack SRC OUT        pack SRC into one orb YAML, as `circleci orb pack` does
    orb_tool.py lint SRC            orb-tools review rules (below); exit 1 on findings
    orb_tool.py versions SRC CARGO  orb version == crate version, everywhere it is written
    orb_tool.py examples ORB DIR    write each example's usage to DIR/<name>.yml (for schema checks)
    orb_tool.py env-steps ORB       one line per ECS_SHIP_* variable a run step sets:
                                    "<kind> <subcommands> <VAR> <default>" (see below)
    orb_tool.py drift ORB BIN       every ECS_SHIP_* variable the orb sets is accepted by
                                    the binary (read from BIN's own --help), and the
                                    binary parses every step's environment at its defaults

Packing: `@orb.yml` is the root; `<dir>/<name>.yml` becomes `<dir>.<name>`;
a string value that is exactly `<<include(path)>>` is replaced by the file's
text (path relative to SRC); an include inside a longer string, or two in one
string, is an error, as in the CircleCI CLI.

Variables: ECS_SHIP_* variables in a step's `environment:` are binary settings,
except two prefixes reserved for the orb's scripts, which the binary must not
use: ECS_SHIP_INSTALL_* (scripts/install.sh) and ECS_SHIP_BUILD_*
(scripts/build_and_push_image.sh). ECS_SHIP_PUSHED_* are outputs the build
script writes to $BASH_ENV; they are never inputs.

Needs PyYAML.
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ORB_SECTIONS = ("commands", "jobs", "executors", "examples")
SCRIPT_PREFIXES = ("ECS_SHIP_INSTALL_", "ECS_SHIP_BUILD_")
OUTPUT_PREFIXES = ("ECS_SHIP_PUSHED_",)
SUBCOMMANDS = (
    "run-task", "deploy", "verify", "continue", "rollback", "wait", "notify", "ecr login", "ecr resolve",
    "iam-policy",
    "status",
    "prune",
)
INCLUDE_RE = re.compile(r"<<\s*include\(([-\w/.]+)\)\s*>>")
PARAM_RE = re.compile(r"<<\s*parameters\.([A-Za-z0-9_-]+)\s*>>")
SNAKE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
ENV_HELP_RE = re.compile(r"\[env:\s+(ECS_SHIP_[A-Z0-9_]+)=")
MAX_INLINE_COMMAND = 64  # orb-tools review RC009: longer commands go in scripts/
# Built-in steps that shadow an orb command of the same name inside the orb
# (`deploy` is CircleCI's legacy alias of `run`).
SHADOWING_STEPS = {"deploy"}
BUILTIN_STEPS = SHADOWING_STEPS | {
    "run", "checkout", "setup_remote_docker", "save_cache", "restore_cache",
    "attach_workspace", "persist_to_workspace", "store_artifacts",
    "store_test_results", "add_ssh_keys", "when", "unless", "steps",
}
WORKFLOW_JOB_KEYS = {
    "name", "requires", "filters", "context", "matrix", "pre-steps",
    "post-steps", "type", "serial-group", "override-with",
}
SECRET_WORDS = ("webhook", "token", "secret", "password", "access_key")


# --- packing -----------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    pass


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def _str_representer(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        try:
            return yaml.load(f, Loader=_Loader)
        except yaml.YAMLError as e:
            raise SystemExit(f"{path}: not valid YAML: {e}")


def inline_includes(node, src, where="@orb.yml"):
    if isinstance(node, dict):
        return {k: inline_includes(v, src, where) for k, v in node.items()}
    if isinstance(node, list):
        return [inline_includes(v, src, where) for v in node]
    if isinstance(node, str):
        found = INCLUDE_RE.findall(node)
        if not found:
            return node
        if len(found) > 1:
            raise SystemExit(f"{where}: multiple include statements: '{node}'")
        if not INCLUDE_RE.fullmatch(node.strip()):
            raise SystemExit(f"{where}: entire string must be include statement: '{node}'")
        path = Path(src) / found[0]
        if not path.is_file():
            raise SystemExit(f"{where}: included file not found: {path}")
        return path.read_text(encoding="utf-8")
    return node


def source_files(src):
    """(section or None, name, path) for every YAML file of the orb source."""
    src = Path(src)
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".yml", ".yaml") or not path.is_file():
            continue
        rel = path.relative_to(src)
        if rel.parts[0] == "scripts":
            continue
        if len(rel.parts) == 1:
            yield None, rel.stem, path
        elif len(rel.parts) == 2:
            yield rel.parts[0], path.stem, path
        else:
            raise SystemExit(f"{rel}: orb source is at most one directory deep")


def pack(src, inline=True):
    root = Path(src) / "@orb.yml"
    if not root.is_file():
        raise SystemExit(f"{root}: missing")
    orb = load_yaml(root) or {}
    for section, name, path in source_files(src):
        if section is None:
            if name == "@orb":
                continue
            orb[name] = load_yaml(path)
            continue
        orb.setdefault(section, {})
        if name in orb[section]:
            raise SystemExit(f"{path}: {section}.{name} defined twice")
        orb[section][name] = load_yaml(path)
    return inline_includes(orb, src) if inline else orb


def dump(orb):
    return yaml.dump(orb, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


# --- lint --------------------------------------------------------------------------

def walk_steps(steps, conditions=None):
    """Yield every step (dict or str), descending into when/unless."""
    for step, _ in walk_steps_with_conditions(steps):
        yield step


def walk_steps_with_conditions(steps, conditions=()):
    """Yield (step, conditions): conditions lists the ("when"|"unless", condition)
    pairs the step sits under."""
    for step in steps or []:
        yield step, conditions
        if isinstance(step, dict):
            for key in ("when", "unless"):
                body = step.get(key)
                if isinstance(body, dict) and "steps" in body:
                    inner = conditions + ((key, body.get("condition")),)
                    yield from walk_steps_with_conditions(body["steps"], inner)


def step_name_and_args(step):
    if isinstance(step, str):
        return step, {}
    if isinstance(step, dict) and len(step) == 1:
        (name, args), = step.items()
        return name, args if isinstance(args, dict) else {"": args}
    return None, None


def params_used(node):
    text = yaml.dump(node, Dumper=_Dumper)
    return set(PARAM_RE.findall(text))


def lint_params(kind, name, body, problems):
    params = body.get("parameters") or {}
    if not isinstance(params, dict):
        problems.append(f"{kind}.{name}: parameters must be a map")
        return {}
    for pname, spec in params.items():
        where = f"{kind}.{name}.parameters.{pname}"
        if not SNAKE_RE.match(pname):
            problems.append(f"{where}: parameter names are snake_case")
        if not isinstance(spec, dict):
            problems.append(f"{where}: must be a map")
            continue
        if not str(spec.get("description") or "").strip():
            problems.append(f"{where}: no description")
        if any(word in pname for word in SECRET_WORDS):
            problems.append(f"{where}: secrets come from contexts' environment, not parameters")
        ptype = spec.get("type")
        if ptype not in ("string", "boolean", "integer", "enum", "executor", "steps", "env_var_name"):
            problems.append(f"{where}: unknown type {ptype!r}")
        if "default" not in spec:
            continue
        default = spec["default"]
        if ptype == "enum":
            values = spec.get("enum") or []
            if default not in values:
                problems.append(f"{where}: default {default!r} is not one of {values}")
        elif ptype == "boolean" and not isinstance(default, bool):
            problems.append(f"{where}: boolean default must be true or false")
        elif ptype == "integer" and (isinstance(default, bool) or not isinstance(default, int)):
            problems.append(f"{where}: integer default must be a number")
        elif ptype in ("string", "env_var_name") and not isinstance(default, str):
            problems.append(f"{where}: string default must be quoted text")
        elif ptype == "steps" and not isinstance(default, list):
            problems.append(f"{where}: steps default must be a list")
    # Declared <-> used, outside the parameters block itself.
    rest = {k: v for k, v in body.items() if k not in ("parameters", "description")}
    used = params_used(rest)
    for missing in sorted(used - set(params)):
        problems.append(f"{kind}.{name}: << parameters.{missing} >> is not declared")
    for unused in sorted(set(params) - used):
        problems.append(f"{kind}.{name}: parameter {unused} is declared but never used")
    return params


def check_call(where, target_kind, target, args, orb, problems, extra_keys=()):
    """A step or workflow job calling one of the orb's commands/jobs with args."""
    body = (orb.get(target_kind) or {}).get(target)
    if body is None:
        problems.append(f"{where}: no {target_kind[:-1]} named {target}")
        return
    params = body.get("parameters") or {}
    for arg in args:
        if arg not in params and arg not in extra_keys:
            problems.append(f"{where}: {target} has no parameter {arg}")
    for pname, spec in params.items():
        if isinstance(spec, dict) and "default" not in spec and pname not in args:
            problems.append(f"{where}: required parameter {pname} of {target} not given")
    for arg, value in args.items():
        spec = params.get(arg)
        if isinstance(spec, dict) and spec.get("type") == "enum" and not PARAM_RE.search(str(value)):
            if value not in (spec.get("enum") or []):
                problems.append(f"{where}: {arg}={value!r} is not one of {spec.get('enum')}")


def lint_steps(kind, name, steps, orb, problems):
    for step in walk_steps(steps):
        sname, args = step_name_and_args(step)
        where = f"{kind}.{name}"
        if sname is None:
            problems.append(f"{where}: malformed step {step!r}")
            continue
        if sname == "run":
            if not isinstance(step, dict) or not isinstance(step["run"], dict):
                problems.append(f"{where}: run step without a name: {step!r}")
                continue
            run = step["run"]
            if not str(run.get("name") or "").strip():
                problems.append(f"{where}: run step without a name")
            command = str(run.get("command") or "")
            if PARAM_RE.search(command):
                problems.append(f"{where}: step '{run.get('name')}' pastes a parameter into shell text; "
                                "pass it in environment: instead")
            if re.search(r"(^|[\s;|&(])eval\s", command):
                problems.append(f"{where}: step '{run.get('name')}' runs eval")
            if not INCLUDE_RE.fullmatch(command.strip()) and len(command.strip()) > MAX_INLINE_COMMAND:
                problems.append(f"{where}: step '{run.get('name')}' has a long inline command "
                                f"(> {MAX_INLINE_COMMAND} chars); move it to scripts/ and include it")
            for var, value in (run.get("environment") or {}).items():
                if var.startswith("ECS_SHIP_") and not re.fullmatch(r"ECS_SHIP_[A-Z0-9_]+", var):
                    problems.append(f"{where}: bad variable name {var}")
            continue
        if sname in SHADOWING_STEPS and (orb.get("commands") or {}).get(sname) is not None:
            problems.append(f"{where}: step {sname} is CircleCI's built-in {sname} step inside the orb, "
                            f"not commands.{sname}")
            continue
        if sname in BUILTIN_STEPS:
            continue
        check_call(f"{where} step {sname}", "commands", sname, args, orb, problems)


def lint(src):
    problems = []
    root = load_yaml(Path(src) / "@orb.yml") or {}
    if str(root.get("version")) != "2.1":
        problems.append("@orb.yml: version must be 2.1")
    if len(str(root.get("description") or "").strip()) < 64:
        problems.append("@orb.yml: description shorter than 64 characters")
    display = root.get("display") or {}
    for key in ("home_url", "source_url"):
        if not str(display.get(key) or "").startswith("https://"):
            problems.append(f"@orb.yml: display.{key} missing")
    orb = pack(src, inline=False)
    pack(src)  # the includes resolve
    # Scripts: no eval, and nothing CircleCI would read as parameter syntax.
    for script in sorted((Path(src) / "scripts").glob("*.sh")):
        text = script.read_text(encoding="utf-8")
        if re.search(r"(^|[\s;|&(])eval\s", text, re.M):
            problems.append(f"scripts/{script.name}: runs eval")
        if "<<" in text:
            problems.append(f"scripts/{script.name}: contains '<<', which CircleCI reads as parameter syntax")
    for kind in ORB_SECTIONS:
        section = orb.get(kind) or {}
        if kind == "examples" and not section:
            problems.append("no examples")
        for name, body in section.items():
            where = f"{kind}.{name}"
            if not SNAKE_RE.match(name):
                problems.append(f"{where}: names are snake_case")
            if not isinstance(body, dict):
                problems.append(f"{where}: must be a map")
                continue
            if not str(body.get("description") or "").strip():
                problems.append(f"{where}: no description")
            if kind == "examples":
                lint_example(name, body, orb, problems)
                continue
            params = lint_params(kind, name, body, problems)
            if kind in ("commands", "jobs"):
                lint_steps(kind, name, body.get("steps"), orb, problems)
            if kind == "jobs":
                executor = body.get("executor")
                if executor is None:
                    problems.append(f"{where}: no executor")
                elif PARAM_RE.fullmatch(str(executor)):
                    spec = params.get(PARAM_RE.fullmatch(executor).group(1)) or {}
                    default = spec.get("default")
                    if spec.get("type") != "executor":
                        problems.append(f"{where}: executor parameter must have type executor")
                    elif isinstance(default, str) and default not in (orb.get("executors") or {}):
                        problems.append(f"{where}: default executor {default} does not exist")
                if "executor" not in params:
                    problems.append(f"{where}: no executor parameter")
    problems += lint_mirrors(orb)
    return problems


def run_envs(body):
    """{command text: environment keys} of a job's or command's run steps."""
    envs = {}
    for step in walk_steps((body or {}).get("steps")):
        if isinstance(step, dict) and isinstance(step.get("run"), dict):
            run = step["run"]
            envs.setdefault(str(run.get("command") or "").strip(), set()).update(run.get("environment") or {})
    return envs


def lint_mirrors(orb):
    """A job that repeats the run step of the command of the same name (instead of
    calling it) must set the same variables."""
    problems = []
    for name, job in (orb.get("jobs") or {}).items():
        command = (orb.get("commands") or {}).get(name)
        if command is None:
            continue
        job_envs, command_envs = run_envs(job), run_envs(command)
        for text, keys in command_envs.items():
            if text in job_envs and job_envs[text] != keys:
                diff = sorted(keys ^ job_envs[text])
                problems.append(f"jobs.{name} repeats the `{text}` step of commands.{name} "
                                f"with different variables: {', '.join(diff)}")
    return problems


def lint_example(name, body, orb, problems):
    where = f"examples.{name}"
    usage = body.get("usage")
    if not isinstance(usage, dict):
        problems.append(f"{where}: no usage")
        return
    if str(usage.get("version")) != "2.1":
        problems.append(f"{where}: usage.version must be 2.1")
    aliases = [a for a, ref in (usage.get("orbs") or {}).items() if str(ref).startswith("ecs-ship/ecs-ship@")]
    if not aliases:
        problems.append(f"{where}: does not import ecs-ship/ecs-ship")
        return
    alias = aliases[0] + "/"
    for wname, workflow in (usage.get("workflows") or {}).items():
        for entry in (workflow or {}).get("jobs") or []:
            jname, args = step_name_and_args(entry)
            if jname and jname.startswith(alias):
                check_call(f"{where} workflow {wname}", "jobs", jname[len(alias):], args or {},
                           orb, problems, WORKFLOW_JOB_KEYS)
    for jname, job in (usage.get("jobs") or {}).items():
        for step in walk_steps((job or {}).get("steps")):
            sname, args = step_name_and_args(step)
            if sname and sname.startswith(alias):
                check_call(f"{where} job {jname}", "commands", sname[len(alias):], args or {}, orb, problems)


# --- versions ----------------------------------------------------------------------

def versions(src, cargo):
    import tomllib

    with open(cargo, "rb") as f:
        crate = tomllib.load(f)["package"]["version"]
    found = []
    orb = pack(src)
    default = (((orb.get("commands") or {}).get("install") or {}).get("parameters") or {}).get("version", {})
    found.append(("commands/install.yml: version default", str(default.get("default"))))
    # Jobs pass their own `version` parameter to the installer: its default is the orb's too.
    for job, body in (orb.get("jobs") or {}).items():
        spec = ((body or {}).get("parameters") or {}).get("version")
        if spec is not None:
            found.append((f"jobs/{job}.yml: version default", str((spec or {}).get("default"))))
    script = (Path(src) / "scripts" / "install.sh").read_text(encoding="utf-8")
    m = re.search(r'^DEFAULT_VERSION="([^"]*)"', script, re.M)
    found.append(("scripts/install.sh: DEFAULT_VERSION", m.group(1) if m else None))
    for name, body in (orb.get("examples") or {}).items():
        for ref in ((body or {}).get("usage") or {}).get("orbs", {}).values():
            if str(ref).startswith("ecs-ship/ecs-ship@"):
                found.append((f"examples/{name}.yml: orb import", str(ref).split("@", 1)[1]))
    problems = [f"{where} is {value!r}, the crate is {crate!r}" for where, value in found if value != crate]
    return crate, found, problems


# --- env variables and drift ---------------------------------------------------------

def run_steps(orb):
    """(kind, name, body, run step, conditions) for every run step in the orb's
    commands and jobs."""
    for kind in ("commands", "jobs"):
        for name, body in (orb.get(kind) or {}).items():
            for step, conds in walk_steps_with_conditions((body or {}).get("steps")):
                if isinstance(step, dict) and isinstance(step.get("run"), dict):
                    yield kind, name, body, step["run"], conds


def values_reaching(params, conditions):
    """Parameter values at their defaults, adjusted so that the step's when/unless
    conditions hold (a step under `unless: equal: [job, << parameters.status >>]`
    never sees status=job)."""
    values = {p: (spec or {}).get("default", "") for p, spec in params.items()}
    for key, cond in conditions:
        if isinstance(cond, str) and PARAM_RE.fullmatch(cond.strip()):
            values[PARAM_RE.fullmatch(cond.strip()).group(1)] = key == "when"
        elif isinstance(cond, dict) and isinstance(cond.get("equal"), list) and len(cond["equal"]) == 2:
            a, b = cond["equal"]
            m = PARAM_RE.fullmatch(str(b).strip()) or PARAM_RE.fullmatch(str(a).strip())
            other = a if m and PARAM_RE.fullmatch(str(b).strip()) else b
            if not m:
                continue
            pname = m.group(1)
            if key == "when":
                values[pname] = other
            elif values.get(pname) == other:
                choices = [v for v in ((params.get(pname) or {}).get("enum") or []) if v != other]
                values[pname] = choices[0] if choices else ""
    return values


def resolve_default(value, params, conditions=()):
    """The value an environment entry has when every parameter keeps its default."""
    values = values_reaching(params, conditions)

    def sub(m):
        default = values.get(m.group(1), "")
        if isinstance(default, bool):
            return "true" if default else "false"
        return str(default)
    return PARAM_RE.sub(sub, str(value))


def env_steps(orb):
    rows = []
    for kind, name, body, run, conds in run_steps(orb):
        command = str(run.get("command") or "")
        subs = [s for s in SUBCOMMANDS if re.search(r"ecs-ship\s+" + s.replace(" ", r"\s+") + r"\b", command)]
        params = body.get("parameters") or {}
        for var, value in (run.get("environment") or {}).items():
            if not var.startswith("ECS_SHIP_"):
                continue
            script_var = var.startswith(SCRIPT_PREFIXES)
            rows.append({
                "where": f"{kind}.{name} step '{run.get('name')}'",
                "var": var,
                "script": script_var,
                "reads_var": var in command,
                "subcommands": subs,
                "default": resolve_default(value, params, conds),
                "command": command,
            })
    return rows


def binary_env_vars(binary):
    accepted = {}
    for sub in SUBCOMMANDS:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ECS_SHIP_")}
        proc = subprocess.run([binary, *sub.split(), "--help"], capture_output=True, text=True, env=env, timeout=30)
        if proc.returncode != 0:
            raise SystemExit(f"`{binary} {sub} --help` failed ({proc.returncode}): {proc.stderr.strip()}")
        accepted[sub] = set(ENV_HELP_RE.findall(proc.stdout))
        if not accepted[sub]:
            raise SystemExit(f"`{binary} {sub} --help` lists no [env: ECS_SHIP_...] variables")
    return accepted


def drift(orb, binary):
    problems = []
    binary = os.path.abspath(binary)
    accepted = binary_env_vars(binary)
    everything = set().union(*accepted.values())
    rows = env_steps(orb)
    for var in sorted(everything):
        if var.startswith(SCRIPT_PREFIXES + OUTPUT_PREFIXES):
            problems.append(f"the binary accepts {var}, but that prefix is reserved for the orb's scripts")
    for row in rows:
        where, var = row["where"], row["var"]
        if row["script"]:
            if not row["reads_var"]:
                problems.append(f"{where}: sets {var}, which its script never reads")
            continue
        if not row["subcommands"]:
            problems.append(f"{where}: sets {var} but calls no ecs-ship subcommand")
        for sub in row["subcommands"]:
            if var not in accepted[sub]:
                problems.append(f"{where}: sets {var}, which `ecs-ship {sub}` does not accept")
    problems += defaults_parse(rows, binary)
    checked = len(rows)
    return checked, problems


# clap's own messages (whatever exit code the binary maps them to).
CLAP_PARSE_ERRORS = re.compile(
    r"error: (invalid value '|the argument '.*' cannot be used with|unexpected argument|"
    r"a value is required for|unrecognized subcommand)"
)


def defaults_parse(rows, binary):
    """Run each orb step's subcommands with the step's environment at its defaults
    (unset parameters are empty strings, "false" or 0) and no AWS or Slack within
    reach; the binary may fail for lack of AWS, but not reject the variables."""
    problems = []
    steps = {}
    for row in rows:
        if row["script"] or not row["subcommands"]:
            continue
        steps.setdefault(row["where"], (row["subcommands"], {}))[1][row["var"]] = row["default"]
    with tempfile.TemporaryDirectory() as tmp:
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("ECS_SHIP_", "AWS_", "SLACK_", "CIRCLE"))}
        base.update({
            "HOME": tmp,
            "AWS_ACCESS_KEY_ID": "AKIDTEST",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.path.join(tmp, "none"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "none"),
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
            "PATH": tmp + os.pathsep + base.get("PATH", ""),
        })
        # `ecr login --docker` may run docker: give it a stand-in that fails.
        fake_docker = os.path.join(tmp, "docker")
        with open(fake_docker, "w") as f:
            f.write("#!/bin/sh\nexit 1\n")
        os.chmod(fake_docker, 0o755)
        for where, (subs, env) in sorted(steps.items()):
            for sub in subs:
                args = [binary, *sub.split()]
                if sub == "ecr login":
                    args.append("--docker")
                elif sub == "ecr resolve":
                    args.append("example:latest")
                try:
                    proc = subprocess.run(args, capture_output=True, text=True, env={**base, **env},
                                          cwd=tmp, timeout=8, stdin=subprocess.DEVNULL)
                except subprocess.TimeoutExpired:
                    continue  # parsed fine, now waiting on the unreachable stand-in
                if CLAP_PARSE_ERRORS.search(proc.stderr) and proc.returncode != 0:
                    first = proc.stderr.strip().splitlines()[0] if proc.stderr.strip() else ""
                    problems.append(f"{where}: `ecs-ship {sub}` rejects the step's environment at its "
                                    f"defaults (unset parameters are empty, false or 0): {first}")
    return problems


# --- main --------------------------------------------------------------------------

def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "pack" and len(argv) == 4:
        text = dump(pack(argv[2]))
        Path(argv[3]).parent.mkdir(parents=True, exist_ok=True)
        Path(argv[3]).write_text(text, encoding="utf-8")
        print(f"packed {argv[2]} into {argv[3]}")
        return 0
    if cmd == "lint" and len(argv) == 3:
        problems = lint(argv[2])
        for p in problems:
            print(f"  lint: {p}")
        if not problems:
            print("lint: descriptions, examples, snake_case names, named run steps, includes, "
                  "parameters declared/used, enum defaults, calls: ok")
        return 1 if problems else 0
    if cmd == "versions" and len(argv) == 4:
        crate, found, problems = versions(argv[2], argv[3])
        for where, value in found:
            print(f"  {where}: {value}")
        for p in problems:
            print(f"  version: {p}")
        if not problems:
            print(f"versions: orb and crate are both {crate}")
        return 1 if problems else 0
    if cmd == "examples" and len(argv) == 4:
        out = Path(argv[3])
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.yml"):
            old.unlink()
        for name, body in (load_yaml(argv[2]).get("examples") or {}).items():
            (out / f"{name}.yml").write_text(dump(body["usage"]), encoding="utf-8")
        print(f"wrote each example's usage to {out}/")
        return 0
    if cmd == "env-steps" and len(argv) == 3:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        for row in env_steps(load_yaml(argv[2])):
            kind = "script" if row["script"] else "binary"
            print(kind, ",".join(row["subcommands"]) or "-", row["var"], repr(row["default"]), sep="\t")
        return 0
    if cmd == "drift" and len(argv) == 4:
        checked, problems = drift(load_yaml(argv[2]), argv[3])
        for p in problems:
            print(f"  drift: {p}")
        if not problems:
            print(f"drift: all {checked} ECS_SHIP_* settings of the orb are accepted by {argv[3]}, "
                  "also at their defaults")
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
