//! `run-task` against scripted ECS / CloudWatch Logs answers (wiremock).

use serde_json::{json, Value};
use wiremock::matchers::body_partial_json;
use wiremock::{MockServer, ResponseTemplate};

use crate::support::aws::{
    aws_error, ecr, ecs, logs, missing_image_tag, missing_service, mount, ok, requests, sequence,
    throttled, unknown_task_definition, LogPages, ECR as ECR_TARGET, ECS, LOGS,
};
use crate::support::ecs::register_8;
use crate::support::tasks::{
    cluster, described, knowing_the_task_definition, migrate, no_log_stream, run_task, started,
    stopped, task, task_definition, tasks, TASK, TD,
};
use crate::support::{github_outputs, Output, Test};

/// TASK goes PENDING → RUNNING → `last`.
async fn scenario(last: Value) -> MockServer {
    let states = [
        described(task("PENDING", json!([]))),
        described(task("RUNNING", json!([]))),
        described(last),
    ];
    cluster(sequence(states), no_log_stream()).await
}

#[tokio::test]
async fn success_exits_zero_and_prints_the_task_arn() {
    let server = scenario(stopped(Some(0), Some(0))).await;
    let output = migrate(&server).run().await;
    output
        .status(0)
        .stdout_has(TASK)
        .stderr_has("RUNNING")
        .stderr_has("succeeded")
        .stderr_has("console.aws.amazon.com");
    let run = &requests(&server, ECS, "RunTask").await[0];
    assert_eq!(
        run["overrides"]["containerOverrides"],
        json!([{"name": "hoge-stg", "command": ["rails", "db:migrate"]}])
    );
    assert_eq!(run["taskDefinition"], TD);
    assert_eq!(
        run["clientToken"].as_str().map(str::len),
        Some(32),
        "RunTask carries a client token: {run}"
    );
}

#[tokio::test]
async fn github_output_gets_the_task_arn_and_the_result_document() {
    let server = scenario(stopped(Some(3), Some(0))).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("github_output");
    std::fs::write(&file, "earlier=kept\n").unwrap();
    migrate(&server)
        .env("ECS_SHIP_GITHUB_OUTPUT", file.display().to_string())
        .run()
        .await
        .status(3)
        .stdout_has(TASK);
    let outputs = github_outputs(&file);
    assert_eq!(outputs["earlier"], "kept", "appended, not overwritten");
    assert_eq!(outputs["task-arn"], TASK);
    assert_eq!(outputs["task-definition-arn"], TD);
    assert_eq!(outputs["deployment-id"], "");
    let result: Value = serde_json::from_str(&outputs["result"]).unwrap();
    crate::support::check_schema(&result);
    assert_eq!(result["exit_code"], 3);
    assert_eq!(result["tasks"][0]["containers"][0]["exit_code"], 3);
}

#[tokio::test]
async fn container_exit_code_becomes_the_exit_code() {
    let server = scenario(stopped(Some(3), Some(0))).await;
    migrate(&server)
        .run()
        .await
        .status(3)
        .stderr_has("container `hoge-stg` exited with code 3");
}

#[tokio::test]
async fn failed_sidecar_that_is_not_essential_does_not_fail_the_run() {
    let server = scenario(stopped(Some(0), Some(1))).await;
    migrate(&server).run().await.status(0);
}

#[tokio::test]
async fn run_task_failures_exit_125_with_the_reason() {
    let server = knowing_the_task_definition().await;
    let no_capacity = ok(
        json!({ "tasks": [], "failures": [{"arn": "arn:aws:ecs:us-east-1:123456789012:container-instance/x", "reason": "RESOURCE:MEMORY"}] }),
    );
    mount(&server, ecs("RunTask"), no_capacity).await;
    migrate(&server)
        .run()
        .await
        .status(125)
        .stderr_has("RESOURCE:MEMORY");
    assert!(requests(&server, ECS, "DescribeTasks").await.is_empty());
}

#[tokio::test]
async fn image_pull_failure_exits_125() {
    let mut last = task(
        "STOPPED",
        json!([{"name": "hoge-stg", "lastStatus": "STOPPED", "reason": "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found"}]),
    );
    last["stopCode"] = json!("TaskFailedToStart");
    last["stoppedReason"] = json!("CannotPullContainerError: pull image manifest has been retried");
    let server = scenario(last).await;
    migrate(&server)
        .run()
        .await
        .status(125)
        .stderr_has("CannotPullContainerError");
}

#[tokio::test]
async fn throttled_polls_do_not_end_the_wait() {
    let mut answers = vec![described(task("RUNNING", json!([])))];
    answers.extend(std::iter::repeat_n(throttled(), 8));
    answers.push(described(stopped(Some(4), None)));
    let server = cluster(sequence(answers), no_log_stream()).await;
    migrate(&server).run().await.status(4);
    assert_eq!(requests(&server, ECS, "DescribeTasks").await.len(), 10);
}

#[tokio::test]
async fn timeout_exits_124_and_stops_the_task() {
    let server = scenario(task("RUNNING", json!([]))).await;
    let output = migrate(&server).args(["--timeout", "1s"]).run().await;
    output.status(124).stderr_has("timed out");
    let stops = requests(&server, ECS, "StopTask").await;
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0]["task"], TASK);
    assert!(
        stops[0]["reason"].as_str().unwrap().contains("timed out"),
        "{}",
        stops[0]
    );
}

#[tokio::test]
async fn timeout_with_on_timeout_leave_keeps_the_task() {
    let server = scenario(task("RUNNING", json!([]))).await;
    migrate(&server)
        .args(["--timeout", "1s", "--on-timeout", "leave"])
        .run()
        .await
        .status(124);
    assert!(requests(&server, ECS, "StopTask").await.is_empty());
}

#[tokio::test]
async fn logs_before_and_after_stopped_are_printed_once_in_order() {
    let states = [
        described(task("RUNNING", json!([]))),
        described(task("RUNNING", json!([]))),
        described(stopped(Some(0), None)),
    ];
    // The second page only shows up on the third request for it: after the task stopped.
    let pages = LogPages::new(vec![
        (vec!["line 1: migrating", "line 2: create_table"], 0),
        (vec!["line 3: migrated", "line 4: done"], 2),
    ]);
    let server = cluster(sequence(states), pages).await;
    let output = migrate(&server).run().await;
    output.status(0);
    let lines: Vec<&str> = output
        .stderr
        .lines()
        .filter(|l| l.starts_with("line "))
        .collect();
    assert_eq!(
        lines,
        [
            "line 1: migrating",
            "line 2: create_table",
            "line 3: migrated",
            "line 4: done"
        ],
        "{}",
        output.stderr
    );
    let asked = &requests(&server, LOGS, "GetLogEvents").await[0];
    assert_eq!(asked["logGroupName"], "/ecs/hoge-stg");
    assert_eq!(asked["logStreamName"], "ecs/hoge-stg/0123456789abcdef");
    assert!(
        output.stderr.find("line 4").unwrap() < output.stderr.find("succeeded").unwrap(),
        "logs come before the verdict"
    );
}

#[tokio::test]
async fn no_logs_skips_cloudwatch() {
    let server = scenario(stopped(Some(0), None)).await;
    migrate(&server).arg("--no-logs").run().await.status(0);
    assert!(requests(&server, LOGS, "GetLogEvents").await.is_empty());
}

#[tokio::test]
async fn no_wait_prints_the_arn_and_does_not_poll() {
    let server = scenario(stopped(Some(1), None)).await;
    migrate(&server)
        .arg("--no-wait")
        .run()
        .await
        .status(0)
        .stdout_has(TASK);
    assert!(requests(&server, ECS, "DescribeTasks").await.is_empty());
}

#[tokio::test]
async fn json_output_has_tasks_exit_codes_and_reason() {
    let server = scenario(stopped(Some(2), Some(0))).await;
    let output = migrate(&server).args(["--output", "json"]).run().await;
    output.status(2);
    let doc = output.json();
    assert_eq!(doc["command"], "run-task");
    assert_eq!(doc["result"], "failed");
    assert_eq!(doc["exit_code"], 2);
    assert_eq!(doc["tasks"][0]["task_arn"], TASK);
    assert_eq!(
        doc["tasks"][0]["stopped_reason"],
        "Essential container in task exited"
    );
    assert_eq!(
        doc["tasks"][0]["containers"][0],
        json!({"name": "hoge-stg", "exit_code": 2, "reason": null})
    );
    assert!(doc["duration_seconds"].as_f64().is_some());
}

#[tokio::test]
async fn overrides_file_from_field_report_001_is_passed_through() {
    let server = scenario(stopped(Some(0), None)).await;
    let file = r#"{
  "containerOverrides": [
    {
      "name": "hoge-stg",
      "command": ["rails", "db:migrate"]
    }
  ]
}"#;
    run_task(&server)
        .file("docker/run_task_db_migrate_stg.json", file)
        .args(["--poll-interval", "100ms"])
        .args([
            "--overrides",
            "@docker/run_task_db_migrate_stg.json",
            "--set-env",
            "hoge-stg:RAILS_LOG_LEVEL=debug",
        ])
        .run()
        .await
        .status(0);
    let run = &requests(&server, ECS, "RunTask").await[0];
    assert_eq!(
        run["overrides"]["containerOverrides"],
        json!([{"name": "hoge-stg", "command": ["rails", "db:migrate"], "environment": [{"name": "RAILS_LOG_LEVEL", "value": "debug"}]}])
    );
}

#[tokio::test]
async fn count_runs_every_task_and_every_one_counts() {
    let server = MockServer::start().await;
    let second = TASK.replace("0123456789abcdef", "fedcba9876543210");
    mount(
        &server,
        ecs("DescribeTaskDefinition"),
        ok(task_definition()),
    )
    .await;
    let mut other = task("PROVISIONING", json!([]));
    other["taskArn"] = json!(second);
    let both = tasks(vec![task("PROVISIONING", json!([])), other]);
    mount(&server, ecs("RunTask"), both).await;
    let mut failed = stopped(Some(6), None);
    failed["taskArn"] = json!(second);
    let both = tasks(vec![stopped(Some(0), None), failed]);
    mount(&server, ecs("DescribeTasks"), both).await;
    mount(&server, logs("GetLogEvents"), no_log_stream()).await;
    migrate(&server)
        .args(["--count", "2"])
        .run()
        .await
        .status(6);
    assert_eq!(requests(&server, ECS, "RunTask").await[0]["count"], 2);
}

#[tokio::test]
async fn image_runs_a_derived_revision_and_reuses_an_identical_latest() {
    let server = MockServer::start().await;
    let mut latest = task_definition();
    latest["taskDefinition"]["containerDefinitions"][0]["image"] = json!("repo/hoge:new");
    latest["taskDefinition"]["revision"] = json!(8);
    latest["taskDefinition"]["taskDefinitionArn"] = json!(TD.replace(":7", ":8"));
    // The live revision is 7; the family's latest (8) already has the new image.
    let live = body_partial_json(json!({"taskDefinition": "hoge-service-stg:7"}));
    mount(
        &server,
        ecs("DescribeTaskDefinition").and(live),
        ok(task_definition()),
    )
    .await;
    let family = body_partial_json(json!({"taskDefinition": "hoge-service-stg"}));
    mount(
        &server,
        ecs("DescribeTaskDefinition").and(family),
        ok(latest),
    )
    .await;
    mount(&server, ecs("RunTask"), started()).await;
    let done = described(stopped(Some(0), None));
    mount(&server, ecs("DescribeTasks"), done).await;
    mount(&server, logs("GetLogEvents"), no_log_stream()).await;
    Test::new()
        .endpoint(&server.uri())
        .args([
            "run-task",
            "--cluster",
            "hoge-stg",
            "--task-definition",
            "hoge-service-stg:7",
            "--image",
            "hoge-stg=repo/hoge:new",
            "--poll-interval",
            "100ms",
        ])
        .run()
        .await
        .status(0)
        .stderr_has("reusing");
    assert!(requests(&server, ECS, "RegisterTaskDefinition")
        .await
        .is_empty());
    assert_eq!(
        requests(&server, ECS, "RunTask").await[0]["taskDefinition"],
        TD.replace(":7", ":8")
    );
}

/// `run-task --image` and `--container-image-name-updates` in the forms `deploy` takes; the
/// registered revision's image, when ECS answers RegisterTaskDefinition.
async fn registered_image(image_args: &[&str]) -> Value {
    let server = cluster(described(stopped(Some(0), None)), no_log_stream()).await;
    mount(&server, ecs("RegisterTaskDefinition"), register_8()).await;
    run_task(&server)
        .args(image_args.iter().copied())
        .args(["--no-pin-digest", "--poll-interval", "100ms"])
        .run()
        .await
        .status(0);
    let sent = requests(&server, ECS, "RegisterTaskDefinition").await;
    assert_eq!(sent.len(), 1, "{image_args:?} registers one revision");
    assert_eq!(
        sent[0]["containerDefinitions"][1]["image"], "datadog/agent:7",
        "other containers keep their image"
    );
    sent[0]["containerDefinitions"][0]["image"].clone()
}

#[tokio::test]
async fn image_with_only_a_tag_keeps_the_containers_repository() {
    let repo = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hoge";
    assert_eq!(
        registered_image(&["--image", "hoge-stg=:v2"]).await,
        format!("{repo}:v2")
    );
    assert_eq!(
        registered_image(&[
            "--container-image-name-updates",
            "container=hoge-stg,tag=v3"
        ])
        .await,
        format!("{repo}:v3")
    );
    assert_eq!(
        registered_image(&[
            "--container-image-name-updates",
            "container=hoge-stg,image-and-tag=other/hoge:v4"
        ])
        .await,
        "other/hoge:v4"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn sigint_and_sigterm_stop_the_task_and_exit_130_143() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let server = scenario(task("RUNNING", json!([]))).await;
        let test = migrate(&server);
        let mut child = test.spawn();
        // Wait until the task runs, then signal.
        for _ in 0..100 {
            if !requests(&server, ECS, "DescribeTasks").await.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        std::process::Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
            .await
            .unwrap();
        assert_eq!(status.code(), Some(code), "SIG{signal}");
        let stops = requests(&server, ECS, "StopTask").await;
        assert_eq!(stops.len(), 1, "SIG{signal} stops the task");
        assert!(stops[0]["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("SIG{signal}")));
    }
}

mod bad_input {
    use super::*;

    /// Runs `args` against a server that knows the task definition, and checks nothing started.
    async fn rejected(args: &[&str], code: i32, message: &str) {
        let server = scenario(stopped(Some(0), None)).await;
        starts_no_task(&server, run_task(&server), args, code, message).await;
    }

    /// Runs `test` with `args`: exit `code` with `message`, and no task started on `server`.
    async fn starts_no_task(
        server: &MockServer,
        test: Test,
        args: &[&str],
        code: i32,
        message: &str,
    ) {
        test.args(args.iter().copied())
            .run()
            .await
            .status(code)
            .stderr_has(message);
        assert!(
            requests(server, ECS, "RunTask").await.is_empty(),
            "no task may start for {args:?}"
        );
    }

    #[tokio::test]
    async fn malformed_overrides_json_names_line_and_column() {
        rejected(
            &[
                "--overrides",
                "{\"containerOverrides\": [\n  {\"name\": }\n]}",
            ],
            2,
            "--overrides: invalid JSON at line 2, column 12",
        )
        .await;
    }

    #[tokio::test]
    async fn unknown_container() {
        rejected(
            &["--container", "web"],
            1,
            "--container names container `web`",
        )
        .await;
    }

    #[tokio::test]
    async fn set_env_for_unknown_container() {
        rejected(
            &["--set-env", "worker:A=1"],
            1,
            "--set-env names container `worker`",
        )
        .await;
    }

    #[tokio::test]
    async fn overrides_for_unknown_container() {
        rejected(
            &[
                "--overrides",
                r#"{"containerOverrides":[{"name":"hoge-prod","command":["x"]}]}"#,
            ],
            1,
            "container `hoge-prod`",
        )
        .await;
    }

    #[tokio::test]
    async fn bad_duration() {
        rejected(&["--timeout", "soon"], 2, "--timeout").await;
    }

    #[tokio::test]
    async fn tag_only_image_for_unknown_container() {
        rejected(
            &["--image", "worker=:v2"],
            1,
            "--image names container `worker`",
        )
        .await;
        rejected(
            &["--container-image-name-updates", "container=worker,tag=v2"],
            1,
            "--container-image-name-updates names container `worker`",
        )
        .await;
    }

    #[tokio::test]
    async fn malformed_image_values_are_usage_errors() {
        rejected(&["--image", "hoge-stg=:"], 2, "is not CONTAINER=:TAG").await;
        rejected(
            &["--container-image-name-updates", "tag=v2"],
            2,
            "comes before any container=",
        )
        .await;
        rejected(&["--command-json", "rails"], 2, "--command-json").await;
    }

    /// Runs `run-task args` against a server whose one answer is `answer` to `action`: exit 1
    /// with `message`, and no task started.
    async fn refused_by_aws(
        action: wiremock::MockBuilder,
        answer: ResponseTemplate,
        args: &[&str],
        message: &str,
    ) {
        let server = MockServer::start().await;
        mount(&server, action, answer).await;
        let test = Test::new().endpoint(&server.uri()).arg("run-task");
        starts_no_task(&server, test, args, 1, message).await;
    }

    #[tokio::test]
    async fn unknown_task_definition() {
        refused_by_aws(
            ecs("DescribeTaskDefinition"),
            super::unknown_task_definition(),
            &["--cluster", "c", "--task-definition", "nope"],
            "task definition `nope` not found",
        )
        .await;
    }

    #[tokio::test]
    async fn unknown_service() {
        refused_by_aws(
            ecs("DescribeServices"),
            missing_service("c", "ghost"),
            &["--cluster", "c", "--service", "ghost"],
            "service `ghost` not found",
        )
        .await;
    }

    #[tokio::test]
    async fn unknown_cluster() {
        refused_by_aws(
            ecs("DescribeServices"),
            aws_error(400, "ClusterNotFoundException", "Cluster not found."),
            &["--cluster", "nope", "--service", "s"],
            "cluster `nope` not found",
        )
        .await;
    }

    /// Runs a `run-task` that `setup` leaves without something it needs: exit 1 before any AWS
    /// call, so the caller checks what stderr says is missing.
    async fn fails_before_calling_aws(setup: impl FnOnce(Test) -> Test) -> Output {
        let server = scenario(stopped(Some(0), None)).await;
        let output = setup(Test::new().endpoint(&server.uri()))
            .args(["run-task", "--cluster", "c", "--task-definition", "t"])
            .run()
            .await;
        output.status(1);
        assert!(server.received_requests().await.unwrap().is_empty());
        output
    }

    #[tokio::test]
    async fn missing_region() {
        fails_before_calling_aws(|test| test.env_remove("AWS_REGION"))
            .await
            .stderr_has("no AWS region")
            .stderr_has("--region");
    }

    #[tokio::test]
    async fn missing_credentials() {
        fails_before_calling_aws(|test| {
            test.env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY")
        })
        .await
        .stderr_has("no AWS credentials");
    }

    #[tokio::test]
    async fn bad_endpoint_is_a_network_error_not_a_hang() {
        // Port 9 (discard) on loopback: nothing listens there.
        Test::new()
            .endpoint("http://127.0.0.1:9")
            .args(["run-task", "--cluster", "c", "--task-definition", "t"])
            .run()
            .await
            .status(1)
            .stderr_has("cannot reach AWS");
    }

    #[tokio::test]
    async fn missing_cluster_is_a_usage_error() {
        Test::new()
            .args(["run-task", "--task-definition", "t"])
            .run()
            .await
            .status(2)
            .stderr_has("--cluster");
    }
}

/// `run-task --image` pins ECR tags as `deploy` does, so the two share one revision.
#[tokio::test]
async fn image_from_ecr_is_pinned_to_its_digest_before_registering() {
    let digest = format!("sha256:{}", "ab".repeat(32));
    let image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hoge";
    let server = scenario(stopped(Some(0), None)).await;
    let v2 = ok(json!({"imageDetails": [{"imageDigest": digest, "imageTags": ["v2"]}]}));
    mount(&server, ecr("DescribeImages"), v2).await;
    mount(&server, ecs("RegisterTaskDefinition"), register_8()).await;

    migrate(&server)
        .args(["--image", &format!("hoge-stg={image}:v2")])
        .run()
        .await
        .status(0);
    let asked = &requests(&server, ECR_TARGET, "DescribeImages").await[0];
    assert_eq!(asked["repositoryName"], "hoge");
    assert_eq!(asked["imageIds"], json!([{"imageTag": "v2"}]));
    let register = &requests(&server, ECS, "RegisterTaskDefinition").await[0];
    assert_eq!(
        register["containerDefinitions"][0]["image"],
        json!(format!("{image}@{digest}"))
    );
    assert_eq!(
        requests(&server, ECS, "RunTask").await[0]["taskDefinition"],
        TD.replace(":7", ":8")
    );
}

#[tokio::test]
async fn image_with_a_missing_tag_starts_nothing() {
    let server = scenario(stopped(Some(0), None)).await;
    let nope = missing_image_tag("hoge", "nope");
    mount(&server, ecr("DescribeImages"), nope).await;
    migrate(&server)
        .args([
            "--image",
            "hoge-stg=123456789012.dkr.ecr.us-east-1.amazonaws.com/hoge:nope",
        ])
        .run()
        .await
        .status(1)
        .stderr_has("image tag `nope` not found in ECR repository `hoge`");
    for changing in ["RegisterTaskDefinition", "RunTask"] {
        assert!(
            requests(&server, ECS, changing).await.is_empty(),
            "{changing} was called"
        );
    }
}

#[tokio::test]
async fn dry_run_shows_the_revision_and_request_and_starts_nothing() {
    let digest = format!("sha256:{}", "cd".repeat(32));
    let image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hoge";
    let server = scenario(stopped(Some(0), None)).await;
    let v3 = ok(json!({"imageDetails": [{"imageDigest": digest, "imageTags": ["v3"]}]}));
    mount(&server, ecr("DescribeImages"), v3).await;

    let output = migrate(&server)
        .args(["--image", &format!("hoge-stg={image}:v3"), "--dry-run"])
        .run()
        .await;
    output
        .status(0)
        .stdout_has("would register a new revision of hoge-service-stg")
        .stdout_has(&format!("-      \"image\": \"{image}:abc\""))
        .stdout_has(&format!("+      \"image\": \"{image}@{digest}\""))
        .stdout_has("would call RunTask")
        .stdout_has(r#""command":["rails","db:migrate"]"#);
    for changing in ["RegisterTaskDefinition", "RunTask", "StopTask"] {
        assert!(
            requests(&server, ECS, changing).await.is_empty(),
            "dry run called {changing}"
        );
    }

    let doc = migrate(&server)
        .args(["--dry-run", "--output", "json"])
        .run()
        .await
        .json();
    assert_eq!(doc["result"], "dry_run");
    assert_eq!(doc["run_task"]["taskDefinition"], TD);
    assert!(requests(&server, ECS, "RunTask").await.is_empty());
}
