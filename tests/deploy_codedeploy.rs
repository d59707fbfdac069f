//! `deploy`, `continue` and `rollback` of a service on the CODE_DEPLOY controller, against
//! scripted ECS and CodeDeploy answers (wiremock) shaped as the SDK models them. moto
//! implements no CodeDeploy.

use serde_json::{json, Value};
use wiremock::{MockServer, Request};

use crate::support::aws::{aws_error, codedeploy, ecs, mount, ok, requests, CODEDEPLOY, ECS};
use crate::support::codedeploy::{deployment_info, group_info, Deployments};
use crate::support::ecs::{
    app_definition, definition_answer, register_8, service, services, ship, with, NEW_TD, OLD_TD,
};
use crate::support::Test;

/// Service `web` on the CODE_DEPLOY controller, its PRIMARY task set behind a load balancer.
fn code_deploy_service() -> Value {
    let load_balancers = json!([{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/1",
        "containerName": "app", "containerPort": 8080}]);
    with(
        service("web", OLD_TD, vec![], vec![]),
        json!({
            "deploymentController": {"type": "CODE_DEPLOY"},
            "loadBalancers": load_balancers,
            "taskSets": [{
                "id": "ecs-svc/111", "status": "PRIMARY", "taskDefinition": OLD_TD,
                "computedDesiredCount": 2, "pendingCount": 0, "runningCount": 2,
                "launchType": "FARGATE", "platformVersion": "1.4.0",
                "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"],
                    "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}},
                "loadBalancers": load_balancers,
            }],
        }),
    )
}

/// Cluster `prod` with `web` on CODE_DEPLOY; CodeDeploy knows applications `other` and
/// `web-app` (whose group `web-dg` deploys prod/web); GetDeployment answers `deployments`.
async fn world(deployments: Vec<(&str, Vec<Value>)>) -> MockServer {
    let server = MockServer::start().await;
    let described = services(vec![code_deploy_service()]);
    mount(&server, ecs("DescribeServices"), described).await;
    let web_7 = definition_answer(app_definition("web", 7, "nginx:1"));
    mount(&server, ecs("DescribeTaskDefinition"), web_7).await;
    mount(&server, ecs("RegisterTaskDefinition"), register_8()).await;
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
    mount(
        &server,
        codedeploy("GetDeployment"),
        Deployments::new(deployments),
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

/// ListDeployments names d-NEW as the group's deployment in progress.
async fn lists_d_new(server: &MockServer) {
    mount(
        server,
        codedeploy("ListDeployments"),
        ok(json!({ "deployments": ["d-NEW"] })),
    )
    .await;
}

fn deploy(server: &MockServer) -> Test {
    ship(server, "deploy").args(["--image", "app=nginx:2", "--no-pin-digest"])
}

#[tokio::test]
async fn codedeploy_success_with_a_discovered_group_and_the_appspec_of_the_task_set() {
    let server = world(vec![(
        "d-NEW",
        vec![
            deployment_info("d-NEW", "InProgress"),
            deployment_info("d-NEW", "Succeeded"),
        ],
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
    let mut failed = deployment_info("d-NEW", "Failed");
    failed["errorInformation"] = json!({"code": "HEALTH_CONSTRAINTS",
        "message": "The deployment failed because one or more of the lifecycle event validations failed."});
    failed["rollbackInfo"] = json!({"rollbackDeploymentId": "d-BACK",
        "rollbackMessage": "Automatic rollback triggered."});
    let server = world(vec![(
        "d-NEW",
        vec![deployment_info("d-NEW", "InProgress"), failed],
    )])
    .await;
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
            deployment_info("d-NEW", "InProgress"),
            deployment_info("d-NEW", "Ready"),
            // `continue`: ListDeployments shows it, GetDeployment: still Ready, then done.
            deployment_info("d-NEW", "Ready"),
            deployment_info("d-NEW", "InProgress"),
            deployment_info("d-NEW", "Succeeded"),
        ],
    )])
    .await;
    lists_d_new(&server).await;
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
    let mut stopped = deployment_info("d-NEW", "Stopped");
    stopped["rollbackInfo"] = json!({"rollbackDeploymentId": "d-BACK"});
    let server = world(vec![
        (
            "d-NEW",
            vec![
                deployment_info("d-NEW", "InProgress"),
                deployment_info("d-NEW", "InProgress"),
                stopped,
            ],
        ),
        (
            "d-BACK",
            vec![
                deployment_info("d-BACK", "InProgress"),
                deployment_info("d-BACK", "Succeeded"),
            ],
        ),
    ])
    .await;
    lists_d_new(&server).await;
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
    let mut stopped = deployment_info("d-NEW", "Stopped");
    stopped["rollbackInfo"] = json!({"rollbackDeploymentId": "d-BACK"});
    let server = world(vec![
        ("d-NEW", vec![deployment_info("d-NEW", "Ready"), stopped]),
        ("d-BACK", vec![deployment_info("d-BACK", "Succeeded")]),
    ])
    .await;
    lists_d_new(&server).await;
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
    let server = world(vec![(
        "d-NEW",
        vec![deployment_info("d-NEW", "InProgress")],
    )])
    .await;
    lists_d_new(&server).await;
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
    let mut failed = deployment_info("d-NEW", "Failed");
    failed["errorInformation"] =
        json!({"code": "ECS_UPDATE_ERROR", "message": "tasks failed to start"});
    failed["rollbackInfo"] = json!({"rollbackDeploymentId": "d-BACK"});
    let server = world(vec![
        (
            "d-NEW",
            vec![deployment_info("d-NEW", "InProgress"), failed],
        ),
        (
            "d-BACK",
            vec![
                deployment_info("d-BACK", "InProgress"),
                deployment_info("d-BACK", "Succeeded"),
            ],
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
