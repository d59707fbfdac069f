#!/usr/bin/env python3
"""Run a composite GitHub Action's steps locally with bash, the way the runner does, for tests.

    run_action.py run ACTION_YML [--input NAME=VALUE ...]
        Evaluates each step's `env:` map (the `${{ ... }}` expressions below), runs its `run:`
        script as GitHub does (`bash --noprofile --norc -eo pipefail FILE`), with a fresh
        GITHUB_OUTPUT file per step and shared GITHUB_ENV / GITHUB_PATH files applied to the
        steps after it. Stops at the first failing step. Prints the action's outputs as one JSON
        object on stdout and exits with the failing step's exit code (0 when all passed).
        GITHUB_ACTION_PATH is the action's directory; RUNNER_TEMP / RUNNER_TOOL_CACHE are taken
        from the environment when set.

    run_action.py lint ACTION_YML [ECS_SHIP_BIN]
        No `run:` script contains `${{` (inputs reach scripts only through `env:` maps); every
        input is used; every ECS_SHIP_* variable an `env:` map sets is one the binary accepts
        (read from `ECS_SHIP_BIN <command> --help`, when given), except the action's own
        ECS_SHIP_ACTION_* and the installer's ECS_SHIP_INSTALL_*.

    run_action.py scripts ACTION_YML DIR
        Writes each step's `run:` script to DIR/step-N.sh (with its shell's shebang), for
        shellcheck.

Expressions understood: inputs.NAME, steps.ID.outputs.NAME, github.action_path, runner.temp,
runner.tool_cache. Anything else is an error, so an action that needs more fails here first.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(text, context):
    def one(match):
        path = match.group(1)
        parts = path.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            if parts[1] not in context["inputs"]:
                raise SystemExit(f"run_action: unknown input `{parts[1]}` in {text!r}")
            return context["inputs"][parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return context["steps"].get(parts[1], {}).get(parts[3], "")
        if path == "github.action_path":
            return context["action_path"]
        if path == "runner.temp":
            return context["env"].get("RUNNER_TEMP", "")
        if path == "runner.tool_cache":
            return context["env"].get("RUNNER_TOOL_CACHE", "")
        raise SystemExit(f"run_action: unsupported expression `{path}` in {text!r}")

    return EXPRESSION.sub(one, str(text))


def read_command_file(path):
    """`name=value` lines and `name<<DELIMITER` blocks, as GitHub reads GITHUB_OUTPUT/ENV."""
    values = {}
    if not os.path.exists(path):
        return values
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            while i < len(lines) and lines[i] != delimiter:
                value.append(lines[i])
                i += 1
            if i == len(lines):
                raise SystemExit(f"run_action: {path}: `{name}` has no closing {delimiter}")
            i += 1
            values[name] = "\n".join(value)
        else:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def run(action_file, given):
    action_file = Path(action_file).resolve()
    action = yaml.safe_load(action_file.read_text(encoding="utf-8"))
    if (action.get("runs") or {}).get("using") != "composite":
        raise SystemExit("run_action: only composite actions")
    declared = action.get("inputs") or {}
    inputs = {}
    for name, spec in declared.items():
        inputs[name] = str((spec or {}).get("default", ""))
    for name, value in given.items():
        if name not in declared:
            raise SystemExit(f"run_action: the action has no input `{name}`")
        inputs[name] = value
    for name, spec in declared.items():
        if (spec or {}).get("required") and not inputs[name]:
            raise SystemExit(f"run_action: input `{name}` is required")

    work = Path(tempfile.mkdtemp(prefix="run-action."))
    base_env = dict(os.environ)
    base_env.setdefault("RUNNER_TEMP", str(work / "runner-temp"))
    Path(base_env["RUNNER_TEMP"]).mkdir(parents=True, exist_ok=True)
    base_env["GITHUB_ACTIONS"] = "true"
    base_env["GITHUB_ACTION_PATH"] = str(action_file.parent)
    base_env["GITHUB_ENV"] = str(work / "github_env")
    base_env["GITHUB_PATH"] = str(work / "github_path")
    # The runner sets a step summary file for every step; a caller may name it to read it.
    base_env.setdefault("GITHUB_STEP_SUMMARY", str(work / "step_summary"))
    Path(base_env["GITHUB_ENV"]).touch()
    Path(base_env["GITHUB_PATH"]).touch()
    context = {"inputs": inputs, "steps": {}, "action_path": str(action_file.parent), "env": base_env}

    failed = 0
    for index, step in enumerate(action["runs"]["steps"]):
        if "if" in step:
            raise SystemExit("run_action: `if:` on steps is not supported")
        if "run" not in step:
            raise SystemExit(f"run_action: step {index} is not a `run:` step")
        env = dict(base_env)
        env.update(read_command_file(base_env["GITHUB_ENV"]))
        added = [p for p in Path(base_env["GITHUB_PATH"]).read_text().split("\n") if p]
        env["PATH"] = os.pathsep.join(list(reversed(added)) + [base_env.get("PATH", "")])
        for key, value in (step.get("env") or {}).items():
            env[key] = evaluate(value, context)
        output_file = work / f"output-{index}"
        output_file.touch()
        env["GITHUB_OUTPUT"] = str(output_file)
        script = work / f"step-{index}.sh"
        script.write_text(str(step["run"]), encoding="utf-8")
        shell = step.get("shell")
        if shell == "bash":
            argv = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)]
        elif shell == "sh":
            argv = ["sh", "-e", str(script)]
        else:
            raise SystemExit(f"run_action: step {index}: shell {shell!r} is not supported")
        name = evaluate(step.get("name", f"step {index}"), context)
        print(f"::group::{name}", file=sys.stderr)
        code = subprocess.run(argv, env=env, stdout=sys.stderr).returncode
        print("::endgroup::", file=sys.stderr)
        if "id" in step:
            context["steps"][step["id"]] = read_command_file(output_file)
        if code != 0:
            print(f"run_action: step `{name}` failed with exit code {code}", file=sys.stderr)
            failed = code
            break

    outputs = {name: evaluate((spec or {}).get("value", ""), context)
               for name, spec in (action.get("outputs") or {}).items()}
    print(json.dumps(outputs, indent=2))
    return failed


def lint(action_file, binary=None):
    action = yaml.safe_load(Path(action_file).read_text(encoding="utf-8"))
    problems = []
    steps = (action.get("runs") or {}).get("steps") or []
    used = set()
    set_vars = []
    for index, step in enumerate(steps):
        where = f"step {index} ({step.get('name', '')})"
        if "${{" in str(step.get("run", "")):
            problems.append(f"{where}: its run: script contains `${{{{` — pass values through env:")
        for key, value in (step.get("env") or {}).items():
            used.update(re.findall(r"inputs\.([A-Za-z0-9_-]+)", str(value)))
            if key.startswith("ECS_SHIP_") and not key.startswith(("ECS_SHIP_ACTION_", "ECS_SHIP_INSTALL_")):
                set_vars.append((where, key))
        used.update(re.findall(r"inputs\.([A-Za-z0-9_-]+)", str(step.get("name", ""))))
    for name in action.get("inputs") or {}:
        if name not in used:
            problems.append(f"input `{name}` is declared but never used")
    if binary:
        accepted = set()
        commands = ["run-task", "deploy", "notify", "iam-policy", "ecr login", "status", "prune"]
        for command in commands:
            out = subprocess.run([binary, *command.split(), "--help"], capture_output=True, text=True)
            # clap wraps long help lines, sometimes between `[env:` and the variable.
            accepted.update(re.findall(r"\[env:\s+(ECS_SHIP_[A-Z0-9_]+)=", out.stdout))
        if not accepted:
            problems.append(f"{binary} --help lists no [env: ECS_SHIP_*] variables")
        for where, key in set_vars:
            if key not in accepted:
                problems.append(f"{where}: sets {key}, which no ecs-ship command accepts")
    for problem in problems:
        print(f"action: {problem}")
    if not problems:
        print(f"action: {action_file}: {len(steps)} steps, {len(set_vars)} ECS_SHIP_* variables, no ${{{{ in run: scripts")
    return 1 if problems else 0


def scripts(action_file, directory):
    action = yaml.safe_load(Path(action_file).read_text(encoding="utf-8"))
    Path(directory).mkdir(parents=True, exist_ok=True)
    for index, step in enumerate((action.get("runs") or {}).get("steps") or []):
        if "run" in step:
            shebang = "#!/usr/bin/env bash" if step.get("shell") == "bash" else "#!/bin/sh"
            path = Path(directory) / f"step-{index}.sh"
            path.write_text(f"{shebang}\n{step['run']}", encoding="utf-8")
            print(path)
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "run":
        given = {}
        rest = argv[3:]
        while rest:
            if rest[0] != "--input" or len(rest) < 2 or "=" not in rest[1]:
                raise SystemExit(__doc__)
            name, value = rest[1].split("=", 1)
            given[name] = value
            rest = rest[2:]
        return run(argv[2], given)
    if len(argv) == 4 and argv[1] == "scripts":
        return scripts(argv[2], argv[3])
    if len(argv) in (3, 4) and argv[1] == "lint":
        return lint(argv[2], argv[3] if len(argv) == 4 else None)
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
