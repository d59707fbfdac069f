//! `status`: where each service stands, read-only, against scripted ECS, CodeDeploy and
//! Application Auto Scaling answers (shapes from the botocore models; timestamps are epoch
//! seconds), and end to end against moto.

use serde_json::{json, Value};
use wiremock::{MockServer, Request, Respond};

use crate::support::autoscaling::{scalable_target, suspended, targets};
use crate::support::aws::{
    autoscaling, aws_error, call_order, codedeploy, count, ecs, missing_service, mount, ok,
    requests, AUTOSCALING, ECS,
};
use crate::support::codedeploy::{deployment_info, Deployments};
use crate::support::ecs::{
    app_definition, definition_answer, deployment, ecs_controlled, event, paused, service,
    service_arn, service_deployment, service_deployments, services, settled, td, with, NEW_SD,
    NEW_TD, OLD_TD,
};
use crate::support::moto::Moto;
use crate::support::Test;

/// DescribeTaskDefinition answering each revision asked for (`family:N` or its ARN), its one
/// container `app` on `IMAGE:N`.
fn definitions_by_name() -> impl Respond {
    |request: &Request| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let reference = body["taskDefinition"].as_str().unwrap();
        let (family, revision) = reference
            .rsplit('/')
            .next()
            .unwrap()
            .split_once(':')
            .unwrap();
        let revision: u32 = revision.parse().unwrap();
        let image = format!("{}:{revision}", crate::support::ecs::REPO);
        definition_answer(app_definition(family, revision, &image))
    }
}

/// A server with web:7 / web:8 definitions and no scalable targets; the test mounts the rest.
async fn server() -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        ecs("DescribeTaskDefinition"),
        definitions_by_name(),
    )
    .await;
    mount(
        &server,
        autoscaling("DescribeScalableTargets"),
        targets(vec![]),
    )
    .await;
    server
}

fn status(server: &MockServer) -> Test {
    Test::new()
        .endpoint(&server.uri())
        .args(["status", "--cluster", "prod"])
}

/// Nothing but reads reached AWS.
async fn assert_read_only(server: &MockServer) {
    let calls = call_order(server).await;
    let changing: Vec<&String> = calls
        .iter()
        .filter(|c| !["Describe", "List", "Get"].iter().any(|p| c.starts_with(p)))
        .collect();
    assert!(
        changing.is_empty(),
        "status changed something: {changing:?}"
    );
}

#[tokio::test]
async fn a_rolling_service_at_rest_shows_its_revision_images_counts_and_last_events() {
    let server = server().await;
    let events = (1..=7)
        .map(|i| event(&format!("e{i}"), &format!("event number {i}")))
        .collect();
    let web = settled("web", OLD_TD, "ecs-svc/1", events);
    mount(&server, ecs("DescribeServices"), services(vec![web])).await;

    let output = status(&server).args(["--service", "web"]).run().await;
    output.status(0);
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(lines[0], "web  ECS ROLLING  ACTIVE");
    assert_eq!(
        lines[1],
        format!("  revision    web:7  app={}:7", crate::support::ecs::REPO)
    );
    assert_eq!(lines[2], "  tasks       desired 2 · running 2 · pending 0");
    assert_eq!(lines[3], "  deployment  none in progress");
    assert_eq!(lines[4], "  scaling     no scalable target");
    // The 5 newest events, newest (first in ECS's list) first.
    assert_eq!(
        lines[5],
        "  event       2023-11-14T22:13:20Z  event number 1"
    );
    assert_eq!(lines.len(), 10, "{}", output.stdout);
    assert_eq!(count(&server, ECS, "DescribeServiceDeployments").await, 0);
    assert_read_only(&server).await;
}

/// Service `web` on the ECS controller with `strategy`, deploying NEW_TD (NEW_SD) over OLD_TD.
fn deploying(strategy: &str) -> Value {
    let mut web = ecs_controlled(NEW_TD, strategy, NEW_SD);
    web["deployments"] = json!([
        deployment("ecs-svc/2", "PRIMARY", NEW_TD, 0, 2, "IN_PROGRESS"),
        deployment("ecs-svc/1", "ACTIVE", OLD_TD, 2, 2, "COMPLETED"),
    ]);
    with(web, json!({"pendingCount": 2}))
}

#[tokio::test]
async fn an_ecs_native_deployment_paused_at_a_hook_shows_its_stage_and_the_continue_command() {
    let server = server().await;
    mount(
        &server,
        ecs("DescribeServices"),
        services(vec![deploying("BLUE_GREEN")]),
    )
    .await;
    let answer = service_deployments(vec![paused(NEW_SD, "POST_TEST_TRAFFIC_SHIFT")]);
    mount(&server, ecs("DescribeServiceDeployments"), answer).await;

    let output = status(&server)
        .args(["--service", "web", "--output", "json"])
        .run()
        .await;
    output.status(0);
    let web = &output.json()["services"][0];
    assert_eq!(web["strategy"], "BLUE_GREEN");
    assert_eq!(web["pending_count"], 2);
    assert_eq!(web["revision"], "web:8");
    let deployment = &web["deployment"];
    assert_eq!(deployment["id"], "ecs-svc/2");
    assert_eq!(deployment["service_deployment_arn"], NEW_SD);
    assert_eq!(deployment["status"], "IN_PROGRESS");
    assert_eq!(deployment["lifecycle_stage"], "POST_TEST_TRAFFIC_SHIFT");
    assert_eq!(deployment["traffic_shifted_percent"], 0.0);
    assert_eq!(deployment["started_at"], "2023-11-14T22:15:00Z");
    assert_eq!(
        web["pending_actions"],
        json!([{
            "hook_id": "hook-approve", "stage": "POST_TEST_TRAFFIC_SHIFT",
            "expires_at": "2023-11-15T22:15:00Z", "timeout_action": "ROLLBACK",
            "continue_command": "ecs-ship continue --cluster prod --service web",
        }])
    );
    let asked = requests(&server, ECS, "DescribeServiceDeployments").await;
    assert_eq!(asked, [json!({"serviceDeploymentArns": [NEW_SD]})]);
    assert_read_only(&server).await;

    // The human table says the same, with the command to copy.
    let human = status(&server).args(["--service", "web"]).run().await;
    human.status(0).stdout_has(
        "  waiting     hook hook-approve at POST_TEST_TRAFFIC_SHIFT (until 2023-11-15T22:15:00Z, then ROLLBACK): ecs-ship continue --cluster prod --service web",
    );
}

#[tokio::test]
async fn an_express_services_rollout_shows_its_service_deployment_and_stage() {
    let server = server().await;
    let express = with(
        deploying("CANARY"),
        json!({"resourceManagementType": "ECS"}),
    );
    mount(&server, ecs("DescribeServices"), services(vec![express])).await;
    let baking = service_deployment(NEW_SD, "IN_PROGRESS", "BAKE_TIME", 100.0);
    let answer = service_deployments(vec![baking]);
    mount(&server, ecs("DescribeServiceDeployments"), answer).await;

    let output = status(&server)
        .args(["--service", "web", "--output", "json"])
        .run()
        .await;
    output.status(0);
    let web = &output.json()["services"][0];
    assert_eq!(web["strategy"], "CANARY");
    let deployment = &web["deployment"];
    assert_eq!(deployment["service_deployment_arn"], NEW_SD);
    assert_eq!(deployment["status"], "IN_PROGRESS");
    assert_eq!(deployment["lifecycle_stage"], "BAKE_TIME");
    assert_eq!(deployment["traffic_shifted_percent"], 100.0);
    assert_read_only(&server).await;
}

/// Service `web` deployed by CodeDeploy: the PRIMARY task set on OLD_TD, the replacement one
/// (CodeDeploy's d-READY) on NEW_TD.
fn codedeploy_service() -> Value {
    let task_set = |id: &str, status: &str, td: &str, external: &str, created: f64| {
        json!({"id": id, "taskSetArn": format!("arn:aws:ecs:us-east-1:123456789012:task-set/prod/web/{id}"),
            "serviceArn": service_arn("web"), "status": status, "taskDefinition": td,
            "externalId": external, "startedBy": "CodeDeploy", "computedDesiredCount": 2,
            "runningCount": 2, "pendingCount": 0, "createdAt": created, "stabilityStatus": "STEADY_STATE",
            "scale": {"value": 100.0, "unit": "PERCENT"}})
    };
    with(
        service("web", OLD_TD, vec![], vec![]),
        json!({
            "deploymentController": {"type": "CODE_DEPLOY"},
            "taskSets": [
                task_set("ecs-svc/old", "PRIMARY", OLD_TD, "d-OLD", 1_699_000_000.0),
                task_set("ecs-svc/new", "ACTIVE", NEW_TD, "d-READY", 1_700_000_100.0),
            ],
        }),
    )
}

#[tokio::test]
async fn a_codedeploy_deployment_ready_to_reroute_traffic_shows_the_continue_command() {
    let server = server().await;
    mount(
        &server,
        ecs("DescribeServices"),
        services(vec![codedeploy_service()]),
    )
    .await;
    let answers = Deployments::new(vec![("d-READY", vec![deployment_info("d-READY", "Ready")])]);
    mount(&server, codedeploy("GetDeployment"), answers).await;

    let output = status(&server)
        .args(["--service", "web", "--output", "json"])
        .run()
        .await;
    output.status(0);
    let web = &output.json()["services"][0];
    assert_eq!(web["deployment_controller"], "CODE_DEPLOY");
    assert_eq!(web["deployment"]["id"], "d-READY");
    assert_eq!(web["deployment"]["status"], "Ready");
    assert_eq!(web["deployment"]["task_definition"], NEW_TD);
    assert_eq!(web["pending_actions"][0]["hook_id"], Value::Null);
    assert_eq!(
        web["pending_actions"][0]["continue_command"],
        "ecs-ship continue --cluster prod --service web"
    );
    assert_eq!(
        count(&server, crate::support::aws::CODEDEPLOY, "GetDeployment").await,
        1
    );
    assert_read_only(&server).await;
}

#[tokio::test]
async fn a_scalable_target_shows_its_bounds_and_what_is_suspended() {
    let server = MockServer::start().await;
    mount(
        &server,
        ecs("DescribeTaskDefinition"),
        definitions_by_name(),
    )
    .await;
    let list = vec![
        settled("web", OLD_TD, "ecs-svc/1", vec![]),
        settled("worker", &td("worker", 3), "ecs-svc/9", vec![]),
    ];
    mount(&server, ecs("DescribeServices"), services(list)).await;
    let answer = targets(vec![scalable_target(
        "web",
        2,
        10,
        suspended(true, false, true),
    )]);
    mount(&server, autoscaling("DescribeScalableTargets"), answer).await;

    let output = status(&server)
        .args(["--service", "web,worker", "--output", "json"])
        .run()
        .await;
    output.status(0);
    let document = output.json();
    assert_eq!(
        document["services"][0]["auto_scaling"],
        json!({"state": "registered", "min": 2, "max": 10,
            "suspended": {"dynamic_scale_in": true, "dynamic_scale_out": false, "scheduled": true}})
    );
    assert_eq!(
        document["services"][1]["auto_scaling"],
        json!({"state": "none"})
    );
    // One call for both services, in the ecs namespace and dimension.
    let asked = requests(&server, AUTOSCALING, "DescribeScalableTargets").await;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0]["ServiceNamespace"], "ecs");
    assert_eq!(asked[0]["ScalableDimension"], "ecs:service:DesiredCount");
    assert_eq!(
        asked[0]["ResourceIds"],
        json!(["service/prod/web", "service/prod/worker"])
    );

    let human = status(&server).args(["--service", "web"]).run().await;
    human.status(0).stdout_has(
        "  scaling     min 2 · max 10 · suspended: dynamic scale-in, scheduled scaling",
    );
}

#[tokio::test]
async fn auto_scaling_that_may_not_be_read_is_unknown_and_status_still_succeeds() {
    let server = MockServer::start().await;
    mount(
        &server,
        ecs("DescribeTaskDefinition"),
        definitions_by_name(),
    )
    .await;
    let web = settled("web", OLD_TD, "ecs-svc/1", vec![]);
    mount(&server, ecs("DescribeServices"), services(vec![web])).await;
    let denied = aws_error(
        400,
        "AccessDeniedException",
        "User is not authorized to perform: application-autoscaling:DescribeScalableTargets",
    );
    mount(&server, autoscaling("DescribeScalableTargets"), denied).await;

    let output = status(&server)
        .args(["--service", "web", "--output", "json"])
        .run()
        .await;
    output.status(0);
    assert_eq!(
        output.json()["services"][0]["auto_scaling"],
        json!({"state": "unknown", "reason": "access denied"})
    );
    let human = status(&server).args(["--service", "web"]).run().await;
    human
        .status(0)
        .stdout_has("  scaling     unknown (access denied)");
}

/// DescribeServices answering every service asked for, settled on `family:1` of its own
/// family, or deploying when its name starts with `busy`.
fn services_by_name(shared_revisions: bool) -> impl Respond {
    move |request: &Request| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let list: Vec<Value> = body["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|name| {
                let name = name.as_str().unwrap();
                let family = if shared_revisions { "shared" } else { name };
                let revision = td(family, 1 + u32::from(name.len() % 2 == 0));
                let mut service = settled(name, &revision, "ecs-svc/1", vec![]);
                if name.starts_with("busy") {
                    service["deployments"] = json!([
                        deployment("ecs-svc/2", "PRIMARY", &revision, 1, 2, "IN_PROGRESS"),
                        deployment("ecs-svc/1", "ACTIVE", &td(family, 9), 1, 2, "COMPLETED"),
                    ]);
                    service["currentServiceDeployment"] = json!(format!(
                        "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/{name}/sd"
                    ));
                }
                service
            })
            .collect();
        services(list)
    }
}

/// ListServices: `names` in pages of `per_page`, linked by `nextToken` (`p1`, `p2`, …).
fn list_pages(names: Vec<String>, per_page: usize) -> impl Respond {
    move |request: &Request| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let page: usize = body["nextToken"]
            .as_str()
            .map_or(0, |t| t.trim_start_matches('p').parse().unwrap());
        let arns: Vec<String> = names
            .iter()
            .skip(page * per_page)
            .take(per_page)
            .map(|n| service_arn(n))
            .collect();
        let mut answer = json!({ "serviceArns": arns });
        if (page + 1) * per_page < names.len() {
            answer["nextToken"] = json!(format!("p{}", page + 1));
        }
        ok(answer)
    }
}

#[tokio::test]
async fn all_reads_every_page_of_list_services() {
    let server = server().await;
    let names: Vec<String> = (1..=12).map(|i| format!("svc{i:02}")).collect();
    mount(&server, ecs("ListServices"), list_pages(names, 5)).await;
    mount(&server, ecs("DescribeServices"), services_by_name(false)).await;

    let output = status(&server)
        .args(["--all", "--output", "json"])
        .run()
        .await;
    output.status(0);
    let listed: Vec<Value> = output.json()["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"].clone())
        .collect();
    let expected: Vec<Value> = (1..=12).map(|i| json!(format!("svc{i:02}"))).collect();
    assert_eq!(listed, expected);
    let pages = requests(&server, ECS, "ListServices").await;
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0]["cluster"], "prod");
    assert_eq!(pages[2]["nextToken"], "p2");
    // 10 services a DescribeServices call.
    assert_eq!(count(&server, ECS, "DescribeServices").await, 2);
    assert_read_only(&server).await;
}

#[tokio::test]
async fn calls_per_service_do_not_grow_with_the_number_of_services() {
    let server = server().await;
    let mut names: Vec<String> = (1..=47).map(|i| format!("svc{i:02}")).collect();
    names.extend(["busy1", "busy22", "busy333"].map(String::from));
    mount(&server, ecs("ListServices"), list_pages(names, 100)).await;
    mount(&server, ecs("DescribeServices"), services_by_name(true)).await;
    let arn = |name: &str| {
        format!("arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/{name}/sd")
    };
    let answer = service_deployments(vec![]);
    mount(&server, ecs("DescribeServiceDeployments"), answer).await;

    let output = status(&server)
        .args(["--all", "--output", "json"])
        .run()
        .await;
    output.status(0);
    let document = output.json();
    assert_eq!(document["services"].as_array().unwrap().len(), 50);
    let calls = |action: &'static str| {
        let server = &server;
        async move { count(server, ECS, action).await }
    };
    assert_eq!(calls("ListServices").await, 1);
    assert_eq!(calls("DescribeServices").await, 5);
    // Two distinct revisions (shared:1, shared:2) for 50 services.
    assert_eq!(calls("DescribeTaskDefinition").await, 2);
    let asked = requests(&server, ECS, "DescribeServiceDeployments").await;
    assert_eq!(asked.len(), 1, "only the 3 services deploying, in one call");
    let mut arns: Vec<Value> = asked[0]["serviceDeploymentArns"]
        .as_array()
        .unwrap()
        .clone();
    arns.sort_by_key(|a| a.to_string());
    assert_eq!(arns, ["busy1", "busy22", "busy333"].map(|n| json!(arn(n))));
    assert_eq!(
        count(&server, AUTOSCALING, "DescribeScalableTargets").await,
        1
    );
    assert_eq!(document["api_calls"], 10);
    assert_read_only(&server).await;
}

#[tokio::test]
async fn a_missing_service_exits_1_and_names_it() {
    let server = server().await;
    mount(
        &server,
        ecs("DescribeServices"),
        missing_service("prod", "ghost"),
    )
    .await;
    let output = status(&server)
        .args(["--service", "ghost", "--output", "json"])
        .run()
        .await;
    output
        .status(1)
        .stderr_has("service `ghost` not found in cluster `prod`");
    let document = output.json();
    assert_eq!(document["result"], "error");
    assert_eq!(count(&server, ECS, "DescribeTaskDefinition").await, 0);
}

#[tokio::test]
async fn status_without_a_service_or_all_is_a_usage_error_before_any_call() {
    let server = server().await;
    let output = status(&server).run().await;
    output.status(2).stderr_has("status needs --service NAME");
    assert!(call_order(&server).await.is_empty());
}

#[tokio::test]
async fn moto_a_registered_scalable_target_shows_up_in_status() {
    let moto = Moto::start();
    moto.ecs("CreateCluster", json!({"clusterName": "prod"}))
        .await;
    moto.ecs(
        "RegisterTaskDefinition",
        json!({"family": "web", "containerDefinitions": [
            {"name": "app", "image": "nginx:1", "memory": 256, "essential": true}]}),
    )
    .await;
    for name in ["web", "worker"] {
        moto.ecs(
            "CreateService",
            json!({"cluster": "prod", "serviceName": name, "taskDefinition": "web:1", "desiredCount": 2}),
        )
        .await;
    }
    moto.call(
        AUTOSCALING,
        "RegisterScalableTarget",
        json!({"ServiceNamespace": "ecs", "ResourceId": "service/prod/web",
            "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 2, "MaxCapacity": 6,
            "SuspendedState": {"DynamicScalingInSuspended": true}}),
    )
    .await;

    let output = Test::new()
        .endpoint(&moto.url)
        .args(["status", "--cluster", "prod", "--all", "--output", "json"])
        .run()
        .await;
    output.status(0);
    let document = output.json();
    let by_name = |name: &str| {
        document["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["service"] == name)
            .unwrap_or_else(|| panic!("{name} listed: {document:#}"))
            .clone()
    };
    let web = by_name("web");
    assert_eq!(web["revision"], "web:1");
    assert_eq!(web["desired_count"], 2);
    assert_eq!(
        web["images"],
        json!([{"container": "app", "image": "nginx:1"}])
    );
    assert_eq!(
        web["auto_scaling"],
        json!({"state": "registered", "min": 2, "max": 6,
            "suspended": {"dynamic_scale_in": true, "dynamic_scale_out": false, "scheduled": false}})
    );
    assert_eq!(by_name("worker")["auto_scaling"], json!({"state": "none"}));
}
