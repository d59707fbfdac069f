#!/usr/bin/env python3
"""Run one workflow of a packed orb's example the way CircleCI would, with bash, for tests.

    run_example.py ORB_YML EXAMPLE WORKFLOW WORKDIR [--only JOB,...] [--set KEY=VALUE ...]
                   [--env KEY=VALUE ...] [--revision SHA]

Expands each `ecs-ship/<job>` of the example's workflow, in order: the job's parameters
(defaults, the workflow's arguments, then every --set KEY=VALUE the job declares), its steps
with `<< parameters.x >>` and `<< pipeline.git.revision >>` substituted (a whole-string
reference keeps the value's type, as CircleCI does), `when:` / `unless:` conditions
(booleans, strings, `equal`, `and`, `or`, `not`), `steps` parameters, and the orb's own
commands with their parameters. `run` steps run as CircleCI runs them: `/bin/bash -eo
pipefail -c COMMAND` with the step's `environment:` map, $BASH_ENV (one file per job, sourced by
each step's bash), and `when: on_success | on_fail | always` against the job's status so far.
--env adds a variable to every step's environment (a job of the example's own has no `base_url`
to set: ECS_SHIP_BASE_URL, the installer's alias, points it at the mirror). HTTP(S) proxies point
at a closed port of 127.0.0.1, so nothing can leave loopback. `restore_cache` / `save_cache` keep paths under WORKDIR/cache by key ({{ arch }} expanded);
checkout, setup_remote_docker and workspace steps are recorded and skipped.

Absolute /tmp/ paths in environment values and cache paths are moved under WORKDIR/tmp, and
when run as root the steps run as nobody (as CircleCI's cimg images run as a non-root user), so
nothing outside WORKDIR is written. Prints, per job, the steps run and their status as JSON;
exits 1 when a job failed.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

PARAM = re.compile(r"<<\s*parameters\.([A-Za-z0-9_-]+)\s*>>")
PIPELINE = re.compile(r"<<\s*pipeline\.git\.revision\s*>>")
SKIPPED = {"checkout", "setup_remote_docker", "attach_workspace", "persist_to_workspace",
           "store_artifacts", "store_test_results", "add_ssh_keys"}


class Runner:
    def __init__(self, orb, workdir, revision):
        self.orb = orb
        self.workdir = Path(workdir).resolve()
        self.revision = revision
        self.cache = self.workdir / "cache"
        self.tmp = self.workdir / "tmp"
        for d in (self.cache, self.tmp):
            d.mkdir(parents=True, exist_ok=True)
        self.as_nobody = os.geteuid() == 0
        self.extra_env = {}

    # --- parameters --------------------------------------------------------------------

    def substitute(self, node, params):
        if isinstance(node, dict):
            return {k: self.substitute(v, params) for k, v in node.items()}
        if isinstance(node, list):
            return [self.substitute(v, params) for v in node]
        if not isinstance(node, str):
            return node
        node = PIPELINE.sub(self.revision, node)
        whole = PARAM.fullmatch(node.strip())
        if whole:
            return self.value(whole.group(1), params)

        def one(m):
            value = self.value(m.group(1), params)
            if isinstance(value, bool):
                return "true" if value else "false"
            return str(value)
        return PARAM.sub(one, node)

    @staticmethod
    def value(name, params):
        if name not in params:
            raise SystemExit(f"run_example: << parameters.{name} >> is not a parameter here")
        return params[name]

    @staticmethod
    def bind(declared, given, where):
        params = {}
        for name, spec in (declared or {}).items():
            spec = spec or {}
            if name in given:
                value = given[name]
            elif "default" in spec:
                value = spec["default"]
            else:
                raise SystemExit(f"run_example: {where}: parameter {name} is required")
            if spec.get("type") == "boolean" and isinstance(value, str):
                value = value == "true"
            if spec.get("type") == "integer" and isinstance(value, str):
                value = int(value)
            if spec.get("type") == "enum" and value not in spec.get("enum", []):
                raise SystemExit(f"run_example: {where}: {name}={value!r} is not one of {spec['enum']}")
            params[name] = value
        for name in given:
            if name not in (declared or {}):
                raise SystemExit(f"run_example: {where}: unknown parameter {name}")
        return params

    @staticmethod
    def truthy(condition):
        if isinstance(condition, dict):
            (op, arg), = condition.items()
            if op == "equal":
                return all(a == arg[0] for a in arg)
            if op == "and":
                return all(Runner.truthy(c) for c in arg)
            if op == "or":
                return any(Runner.truthy(c) for c in arg)
            if op == "not":
                return not Runner.truthy(arg)
            raise SystemExit(f"run_example: unsupported condition {op}")
        return bool(condition)

    # --- steps ---------------------------------------------------------------------------

    def expand(self, steps, params):
        """The steps as they run: conditions decided, commands inlined, parameters substituted."""
        out = []
        for step in steps or []:
            if isinstance(step, str):
                name, args = step, {}
            else:
                (name, args), = step.items()
            if name in ("when", "unless"):
                args = self.substitute(args, params)
                if self.truthy(args["condition"]) == (name == "when"):
                    out += self.expand(args["steps"], params)
                continue
            if name == "steps":
                out += self.expand(self.substitute(args, params), params)
                continue
            if name == "run":
                out.append(("run", self.substitute(args if isinstance(args, dict) else {"command": args}, params)))
                continue
            command = name.split("/", 1)[1] if name.startswith("ecs-ship/") else name
            if command in (self.orb.get("commands") or {}):
                body = self.orb["commands"][command]
                inner = self.bind(body.get("parameters"), self.substitute(args or {}, params), f"command {command}")
                out += self.expand(body.get("steps"), inner)
                continue
            out.append((name, self.substitute(args or {}, params)))
        return out

    def sandboxed(self, value):
        return value.replace("/tmp/", f"{self.tmp}/") if isinstance(value, str) else value

    def run_job(self, job_name, given, extra, body=None):
        body = body if body is not None else self.orb["jobs"][job_name]
        declared = body.get("parameters") or {}
        # Pipeline values in the workflow's arguments are filled in when the config compiles.
        given = {k: PIPELINE.sub(self.revision, v) if isinstance(v, str) else v
                 for k, v in given.items()}
        for key, value in extra.items():
            if key in declared:
                given[key] = value
        params = self.bind(declared, given, f"job {job_name}")
        steps = self.expand(body.get("steps"), params)
        home = self.workdir / "home"
        home.mkdir(exist_ok=True)
        bash_env = self.workdir / f"bash_env.{job_name}"
        bash_env.write_text("")
        for path in (self.workdir, home, bash_env, self.tmp, self.cache):
            os.chmod(path, 0o777 if path.is_dir() else 0o666)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("ECS_SHIP_", "CIRCLE", "SLACK_", "GITHUB_"))}
        # Anything that tries to leave loopback over HTTP(S) meets a closed local port.
        env.update({"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
                    "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
                    "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"})
        env.update(self.extra_env)
        env.update({"CIRCLECI": "true", "CI": "true", "CIRCLE_SHA1": self.revision,
                    "CIRCLE_JOB": job_name, "HOME": str(home), "BASH_ENV": str(bash_env),
                    "TMPDIR": str(self.tmp)})
        failed = False
        record = []
        for kind, args in steps:
            if kind == "run":
                when = args.get("when", "on_success")
                if (when == "on_success" and failed) or (when == "on_fail" and not failed):
                    record.append({"run": args.get("name", ""), "skipped": when})
                    continue
                step_env = dict(env)
                for key, value in (args.get("environment") or {}).items():
                    if isinstance(value, bool):
                        value = "true" if value else "false"
                    step_env[key] = self.sandboxed(str(value))
                argv = ["/bin/bash", "-eo", "pipefail", "-c", args["command"]]
                if self.as_nobody:
                    argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] + argv
                code = subprocess.run(argv, env=step_env, cwd=self.workdir, stdout=sys.stderr).returncode
                record.append({"run": args.get("name", ""), "exit_code": code})
                failed = failed or code != 0
            elif kind == "restore_cache":
                keys = args.get("keys") or [args.get("key")]
                for key in keys:
                    saved = self.cache / self.cache_key(key)
                    if saved.is_dir():
                        self.restore(saved)
                        record.append({"restore_cache": key, "hit": True})
                        break
                else:
                    record.append({"restore_cache": keys[0], "hit": False})
            elif kind == "save_cache":
                if failed:
                    record.append({"save_cache": args["key"], "skipped": "on_success"})
                    continue
                target = self.cache / self.cache_key(args["key"])
                if not target.exists():
                    for path in args.get("paths") or []:
                        source = Path(self.sandboxed(path))
                        if source.exists():
                            shutil.copytree(source, target / source.relative_to("/"), symlinks=True)
                record.append({"save_cache": args["key"]})
            elif kind in SKIPPED:
                record.append({kind: "skipped"})
            elif "/" in kind and not kind.startswith("ecs-ship/"):
                # Another orb's command (aws-cli/setup in an `auth` parameter): not ours to run.
                record.append({kind: "skipped (another orb)"})
            else:
                raise SystemExit(f"run_example: job {job_name}: unsupported step {kind}")
        return {"job": job_name, "failed": failed, "steps": record}

    @staticmethod
    def cache_key(key):
        import platform
        return key.replace("{{ arch }}", f"arch1-linux-{platform.machine()}").replace("/", "_")

    @staticmethod
    def restore(saved):
        for path in saved.rglob("*"):
            if path.is_file():
                dest = Path("/") / path.relative_to(saved)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(dest.parent, 0o777)
                shutil.copy2(path, dest)


def main(argv):
    if len(argv) < 5:
        raise SystemExit(__doc__)
    orb_file, example, workflow, workdir = argv[1:5]
    rest = argv[5:]
    only, extra, env_extra, revision = None, {}, {}, "0123456789abcdef0123456789abcdef01234567"
    while rest:
        flag, value, rest = rest[0], rest[1], rest[2:]
        if flag == "--only":
            only = value.split(",")
        elif flag == "--set":
            key, _, v = value.partition("=")
            extra[key] = v
        elif flag == "--revision":
            revision = value
        elif flag == "--env":
            key, _, v = value.partition("=")
            env_extra[key] = v
        else:
            raise SystemExit(__doc__)
    orb = yaml.safe_load(Path(orb_file).read_text(encoding="utf-8"))
    usage = orb["examples"][example]["usage"]
    runner = Runner(orb, workdir, revision)
    runner.extra_env = env_extra
    results = []
    for entry in usage["workflows"][workflow]["jobs"]:
        (ref, args), = (entry.items() if isinstance(entry, dict) else [(entry, {})])
        args = dict(args or {})
        if args.get("type") == "approval":
            results.append({"name": ref, "approval": "granted"})
            continue
        for key in ("context", "requires", "filters", "matrix"):
            args.pop(key, None)
        if ref.startswith("ecs-ship/"):
            job, body = ref.split("/", 1)[1], None
        elif ref in (usage.get("jobs") or {}):
            # A job of the example's own that calls the orb's commands.
            job, body = ref, usage["jobs"][ref]
        else:
            raise SystemExit(f"run_example: {ref} is neither an orb job nor one of the example's")
        name = args.pop("name", job)
        if only and name not in only:
            continue
        result = runner.run_job(job, args, extra, body)
        result["name"] = name
        results.append(result)
        if result["failed"]:
            break
    print(json.dumps(results, indent=2))
    return 1 if any(r.get("failed") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
