#!/usr/bin/env python3
"""run-task benchmark: ecs-ship against `aws ecs run-task` + `aws ecs wait tasks-stopped`,
both against the same local moto server in the same run. Prints figures and ratios.

    bash scripts/ensure-venv --peers && cargo build --release
    .venv/bin/python bench/run_task.py [--ecs-ship target/release/ecs-ship]

Measures: process start-up (`--version`, median of 20), the whole run-and-wait flow (wall
time and AWS calls, as counted by the moto launcher), peak RSS while streaming 100,000 log
lines (and whether every line arrived once, in order), and how long after the task stops the
verdict comes. Nothing leaves 127.0.0.1.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
CLUSTER = "bench"
LOG_GROUP = "/ecs/bench"


def start_moto():
    process = subprocess.Popen(
        [os.path.join(VENV_BIN, "python"), os.path.join(ROOT, "scripts", "moto_server.py"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    url = process.stdout.readline().strip().removeprefix("moto ready on ")
    assert url.startswith("http://127.0.0.1:"), url
    return process, url


def environment(url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECS_SHIP_"))}
    env.update(AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", CI="true")
    return env


def post(url, path, body):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    return urllib.request.urlopen(request).read()


def calls(url):
    return json.loads(urllib.request.urlopen(url + "/_ecs_ship/calls").read())


def reset_calls(url):
    post(url, "/_ecs_ship/calls/reset", {})


def task_transitions(url, **transition):
    post(url, "/moto-api/state-manager/set-transition", {"model_name": "ecs::task", "transition": transition})



def peak_rss_run(command, env):
    """Runs a command; returns (exit code, seconds, peak RSS in KiB, stdout, stderr).

    The peak RSS comes from GNU time, which execs the command from a small process: the
    rusage of a child forked from this Python would count Python's own pages before exec."""
    with tempfile.NamedTemporaryFile("r") as rss_file:
        started = time.monotonic()
        done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file.name, *command],
                              env=env, capture_output=True, text=True)
        seconds = time.monotonic() - started
        rss = int(rss_file.read().strip().splitlines()[-1])
    return done.returncode, seconds, rss, done.stdout, done.stderr


def startup(command, env, times=20):
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def setup(url):
    session = boto3.session.Session(aws_access_key_id="bench", aws_secret_access_key="bench", region_name="us-east-1")
    ecs = session.client("ecs", endpoint_url=url)
    logs = session.client("logs", endpoint_url=url)
    ecs.create_cluster(clusterName=CLUSTER)
    logs.create_log_group(logGroupName=LOG_GROUP)
    ecs.register_task_definition(family="migrate", networkMode="bridge", containerDefinitions=[{
        "name": "app", "image": "app:1", "memory": 512, "essential": True,
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": LOG_GROUP, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}}}])
    return ecs, logs


def wait_for_new_task(ecs, known):
    """The ARN of a task started since `known` (a set of ARNs) was taken."""
    for _ in range(400):
        new = set(ecs.list_tasks(cluster=CLUSTER)["taskArns"]) - known
        if new:
            return new.pop()
        time.sleep(0.025)
    raise SystemExit("no task started")


def task_arns(ecs):
    return set(ecs.list_tasks(cluster=CLUSTER)["taskArns"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ecs-ship", default=os.path.join(ROOT, "target", "release", "ecs-ship"))
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    ecs_ship, aws = args.ecs_ship, os.path.join(VENV_BIN, "aws")
    for tool in (ecs_ship, aws, "/usr/bin/time"):
        if not os.path.exists(tool):
            sys.exit(f"{tool} is missing: run `bash scripts/ensure-venv --peers && cargo build --release`"
                     " (and `apt-get install -y time` for /usr/bin/time)")

    moto, url = start_moto()
    try:
        env = environment(url)
        ecs, logs = setup(url)
        results = {}

        # 1. Start-up.
        results["startup_ecs_ship"] = startup([ecs_ship, "--version"], env)
        results["startup_aws"] = startup([aws, "--version"], env, times=10)

        # 2. The whole flow, moto walking the task one state per DescribeTasks (4 to STOPPED).
        task_transitions(url, progression="manual", times=1)
        reset_calls(url)
        code, seconds, flow_rss, out, err = peak_rss_run(
            [ecs_ship, "run-task", "--cluster", CLUSTER, "--task-definition", "migrate", "--launch-type", "FARGATE",
             "--command", "bin/rails db:migrate"], env)
        assert code == 0, err
        results["flow_ecs_ship"] = (seconds, calls(url))
        results["flow_rss_ecs_ship"] = flow_rss
        reset_calls(url)
        started = time.monotonic()
        ran = subprocess.run([aws, "ecs", "run-task", "--cluster", CLUSTER, "--task-definition", "migrate",
                              "--launch-type", "FARGATE", "--overrides",
                              json.dumps({"containerOverrides": [{"name": "app", "command": ["bin/rails", "db:migrate"]}]})],
                             env=env, capture_output=True, text=True, check=True)
        arn = json.loads(ran.stdout)["tasks"][0]["taskArn"]
        subprocess.run([aws, "ecs", "wait", "tasks-stopped", "--cluster", CLUSTER, "--tasks", arn],
                       env=env, capture_output=True, check=True)
        results["flow_aws"] = (time.monotonic() - started, calls(url))

        # 3. Streaming N log lines: the task runs until every line is written, then stops.
        task_transitions(url, progression="manual", times=1_000_000)
        process_result = {}
        command = [ecs_ship, "run-task", "--cluster", CLUSTER, "--task-definition", "migrate",
                   "--launch-type", "FARGATE", "--poll-interval", "2s"]
        known = task_arns(ecs)
        runner = threading.Thread(target=lambda: process_result.update(result=peak_rss_run(command, env)))
        runner.start()
        arn = wait_for_new_task(ecs, known)
        stream = f"ecs/app/{arn.rsplit('/', 1)[1]}"
        logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
        now = int(time.time() * 1000)
        for start in range(0, args.lines, 10_000):
            batch = [{"timestamp": now + i // 100, "message": f"line {i:06d} " + "x" * 40}
                     for i in range(start, min(start + 10_000, args.lines))]
            logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=stream, logEvents=batch)
        task_transitions(url, progression="manual", times=1)
        runner.join()
        code, seconds, rss, _, err = process_result["result"]
        printed = [line.split()[1] for line in err.splitlines() if line.startswith("line ")]
        expected = [f"{i:06d}" for i in range(args.lines)]
        results["logs"] = (code, seconds, rss, len(printed), printed == expected)

        # 4. Verdict latency: the task stops on its own after 3 × 2s; how long until ecs-ship exits?
        for interval in ("1s", "5s"):
            task_transitions(url, progression="time", seconds=2)
            stopped_at = {}
            command = [ecs_ship, "run-task", "--cluster", CLUSTER, "--task-definition", "migrate",
                       "--launch-type", "FARGATE", "--no-logs", "--poll-interval", interval]
            known = task_arns(ecs)
            proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            arn = wait_for_new_task(ecs, known)
            while "t" not in stopped_at:
                if ecs.describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"][0]["lastStatus"] == "STOPPED":
                    stopped_at["t"] = time.monotonic()
                time.sleep(0.05)
            proc.wait()
            results[f"verdict_{interval}"] = time.monotonic() - stopped_at["t"]

        report(results, args.lines)
    finally:
        moto.terminate()


def count(observed, prefix):
    return sum(v for k, v in observed.items() if k.startswith(prefix))


def report(r, lines):
    print("run-task benchmark (moto on 127.0.0.1, one run)\n")
    print(f"{'':44}{'ecs-ship':>12}{'aws cli':>12}{'ratio':>10}")
    s, a = r["startup_ecs_ship"] * 1000, r["startup_aws"] * 1000
    print(f"{'start-up, --version (median ms)':44}{s:12.1f}{a:12.1f}{a / s:9.0f}×")
    (fs, fc), (as_, ac) = r["flow_ecs_ship"], r["flow_aws"]
    print(f"{'run + wait until STOPPED (s)':44}{fs:12.2f}{as_:12.2f}{as_ / fs:9.1f}×")
    print(f"{'  AWS calls (all)':44}{sum(fc.values()):12d}{sum(ac.values()):12d}")
    print(f"{'  ecs:DescribeTasks':44}{fc.get('ecs:DescribeTasks', 0):12d}{ac.get('ecs:DescribeTasks', 0):12d}")
    print(f"{'  logs:GetLogEvents (ecs-ship streams logs)':44}{count(fc, 'logs:'):12d}{count(ac, 'logs:'):12d}")
    print(f"{'  peak RSS of ecs-ship (MiB)':44}{r['flow_rss_ecs_ship'] / 1024:12.1f}")
    code, seconds, rss, printed, in_order = r["logs"]
    print(f"\nstreaming {lines:,} log lines: exit {code}, {seconds:.1f}s, peak RSS {rss / 1024:.1f} MiB, "
          f"{printed:,} printed, {'all once and in order' if in_order else 'LINES LOST, DUPLICATED OR OUT OF ORDER'}")
    for interval in ("1s", "5s"):
        print(f"verdict after the task stopped, --poll-interval {interval}: {r[f'verdict_{interval}']:.2f}s")


if __name__ == "__main__":
    main()
