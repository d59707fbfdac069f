//! `deploy`, `continue` and `rollback` for ECS-native blue/green, linear and canary services,
//! against scripted ECS answers (wiremock) shaped as the service deployments API sends them
//! (field names from the SDK model; timestamps are epoch seconds). moto implements none of this.

use serde_json::{json, Value};
use wiremock::{MockServer, ResponseTemplate};

use crate::support::aws::{aws_error, count, ecs, mount, ok, requests, sequence, ECS};
use crate::support::ecs::{
    app_definition, definition_answer, ecs_controlled, in_prod, paused, register_8, service_arn,
    service_deployment, service_deployments, services, ship, CIRCUIT_BREAKER, NEWER_SD, NEW_REV,
    NEW_SD, NEW_TD, NOW, OLD_REV, OLD_SD, OLD_TD,
};
use crate::support::slack::posts;
use crate::support::Test;

/// DescribeTaskDefinition: web:7 for every reference (also the family's latest).
fn definitions() -> ResponseTemplate {
    definition_answer(app_definition("web", 7, "nginx:1"))
}

/// DescribeServiceDeployments answering NEW_SD in `status` at `stage`, with `production`
/// percent of the production traffic.
fn polled(status: &str, stage: &str, production: f64) -> ResponseTemplate {
    service_deployments(vec![service_deployment(NEW_SD, status, stage, production)])
}

/// DescribeServiceDeployments answering NEW_SD paused by its hook after the test traffic shift.
fn paused_at_test_traffic() -> ResponseTemplate {
    service_deployments(vec![paused(NEW_SD, "POST_TEST_TRAFFIC_SHIFT")])
}

/// NEW_SD paused after the test traffic shift, still so at the next poll (ECS may show the hook
/// waiting just after a `continue`: not a new pause), then shifting production traffic and done.
fn paused_twice_then_succeeding() -> Vec<ResponseTemplate> {
    vec![
        paused_at_test_traffic(),
        paused_at_test_traffic(),
        polled("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 50.0),
        polled("SUCCESSFUL", "CLEAN_UP", 100.0),
    ]
}

/// web:7 for every DescribeTaskDefinition, web:8 registered, and UpdateService answering
/// `updated`.
async fn mount_revisions_and_update(server: &MockServer, updated: Value) {
    mount(server, ecs("DescribeTaskDefinition"), definitions()).await;
    mount(server, ecs("RegisterTaskDefinition"), register_8()).await;
    let answer = ok(json!({ "service": updated }));
    mount(server, ecs("UpdateService"), answer).await;
}

/// A BLUE_GREEN service `web` on web:7 whose UpdateService starts NEW_SD; DescribeServices
/// shows it before, then `after` for every poll; DescribeServiceDeployments answers `polls`.
async fn blue_green(after: Vec<ResponseTemplate>, polls: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    let mut answers = vec![services(vec![ecs_controlled(OLD_TD, "BLUE_GREEN", OLD_SD)])];
    if after.is_empty() {
        answers.push(services(vec![ecs_controlled(NEW_TD, "BLUE_GREEN", NEW_SD)]));
    }
    answers.extend(after);
    mount(&server, ecs("DescribeServices"), sequence(answers)).await;
    mount_revisions_and_update(&server, ecs_controlled(NEW_TD, "BLUE_GREEN", NEW_SD)).await;
    if !polls.is_empty() {
        mount(&server, ecs("DescribeServiceDeployments"), sequence(polls)).await;
    }
    mount(
        &server,
        ecs("ContinueServiceDeployment"),
        ok(json!({ "serviceDeploymentArn": NEW_SD })),
    )
    .await;
    mount(
        &server,
        ecs("StopServiceDeployment"),
        ok(json!({ "serviceDeploymentArn": NEW_SD })),
    )
    .await;
    server
}

fn deploy(server: &MockServer) -> Test {
    ship(server, "deploy").args(["--image", "app=nginx:2", "--no-pin-digest"])
}

#[tokio::test]
async fn blue_green_stages_are_followed_to_successful() {
    let server = blue_green(
        vec![],
        vec![
            polled("IN_PROGRESS", "SCALE_UP", 0.0),
            polled("IN_PROGRESS", "TEST_TRAFFIC_SHIFT", 0.0),
            polled("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 50.0),
            polled("IN_PROGRESS", "BAKE_TIME", 100.0),
            polled("SUCCESSFUL", "CLEAN_UP", 100.0),
        ],
    )
    .await;
    let output = deploy(&server).args(["--output", "json"]).run().await;
    let json = output.status(0).json();
    output
        .stderr_has("following service deployment ")
        .stderr_has("IN_PROGRESS SCALE_UP")
        .stderr_has("IN_PROGRESS TEST_TRAFFIC_SHIFT")
        .stderr_has("IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT")
        .stderr_has("IN_PROGRESS BAKE_TIME")
        .stderr_has("SUCCESSFUL CLEAN_UP");
    assert_eq!(json["result"], "succeeded");
    let web = &json["services"][0];
    assert_eq!(web["strategy"], "BLUE_GREEN");
    assert_eq!(web["deployment_controller"], "ECS");
    assert_eq!(web["service_deployment_arn"], NEW_SD);
    assert_eq!(web["service_deployment_status"], "SUCCESSFUL");
    assert_eq!(web["lifecycle_stage"], "CLEAN_UP");
    let describe = &requests(&server, ECS, "DescribeServiceDeployments").await[0];
    assert_eq!(describe, &json!({ "serviceDeploymentArns": [NEW_SD] }));
    // Its own currentServiceDeployment named it: nothing listed.
    assert_eq!(count(&server, ECS, "ListServiceDeployments").await, 0);
}

#[tokio::test]
async fn an_alarm_rollback_exits_3_with_ecs_reason_and_the_alarm_names() {
    let mut rolled_back = service_deployment(NEW_SD, "ROLLBACK_IN_PROGRESS", "BAKE_TIME", 100.0);
    rolled_back["rollback"] = json!({"reason": "CloudWatch alarm web-5xx went into ALARM state.",
        "startedAt": NOW + 60.0, "serviceRevisionArn": OLD_REV});
    rolled_back["alarms"] = json!({"status": "TRIGGERED", "alarmNames": ["web-5xx", "web-latency"],
        "triggeredAlarmNames": ["web-5xx"]});
    let server = blue_green(
        vec![],
        vec![
            polled("IN_PROGRESS", "BAKE_TIME", 100.0),
            service_deployments(vec![rolled_back]),
        ],
    )
    .await;
    let output = deploy(&server).args(["--output", "json"]).run().await;
    let json = output.status(3).json();
    let reason = json["reason"].as_str().unwrap();
    assert!(
        reason.contains("rolled back: CloudWatch alarm web-5xx went into ALARM state.")
            && reason.contains("alarms in ALARM: web-5xx")
            && !reason.contains("web-latency"),
        "{reason}"
    );
    assert_eq!(json["services"][0]["result"], "failed");
}

#[tokio::test]
async fn a_pause_hook_exits_0_paused_naming_hook_expiry_and_the_continue_command() {
    let server = blue_green(
        vec![],
        vec![
            polled("IN_PROGRESS", "SCALE_UP", 0.0),
            paused_at_test_traffic(),
        ],
    )
    .await;
    let output = deploy(&server).args(["--output", "json"]).run().await;
    let json = output.status(0).json();
    output
        .stderr_has(
            "deployment paused at POST_TEST_TRAFFIC_SHIFT: hook hook-approve awaits an action",
        )
        .stderr_has("expires 2023-11-15T")
        .stderr_has("then ROLLBACK")
        .stderr_has("`ecs-ship continue --cluster prod --service web`");
    assert_eq!(json["result"], "paused");
    assert_eq!(json["exit_code"], 0);
    let web = &json["services"][0];
    assert_eq!(web["result"], "paused");
    assert_eq!(web["paused"]["stage"], "POST_TEST_TRAFFIC_SHIFT");
    assert_eq!(web["paused"]["hook_id"], "hook-approve");
    assert_eq!(web["paused"]["timeout_action"], "ROLLBACK");
    assert_eq!(
        web["paused"]["continue_command"],
        "ecs-ship continue --cluster prod --service web"
    );
}

#[tokio::test]
async fn on_pause_wait_keeps_waiting_until_someone_continues() {
    let server = blue_green(vec![], paused_twice_then_succeeding()).await;
    let output = deploy(&server).args(["--on-pause", "wait"]).run().await;
    output
        .status(0)
        .stderr_has("deployment paused at")
        .stderr_has("completed");
    assert_eq!(
        output.stderr.matches("deployment paused at").count(),
        1,
        "the pause is announced once:\n{}",
        output.stderr
    );
}

#[tokio::test]
async fn continue_resumes_the_paused_deployment_and_waits_for_success() {
    let server = blue_green(
        vec![services(vec![ecs_controlled(NEW_TD, "BLUE_GREEN", NEW_SD)])],
        paused_twice_then_succeeding(),
    )
    .await;
    let output = ship(&server, "continue")
        .args(["--output", "json"])
        .run()
        .await;
    let json = output.status(0).json();
    assert_eq!(json["command"], "continue");
    assert_eq!(json["result"], "succeeded");
    output.stderr_has(
        "continuing service deployment new222 at POST_TEST_TRAFFIC_SHIFT (hook hook-approve)",
    );
    let sent = requests(&server, ECS, "ContinueServiceDeployment").await;
    assert_eq!(
        sent,
        [json!({"serviceDeploymentArn": NEW_SD, "hookId": "hook-approve", "action": "CONTINUE"})]
    );
    assert_eq!(count(&server, ECS, "UpdateService").await, 0);
}

#[tokio::test]
async fn continue_rollback_rolls_back_and_exits_0_once_rolled_back() {
    let server = blue_green(
        vec![services(vec![ecs_controlled(NEW_TD, "BLUE_GREEN", NEW_SD)])],
        vec![
            paused_at_test_traffic(),
            polled("ROLLBACK_IN_PROGRESS", "CLEAN_UP", 0.0),
            polled("ROLLBACK_SUCCESSFUL", "CLEAN_UP", 0.0),
        ],
    )
    .await;
    let output = ship(&server, "continue").arg("--rollback").run().await;
    output
        .status(0)
        .stderr_has("rolling back service deployment new222");
    let sent = requests(&server, ECS, "ContinueServiceDeployment").await;
    assert_eq!(sent[0]["action"], "ROLLBACK");
}

#[tokio::test]
async fn a_continued_deployment_that_then_fails_exits_3() {
    let mut failed = service_deployment(NEW_SD, "ROLLBACK_SUCCESSFUL", "CLEAN_UP", 0.0);
    failed["statusReason"] = json!(CIRCUIT_BREAKER);
    failed["deploymentCircuitBreaker"] =
        json!({"status": "TRIGGERED", "failureCount": 3, "threshold": 3});
    let server = blue_green(
        vec![services(vec![ecs_controlled(NEW_TD, "BLUE_GREEN", NEW_SD)])],
        vec![paused_at_test_traffic(), service_deployments(vec![failed])],
    )
    .await;
    let output = ship(&server, "continue").run().await;
    output
        .status(3)
        .stderr_has("tasks failed to start")
        .stderr_has("circuit breaker: 3/3 failed tasks");
}

#[tokio::test]
async fn continue_with_nothing_paused_exits_1_and_calls_nothing() {
    let server = blue_green(
        vec![services(vec![ecs_controlled(NEW_TD, "BLUE_GREEN", NEW_SD)])],
        vec![polled("SUCCESSFUL", "CLEAN_UP", 100.0)],
    )
    .await;
    let output = ship(&server, "continue").run().await;
    output.status(1).stderr_has(
        "nothing to continue: service `web` has no deployment waiting at a lifecycle hook",
    );
    assert_eq!(count(&server, ECS, "ContinueServiceDeployment").await, 0);
}

#[tokio::test]
async fn traffic_shifted_succeeds_during_a_long_bake_and_says_what_was_not_waited_for() {
    let server = blue_green(
        vec![],
        vec![
            polled("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 50.0),
            polled("IN_PROGRESS", "BAKE_TIME", 100.0),
        ],
    )
    .await;
    let output = deploy(&server)
        .args(["--wait-until", "traffic-shifted", "--output", "json"])
        .run()
        .await;
    let json = output.status(0).json();
    assert_eq!(json["result"], "succeeded");
    let left = json["services"][0]["not_waited_for"].as_str().unwrap();
    assert!(
        left.contains("bake time 60m") && left.contains("clean-up"),
        "{left}"
    );
    output.stderr_has("production traffic is on the new revision");
}

#[tokio::test]
async fn a_superseded_deployment_exits_3_naming_the_newer_one() {
    let mut stopped = service_deployment(NEW_SD, "STOPPED", "TEST_TRAFFIC_SHIFT", 0.0);
    stopped["statusReason"] =
        json!("Service deployment was stopped because a newer deployment started.");
    let server = blue_green(
        vec![
            services(vec![ecs_controlled(NEW_TD, "BLUE_GREEN", NEW_SD)]),
            services(vec![ecs_controlled(NEW_TD, "BLUE_GREEN", NEWER_SD)]),
        ],
        vec![
            polled("IN_PROGRESS", "SCALE_UP", 0.0),
            service_deployments(vec![stopped]),
        ],
    )
    .await;
    let output = deploy(&server).args(["--output", "json"]).run().await;
    let json = output.status(3).json();
    assert_eq!(json["services"][0]["result"], "superseded");
    let reason = json["reason"].as_str().unwrap();
    assert!(
        reason.contains("superseded") && reason.contains(NEWER_SD),
        "{reason}"
    );
}

#[tokio::test]
async fn a_linear_deployment_is_found_with_list_service_deployments_when_not_named() {
    let server = MockServer::start().await;
    // Neither answer names the new deployment: it is found by ListServiceDeployments.
    mount(
        &server,
        ecs("DescribeServices"),
        services(vec![ecs_controlled(OLD_TD, "LINEAR", OLD_SD)]),
    )
    .await;
    mount_revisions_and_update(&server, ecs_controlled(NEW_TD, "LINEAR", OLD_SD)).await;
    mount(
        &server,
        ecs("ListServiceDeployments"),
        ok(json!({ "serviceDeployments": [
            {"serviceDeploymentArn": NEW_SD, "serviceArn": service_arn("web"), "status": "PENDING",
             "createdAt": NOW + 10.0, "targetServiceRevisionArn": NEW_REV}
        ]})),
    )
    .await;
    let mut done = service_deployment(NEW_SD, "SUCCESSFUL", "CLEAN_UP", 100.0);
    done["deploymentConfiguration"]["strategy"] = json!("LINEAR");
    mount(
        &server,
        ecs("DescribeServiceDeployments"),
        service_deployments(vec![done]),
    )
    .await;
    let output = deploy(&server).run().await;
    output
        .status(0)
        .stderr_has("LINEAR deployment; following service deployment");
    let listed = &requests(&server, ECS, "ListServiceDeployments").await[0];
    assert_eq!(listed["cluster"], "prod");
    assert_eq!(listed["service"], "web");
    assert!(listed["createdAt"]["after"].is_number(), "{listed}");
}

#[tokio::test]
async fn rollback_during_bake_stops_with_rollback_and_waits_for_it() {
    let server = blue_green(
        vec![services(vec![ecs_controlled(NEW_TD, "BLUE_GREEN", NEW_SD)])],
        vec![
            polled("IN_PROGRESS", "BAKE_TIME", 100.0),
            polled("ROLLBACK_IN_PROGRESS", "BAKE_TIME", 0.0),
            polled("ROLLBACK_SUCCESSFUL", "CLEAN_UP", 0.0),
        ],
    )
    .await;
    let output = ship(&server, "rollback")
        .args(["--output", "json"])
        .run()
        .await;
    let json = output.status(0).json();
    assert_eq!(json["command"], "rollback");
    assert_eq!(json["result"], "succeeded");
    let sent = requests(&server, ECS, "StopServiceDeployment").await;
    assert_eq!(
        sent,
        [json!({"serviceDeploymentArn": NEW_SD, "stopType": "ROLLBACK"})]
    );
    assert_eq!(count(&server, ECS, "UpdateService").await, 0);
}

/// A rolling service back on web:7 (deployment ecs-svc/back, completed).
fn rolled_back() -> Value {
    let mut back = ecs_controlled(OLD_TD, "ROLLING", NEWER_SD);
    back["deployments"][0]["id"] = json!("ecs-svc/back");
    back["deployments"][0]["rolloutState"] = json!("COMPLETED");
    back
}

#[tokio::test]
async fn rollback_with_nothing_in_progress_returns_to_the_previous_revision() {
    let server = MockServer::start().await;
    mount(
        &server,
        ecs("DescribeServices"),
        sequence([
            services(vec![ecs_controlled(NEW_TD, "ROLLING", NEW_SD)]),
            services(vec![rolled_back()]),
        ]),
    )
    .await;
    mount(
        &server,
        ecs("DescribeServiceDeployments"),
        polled("SUCCESSFUL", "CLEAN_UP", 100.0),
    )
    .await;
    mount(
        &server,
        ecs("DescribeServiceRevisions"),
        ok(json!({ "serviceRevisions": [{"serviceRevisionArn": OLD_REV, "serviceArn": service_arn("web"),
            "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/prod", "taskDefinition": OLD_TD}],
            "failures": [] })),
    )
    .await;
    mount(
        &server,
        ecs("UpdateService"),
        ok(json!({ "service": rolled_back() })),
    )
    .await;
    let output = ship(&server, "rollback").run().await;
    output
        .status(0)
        .stderr_has("no deployment in progress; rolling back from web:8 to web:7");
    let update = &requests(&server, ECS, "UpdateService").await[0];
    assert_eq!(
        update,
        &json!({"cluster": "prod", "service": "web", "taskDefinition": OLD_TD})
    );
    let revisions = &requests(&server, ECS, "DescribeServiceRevisions").await[0];
    assert_eq!(revisions, &json!({ "serviceRevisionArns": [OLD_REV] }));
}

#[tokio::test]
async fn an_external_controller_is_a_clear_error_and_nothing_is_registered() {
    let server = MockServer::start().await;
    let mut external = ecs_controlled(OLD_TD, "ROLLING", OLD_SD);
    external["deploymentController"] = json!({"type": "EXTERNAL"});
    mount(&server, ecs("DescribeServices"), services(vec![external])).await;
    mount(&server, ecs("DescribeTaskDefinition"), definitions()).await;
    let output = deploy(&server).run().await;
    output
        .status(1)
        .stderr_has("EXTERNAL deployment controller")
        .stderr_has("nothing was registered or changed");
    assert_eq!(count(&server, ECS, "RegisterTaskDefinition").await, 0);
    assert_eq!(count(&server, ECS, "UpdateService").await, 0);
}

#[tokio::test]
async fn dry_run_names_the_strategy() {
    let server = blue_green(vec![], vec![]).await;
    let output = deploy(&server).arg("--dry-run").run().await;
    output
        .status(0)
        .stdout_has("service web: deploys BLUE_GREEN, ECS-native (followed through the service deployments API)");
    assert_eq!(count(&server, ECS, "UpdateService").await, 0);
}

#[tokio::test]
async fn a_stop_refused_by_ecs_is_an_error_naming_it() {
    let server = blue_green(
        vec![services(vec![ecs_controlled(NEW_TD, "BLUE_GREEN", NEW_SD)])],
        vec![polled("IN_PROGRESS", "BAKE_TIME", 100.0)],
    )
    .await;
    ecs("StopServiceDeployment")
        .respond_with(aws_error(
            400,
            "ConflictException",
            "The service deployment is already stopping.",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    let output = ship(&server, "rollback").run().await;
    output.status(1).stderr_has(
        "StopServiceDeployment: ConflictException: The service deployment is already stopping.",
    );
}

/// A Slack incoming webhook that accepts every post; the posts, as JSON.
/// `deploy --notify` to a Slack stand-in, exiting `code`: the messages Slack got.
async fn deploy_notifying_slack(server: &MockServer, code: i32) -> Vec<Value> {
    let slack = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&slack)
        .await;
    deploy(server)
        .env("SLACK_WEBHOOK_URL", format!("{}/hook", slack.uri()))
        .arg("--notify")
        .run()
        .await
        .status(code);
    posts(&slack).await
}

#[tokio::test]
async fn slack_says_paused_with_the_hook_and_the_continue_command() {
    let server = blue_green(vec![], vec![paused_at_test_traffic()]).await;
    let posts = deploy_notifying_slack(&server, 0).await;
    let message = &posts[0];
    let text = message.to_string();
    assert!(
        message["text"]
            .as_str()
            .unwrap()
            .starts_with("⏸ Deploy paused, waiting for approval"),
        "{text}"
    );
    assert!(
        text.contains("web: paused at POST_TEST_TRAFFIC_SHIFT (hook hook-approve); continue: `ecs-ship continue --cluster prod --service web`"),
        "{text}"
    );
}

#[tokio::test]
async fn slack_says_superseded_with_the_newer_deployment() {
    let server = blue_green(
        vec![
            services(vec![ecs_controlled(NEW_TD, "BLUE_GREEN", NEW_SD)]),
            services(vec![ecs_controlled(NEW_TD, "BLUE_GREEN", NEWER_SD)]),
        ],
        vec![polled("IN_PROGRESS", "SCALE_UP", 0.0)],
    )
    .await;
    let posts = deploy_notifying_slack(&server, 3).await;
    let text = posts[0].to_string();
    assert!(
        text.contains("Deploy failed")
            && text.contains("superseded by a newer one")
            && text.contains(NEWER_SD),
        "{text}"
    );
}

#[tokio::test]
async fn a_circuit_breaker_rollback_names_the_stopped_tasks_reason() {
    let mut failed = service_deployment(NEW_SD, "ROLLBACK_IN_PROGRESS", "SCALE_UP", 0.0);
    failed["statusReason"] = json!(CIRCUIT_BREAKER);
    failed["deploymentCircuitBreaker"] =
        json!({"status": "TRIGGERED", "failureCount": 3, "threshold": 3});
    let server = blue_green(vec![], vec![service_deployments(vec![failed])]).await;
    let task = "arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef";
    mount(&server, ecs("ListTasks"), ok(json!({ "taskArns": [task] }))).await;
    mount(
        &server,
        ecs("DescribeTasks"),
        ok(json!({ "tasks": [{
            "taskArn": task, "taskDefinitionArn": NEW_TD, "lastStatus": "STOPPED",
            "desiredStatus": "STOPPED", "stopCode": "TaskFailedToStart",
            "stoppedReason": "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
            "createdAt": NOW + 5.0,
            "containers": [{"name": "app", "lastStatus": "STOPPED",
                "reason": "CannotPullContainerError: ref not found"}]
        }], "failures": [] })),
    )
    .await;
    let output = deploy(&server).run().await;
    output
        .status(3)
        .stderr_has("circuit breaker: 3/3 failed tasks")
        .stderr_has("a task stopped: CannotPullContainerError: pull image manifest has been retried 5 time(s) (app: CannotPullContainerError: ref not found)");
    let listed = &requests(&server, ECS, "ListTasks").await[0];
    assert_eq!(listed["desiredStatus"], "STOPPED");
}

#[tokio::test]
async fn rollback_on_failure_stops_a_timed_out_deployment_with_rollback_and_keeps_124() {
    let server = blue_green(
        vec![],
        vec![
            polled("IN_PROGRESS", "BAKE_TIME", 100.0),
            polled("IN_PROGRESS", "BAKE_TIME", 100.0),
            polled("ROLLBACK_IN_PROGRESS", "BAKE_TIME", 0.0),
            polled("ROLLBACK_SUCCESSFUL", "CLEAN_UP", 0.0),
        ],
    )
    .await;
    // No --timeout: the poll attempts bound the wait.
    let output = in_prod(&server, "deploy", "web")
        .args(["--image", "app=nginx:2", "--no-pin-digest"])
        .args(["--max-poll-attempts", "2", "--rollback-on-failure"])
        .args(["--output", "json"])
        .run()
        .await;
    let json = output.status(124).json();
    output.stderr_has("stopping service deployment new222 with rollback");
    let sent = requests(&server, ECS, "StopServiceDeployment").await;
    assert_eq!(
        sent,
        [json!({"serviceDeploymentArn": NEW_SD, "stopType": "ROLLBACK"})]
    );
    assert_eq!(json["services"][0]["rollback_result"], "succeeded");
    assert_eq!(json["services"][0]["rolled_back_to"], OLD_TD);
}

#[tokio::test]
async fn rollback_of_a_deployment_already_rolling_back_just_waits_for_it() {
    let server = blue_green(
        vec![services(vec![ecs_controlled(NEW_TD, "BLUE_GREEN", NEW_SD)])],
        vec![
            polled("ROLLBACK_IN_PROGRESS", "BAKE_TIME", 0.0),
            polled("ROLLBACK_SUCCESSFUL", "CLEAN_UP", 0.0),
        ],
    )
    .await;
    let output = ship(&server, "rollback").run().await;
    output
        .status(0)
        .stderr_has("is already rolling back; waiting for it");
    assert_eq!(count(&server, ECS, "StopServiceDeployment").await, 0);
    assert_eq!(count(&server, ECS, "UpdateService").await, 0);
}

#[tokio::test]
async fn a_rolling_service_is_judged_from_deployments_and_reports_its_service_deployment() {
    let server = MockServer::start().await;
    mount(
        &server,
        ecs("DescribeServices"),
        sequence([
            services(vec![ecs_controlled(OLD_TD, "ROLLING", OLD_SD)]),
            services(vec![ecs_controlled(NEW_TD, "ROLLING", NEW_SD)]),
        ]),
    )
    .await;
    mount_revisions_and_update(&server, ecs_controlled(NEW_TD, "ROLLING", NEW_SD)).await;
    let output = deploy(&server).args(["--output", "json"]).run().await;
    let json = output.status(0).json();
    let web = &json["services"][0];
    assert_eq!(web["strategy"], "ROLLING");
    assert_eq!(web["deployment_id"], "ecs-svc/1");
    assert_eq!(web["service_deployment_arn"], NEW_SD);
    assert_eq!(count(&server, ECS, "DescribeServiceDeployments").await, 0);
}
