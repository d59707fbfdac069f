#!/usr/bin/env python3
"""An ECS stand-in that throttles as ECS does, for bench/throttling.sh (stdlib only, loopback).

    throttle_world.py PORT N [--bucket ACTION=BURST:RATE ...] [--throttle-polls FROM:COUNT]

Cluster `bench` with services svc-001..svc-N on task definition web:1. UpdateService starts a
deployment that is COMPLETED at the second DescribeServices that shows it. `--bucket` gives an
action a token bucket (BURST tokens, RATE more each second; an empty bucket answers
ThrottlingException, as ECS does). `--throttle-polls 3:8` throttles DescribeServices calls 3 to
10, whatever the buckets say. `GET /calls` answers the calls and throttles per action as JSON.
"""

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "AmazonEC2ContainerServiceV20141113."
ARN = "arn:aws:ecs:us-east-1:123456789012"


class Bucket:
    def __init__(self, burst, rate):
        self.burst, self.rate = burst, rate
        self.tokens, self.at = burst, time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class World:
    def __init__(self, n, buckets, throttle_polls):
        self.lock = threading.Lock()
        self.services = {f"svc-{i:03d}": {"td": "web:1", "deployment": None} for i in range(1, n + 1)}
        self.buckets = buckets
        self.throttle_polls = throttle_polls
        self.calls, self.throttled = {}, {}

    def throttle(self, action):
        self.calls[action] = self.calls.get(action, 0) + 1
        hit = False
        if action == "DescribeServices" and self.throttle_polls:
            start, count = self.throttle_polls
            hit = start <= self.calls[action] < start + count
        bucket = self.buckets.get(action)
        if not hit and bucket is not None:
            hit = not bucket.take()
        if hit:
            self.throttled[action] = self.throttled.get(action, 0) + 1
        return hit

    def service(self, name):
        state = self.services[name]
        td = f"{ARN}:task-definition/{state['td']}"
        deployment = state["deployment"]
        deployments = []
        if deployment is not None:
            deployment["seen"] += 1
            done = deployment["seen"] >= 2
            deployments.append({
                "id": deployment["id"], "status": "PRIMARY", "taskDefinition": td,
                "desiredCount": 2, "runningCount": 2 if done else 0, "pendingCount": 0 if done else 2,
                "rolloutState": "COMPLETED" if done else "IN_PROGRESS",
                "createdAt": deployment["at"], "updatedAt": time.time(),
            })
            if not done:
                deployments.append({
                    "id": "ecs-svc/old", "status": "ACTIVE", "taskDefinition": f"{ARN}:task-definition/web:1",
                    "desiredCount": 0, "runningCount": 2, "pendingCount": 0, "rolloutState": "COMPLETED",
                    "createdAt": deployment["at"] - 100, "updatedAt": deployment["at"],
                })
        else:
            deployments.append({
                "id": "ecs-svc/old", "status": "PRIMARY", "taskDefinition": td, "desiredCount": 2,
                "runningCount": 2, "pendingCount": 0, "rolloutState": "COMPLETED",
                "createdAt": time.time() - 100, "updatedAt": time.time() - 100,
            })
        return {
            "serviceArn": f"{ARN}:service/bench/{name}", "serviceName": name,
            "clusterArn": f"{ARN}:cluster/bench", "status": "ACTIVE", "taskDefinition": td,
            "desiredCount": 2, "runningCount": 2, "pendingCount": 0, "launchType": "FARGATE",
            "deploymentController": {"type": "ECS"}, "deployments": deployments, "events": [],
        }

    def answer(self, action, body):
        if action == "DescribeServices":
            names = [s.rsplit("/", 1)[-1] for s in body.get("services", [])]
            known = [n for n in names if n in self.services]
            failures = [{"arn": f"{ARN}:service/bench/{n}", "reason": "MISSING"} for n in names if n not in self.services]
            return {"services": [self.service(n) for n in known], "failures": failures}
        if action == "DescribeTaskDefinition":
            name = body["taskDefinition"].rsplit("/", 1)[-1]
            family, _, revision = name.partition(":")
            return {"taskDefinition": {
                "taskDefinitionArn": f"{ARN}:task-definition/{family}:{revision or 1}", "family": family,
                "revision": int(revision or 1), "status": "ACTIVE",
                "containerDefinitions": [{"name": "app", "image": "nginx:1", "essential": True, "memory": 256}],
            }, "tags": []}
        if action == "UpdateService":
            name = body["service"].rsplit("/", 1)[-1]
            state = self.services[name]
            state["td"] = body.get("taskDefinition", state["td"]).rsplit("/", 1)[-1]
            state["deployment"] = {"id": f"ecs-svc/{name}-new", "seen": 0, "at": time.time()}
            service = self.service(name)
            state["deployment"]["seen"] = 0
            return {"service": service}
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("n", type=int)
    parser.add_argument("--bucket", action="append", default=[])
    parser.add_argument("--throttle-polls")
    args = parser.parse_args()
    buckets = {}
    for spec in args.bucket:
        action, _, rates = spec.partition("=")
        burst, _, rate = rates.partition(":")
        buckets[action] = Bucket(float(burst), float(rate))
    polls = None
    if args.throttle_polls:
        start, _, count = args.throttle_polls.partition(":")
        polls = (int(start), int(count))
    world = World(args.n, buckets, polls)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def send(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            with world.lock:
                self.send(200, {"calls": world.calls, "throttled": world.throttled})

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            action = self.headers.get("X-Amz-Target", "").removeprefix(PREFIX)
            with world.lock:
                if world.throttle(action):
                    return self.send(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
                answer = world.answer(action, body)
            if answer is None:
                return self.send(400, {"__type": "InvalidParameterException", "message": f"{action} not in the stand-in"})
            self.send(200, answer)

    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
