//! `ecs-ship wait`: following deployments someone else started (Terraform, the console, another
//! pipeline, ECS) against scripted ECS and CodeDeploy answers shaped as the SDK models send
//! them. Every scenario also checks that wait changed nothing: no mutating call reached AWS.

use serde_json::{json, Value};
use wiremock::{MockServer, Request, ResponseTemplate};

use crate::support::aws::{
    call_order, codedeploy, count, ecs, missing_service, mount, ok, sequence, ECS,
};
use crate::support::codedeploy::{deployment_info, group_info, Deployments};
use crate::support::ecs::{
    deployment, ecs_controlled, in_prod, paused, service, service_deployment, services, settled,
    with, CIRCUIT_BREAKER, NEWER_SD, NEW_SD, NEW_TD, OLD_SD, OLD_TD,
};
use crate::support::Test;

/// Calls that change something in ECS or CodeDeploy: wait never makes one.
const MUTATING: [&str; 13] = [
    "UpdateService",
    "UpdateExpressGatewayService",
    "StopServiceDeployment",
    "ContinueServiceDeployment",
    "RegisterTaskDefinition",
    "DeregisterTaskDefinition",
    "RunTask",
    "StopTask",
    "CreateDeployment",
    "StopDeployment",
    "ContinueDeployment",
    "PutTargets",
    "TagResource",
];

async fn assert_nothing_changed(server: &MockServer) {
    let calls = call_order(server).await;
    let changed: Vec<&String> = calls
        .iter()
        .filter(|c| MUTATING.contains(&c.as_str()))
        .collect();
    assert!(changed.is_empty(), "wait changed something: {calls:?}");
}

/// `wait` of service `web` in cluster `prod`, polling every 100ms for at most 20s.
fn wait(server: &MockServer) -> Test {
    in_prod(server, "wait", "web").args(["--timeout", "20s", "--output", "json"])
}

/// Service `web` rolling from web:7 to web:8 (deployment ecs-svc/new, `running` of 2 up).
fn rolling_out(running: i64) -> Value {
    service(
        "web",
        NEW_TD,
        vec![
            deployment("ecs-svc/new", "PRIMARY", NEW_TD, running, 2, "IN_PROGRESS"),
            deployment("ecs-svc/old", "ACTIVE", OLD_TD, 2 - running, 2, "COMPLETED"),
        ],
        vec![],
    )
}

/// A server answering DescribeServices with `answers` in turn; ListServiceDeployments (asked
/// when a service names no current one) lists none.
async fn describing(answers: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    mount(&server, ecs("DescribeServices"), sequence(answers)).await;
    let none = ok(json!({ "serviceDeployments": [] }));
    mount(&server, ecs("ListServiceDeployments"), none).await;
    server
}

/// DescribeServiceDeployments answering each ARN asked for from `known`.
fn service_deployments_by_arn(known: Vec<Value>) -> impl Fn(&Request) -> ResponseTemplate {
    move |request: &Request| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let asked: Vec<&str> = body["serviceDeploymentArns"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let found: Vec<&Value> = known
            .iter()
            .filter(|d| asked.contains(&d["serviceDeploymentArn"].as_str().unwrap_or_default()))
            .collect();
        let failures: Vec<Value> = asked
            .iter()
            .filter(|arn| !found.iter().any(|d| d["serviceDeploymentArn"] == **arn))
            .map(|arn| json!({"arn": arn, "reason": "MISSING"}))
            .collect();
        ok(json!({ "serviceDeployments": found, "failures": failures }))
    }
}

#[tokio::test]
async fn a_rolling_deployment_started_elsewhere_is_followed_to_completion() {
    let server = describing(vec![
        services(vec![rolling_out(0)]),
        services(vec![rolling_out(1)]),
        services(vec![settled("web", NEW_TD, "ecs-svc/new", vec![])]),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let output = wait(&server)
        .args(["--summary", summary.to_str().unwrap()])
        .run()
        .await;
    let json = output.status(0).json();
    output.stderr_has("web: following deployment ecs-svc/new (in progress)");
    assert_eq!(json["command"], "wait");
    assert_eq!(json["result"], "succeeded");
    let web = &json["services"][0];
    assert_eq!(web["followed"], "in_progress");
    assert_eq!(web["deployment_id"], "ecs-svc/new");
    assert_eq!(web["task_definition"], NEW_TD);
    assert_eq!(web["rollout_state"], "COMPLETED");
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(
        markdown.contains("ecs-ship wait: succeeded") && markdown.contains("| web | `web:8` |"),
        "{markdown}"
    );
    assert_nothing_changed(&server).await;
}

#[tokio::test]
async fn a_circuit_breaker_failure_exits_3_with_ecs_reason_and_the_stopped_task_and_no_rollback() {
    let mut failed = deployment("ecs-svc/new", "ACTIVE", NEW_TD, 0, 0, "FAILED");
    failed["rolloutStateReason"] = json!(CIRCUIT_BREAKER);
    failed["failedTasks"] = json!(3);
    let rolling_back = service(
        "web",
        OLD_TD,
        vec![
            deployment("ecs-svc/rollback", "PRIMARY", OLD_TD, 1, 2, "IN_PROGRESS"),
            failed,
        ],
        vec![],
    );
    let server = describing(vec![
        services(vec![rolling_out(0)]),
        services(vec![rolling_back]),
    ])
    .await;
    let task = "arn:aws:ecs:us-east-1:123456789012:task/prod/t1";
    mount(&server, ecs("ListTasks"), ok(json!({ "taskArns": [task] }))).await;
    let stopped = json!({ "tasks": [{"taskArn": task, "taskDefinitionArn": NEW_TD,
        "lastStatus": "STOPPED", "stopCode": "TaskFailedToStart", "createdAt": 1700000200.0,
        "stoppedReason": "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
        "containers": [{"name": "app", "lastStatus": "STOPPED", "reason": "CannotPullContainerError: ref not found"}]}],
        "failures": [] });
    mount(&server, ecs("DescribeTasks"), ok(stopped)).await;
    let output = wait(&server).run().await;
    let json = output.status(3).json();
    let reason = json["reason"].as_str().unwrap();
    assert!(
        reason.contains(CIRCUIT_BREAKER) && reason.contains("CannotPullContainerError"),
        "{reason}"
    );
    assert_eq!(json["result"], "failed");
    assert_eq!(json["services"][0]["result"], "failed");
    assert_nothing_changed(&server).await;
}

#[tokio::test]
async fn an_ecs_native_deployment_in_progress_is_followed_through_its_stages() {
    let server = describing(vec![services(vec![ecs_controlled(
        NEW_TD,
        "BLUE_GREEN",
        NEW_SD,
    )])])
    .await;
    let polls = vec![
        service_deployments(NEW_SD, "IN_PROGRESS", "SCALE_UP", 0.0),
        service_deployments(NEW_SD, "IN_PROGRESS", "TEST_TRAFFIC_SHIFT", 0.0),
        service_deployments(NEW_SD, "IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 50.0),
        service_deployments(NEW_SD, "SUCCESSFUL", "CLEAN_UP", 100.0),
    ];
    mount(&server, ecs("DescribeServiceDeployments"), sequence(polls)).await;
    let output = wait(&server).run().await;
    let json = output.status(0).json();
    output
        .stderr_has("IN_PROGRESS TEST_TRAFFIC_SHIFT")
        .stderr_has("SUCCESSFUL CLEAN_UP");
    let web = &json["services"][0];
    assert_eq!(web["followed"], "in_progress");
    assert_eq!(web["strategy"], "BLUE_GREEN");
    assert_eq!(web["service_deployment_arn"], NEW_SD);
    assert_eq!(web["service_deployment_status"], "SUCCESSFUL");
    assert_nothing_changed(&server).await;
}

#[tokio::test]
async fn an_express_services_rollout_is_followed_until_its_alarm_rolls_it_back_and_exits_3() {
    let express = with(
        ecs_controlled(NEW_TD, "CANARY", NEW_SD),
        json!({"resourceManagementType": "ECS"}),
    );
    let server = describing(vec![services(vec![express])]).await;
    let polls = vec![
        service_deployments(NEW_SD, "IN_PROGRESS", "BAKE_TIME", 100.0),
        service_deployments(NEW_SD, "ROLLBACK_IN_PROGRESS", "BAKE_TIME", 100.0),
    ];
    mount(&server, ecs("DescribeServiceDeployments"), sequence(polls)).await;
    let output = wait(&server).run().await;
    let json = output.status(3).json();
    output.stderr_has("Express service, CANARY");
    let web = &json["services"][0];
    assert_eq!(web["followed"], "in_progress");
    assert_eq!(web["service_deployment_arn"], NEW_SD);
    // A rollback under way is already the verdict, as for deploy.
    assert_eq!(web["service_deployment_status"], "ROLLBACK_IN_PROGRESS");
    assert_nothing_changed(&server).await;
}

fn service_deployments(arn: &str, status: &str, stage: &str, production: f64) -> ResponseTemplate {
    crate::support::ecs::service_deployments(vec![service_deployment(
        arn, status, stage, production,
    )])
}

#[tokio::test]
async fn a_deployment_paused_at_a_hook_exits_0_paused_and_continues_nothing() {
    let server = describing(vec![services(vec![ecs_controlled(
        NEW_TD,
        "BLUE_GREEN",
        NEW_SD,
    )])])
    .await;
    let answer =
        crate::support::ecs::service_deployments(vec![paused(NEW_SD, "POST_TEST_TRAFFIC_SHIFT")]);
    mount(&server, ecs("DescribeServiceDeployments"), answer).await;
    let output = wait(&server).args(["--on-pause", "exit"]).run().await;
    let json = output.status(0).json();
    output.stderr_has("`ecs-ship continue --cluster prod --service web`");
    assert_eq!(json["result"], "paused");
    let web = &json["services"][0];
    assert_eq!(web["result"], "paused");
    assert_eq!(web["paused"]["hook_id"], "hook-approve");
    assert_eq!(web["paused"]["stage"], "POST_TEST_TRAFFIC_SHIFT");
    assert_nothing_changed(&server).await;
}

/// Service `web` on the CODE_DEPLOY controller, its PRIMARY task set on web:7.
fn code_deploy_service() -> Value {
    with(
        service("web", OLD_TD, vec![], vec![]),
        json!({
            "deploymentController": {"type": "CODE_DEPLOY"},
            "taskSets": [{"id": "ecs-svc/111", "status": "PRIMARY", "taskDefinition": OLD_TD,
                "computedDesiredCount": 2, "pendingCount": 0, "runningCount": 2}],
        }),
    )
}

#[tokio::test]
async fn a_codedeploy_deployment_in_progress_is_followed_to_success() {
    let server = describing(vec![services(vec![code_deploy_service()])]).await;
    let group = group_info("web-app", "web-dg", "prod", "web");
    let answer = ok(json!({ "deploymentGroupInfo": group }));
    mount(&server, codedeploy("GetDeploymentGroup"), answer).await;
    let listed = ok(json!({ "deployments": ["d-ELSEWHERE"] }));
    mount(&server, codedeploy("ListDeployments"), listed).await;
    let answers = Deployments::new(vec![(
        "d-ELSEWHERE",
        vec![
            deployment_info("d-ELSEWHERE", "InProgress"),
            deployment_info("d-ELSEWHERE", "InProgress"),
            deployment_info("d-ELSEWHERE", "Succeeded"),
        ],
    )]);
    mount(&server, codedeploy("GetDeployment"), answers).await;
    let output = wait(&server)
        .args(["--codedeploy-application", "web-app"])
        .args(["--codedeploy-deployment-group", "web-dg"])
        .run()
        .await;
    let json = output.status(0).json();
    let web = &json["services"][0];
    assert_eq!(web["followed"], "in_progress");
    assert_eq!(web["deployment_id"], "d-ELSEWHERE");
    assert_eq!(web["codedeploy"]["status"], "Succeeded");
    assert_nothing_changed(&server).await;
}

/// wait on the CODE_DEPLOY service `web` of group web-app/web-dg, whose last attempted
/// deployment is `last` and which has nothing in progress; GetDeployment answers `deployments`.
async fn codedeploy_settled_after(
    last: &str,
    deployments: Vec<(&str, Vec<Value>)>,
) -> (MockServer, Test) {
    let server = describing(vec![services(vec![code_deploy_service()])]).await;
    let mut group = group_info("web-app", "web-dg", "prod", "web");
    group["lastAttemptedDeployment"] = json!({"deploymentId": last, "status": "Succeeded",
        "createTime": 1_700_000_000.0, "endTime": 1_700_000_600.0});
    let answer = ok(json!({ "deploymentGroupInfo": group }));
    mount(&server, codedeploy("GetDeploymentGroup"), answer).await;
    let none_active = ok(json!({ "deployments": [] }));
    mount(&server, codedeploy("ListDeployments"), none_active).await;
    let answers = Deployments::new(deployments);
    mount(&server, codedeploy("GetDeployment"), answers).await;
    let test = wait(&server)
        .args(["--codedeploy-application", "web-app"])
        .args(["--codedeploy-deployment-group", "web-dg"]);
    (server, test)
}

#[tokio::test]
async fn nothing_in_progress_on_codedeploy_and_the_latest_succeeded_exits_0_at_once() {
    let (server, test) = codedeploy_settled_after(
        "d-LAST",
        vec![("d-LAST", vec![deployment_info("d-LAST", "Succeeded")])],
    )
    .await;
    let output = test.run().await;
    let json = output.status(0).json();
    let web = &json["services"][0];
    assert_eq!(web["followed"], "latest");
    assert_eq!(web["deployment_id"], "d-LAST");
    assert_eq!(web["codedeploy"]["status"], "Succeeded");
    assert_nothing_changed(&server).await;
}

#[tokio::test]
async fn nothing_in_progress_on_codedeploy_and_the_latest_was_rolled_back_exits_3_naming_why() {
    // The last attempted deployment is CodeDeploy's own rollback (it succeeded): the one it
    // rolled back is what the user shipped, and how that one ended is the verdict.
    let mut rollback = deployment_info("d-BACK", "Succeeded");
    rollback["creator"] = json!("codeDeployRollback");
    rollback["rollbackInfo"] = json!({"rollbackTriggeringDeploymentId": "d-NEW"});
    let mut failed = deployment_info("d-NEW", "Failed");
    failed["errorInformation"] = json!({"code": "HEALTH_CONSTRAINTS",
        "message": "The deployment failed because one or more of the lifecycle event validations failed."});
    failed["rollbackInfo"] = json!({"rollbackDeploymentId": "d-BACK",
        "rollbackMessage": "Automatic rollback triggered."});
    let (server, test) = codedeploy_settled_after(
        "d-BACK",
        vec![("d-BACK", vec![rollback]), ("d-NEW", vec![failed])],
    )
    .await;
    let output = test.run().await;
    let json = output.status(3).json();
    let reason = json["reason"].as_str().unwrap();
    assert!(
        reason.contains("d-NEW Failed: HEALTH_CONSTRAINTS")
            && reason.contains("rolled back by deployment d-BACK"),
        "{reason}"
    );
    let web = &json["services"][0];
    assert_eq!(web["followed"], "latest");
    assert_eq!(web["deployment_id"], "d-NEW");
    assert_eq!(web["codedeploy"]["status"], "Failed");
    assert_nothing_changed(&server).await;
}

#[tokio::test]
async fn a_codedeploy_deployment_started_after_the_listing_is_followed_as_in_progress() {
    // ListDeployments saw nothing in progress; by GetDeploymentGroup a new one had started.
    let answers = vec![
        deployment_info("d-JUST", "InProgress"),
        deployment_info("d-JUST", "InProgress"),
        deployment_info("d-JUST", "Succeeded"),
    ];
    let (server, test) = codedeploy_settled_after("d-JUST", vec![("d-JUST", answers)]).await;
    let output = test.run().await;
    let json = output.status(0).json();
    let web = &json["services"][0];
    assert_eq!(web["followed"], "in_progress");
    assert_eq!(web["deployment_id"], "d-JUST");
    assert_eq!(web["codedeploy"]["status"], "Succeeded");
    assert_nothing_changed(&server).await;
}

#[tokio::test]
async fn nothing_in_progress_and_the_latest_completed_exits_0_at_once() {
    let settled_web = services(vec![settled("web", OLD_TD, "ecs-svc/old", vec![])]);
    let server = describing(vec![settled_web]).await;
    let output = wait(&server).run().await;
    let json = output.status(0).json();
    let web = &json["services"][0];
    assert_eq!(web["followed"], "latest");
    assert_eq!(web["result"], "succeeded");
    assert_eq!(
        count(&server, ECS, "DescribeServices").await,
        2,
        "one look, one poll"
    );
    assert!(json["duration_seconds"].as_f64().unwrap() < 5.0);
    assert_nothing_changed(&server).await;
}

#[tokio::test]
async fn nothing_in_progress_and_the_latest_rolled_back_exits_3_with_ecs_reason() {
    // ECS rolled the last deployment back and settled on web:7 again: only the service
    // deployment still says so.
    let web = with(
        settled("web", OLD_TD, "ecs-svc/rollback", vec![]),
        json!({ "currentServiceDeployment": NEW_SD }),
    );
    let server = describing(vec![services(vec![web])]).await;
    let mut rolled_back = service_deployment(NEW_SD, "ROLLBACK_SUCCESSFUL", "CLEAN_UP", 0.0);
    rolled_back["statusReason"] = json!(CIRCUIT_BREAKER);
    let answer = service_deployments_by_arn(vec![rolled_back]);
    mount(&server, ecs("DescribeServiceDeployments"), answer).await;
    let output = wait(&server).run().await;
    let json = output.status(3).json();
    let reason = json["reason"].as_str().unwrap();
    assert!(
        reason.contains("rolled back") && reason.contains(CIRCUIT_BREAKER),
        "{reason}"
    );
    let web = &json["services"][0];
    assert_eq!(web["followed"], "latest");
    assert_eq!(web["service_deployment_status"], "ROLLBACK_SUCCESSFUL");
    assert_nothing_changed(&server).await;
}

#[tokio::test]
async fn deployment_picks_one_service_deployment_instead_of_the_one_in_progress() {
    let server = describing(vec![services(vec![ecs_controlled(
        NEW_TD,
        "BLUE_GREEN",
        NEWER_SD,
    )])])
    .await;
    let known = vec![
        service_deployment(OLD_SD, "SUCCESSFUL", "CLEAN_UP", 100.0),
        service_deployment(NEWER_SD, "IN_PROGRESS", "SCALE_UP", 0.0),
    ];
    let answer = service_deployments_by_arn(known);
    mount(&server, ecs("DescribeServiceDeployments"), answer).await;
    let output = wait(&server).args(["--deployment", OLD_SD]).run().await;
    let json = output.status(0).json();
    let web = &json["services"][0];
    assert_eq!(web["followed"], "named");
    assert_eq!(web["service_deployment_arn"], OLD_SD);
    assert_eq!(web["service_deployment_status"], "SUCCESSFUL");
    assert_nothing_changed(&server).await;
}

#[tokio::test]
async fn deployment_picks_one_rolling_deployment_by_its_id() {
    let server = describing(vec![
        services(vec![rolling_out(1)]),
        services(vec![settled("web", NEW_TD, "ecs-svc/new", vec![])]),
    ])
    .await;
    let output = wait(&server)
        .args(["--deployment", "ecs-svc/new"])
        .run()
        .await;
    let json = output.status(0).json();
    assert_eq!(json["services"][0]["followed"], "named");
    assert_eq!(json["services"][0]["deployment_id"], "ecs-svc/new");
}

#[tokio::test]
async fn an_unknown_deployment_exits_1_naming_it() {
    let server = describing(vec![services(vec![rolling_out(1)])]).await;
    let output = wait(&server)
        .args(["--deployment", "ecs-svc/nope"])
        .run()
        .await;
    let json = output.status(1).json();
    output.stderr_has("ecs-svc/nope");
    assert_eq!(json["result"], "error");

    let native = describing(vec![services(vec![ecs_controlled(
        NEW_TD,
        "BLUE_GREEN",
        NEW_SD,
    )])])
    .await;
    let answer = service_deployments_by_arn(vec![]);
    mount(&native, ecs("DescribeServiceDeployments"), answer).await;
    let missing = format!("{NEW_SD}-gone");
    let output = wait(&native).args(["--deployment", &missing]).run().await;
    output.status(1).stderr_has(&missing);
}

#[tokio::test]
async fn a_deployment_still_rolling_at_the_timeout_exits_124() {
    let server = describing(vec![services(vec![rolling_out(1)])]).await;
    let output = in_prod(&server, "wait", "web")
        .args(["--timeout", "1s", "--output", "json"])
        .run()
        .await;
    let json = output.status(124).json();
    assert_eq!(json["result"], "timed_out");
    assert_eq!(json["services"][0]["result"], "timed_out");
    assert_nothing_changed(&server).await;
}

#[tokio::test]
async fn a_missing_service_exits_1_naming_it() {
    let server = MockServer::start().await;
    mount(
        &server,
        ecs("DescribeServices"),
        missing_service("prod", "ghost"),
    )
    .await;
    let output = in_prod(&server, "wait", "ghost")
        .args(["--output", "json"])
        .run()
        .await;
    output.status(1).stderr_has("service `ghost` not found");
    assert_eq!(output.json()["command"], "wait");
}

#[tokio::test]
async fn several_services_are_followed_together() {
    let worker = settled("worker", OLD_TD, "ecs-svc/w", vec![]);
    let server = describing(vec![
        services(vec![rolling_out(0), worker.clone()]),
        services(vec![
            settled("web", NEW_TD, "ecs-svc/new", vec![]),
            worker.clone(),
        ]),
    ])
    .await;
    let output = in_prod(&server, "wait", "web,worker")
        .args(["--timeout", "20s", "--output", "json"])
        .run()
        .await;
    let json = output.status(0).json();
    assert_eq!(json["services"][0]["followed"], "in_progress");
    assert_eq!(json["services"][1]["followed"], "latest");
}

#[tokio::test]
async fn no_wait_and_a_deployment_of_several_services_are_usage_errors_before_any_call() {
    let output = Test::new()
        .args(["wait", "--cluster", "prod", "--service", "web", "--no-wait"])
        .run()
        .await;
    output.status(2).stderr_has("--no-wait");
    let output = Test::new()
        .args(["wait", "--cluster", "prod", "--service", "web,worker"])
        .args(["--deployment", "ecs-svc/1"])
        .run()
        .await;
    output.status(2).stderr_has("--deployment");
}
