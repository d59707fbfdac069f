//! `deploy`, `continue` and `rollback` of a service on the CODE_DEPLOY controller, against
//! scripted ECS and CodeDeploy answers (wiremock) shaped as the SDK models them. moto
//! implements no CodeDeploy.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{json, Value};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::support::aws::{aws_error, codedeploy, ecs, mount, ok, requests, CODEDEPLOY, ECS};
use crate::support::Test;

const OLD_TD: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7";
const NEW_TD: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:8";

/// Service `web` on the CODE_DEPLOY controller, its PRIMARY task set behind a load balancer.
fn service() -> Value {
    json!({
        "serviceName": "web", "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/prod/web",
        "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
        "status": "ACTIVE", "taskDefinition": OLD_TD, "desiredCount": 2, "runningCount": 2, "pendingCount": 0,
        "deploymentController": {"type": "CODE_DEPLOY"},
        "loadBalancers": [{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/1",
            "containerName": "app", "containerPort": 8080}],
        "taskSets": [{
            "id": "ecs-svc/111", "status": "PRIMARY", "taskDefinition": OLD_TD,
            "computedDesiredCount": 2, "pendingCount": 0, "runningCount": 2,
            "launchType": "FARGATE", "platformVersion": "1.4.0",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"],
                "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}},
            "loadBalancers": [{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/1",
                "containerName": "app", "containerPort": 8080}],
        }],
        "deployments": [], "events": [],
    })
}

fn group_info(application: &str, group: &str, cluster: &str, service: &str) -> Value {
    json!({
        "applicationName": application, "deploymentGroupId": "dg-1", "deploymentGroupName": group,
        "deploymentConfigName": "CodeDeployDefault.ECSAllAtOnce", "computePlatform": "ECS",
        "serviceRoleArn": "arn:aws:iam::123456789012:role/codedeploy",
        "ecsServices": [{"serviceName": service, "clusterName": cluster}],
    })
}

/// GetDeployment: for each deployment id, its answers in turn (the last one repeats).
struct Deployments(Mutex<HashMap<String, Vec<Value>>>);

impl Respond for Deployments {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let id = body["deploymentId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut answers = self.0.lock().unwrap();
        let Some(queue) = answers.get_mut(&id) else {
            return aws_error(400, "DeploymentDoesNotExistException", "no such deployment");
        };
        let info = if queue.len() > 1 {
            queue.remove(0)
        } else {
            queue[0].clone()
        };
        ok(json!({ "deploymentInfo": info }))
    }
}

fn info(id: &str, status: &str) -> Value {
    json!({
        "applicationName": "web-app", "deploymentGroupName": "web-dg", "deploymentId": id,
        "status": status, "computePlatform": "ECS", "createTime": 1_700_000_000.0,
        "deploymentConfigName": "CodeDeployDefault.ECSAllAtOnce",
    })
}

/// Cluster `prod` with `web` on CODE_DEPLOY; CodeDeploy knows applications `other` and
/// `web-app` (whose group `web-dg` deploys prod/web); GetDeployment answers `deployments`.
async fn world(deployments: Vec<(&str, Vec<Value>)>) -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        ecs("DescribeServices"),
        ok(json!({ "services": [service()], "failures": [] })),
    )
    .await;
    mount(
        &server,
        ecs("DescribeTaskDefinition"),
        ok(json!({ "taskDefinition": {
            "taskDefinitionArn": OLD_TD, "family": "web", "revision": 7, "status": "ACTIVE",
            "containerDefinitions": [{"name": "app", "image": "nginx:1", "essential": true, "memory": 256}]
        }, "tags": [] })),
    )
    .await;
    mount(
        &server,
        ecs("RegisterTaskDefinition"),
        |request: &Request| {
            let mut body: Value = serde_json::from_slice(&request.body).unwrap();
            body["taskDefinitionArn"] = json!(NEW_TD);
            body["revision"] = json!(8);
            ok(json!({ "taskDefinition": body, "tags": [] }))
        },
    )
    .await;
    mount(
        &server,
        codedeploy("ListApplications"),
        ok(json!({ "applications": ["other", "web-app"] })),
    )
    .await;
    mount(
        &server,
        codedeploy("ListDeploymentGroups"),
        |request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            let app = body["applicationName"].as_str().unwrap_or_default();
            let groups = if app == "web-app" {
                json!(["web-dg"])
            } else {
                json!(["other-dg"])
            };
            ok(json!({ "applicationName": app, "deploymentGroups": groups }))
        },
    )
    .await;
    mount(
        &server,
        codedeploy("BatchGetDeploymentGroups"),
        |request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            let groups = match body["applicationName"].as_str() {
                Some("web-app") => json!([group_info("web-app", "web-dg", "prod", "web")]),
                _ => json!([group_info("other", "other-dg", "prod", "api")]),
            };
            ok(json!({ "deploymentGroupsInfo": groups }))
        },
    )
    .await;
    mount(&server, codedeploy("GetDeploymentGroup"), |request: &Request| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        match body["deploymentGroupName"].as_str() {
            Some("web-dg") => ok(json!({ "deploymentGroupInfo": group_info("web-app", "web-dg", "prod", "web") })),
            _ => aws_error(400, "DeploymentGroupDoesNotExistException", "No Deployment Group found for name: web-dgg"),
        }
    })
    .await;
    mount(
        &server,
        codedeploy("CreateDeployment"),
        ok(json!({ "deploymentId": "d-NEW" })),
    )
    .await;
    let map = deployments
        .into_iter()
        .map(|(id, answers)| (id.to_string(), answers))
        .collect();
    mount(
        &server,
        codedeploy("GetDeployment"),
        Deployments(Mutex::new(map)),
    )
    .await;
    mount(&server, codedeploy("ContinueDeployment"), ok(json!({}))).await;
    mount(
        &server,
        codedeploy("StopDeployment"),
        ok(json!({ "status": "Pending" })),
    )
    .await;
    server
}

fn ship(server: &MockServer, command: &str) -> Test {
    Test::new().endpoint(&server.uri()).args([
        command,
        "--cluster",
        "prod",
        "--service",
        "web",
        "--poll-interval",
        "100ms",
        "--timeout",
        "20s",
    ])
}

fn deploy(server: &MockServer) -> Test {
    ship(server, "deploy").args(["--image", "app=nginx:2", "--no-pin-digest"])
}

#[tokio::test]
async fn codedeploy_success_with_a_discovered_group_and_the_appspec_of_the_task_set() {
    let server = world(vec![(
        "d-NEW",
        vec![info("d-NEW", "InProgress"), info("d-NEW", "Succeeded")],
    )])
    .await;
    let output = deploy(&server)
        .args([
            "--codedeploy-hook",
            "AfterAllowTestTraffic=arn:aws:lambda:us-east-1:123456789012:function:smoke",
            "--output",
            "json",
        ])
        .run()
        .await;
    let json = output.status(0).json();
    output
        .stderr_has("CodeDeploy application web-app, deployment group web-dg")
        .stderr_has("started CodeDeploy deployment d-NEW of web:8");
    assert_eq!(json["result"], "succeeded");
    let web = &json["services"][0];
    assert_eq!(web["deployment_controller"], "CODE_DEPLOY");
    assert_eq!(web["codedeploy"]["deployment_id"], "d-NEW");
    assert_eq!(web["codedeploy"]["deployment_group"], "web-dg");
    assert_eq!(web["codedeploy"]["status"], "Succeeded");
    assert!(requests(&server, ECS, "UpdateService").await.is_empty());
    let created = &requests(&server, CODEDEPLOY, "CreateDeployment").await[0];
    assert_eq!(created["applicationName"], "web-app");
    assert_eq!(created["deploymentGroupName"], "web-dg");
    assert_eq!(created["revision"]["revisionType"], "AppSpecContent");
    let appspec: Value = serde_json::from_str(
        created["revision"]["appSpecContent"]["content"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        appspec,
        json!({
            "version": 0.0,
            "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {
                "TaskDefinition": NEW_TD,
                "LoadBalancerInfo": {"ContainerName": "app", "ContainerPort": 8080},
                "PlatformVersion": "1.4.0",
                "NetworkConfiguration": {"AwsvpcConfiguration": {
                    "Subnets": ["subnet-a", "subnet-b"], "SecurityGroups": ["sg-1"], "AssignPublicIp": "DISABLED"}}
            }}}],
            "Hooks": [{"AfterAllowTestTraffic": "arn:aws:lambda:us-east-1:123456789012:function:smoke"}]
        })
    );
}

#[tokio::test]
async fn a_failed_hook_exits_3_with_the_lifecycle_event_diagnostics() {
    let mut failed = info("d-NEW", "Failed");
    failed["errorInformation"] = json!({"code": "HEALTH_CONSTRAINTS",
        "message": "The deployment failed because one or more of the lifecycle event validations failed."});
    failed["rollbackInfo"] = json!({"rollbackDeploymentId": "d-BACK",
        "rollbackMessage": "Automatic rollback triggered."});
    let server = world(vec![("d-NEW", vec![info("d-NEW", "InProgress"), failed])]).await;
    mount(
        &server,
        codedeploy("GetDeploymentTarget"),
        ok(
            json!({ "deploymentTarget": { "deploymentTargetType": "ECSTarget", "ecsTarget": {
            "deploymentId": "d-NEW", "targetId": "prod:web", "status": "Failed",
            "lifecycleEvents": [
                {"lifecycleEventName": "BeforeInstall", "status": "Succeeded"},
                {"lifecycleEventName": "AfterAllowTestTraffic", "status": "Failed",
                 "diagnostics": {"errorCode": "ScriptFailed", "scriptName": "smoke",
                    "message": "The Lambda function returned Failed.", "logTail": "GET /up -> 503"}}
            ]}}}),
        ),
    )
    .await;
    let output = deploy(&server).run().await;
    output
        .status(3)
        .stderr_has("HEALTH_CONSTRAINTS")
        .stderr_has("lifecycle event AfterAllowTestTraffic failed: ScriptFailed: smoke: The Lambda function returned Failed. (log: GET /up -> 503)")
        .stderr_has("rolled back by deployment d-BACK");
    let target = &requests(&server, CODEDEPLOY, "GetDeploymentTarget").await[0];
    assert_eq!(
        target,
        &json!({"deploymentId": "d-NEW", "targetId": "prod:web"})
    );
}

#[tokio::test]
async fn ready_pauses_then_continue_reroutes_traffic_and_waits_for_success() {
    let server = world(vec![(
        "d-NEW",
        vec![
            info("d-NEW", "InProgress"),
            info("d-NEW", "Ready"),
            // `continue`: ListDeployments shows it, GetDeployment: still Ready, then done.
            info("d-NEW", "Ready"),
            info("d-NEW", "InProgress"),
            info("d-NEW", "Succeeded"),
        ],
    )])
    .await;
    mount(
        &server,
        codedeploy("ListDeployments"),
        ok(json!({ "deployments": ["d-NEW"] })),
    )
    .await;
    let paused = deploy(&server).args(["--output", "json"]).run().await;
    let json = paused.status(0).json();
    assert_eq!(json["result"], "paused");
    paused.stderr_has("continue with `ecs-ship continue --cluster prod --service web`");
    let resumed = ship(&server, "continue").run().await;
    resumed
        .status(0)
        .stderr_has("continuing CodeDeploy deployment d-NEW");
    let sent = requests(&server, CODEDEPLOY, "ContinueDeployment").await;
    assert_eq!(
        sent,
        [json!({"deploymentId": "d-NEW", "deploymentWaitType": "READY_WAIT"})]
    );
}

#[tokio::test]
async fn a_wrong_deployment_group_name_exits_1_naming_it_and_registers_nothing() {
    let server = world(vec![]).await;
    let output = deploy(&server)
        .args([
            "--codedeploy-application",
            "web-app",
            "--codedeploy-deployment-group",
            "web-dgg",
        ])
        .run()
        .await;
    output
        .status(1)
        .stderr_has("CodeDeploy deployment group `web-dgg` of application `web-app` not found");
    assert!(requests(&server, ECS, "RegisterTaskDefinition")
        .await
        .is_empty());
    assert!(requests(&server, CODEDEPLOY, "CreateDeployment")
        .await
        .is_empty());
}

#[tokio::test]
async fn rollback_stops_the_codedeploy_deployment_and_follows_the_rollback() {
    let mut stopped = info("d-NEW", "Stopped");
    stopped["rollbackInfo"] = json!({"rollbackDeploymentId": "d-BACK"});
    let server = world(vec![
        (
            "d-NEW",
            vec![
                info("d-NEW", "InProgress"),
                info("d-NEW", "InProgress"),
                stopped,
            ],
        ),
        (
            "d-BACK",
            vec![info("d-BACK", "InProgress"), info("d-BACK", "Succeeded")],
        ),
    ])
    .await;
    mount(
        &server,
        codedeploy("ListDeployments"),
        ok(json!({ "deployments": ["d-NEW"] })),
    )
    .await;
    let output = ship(&server, "rollback").run().await;
    output
        .status(0)
        .stderr_has("stopping CodeDeploy deployment d-NEW (InProgress) with rollback")
        .stderr_has("CodeDeploy rolls back with deployment d-BACK");
    let sent = requests(&server, CODEDEPLOY, "StopDeployment").await;
    assert_eq!(
        sent,
        [json!({"deploymentId": "d-NEW", "autoRollbackEnabled": true})]
    );
}

#[tokio::test]
async fn dry_run_shows_the_appspec_and_creates_nothing() {
    let server = world(vec![]).await;
    let output = deploy(&server).arg("--dry-run").run().await;
    output
        .status(0)
        .stdout_has("service web: deploys CODE_DEPLOY controller (a CodeDeploy deployment)")
        .stdout_has("would call CreateDeployment of application web-app, group web-dg with AppSpec")
        .stdout_has(r#""ContainerName":"app","ContainerPort":8080"#);
    assert!(requests(&server, CODEDEPLOY, "CreateDeployment")
        .await
        .is_empty());
    assert!(requests(&server, ECS, "RegisterTaskDefinition")
        .await
        .is_empty());
}

#[tokio::test]
async fn continue_rollback_of_a_ready_deployment_stops_it_and_follows_the_rollback() {
    let mut stopped = info("d-NEW", "Stopped");
    stopped["rollbackInfo"] = json!({"rollbackDeploymentId": "d-BACK"});
    let server = world(vec![
        ("d-NEW", vec![info("d-NEW", "Ready"), stopped]),
        ("d-BACK", vec![info("d-BACK", "Succeeded")]),
    ])
    .await;
    mount(
        &server,
        codedeploy("ListDeployments"),
        ok(json!({ "deployments": ["d-NEW"] })),
    )
    .await;
    let output = ship(&server, "continue").arg("--rollback").run().await;
    output
        .status(0)
        .stderr_has("stopping CodeDeploy deployment d-NEW with rollback")
        .stderr_has("CodeDeploy rolls back with deployment d-BACK");
    assert!(requests(&server, CODEDEPLOY, "ContinueDeployment")
        .await
        .is_empty());
}

#[tokio::test]
async fn continue_with_no_codedeploy_deployment_ready_exits_1() {
    let server = world(vec![("d-NEW", vec![info("d-NEW", "InProgress")])]).await;
    mount(
        &server,
        codedeploy("ListDeployments"),
        ok(json!({ "deployments": ["d-NEW"] })),
    )
    .await;
    let output = ship(&server, "continue").run().await;
    output
        .status(1)
        .stderr_has("no CodeDeploy deployment waiting to reroute traffic (d-NEW is InProgress)");
    assert!(requests(&server, CODEDEPLOY, "ContinueDeployment")
        .await
        .is_empty());
}

#[tokio::test]
async fn rollback_on_failure_turns_on_auto_rollback_and_follows_it_still_exiting_3() {
    let mut failed = info("d-NEW", "Failed");
    failed["errorInformation"] =
        json!({"code": "ECS_UPDATE_ERROR", "message": "tasks failed to start"});
    failed["rollbackInfo"] = json!({"rollbackDeploymentId": "d-BACK"});
    let server = world(vec![
        ("d-NEW", vec![info("d-NEW", "InProgress"), failed]),
        (
            "d-BACK",
            vec![info("d-BACK", "InProgress"), info("d-BACK", "Succeeded")],
        ),
    ])
    .await;
    let output = deploy(&server)
        .args(["--rollback-on-failure", "--output", "json"])
        .run()
        .await;
    let json = output.status(3).json();
    output.stderr_has("CodeDeploy rolls back with deployment d-BACK");
    assert_eq!(json["services"][0]["rollback_result"], "succeeded");
    let created = &requests(&server, CODEDEPLOY, "CreateDeployment").await[0];
    assert_eq!(
        created["autoRollbackConfiguration"],
        json!({"enabled": true, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"]})
    );
    assert!(requests(&server, CODEDEPLOY, "StopDeployment")
        .await
        .is_empty());
}
