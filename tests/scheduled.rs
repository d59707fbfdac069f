//! `deploy --rule` / `--schedule` against scripted ECS, EventBridge and Scheduler answers
//! (wiremock): scheduled tasks move to the deploy's revision after the service succeeded, each
//! target written back exactly as read but for its task definition, and nothing changes when
//! something named is missing.

use serde_json::{json, Value};
use wiremock::matchers::body_partial_json;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::support::aws::{
    aws_error, call_order, count, ecr, ecs, events, get_schedule, mount, ok, requests, rest_error,
    schedule_updates, sequence, unknown_task_definition, update_schedule, ECS, EVENTS,
};
use crate::support::ecs::{
    app_v2_in_ecr, definition_answer, register_as, services, td, web_service, CIRCUIT_BREAKER,
    DIGEST, REPO,
};
use crate::support::targets::{
    ecs_target, full_schedule, lambda_target, moved, put_targets_ok, Pages,
};
use crate::support::Test;

/// The families ECS knows: `web` (the service's, latest 7) and `batch` (latest 3), each with
/// container `app` on image app:v1, and `mailer` (latest 2) with container `mailer`.
fn latest_revision(family: &str) -> Option<u32> {
    match family {
        "web" => Some(7),
        "batch" => Some(3),
        "mailer" => Some(2),
        _ => None,
    }
}

fn definition(family: &str, revision: u32) -> Value {
    json!({
        "taskDefinitionArn": td(family, revision), "family": family, "revision": revision,
        "status": "ACTIVE", "networkMode": "awsvpc", "cpu": "256", "memory": "512",
        "containerDefinitions": [{"name": if family == "mailer" { "mailer" } else { "app" }, "image": format!("{REPO}:v1"), "essential": true,
            "command": if family == "batch" { json!(["bin/rails", "reports:nightly"]) } else { json!(null) }}]
    })
}

/// DescribeTaskDefinition by ARN, `family:rev` or bare family (its latest).
struct Definitions;

impl Respond for Definitions {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let reference = body["taskDefinition"].as_str().unwrap_or_default();
        let name = reference.rsplit('/').next().unwrap();
        let (family, revision) = match name.split_once(':') {
            Some((family, rev)) => (family, rev.parse().ok()),
            None => (name, None),
        };
        match latest_revision(family) {
            Some(latest) => definition_answer(definition(family, revision.unwrap_or(latest))),
            None => unknown_task_definition(),
        }
    }
}

/// ECS and ECR: service `web` on web:7 in cluster `prod`, which rolls to web:8 and completes
/// (or, with `fails`, whose deployment fails); image app:v2 in ECR.
async fn ecs_world(fails: bool) -> MockServer {
    let server = MockServer::start().await;
    let after = if fails {
        let mut failed = web_service(&td("web", 8), "ecs-svc/new", "FAILED");
        failed["deployments"][0]["rolloutStateReason"] = json!(CIRCUIT_BREAKER);
        failed
    } else {
        web_service(&td("web", 8), "ecs-svc/new", "COMPLETED")
    };
    mount(
        &server,
        ecs("DescribeServices"),
        sequence([
            services(vec![web_service(&td("web", 7), "ecs-svc/old", "COMPLETED")]),
            services(vec![after]),
        ]),
    )
    .await;
    mount(&server, ecs("DescribeTaskDefinition"), Definitions).await;
    let next = |family: &str| latest_revision(family).unwrap() + 1;
    mount(&server, ecs("RegisterTaskDefinition"), register_as(next)).await;
    mount(
        &server,
        ecs("UpdateService"),
        ok(json!({ "service": web_service(&td("web", 8), "ecs-svc/new", "IN_PROGRESS") })),
    )
    .await;
    mount(&server, ecr("DescribeImages"), app_v2_in_ecr()).await;
    server
}

async fn rule(server: &MockServer, pages: Vec<Vec<Value>>) {
    mount(server, events("ListTargetsByRule"), Pages(pages)).await;
}

/// Rule `pages` whose PutTargets succeeds.
async fn rule_taking_puts(server: &MockServer, pages: Vec<Vec<Value>>) {
    rule(server, pages).await;
    mount(server, events("PutTargets"), put_targets_ok()).await;
}

/// Scheduler's schedule `group/name` (a [`full_schedule`] in `state` on `task_definition`),
/// which UpdateSchedule takes; returns it as GetSchedule answers it.
async fn schedule(
    server: &MockServer,
    group: &str,
    name: &str,
    state: &str,
    task_definition: &str,
) -> Value {
    let read = full_schedule(name, state, task_definition);
    mount(server, get_schedule(group, name), ok(read.clone())).await;
    let updated = ok(json!({"ScheduleArn": read["Arn"]}));
    mount(server, update_schedule(name), updated).await;
    read
}

/// `deploy --image app=app:v2` of service `web` in cluster `prod`.
fn deploy(server: &MockServer) -> Test {
    deploy_batch_only(server).args(["--cluster", "prod", "--service", "web"])
}

/// `deploy --image app=app:v2` without a service.
fn deploy_batch_only(server: &MockServer) -> Test {
    Test::new().endpoint(&server.uri()).args([
        "deploy",
        "--poll-interval",
        "100ms",
        "--image",
        &format!("app={REPO}:v2"),
    ])
}

#[tokio::test]
async fn rule_targets_on_every_page_move_after_the_service_and_other_targets_stay() {
    let server = ecs_world(false).await;
    rule_taking_puts(
        &server,
        vec![
            vec![ecs_target("report", &td("web", 7)), lambda_target("notify")],
            vec![
                json!({"Id": "queue", "Arn": "arn:aws:sqs:us-east-1:123456789012:jobs"}),
                ecs_target("cleanup", &td("web", 7)),
            ],
        ],
    )
    .await;
    let output = deploy(&server).args(["--rule", "nightly"]).run().await;
    output
        .status(0)
        .stderr_has("rule default/nightly: 4 target(s), 2 of them ECS tasks")
        .stderr_has("✓ rule default/nightly target cleanup: web:7 → web:8");

    let listed = requests(&server, EVENTS, "ListTargetsByRule").await;
    assert_eq!(listed.len(), 2, "every page is read: {listed:?}");
    assert_eq!(listed[0]["Rule"], "nightly");
    assert_eq!(listed[0]["EventBusName"], "default");
    assert_eq!(listed[1]["NextToken"], "page-1");

    let put = requests(&server, EVENTS, "PutTargets").await;
    assert_eq!(put.len(), 1);
    assert_eq!(put[0]["Rule"], "nightly");
    assert_eq!(put[0]["EventBusName"], "default");
    assert_eq!(
        put[0]["Targets"],
        json!([
            moved(ecs_target("report", &td("web", 7)), &td("web", 8)),
            moved(ecs_target("cleanup", &td("web", 7)), &td("web", 8)),
        ]),
        "only the ECS targets, each exactly as read but for its task definition"
    );
    assert_eq!(count(&server, ECS, "RegisterTaskDefinition").await, 1);

    let order = call_order(&server).await;
    let put_at = order.iter().position(|c| c == "PutTargets").unwrap();
    let last_poll = order.iter().rposition(|c| c == "DescribeServices").unwrap();
    assert!(
        put_at > last_poll,
        "targets move after the service deployment completed: {order:?}"
    );
}

#[tokio::test]
async fn more_than_ten_changed_targets_go_to_put_targets_ten_at_a_time() {
    let server = ecs_world(false).await;
    let targets: Vec<Value> = (1..=12)
        .map(|n| ecs_target(&format!("job-{n}"), &td("web", 7)))
        .collect();
    rule_taking_puts(&server, vec![targets[..7].to_vec(), targets[7..].to_vec()]).await;
    deploy(&server)
        .args(["--rule", "nightly"])
        .run()
        .await
        .status(0);
    let sizes: Vec<usize> = requests(&server, EVENTS, "PutTargets")
        .await
        .iter()
        .map(|r| r["Targets"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [10, 2], "PutTargets takes at most 10 targets");
}

#[tokio::test]
async fn a_rule_on_a_custom_bus_is_read_and_written_on_that_bus() {
    let server = ecs_world(false).await;
    rule_taking_puts(&server, vec![vec![ecs_target("report", &td("web", 7))]]).await;
    let bus = "arn:aws:events:us-east-1:123456789012:event-bus/orders";
    deploy(&server)
        .args(["--rule", &format!("{bus}/hourly")])
        .run()
        .await
        .status(0);
    let listed = &requests(&server, EVENTS, "ListTargetsByRule").await[0];
    assert_eq!(
        (&listed["EventBusName"], &listed["Rule"]),
        (&json!(bus), &json!("hourly"))
    );
    let put = &requests(&server, EVENTS, "PutTargets").await[0];
    assert_eq!(
        (&put["EventBusName"], &put["Rule"]),
        (&json!(bus), &json!("hourly"))
    );
}

#[tokio::test]
async fn two_families_get_two_revisions_and_the_service_family_shares_the_service_one() {
    let server = ecs_world(false).await;
    rule_taking_puts(
        &server,
        vec![vec![
            ecs_target("web-cron", &td("web", 7)),
            ecs_target("batch-cron", &td("batch", 3)),
        ]],
    )
    .await;
    schedule(&server, "default", "mailer", "ENABLED", &td("web", 7)).await;
    let output = deploy(&server)
        .args([
            "--rule",
            "nightly",
            "--schedule",
            "mailer",
            "--output",
            "json",
        ])
        .run()
        .await;
    let report = output.status(0).json();

    let registered = requests(&server, ECS, "RegisterTaskDefinition").await;
    let families: Vec<&str> = registered
        .iter()
        .map(|r| r["family"].as_str().unwrap())
        .collect();
    assert_eq!(families, ["web", "batch"], "one revision per family");
    for registration in &registered {
        assert_eq!(
            registration["containerDefinitions"][0]["image"],
            format!("{REPO}@{DIGEST}"),
            "each family gets the same change, pinned"
        );
    }
    assert_eq!(
        registered[1]["containerDefinitions"][0]["command"],
        json!(["bin/rails", "reports:nightly"]),
        "the batch revision is derived from its own task definition"
    );
    let update = &requests(&server, ECS, "UpdateService").await[0];
    assert_eq!(update["taskDefinition"], td("web", 8));
    let put = &requests(&server, EVENTS, "PutTargets").await[0];
    assert_eq!(
        put["Targets"][0]["EcsParameters"]["TaskDefinitionArn"],
        td("web", 8)
    );
    assert_eq!(
        put["Targets"][1]["EcsParameters"]["TaskDefinitionArn"],
        td("batch", 4)
    );
    let schedule = &schedule_updates(&server, "mailer").await[0];
    assert_eq!(
        schedule["Target"]["EcsParameters"]["TaskDefinitionArn"],
        td("web", 8)
    );

    let moved: Vec<(String, String, String)> = report["scheduled_targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                format!(
                    "{} {} {}",
                    m["kind"].as_str().unwrap(),
                    m["name"].as_str().unwrap(),
                    m["target_id"].as_str().unwrap_or("-")
                ),
                m["task_definition"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                m["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        moved,
        [
            (
                "rule default/nightly web-cron".to_string(),
                "web:8".to_string(),
                "moved".to_string()
            ),
            (
                "rule default/nightly batch-cron".into(),
                "batch:4".into(),
                "moved".into()
            ),
            (
                "schedule default/mailer -".into(),
                "web:8".into(),
                "moved".into()
            ),
        ]
    );
    assert_eq!(
        report["scheduled_targets"][0]["previous_task_definition"],
        td("web", 7)
    );
}

#[tokio::test]
async fn a_schedule_in_a_named_group_is_written_back_field_by_field() {
    let server = ecs_world(false).await;
    let read = schedule(&server, "batch", "nightly-report", "ENABLED", &td("web", 7)).await;
    deploy(&server)
        .args(["--schedule", "batch/nightly-report"])
        .run()
        .await
        .status(0)
        .stderr_has("✓ schedule batch/nightly-report: web:7 → web:8");

    let updates = schedule_updates(&server, "nightly-report").await;
    assert_eq!(updates.len(), 1);
    let sent = updates[0].as_object().unwrap();
    for (field, value) in read.as_object().unwrap() {
        match field.as_str() {
            // Read-only (Name travels in the path).
            "Arn" | "Name" | "CreationDate" | "LastModificationDate" => {
                assert!(!sent.contains_key(field), "{field} is not sent back")
            }
            "Target" => assert_eq!(
                sent[field],
                moved(value.clone(), &td("web", 8)),
                "the whole Target, only the task definition changed"
            ),
            _ => assert_eq!(&sent[field], value, "{field} written back as read"),
        }
    }
    let extra: Vec<&String> = sent
        .keys()
        .filter(|k| !read.as_object().unwrap().contains_key(*k))
        .collect();
    assert!(extra.is_empty(), "nothing added: {extra:?}");
}

#[tokio::test]
async fn a_disabled_schedule_stays_disabled_and_needs_no_service() {
    let server = ecs_world(false).await;
    schedule(&server, "batch", "reports", "DISABLED", &td("batch", 3)).await;
    let output = deploy_batch_only(&server)
        .args(["--schedule", "batch/reports", "--output", "json"])
        .run()
        .await;
    let report = output.status(0).json();
    let sent = &schedule_updates(&server, "reports").await[0];
    assert_eq!(sent["State"], "DISABLED");
    assert_eq!(
        sent["Target"]["EcsParameters"]["TaskDefinitionArn"],
        td("batch", 4)
    );
    assert_eq!(report["scheduled_targets"][0]["state"], "DISABLED");
    assert_eq!(report["task_definition"], td("batch", 4));
    assert_eq!(count(&server, ECS, "UpdateService").await, 0);
    assert_eq!(count(&server, ECS, "DescribeServices").await, 0);
    output.stderr_has("(still DISABLED)");
}

#[tokio::test]
async fn a_missing_rule_or_schedule_exits_1_before_anything_changed() {
    let server = ecs_world(false).await;
    rule(&server, vec![vec![ecs_target("report", &td("web", 7))]]).await;
    events("ListTargetsByRule")
        .and(body_partial_json(json!({"Rule": "nope"})))
        .respond_with(aws_error(
            400,
            "ResourceNotFoundException",
            "Rule nope does not exist on EventBus default.",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    mount(
        &server,
        get_schedule("default", "gone"),
        rest_error(
            404,
            "ResourceNotFoundException",
            "Schedule gone does not exist.",
        ),
    )
    .await;
    deploy(&server)
        .args(["--rule", "nightly", "--rule", "nope"])
        .run()
        .await
        .status(1)
        .stderr_has("rule default/nope not found in us-east-1");
    deploy(&server)
        .args(["--rule", "nightly", "--schedule", "gone"])
        .run()
        .await
        .status(1)
        .stderr_has("schedule default/gone not found");
    for action in ["RegisterTaskDefinition", "UpdateService"] {
        assert_eq!(count(&server, ECS, action).await, 0, "{action}");
    }
    assert_eq!(count(&server, EVENTS, "PutTargets").await, 0);
}

#[tokio::test]
async fn a_rule_without_an_ecs_target_is_an_error_naming_it() {
    let server = ecs_world(false).await;
    rule(&server, vec![vec![lambda_target("notify")]]).await;
    deploy(&server)
        .args(["--rule", "nightly"])
        .run()
        .await
        .status(1)
        .stderr_has("rule default/nightly has no ECS task target");
    assert_eq!(count(&server, ECS, "UpdateService").await, 0);
}

#[tokio::test]
async fn a_target_already_on_the_new_revision_is_not_written_again() {
    let server = ecs_world(false).await;
    rule_taking_puts(
        &server,
        vec![vec![
            ecs_target("done", &td("web", 8)),
            ecs_target("behind", &td("web", 7)),
        ]],
    )
    .await;
    let report = deploy(&server)
        .args(["--rule", "nightly", "--output", "json"])
        .run()
        .await
        .status(0)
        .json();
    let put = requests(&server, EVENTS, "PutTargets").await;
    let ids: Vec<&str> = put[0]["Targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["Id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["behind"], "only the changed targets");
    assert_eq!(report["scheduled_targets"][0]["result"], "unchanged");
    assert_eq!(report["scheduled_targets"][1]["result"], "moved");
}

#[tokio::test]
async fn with_a_given_task_definition_targets_of_its_family_move_to_it_and_others_are_refused() {
    let server = ecs_world(false).await;
    rule_taking_puts(&server, vec![vec![ecs_target("report", &td("web", 7))]]).await;
    deploy(&server)
        .args(["--rule", "nightly", "--task-definition", "web:7"])
        .run()
        .await
        .status(0);
    let put = &requests(&server, EVENTS, "PutTargets").await[0];
    assert_eq!(
        put["Targets"][0]["EcsParameters"]["TaskDefinitionArn"],
        td("web", 8),
        "the revision the service gets"
    );

    let other = ecs_world(false).await;
    rule(&other, vec![vec![ecs_target("report", &td("batch", 3))]]).await;
    deploy(&other)
        .args(["--rule", "nightly", "--task-definition", "web:7"])
        .run()
        .await
        .status(1)
        .stderr_has(
            "rule default/nightly target report runs task definition family `batch`, not `web`",
        );
    assert_eq!(count(&other, ECS, "RegisterTaskDefinition").await, 0);
}

#[tokio::test]
async fn a_target_without_the_named_container_exits_1_naming_it() {
    let server = ecs_world(false).await;
    rule(&server, vec![vec![ecs_target("report", &td("mailer", 2))]]).await;
    deploy(&server)
        .args(["--rule", "nightly"])
        .run()
        .await
        .status(1)
        .stderr_has("rule default/nightly target report runs task definition mailer:2, which has no container `app`")
        .stderr_has("its containers are: mailer");
    for action in ["RegisterTaskDefinition", "UpdateService"] {
        assert_eq!(count(&server, ECS, action).await, 0, "{action}");
    }
}

#[tokio::test]
async fn failed_entries_exit_1_naming_the_target_and_the_reason() {
    let server = ecs_world(false).await;
    rule(
        &server,
        vec![vec![
            ecs_target("report", &td("web", 7)),
            ecs_target("cleanup", &td("web", 7)),
        ]],
    )
    .await;
    mount(
        &server,
        events("PutTargets"),
        ok(json!({ "FailedEntryCount": 1, "FailedEntries": [
            {"TargetId": "cleanup", "ErrorCode": "ValidationException", "ErrorMessage": "RoleArn is not valid"}
        ]})),
    )
    .await;
    let output = deploy(&server)
        .args(["--rule", "nightly", "--output", "json"])
        .run()
        .await;
    output.status(1).stderr_has(
        "rule default/nightly target cleanup: ValidationException: RoleArn is not valid",
    );
    let report = output.json();
    assert_eq!(report["services"][0]["result"], "succeeded");
    assert_eq!(report["scheduled_targets"][0]["result"], "moved");
    assert_eq!(report["scheduled_targets"][1]["result"], "failed");
}

#[tokio::test]
async fn a_failed_deploy_leaves_the_scheduled_tasks_on_their_revision() {
    let server = ecs_world(true).await;
    rule(&server, vec![vec![ecs_target("report", &td("web", 7))]]).await;
    let output = deploy(&server)
        .args(["--rule", "nightly", "--output", "json"])
        .run()
        .await;
    output
        .status(3)
        .stderr_has("1 scheduled task(s) stay on their task definition");
    assert_eq!(count(&server, EVENTS, "PutTargets").await, 0);
    assert_eq!(output.json()["scheduled_targets"][0]["result"], "not_moved");
}

#[tokio::test]
async fn schedules_first_moves_the_targets_before_the_service() {
    let server = ecs_world(false).await;
    rule_taking_puts(&server, vec![vec![ecs_target("report", &td("web", 7))]]).await;
    deploy(&server)
        .args(["--rule", "nightly", "--schedules-first"])
        .run()
        .await
        .status(0);
    let order = call_order(&server).await;
    let put_at = order.iter().position(|c| c == "PutTargets").unwrap();
    let update_at = order.iter().position(|c| c == "UpdateService").unwrap();
    let register_at = order
        .iter()
        .position(|c| c == "RegisterTaskDefinition")
        .unwrap();
    assert!(register_at < put_at && put_at < update_at, "{order:?}");
}

#[tokio::test]
async fn dry_run_lists_each_target_old_to_new_and_changes_nothing() {
    let server = ecs_world(false).await;
    rule(
        &server,
        vec![vec![
            ecs_target("report", &td("web", 7)),
            lambda_target("notify"),
        ]],
    )
    .await;
    mount(
        &server,
        get_schedule("batch", "reports"),
        ok(full_schedule("reports", "ENABLED", &td("batch", 3))),
    )
    .await;
    let output = deploy(&server)
        .args([
            "--rule",
            "nightly",
            "--schedule",
            "batch/reports",
            "--dry-run",
        ])
        .run()
        .await;
    output
        .status(0)
        .stdout_has("rule default/nightly target report: web:7 -> web (new revision)")
        .stdout_has("schedule batch/reports: batch:3 -> batch (new revision)");
    let json = deploy(&server)
        .args(["--rule", "nightly", "--dry-run", "--output", "json"])
        .run()
        .await
        .status(0)
        .json();
    assert_eq!(json["scheduled_targets"][0]["result"], "would_move");
    assert_eq!(
        json["scheduled_targets"][0]["previous_task_definition"],
        td("web", 7)
    );
    for action in ["RegisterTaskDefinition", "UpdateService"] {
        assert_eq!(count(&server, ECS, action).await, 0, "{action}");
    }
    assert_eq!(count(&server, EVENTS, "PutTargets").await, 0);
    assert!(schedule_updates(&server, "reports").await.is_empty());
}

#[tokio::test]
async fn rules_and_schedules_come_from_env_vars_and_the_config_file() {
    let server = ecs_world(false).await;
    rule_taking_puts(&server, vec![vec![ecs_target("report", &td("web", 7))]]).await;
    schedule(&server, "batch", "reports", "ENABLED", &td("batch", 3)).await;
    deploy(&server)
        .env("ECS_SHIP_RULE", "nightly, orders-bus/hourly")
        .env("ECS_SHIP_SCHEDULE", "batch/reports")
        .run()
        .await
        .status(0);
    let listed: Vec<(String, String)> = requests(&server, EVENTS, "ListTargetsByRule")
        .await
        .iter()
        .map(|r| {
            (
                r["EventBusName"].as_str().unwrap().into(),
                r["Rule"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("default".to_string(), "nightly".to_string()),
            ("orders-bus".into(), "hourly".into())
        ],
        "ECS_SHIP_RULE is a comma-separated list"
    );
    deploy(&server)
        .file(
            "ecs-ship.toml",
            "[env.prod]\nrules = [\"nightly\"]\nschedules = [\"batch/reports\"]\n",
        )
        .args(["--env", "prod"])
        .run()
        .await
        .status(0);
    assert_eq!(count(&server, EVENTS, "PutTargets").await, 2 + 1);
    assert_eq!(schedule_updates(&server, "reports").await.len(), 2);
}

#[tokio::test]
async fn the_slack_message_lists_what_moved() {
    let server = ecs_world(false).await;
    rule_taking_puts(&server, vec![vec![ecs_target("report", &td("batch", 3))]]).await;
    let slack = MockServer::start().await;
    mount(
        &slack,
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .and(wiremock::matchers::path("/services/T000/B000/XXXX")),
        ResponseTemplate::new(200).set_body_string("ok"),
    )
    .await;
    deploy(&server)
        .args(["--rule", "nightly", "--notify"])
        .env(
            "SLACK_WEBHOOK_URL",
            format!("{}/services/T000/B000/XXXX", slack.uri()),
        )
        .run()
        .await
        .status(0);
    let posted = slack.received_requests().await.unwrap();
    assert_eq!(posted.len(), 1);
    let message = String::from_utf8_lossy(&posted[0].body).to_string();
    assert!(
        message.contains("*Scheduled tasks moved*")
            && message.contains("rule default/nightly target report: batch:3 → batch:4"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// End to end against moto: a real EventBridge rule and a Scheduler schedule move with the deploy.

mod against_moto {
    use reqwest::Method;
    use serde_json::{json, Value};

    use crate::support::moto::Moto;
    use crate::support::Test;

    const CLUSTER: &str = "shop-stg";
    const CLUSTER_ARN: &str = "arn:aws:ecs:us-east-1:123456789012:cluster/shop-stg";
    const REPO: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop";
    const ROLE: &str = "arn:aws:iam::123456789012:role/ecsEventsRole";

    fn family(name: &str, container: &str) -> Value {
        json!({
            "family": name, "networkMode": "awsvpc", "cpu": "256", "memory": "512",
            "requiresCompatibilities": ["FARGATE"],
            "containerDefinitions": [{"name": container, "image": format!("{REPO}:v1"), "memory": 512, "essential": true}]
        })
    }

    fn ecs_parameters(task_definition: &str) -> Value {
        json!({"TaskDefinitionArn": task_definition, "TaskCount": 1, "LaunchType": "FARGATE",
               "PlatformVersion": "1.4.0", "Group": "cron"})
    }

    fn task_definition_of(target: &Value) -> String {
        target["EcsParameters"]["TaskDefinitionArn"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string()
    }

    #[tokio::test]
    async fn a_rule_and_a_disabled_schedule_move_with_the_service() {
        let moto = Moto::start_with(&["--roll-deployments"]);
        moto.ecs("CreateCluster", json!({"clusterName": CLUSTER}))
            .await;
        let web = moto
            .ecs("RegisterTaskDefinition", family("shop-web", "web"))
            .await;
        let web_arn = web["taskDefinition"]["taskDefinitionArn"]
            .as_str()
            .unwrap()
            .to_string();
        let batch = moto
            .ecs("RegisterTaskDefinition", family("shop-batch", "web"))
            .await;
        let batch_arn = batch["taskDefinition"]["taskDefinitionArn"]
            .as_str()
            .unwrap()
            .to_string();
        moto.ecs(
            "CreateService",
            json!({"cluster": CLUSTER, "serviceName": "shop-web", "taskDefinition": "shop-web",
                   "desiredCount": 1, "launchType": "FARGATE"}),
        )
        .await;
        moto.events(
            "PutRule",
            json!({"Name": "nightly", "ScheduleExpression": "cron(0 3 * * ? *)"}),
        )
        .await;
        moto.events(
            "PutTargets",
            json!({"Rule": "nightly", "Targets": [
                {"Id": "report", "Arn": CLUSTER_ARN, "RoleArn": ROLE, "Input": "{\"containerOverrides\":[]}",
                 "EcsParameters": ecs_parameters(&batch_arn)},
                {"Id": "notify", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:notify"}
            ]}),
        )
        .await;
        moto.scheduler(Method::POST, "/schedule-groups/batch", Some(json!({})))
            .await;
        moto.scheduler(
            Method::POST,
            "/schedules/mailer",
            Some(json!({
                "GroupName": "batch", "State": "DISABLED", "Description": "daily digest",
                "ScheduleExpression": "cron(0 7 * * ? *)", "ScheduleExpressionTimezone": "Asia/Tokyo",
                "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10},
                "Target": {"Arn": CLUSTER_ARN, "RoleArn": ROLE, "Input": "{}",
                           "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 3},
                           "EcsParameters": ecs_parameters(&web_arn)}
            })),
        )
        .await;

        let output = Test::new()
            .endpoint(&moto.url)
            .args([
                "deploy",
                "--cluster",
                CLUSTER,
                "--service",
                "shop-web",
                "--rule",
                "nightly",
                "--schedule",
                "batch/mailer",
                "--image",
                &format!("web={REPO}:v2"),
                "--no-pin-digest",
                "--poll-interval",
                "200ms",
                "--output",
                "json",
            ])
            .run()
            .await;
        let report = output.status(0).json();
        assert_eq!(
            report["services"][0]["task_definition"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next(),
            Some("shop-web:2")
        );

        let targets = moto
            .events("ListTargetsByRule", json!({"Rule": "nightly"}))
            .await["Targets"]
            .clone();
        let report_target = targets
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["Id"] == "report")
            .unwrap();
        assert_eq!(
            task_definition_of(report_target),
            "shop-batch:2",
            "{targets}"
        );
        assert_eq!(report_target["Input"], "{\"containerOverrides\":[]}");
        assert_eq!(report_target["EcsParameters"]["Group"], "cron");
        let lambda = targets
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["Id"] == "notify")
            .unwrap();
        assert_eq!(
            lambda["Arn"],
            "arn:aws:lambda:us-east-1:123456789012:function:notify"
        );

        let schedule = moto
            .scheduler(Method::GET, "/schedules/mailer?groupName=batch", None)
            .await;
        assert_eq!(
            task_definition_of(&schedule["Target"]),
            "shop-web:2",
            "{schedule}"
        );
        assert_eq!(schedule["State"], "DISABLED");
        assert_eq!(schedule["ScheduleExpressionTimezone"], "Asia/Tokyo");
        assert_eq!(schedule["FlexibleTimeWindow"]["MaximumWindowInMinutes"], 10);
        assert_eq!(schedule["Target"]["RetryPolicy"]["MaximumRetryAttempts"], 3);

        let calls = moto.calls().await;
        assert_eq!(
            calls["events:PutTargets"], 2,
            "the fixture's and ecs-ship's: {calls}"
        );
        assert_eq!(calls["scheduler:UpdateSchedule"], 1, "{calls}");
        assert_eq!(
            calls["ecs:RegisterTaskDefinition"],
            2 + 2,
            "one new revision per family: {calls}"
        );
    }
}
