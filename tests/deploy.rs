//! `deploy` against scripted ECS / ECR answers (wiremock): it rolls, waits for *its*
//! deployment, sees failures at the first poll that shows them, and changes nothing on bad input.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{json, Value};
use wiremock::matchers::body_partial_json;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::support::aws::{
    count, ecr, ecs, missing_image_tag, missing_service, mount, ok, requests, sequence, throttled,
    unknown_task_definition, ECR, ECS,
};
use crate::support::ecs::{
    app_v2_in_ecr, deployment, event, in_prod, register_8, service, services, settled, ACCOUNT,
    CIRCUIT_BREAKER, DIGEST, NEW_TD, OLD_TD, PROD_WEB, REPO,
};
use crate::support::{github_outputs, Test};

/// The live revision: every kind of field a real one has, read-only ones included.
fn rich_definition() -> Value {
    json!({
        "taskDefinitionArn": OLD_TD,
        "family": "web", "revision": 7, "status": "ACTIVE",
        "registeredAt": 1700000000.123, "registeredBy": "arn:aws:iam::123456789012:user/ci",
        "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.ecr-auth"}],
        "compatibilities": ["EC2", "FARGATE"],
        "taskRoleArn": "arn:aws:iam::123456789012:role/web-task",
        "executionRoleArn": "arn:aws:iam::123456789012:role/web-exec",
        "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "512", "memory": "1024",
        "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
        "ephemeralStorage": {"sizeInGiB": 40},
        "proxyConfiguration": {"type": "APPMESH", "containerName": "envoy",
            "properties": [{"name": "AppPorts", "value": "8080"}, {"name": "ProxyIngressPort", "value": "15000"}]},
        "volumes": [{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678", "transitEncryption": "ENABLED"}}],
        "placementConstraints": [],
        "someFieldEcsAddsNextYear": {"nested": [1, 2.5, "three", null, true]},
        "containerDefinitions": [
            {"name": "app", "image": format!("{REPO}:v1"), "essential": true, "cpu": 0,
             "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}],
             "environment": [{"name": "RAILS_ENV", "value": "production"}],
             "secrets": [{"name": "DATABASE_URL", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/web/db"}],
             "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": false}],
             "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/up || exit 1"], "interval": 30, "retries": 3},
             "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}}},
            {"name": "envoy", "image": "840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.27.0.0-prod", "essential": true,
             "user": "1337", "ulimits": [{"name": "nofile", "softLimit": 15000, "hardLimit": 15000}]}
        ]
    })
}

const TAGS: &str =
    r#"[{"key": "team", "value": "payments"}, {"key": "cost-center", "value": "42"}]"#;

/// DescribeTaskDefinition: the live revision by ARN, `latest` for the bare family.
struct Definitions {
    latest: Value,
}

impl Respond for Definitions {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let tags: Value = serde_json::from_str(TAGS).unwrap();
        match body["taskDefinition"].as_str() {
            Some("web") => ok(json!({ "taskDefinition": self.latest, "tags": tags })),
            Some(OLD_TD) | Some("web:7") => {
                ok(json!({ "taskDefinition": rich_definition(), "tags": tags }))
            }
            _ => unknown_task_definition(),
        }
    }
}

fn steady_old() -> Value {
    settled(
        "web",
        OLD_TD,
        "ecs-svc/old",
        vec![event("e1", "(service web) has reached a steady state.")],
    )
}

fn rolling(new: Value, old_running: i64, events: Vec<Value>) -> Value {
    service(
        "web",
        NEW_TD,
        vec![
            new,
            deployment("ecs-svc/old", "ACTIVE", OLD_TD, old_running, 2, "COMPLETED"),
        ],
        events,
    )
}

fn updated() -> ResponseTemplate {
    ok(
        json!({ "service": rolling(deployment("ecs-svc/new", "PRIMARY", NEW_TD, 0, 2, "IN_PROGRESS"), 2, vec![]) }),
    )
}

/// A poll mid-rollout: the new deployment runs 1 of its 2 tasks, the old one the other.
fn half_rolled() -> ResponseTemplate {
    services(vec![rolling(
        deployment("ecs-svc/new", "PRIMARY", NEW_TD, 1, 2, "IN_PROGRESS"),
        1,
        vec![],
    )])
}

/// A poll after a rollback: deployment ecs-svc/back of web:7 has completed.
fn rolled_back(events: Vec<Value>) -> ResponseTemplate {
    services(vec![settled("web", OLD_TD, "ecs-svc/back", events)])
}

/// Cluster `prod` with service `web` on web:7 (`rich_definition`, also the family's latest) and
/// image app:v2 in ECR. DescribeServices shows `web` steady, then the `polls`; registering answers
/// web:8; UpdateService starts deployment ecs-svc/new. A scenario changes one answer at a time.
struct Cluster {
    describe_services: Box<dyn Respond>,
    latest: Value,
    update_service: Box<dyn Respond>,
    describe_images: ResponseTemplate,
}

impl Cluster {
    fn new(polls: Vec<ResponseTemplate>) -> Self {
        let mut answers = vec![services(vec![steady_old()])];
        answers.extend(polls);
        Cluster {
            describe_services: Box::new(sequence(answers)),
            latest: rich_definition(),
            update_service: Box::new(updated()),
            describe_images: app_v2_in_ecr(),
        }
    }

    fn describe_services(mut self, answer: impl Respond + 'static) -> Self {
        self.describe_services = Box::new(answer);
        self
    }

    /// The family's latest revision, which a registration of the same content reuses.
    fn latest(mut self, latest: Value) -> Self {
        self.latest = latest;
        self
    }

    fn update_service(mut self, answer: impl Respond + 'static) -> Self {
        self.update_service = Box::new(answer);
        self
    }

    /// UpdateService starts ecs-svc/new, then answers the rollback's update with `answer`.
    fn rolls_back_with(self, answer: ResponseTemplate) -> Self {
        self.update_service(sequence([updated(), answer]))
    }

    fn describe_images(mut self, answer: ResponseTemplate) -> Self {
        self.describe_images = answer;
        self
    }

    async fn start(self) -> MockServer {
        let server = MockServer::start().await;
        let Cluster {
            describe_services,
            latest,
            update_service,
            describe_images,
        } = self;
        let describe_services = move |r: &Request| describe_services.respond(r);
        mount(&server, ecs("DescribeServices"), describe_services).await;
        mount(
            &server,
            ecs("DescribeTaskDefinition"),
            Definitions { latest },
        )
        .await;
        mount(&server, ecs("RegisterTaskDefinition"), register_8()).await;
        let update_service = move |r: &Request| update_service.respond(r);
        mount(&server, ecs("UpdateService"), update_service).await;
        mount(&server, ecr("DescribeImages"), describe_images).await;
        server
    }
}

/// The usual cluster; `polls` are the DescribeServices answers after the update.
async fn scenario(polls: Vec<ResponseTemplate>) -> MockServer {
    Cluster::new(polls).start().await
}

fn completed(events: Vec<Value>) -> ResponseTemplate {
    services(vec![settled("web", NEW_TD, "ecs-svc/new", events)])
}

/// `deploy` of service `web` in cluster `prod` against `endpoint`, polling every `poll_interval`.
fn deploy_web(endpoint: &str, poll_interval: &str) -> Test {
    Test::new()
        .endpoint(endpoint)
        .arg("deploy")
        .args(PROD_WEB)
        .args(["--poll-interval", poll_interval])
}

fn deploy(server: &MockServer) -> Test {
    in_prod(server, "deploy", "web")
}

/// `deploy` of image app:v2 from ECR into container `app`.
fn deploy_app_v2(server: &MockServer) -> Test {
    deploy(server).args(["--image", &format!("app={REPO}:v2")])
}

/// The first RegisterTaskDefinition request.
async fn registered(server: &MockServer) -> Value {
    requests(server, ECS, "RegisterTaskDefinition")
        .await
        .swap_remove(0)
}

/// Nothing changed in AWS: no revision registered, no service updated (`case` names the run).
async fn assert_changed_nothing(server: &MockServer, case: &str) {
    assert_eq!(
        count(server, ECS, "RegisterTaskDefinition").await,
        0,
        "{case}"
    );
    assert_eq!(count(server, ECS, "UpdateService").await, 0, "{case}");
}

#[tokio::test]
async fn success_pins_the_image_rolls_and_waits_for_this_deployment() {
    let server = scenario(vec![
        services(vec![rolling(
            deployment("ecs-svc/new", "PRIMARY", NEW_TD, 1, 2, "IN_PROGRESS"),
            1,
            vec![
                event(
                    "e2",
                    "(service web) has started 2 tasks: (task a) (task b).",
                ),
                event("e1", "(service web) has reached a steady state."),
            ],
        )]),
        completed(vec![
            event("e3", "(service web) has reached a steady state again."),
            event(
                "e2",
                "(service web) has started 2 tasks: (task a) (task b).",
            ),
            event("e1", "(service web) has reached a steady state."),
        ]),
    ])
    .await;
    let output = deploy_app_v2(&server).run().await;
    output
        .status(0)
        .stdout_has(NEW_TD)
        .stderr_has("pinned")
        .stderr_has("completed");
    assert_eq!(
        output.stdout.trim(),
        NEW_TD,
        "stdout is the deployed task definition only"
    );
    assert_eq!(
        output.stderr.matches("has started 2 tasks").count(),
        1,
        "each event once:\n{}",
        output.stderr
    );
    assert!(output.stderr.contains("steady state again"));
    assert!(
        !output.stderr.contains("has reached a steady state.\n"),
        "old events are not replayed:\n{}",
        output.stderr
    );
    let started = output.stderr.find("has started 2 tasks").unwrap();
    let again = output.stderr.find("steady state again").unwrap();
    assert!(started < again, "events print oldest first");

    let registered = &registered(&server).await;
    assert_eq!(
        registered["containerDefinitions"][0]["image"],
        format!("{REPO}@{DIGEST}")
    );
    let images = &requests(&server, ECR, "DescribeImages").await[0];
    assert_eq!(
        images,
        &json!({"repositoryName": "app", "imageIds": [{"imageTag": "v2"}], "registryId": ACCOUNT})
    );
    let update = &requests(&server, ECS, "UpdateService").await[0];
    assert_eq!(
        update,
        &json!({"cluster": "prod", "service": "web", "taskDefinition": NEW_TD})
    );
}

#[tokio::test]
async fn json_output_reports_each_service() {
    let server = scenario(vec![completed(vec![])]).await;
    let output = deploy_app_v2(&server)
        .args(["--output", "json"])
        .run()
        .await;
    let json = output.status(0).json();
    assert_eq!(json["command"], "deploy");
    assert_eq!(json["result"], "succeeded");
    assert_eq!(json["exit_code"], 0);
    assert_eq!(json["task_definition"], NEW_TD);
    let web = &json["services"][0];
    assert_eq!(web["service"], "web");
    assert_eq!(web["deployment_id"], "ecs-svc/new");
    assert_eq!(web["rollout_state"], "COMPLETED");
    assert_eq!(web["result"], "succeeded");
    assert_eq!(web["previous_task_definition"], OLD_TD);
    assert_eq!(web["rolled_back_to"], Value::Null);
    assert!(json["duration_seconds"].is_number());
}

#[tokio::test]
async fn circuit_breaker_failure_exits_3_at_the_first_poll() {
    let mut failed = deployment("ecs-svc/new", "PRIMARY", NEW_TD, 0, 2, "FAILED");
    failed["rolloutStateReason"] = json!(CIRCUIT_BREAKER);
    let server = scenario(vec![services(vec![rolling(failed, 2, vec![])])]).await;
    let output = deploy_app_v2(&server).run().await;
    output
        .status(3)
        .stderr_has("deployment failed: ECS deployment circuit breaker: tasks failed to start.");
    assert_eq!(
        count(&server, ECS, "DescribeServices").await,
        2,
        "one describe before, one poll"
    );
}

#[tokio::test]
async fn a_deployment_replaced_by_a_rollback_exits_3() {
    let server = scenario(vec![services(vec![service(
        "web",
        OLD_TD,
        vec![
            deployment("ecs-svc/rollback", "PRIMARY", OLD_TD, 1, 2, "IN_PROGRESS"),
            deployment("ecs-svc/new", "ACTIVE", NEW_TD, 0, 0, "IN_PROGRESS"),
        ],
        vec![],
    )])])
    .await;
    let output = deploy_app_v2(&server).run().await;
    output
        .status(3)
        .stderr_has("replaced by deployment ecs-svc/rollback of web:7");
    assert_eq!(count(&server, ECS, "DescribeServices").await, 2);
}

#[tokio::test]
async fn stopped_tasks_of_the_new_revision_fail_with_their_reason() {
    let mut failing = deployment("ecs-svc/new", "PRIMARY", NEW_TD, 0, 2, "IN_PROGRESS");
    failing["failedTasks"] = json!(1);
    let server = scenario(vec![services(vec![rolling(failing, 2, vec![])])]).await;
    ecs("ListTasks")
        .respond_with(ok(json!({ "taskArns": ["arn:aws:ecs:us-east-1:123456789012:task/prod/t1", "arn:aws:ecs:us-east-1:123456789012:task/prod/old"] })))
        .mount(&server)
        .await;
    ecs("DescribeTasks")
        .respond_with(ok(json!({ "tasks": [
            {"taskArn": "arn:aws:ecs:us-east-1:123456789012:task/prod/t1", "taskDefinitionArn": NEW_TD, "lastStatus": "STOPPED",
             "stopCode": "TaskFailedToStart", "createdAt": 1700000200.0,
             "stoppedReason": "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
             "containers": [{"name": "app", "lastStatus": "STOPPED", "reason": "CannotPullContainerError: ref not found"}]},
            {"taskArn": "arn:aws:ecs:us-east-1:123456789012:task/prod/old", "taskDefinitionArn": OLD_TD, "lastStatus": "STOPPED",
             "stopCode": "EssentialContainerExited", "createdAt": 1600000000.0, "stoppedReason": "an old failure that must not be blamed",
             "containers": []}
        ], "failures": [] })))
        .mount(&server)
        .await;
    let output = deploy_app_v2(&server).run().await;
    output
        .status(3)
        .stderr_has("1 task of web:8 stopped: CannotPullContainerError: pull image manifest has been retried 5 time(s) (app: CannotPullContainerError: ref not found)")
        .stderr_lacks("an old failure");
    let listed = &requests(&server, ECS, "ListTasks").await[0];
    assert_eq!(listed["serviceName"], "web");
    assert_eq!(listed["desiredStatus"], "STOPPED");
}

#[tokio::test]
async fn stopped_tasks_are_read_from_every_list_tasks_page() {
    let mut failing = deployment("ecs-svc/new", "PRIMARY", NEW_TD, 0, 2, "IN_PROGRESS");
    failing["failedTasks"] = json!(1);
    let server = scenario(vec![services(vec![rolling(failing, 2, vec![])])]).await;
    let first_page: Vec<String> = (0..100)
        .map(|i| format!("arn:aws:ecs:us-east-1:123456789012:task/prod/old{i}"))
        .collect();
    ecs("ListTasks")
        .and(body_partial_json(json!({ "nextToken": "page-2" })))
        .respond_with(ok(
            json!({ "taskArns": ["arn:aws:ecs:us-east-1:123456789012:task/prod/t1"] }),
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    mount(
        &server,
        ecs("ListTasks"),
        ok(json!({ "taskArns": first_page, "nextToken": "page-2" })),
    )
    .await;
    let t1 = json!({"taskArn": "arn:aws:ecs:us-east-1:123456789012:task/prod/t1", "taskDefinitionArn": NEW_TD,
        "lastStatus": "STOPPED", "stopCode": "EssentialContainerExited", "createdAt": 1700000200.0,
        "stoppedReason": "Essential container in task exited", "containers": [{"name": "app", "lastStatus": "STOPPED", "exitCode": 1}]});
    let describe = move |request: &Request| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let asked_for_t1 = body["tasks"].as_array().unwrap().contains(&t1["taskArn"]);
        let listed = if asked_for_t1 {
            vec![t1.clone()]
        } else {
            vec![]
        };
        ok(json!({ "tasks": listed, "failures": [] }))
    };
    mount(&server, ecs("DescribeTasks"), describe).await;
    deploy_app_v2(&server)
        .run()
        .await
        .status(3)
        .stderr_has("1 task of web:8 stopped: Essential container in task exited");
    let listed = requests(&server, ECS, "ListTasks").await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[1]["nextToken"], "page-2");
    let described: usize = requests(&server, ECS, "DescribeTasks")
        .await
        .iter()
        .map(|d| d["tasks"].as_array().unwrap().len())
        .sum();
    assert_eq!(described, 101, "both pages' tasks are looked at");
}

/// Stopped tasks are listed when ECS counts a new failed task, not again on every poll.
#[tokio::test]
async fn stopped_tasks_are_listed_once_per_new_failure_not_every_poll() {
    let mut stopping = deployment("ecs-svc/new", "PRIMARY", NEW_TD, 1, 2, "IN_PROGRESS");
    stopping["failedTasks"] = json!(1);
    let server = scenario(vec![services(vec![rolling(stopping, 2, vec![])])]).await;
    mount(
        &server,
        ecs("ListTasks"),
        ok(json!({ "taskArns": ["arn:aws:ecs:us-east-1:123456789012:task/prod/t1"] })),
    )
    .await;
    let user_stop = json!({ "tasks": [
        {"taskArn": "arn:aws:ecs:us-east-1:123456789012:task/prod/t1", "taskDefinitionArn": NEW_TD, "lastStatus": "STOPPED",
         "stopCode": "UserInitiated", "createdAt": 1700000200.0, "stoppedReason": "Task stopped by user", "containers": []}
    ], "failures": [] });
    mount(&server, ecs("DescribeTasks"), ok(user_stop)).await;
    deploy_app_v2(&server)
        .args(["--max-poll-attempts", "4"])
        .run()
        .await
        .status(124);
    assert_eq!(count(&server, ECS, "DescribeServices").await, 1 + 4);
    assert_eq!(
        count(&server, ECS, "ListTasks").await,
        1,
        "listed again without a new failure"
    );
}

#[tokio::test]
async fn a_stuck_deployment_times_out_with_124_after_max_poll_attempts() {
    let server = scenario(vec![half_rolled()]).await;
    let output = deploy_app_v2(&server)
        .args(["--max-poll-attempts", "3"])
        .run()
        .await;
    output
        .status(124)
        .stderr_has("timed out")
        .stderr_has("1/2 running");
    assert_eq!(count(&server, ECS, "DescribeServices").await, 1 + 3);
}

#[tokio::test]
async fn timeout_flag_bounds_the_wait_too() {
    let server = scenario(vec![half_rolled()]).await;
    let output = deploy_app_v2(&server)
        .args(["--timeout", "1s", "--output", "json"])
        .run()
        .await;
    let json = output.status(124).json();
    assert_eq!(json["result"], "timed_out");
    assert_eq!(json["services"][0]["result"], "timed_out");
}

#[tokio::test]
async fn rollback_on_failure_returns_to_the_previous_revision_and_still_exits_3() {
    let mut failed = deployment("ecs-svc/new", "PRIMARY", NEW_TD, 0, 2, "FAILED");
    failed["rolloutStateReason"] = json!(CIRCUIT_BREAKER);
    let server = Cluster::new(vec![
        services(vec![rolling(failed, 2, vec![])]),
        rolled_back(vec![event(
            "e9",
            "(service web) rolled back and reached a steady state.",
        )]),
    ])
    .rolls_back_with(ok(json!({ "service": service("web", OLD_TD, vec![
        deployment("ecs-svc/back", "PRIMARY", OLD_TD, 0, 2, "IN_PROGRESS"),
        deployment("ecs-svc/new", "ACTIVE", NEW_TD, 0, 2, "FAILED")], vec![]) })))
    .start()
    .await;
    let output = deploy_app_v2(&server)
        .args([
            "--no-pin-digest",
            "--rollback-on-failure",
            "--output",
            "json",
        ])
        .run()
        .await;
    let json = output.status(3).json();
    assert!(
        output.stderr.contains("rolling back to web:7"),
        "{}",
        output.stderr
    );
    assert!(
        output
            .stderr
            .contains("rolled back and reached a steady state"),
        "{}",
        output.stderr
    );
    assert_eq!(json["services"][0]["result"], "failed");
    assert_eq!(json["services"][0]["rolled_back_to"], OLD_TD);
    assert_eq!(json["services"][0]["rollback_result"], "succeeded");
    assert!(
        json["reason"]
            .as_str()
            .unwrap()
            .contains("rolled back to web:7"),
        "{json}"
    );
    let updates = requests(&server, ECS, "UpdateService").await;
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[1]["taskDefinition"], OLD_TD);
}

#[tokio::test]
async fn rollback_on_timeout_keeps_exit_124() {
    let server = Cluster::new(vec![half_rolled(), half_rolled(), rolled_back(vec![])])
        .rolls_back_with(ok(json!({ "service": service("web", OLD_TD, vec![deployment("ecs-svc/back", "PRIMARY", OLD_TD, 0, 2, "IN_PROGRESS")], vec![]) })))
        .start()
        .await;
    let output = deploy(&server)
        .args(["--image", "app=nginx:2"])
        .args(["--max-poll-attempts", "2", "--rollback-on-failure"])
        .args(["--output", "json"])
        .run()
        .await;
    let json = output.status(124).json();
    assert_eq!(json["services"][0]["result"], "timed_out");
    assert_eq!(json["services"][0]["rollback_result"], "succeeded");
}

#[tokio::test]
async fn a_missing_tag_fails_fast_naming_repository_and_tag_and_changes_nothing() {
    let server = Cluster::new(vec![])
        .describe_images(missing_image_tag("app", "v404"))
        .start()
        .await;
    let output = deploy(&server)
        .args(["--image", &format!("app={REPO}:v404")])
        .run()
        .await;
    output
        .status(1)
        .stderr_has("image tag `v404` not found in ECR repository `app`");
    assert_changed_nothing(&server, "missing tag").await;
}

#[tokio::test]
async fn every_field_of_a_rich_definition_survives_but_the_changed_image() {
    let server = scenario(vec![completed(vec![])]).await;
    deploy_app_v2(&server).run().await.status(0);
    let registered = &registered(&server).await;
    let mut expected = rich_definition();
    let read_only = [
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
    ];
    expected
        .as_object_mut()
        .unwrap()
        .retain(|key, _| !read_only.contains(&key.as_str()));
    expected["containerDefinitions"][0]["image"] = json!(format!("{REPO}@{DIGEST}"));
    expected["tags"] = serde_json::from_str(TAGS).unwrap();
    assert_eq!(registered, &expected);
    // Byte for byte: same fields in the same order with the same numbers.
    assert_eq!(registered.to_string(), expected.to_string());
}

#[tokio::test]
async fn an_identical_latest_revision_is_reused_not_registered() {
    let mut latest = rich_definition();
    latest["taskDefinitionArn"] = json!(NEW_TD);
    latest["revision"] = json!(8);
    latest["containerDefinitions"][0]["image"] = json!(format!("{REPO}@{DIGEST}"));
    let server = Cluster::new(vec![completed(vec![])])
        .latest(latest)
        .describe_images(ok(json!({ "imageDetails": [{ "imageDigest": DIGEST }] })))
        .start()
        .await;
    let output = deploy_app_v2(&server).run().await;
    output.status(0).stderr_has("reusing it").stdout_has(NEW_TD);
    assert_eq!(count(&server, ECS, "RegisterTaskDefinition").await, 0);
    assert_eq!(
        requests(&server, ECS, "UpdateService").await[0]["taskDefinition"],
        NEW_TD
    );
}

/// Twelve services, each at its own stage: DescribeServices answers for exactly the ones asked.
struct Fleet {
    polls: Mutex<HashMap<String, usize>>,
    failing: &'static str,
}

impl Respond for Fleet {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let mut polls = self.polls.lock().unwrap();
        let list = body["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|name| {
                let name = name
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string();
                let seen = polls.entry(name.clone()).or_insert(0);
                *seen += 1;
                let id = format!("ecs-svc/{name}-new");
                let mut s = match *seen {
                    1 => settled(&name, OLD_TD, "ecs-svc/old", vec![]),
                    2 if name == self.failing => service(
                        &name,
                        NEW_TD,
                        vec![deployment(&id, "PRIMARY", NEW_TD, 0, 2, "FAILED")],
                        vec![],
                    ),
                    2 => service(
                        &name,
                        NEW_TD,
                        vec![
                            deployment(&id, "PRIMARY", NEW_TD, 1, 2, "IN_PROGRESS"),
                            deployment("ecs-svc/old", "ACTIVE", OLD_TD, 1, 2, "COMPLETED"),
                        ],
                        vec![],
                    ),
                    _ => settled(&name, NEW_TD, &id, vec![]),
                };
                s["serviceName"] = json!(name);
                s
            })
            .collect();
        services(list)
    }
}

struct FleetUpdate;

impl Respond for FleetUpdate {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let name = body["service"].as_str().unwrap();
        let id = format!("ecs-svc/{name}-new");
        ok(json!({ "service": service(name, NEW_TD, vec![
            deployment(&id, "PRIMARY", NEW_TD, 0, 2, "IN_PROGRESS"),
            deployment("ecs-svc/old", "ACTIVE", OLD_TD, 2, 2, "COMPLETED")], vec![]) }))
    }
}

#[tokio::test]
async fn many_services_roll_in_parallel_with_batched_polling_and_their_own_verdicts() {
    let server = Cluster::new(vec![])
        .describe_services(Fleet {
            polls: Mutex::new(HashMap::new()),
            failing: "svc-03",
        })
        .update_service(FleetUpdate)
        .start()
        .await;
    let names: Vec<String> = (1..=12).map(|i| format!("svc-{i:02}")).collect();
    let output = in_prod(&server, "deploy", &names.join(","))
        .args(["--image", "app=nginx:2", "--output", "json"])
        .run()
        .await;
    let json = output.status(3).json();
    let results: Vec<(&str, &str)> = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["service"].as_str().unwrap(),
                s["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(results.len(), 12);
    for (name, result) in &results {
        assert_eq!(
            *result,
            if *name == "svc-03" {
                "failed"
            } else {
                "succeeded"
            },
            "{name}"
        );
    }
    assert!(
        json["reason"]
            .as_str()
            .unwrap()
            .starts_with("deployment failed: svc-03: "),
        "{json}"
    );
    // One registration for the shared revision, one update per service.
    assert_eq!(count(&server, ECS, "RegisterTaskDefinition").await, 1);
    assert_eq!(count(&server, ECS, "UpdateService").await, 12);
    // ceil(12/10) = 2 DescribeServices per round: before the update, the poll that sees svc-03
    // fail (and 11 still rolling), and the poll that sees the 11 complete.
    let describes = requests(&server, ECS, "DescribeServices").await;
    assert!(describes
        .iter()
        .all(|d| d["services"].as_array().unwrap().len() <= 10));
    assert_eq!(describes.len(), 2 + 2 + 2, "{describes:?}");
}

#[tokio::test]
async fn throttling_mid_wait_does_not_end_the_wait() {
    let server = scenario(vec![
        half_rolled(),
        throttled(),
        throttled(),
        completed(vec![]),
    ])
    .await;
    let output = deploy_app_v2(&server).run().await;
    output.status(0).stderr_has("completed");
}

/// ECS's own throttling: a token bucket per action (`burst` requests, `per_second` more each
/// second); a request that finds it empty is throttled.
struct Throttling<R> {
    calm: R,
    bucket: Mutex<(f64, std::time::Instant)>,
    burst: f64,
    per_second: f64,
    throttled: std::sync::atomic::AtomicUsize,
}

impl<R> Throttling<R> {
    fn new(calm: R, burst: f64, per_second: f64) -> Self {
        Throttling {
            calm,
            bucket: Mutex::new((burst, std::time::Instant::now())),
            burst,
            per_second,
            throttled: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

impl<R: Respond> Respond for Throttling<R> {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut bucket = self.bucket.lock().unwrap();
        let (tokens, since) = *bucket;
        let tokens = (tokens + since.elapsed().as_secs_f64() * self.per_second).min(self.burst);
        if tokens < 1.0 {
            *bucket = (tokens, std::time::Instant::now());
            self.throttled
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            return throttled();
        }
        *bucket = (tokens - 1.0, std::time::Instant::now());
        drop(bucket);
        self.calm.respond(request)
    }
}

/// ECS throttles 25 UpdateService calls sent together; with standard retries alone some run out
/// of attempts and the deploy fails, adaptive rate limiting slows the client down instead.
#[tokio::test]
async fn a_throttling_storm_across_25_services_slows_the_deploy_but_never_ends_it() {
    let server = Cluster::new(vec![])
        .describe_services(Throttling::new(
            Fleet {
                polls: Mutex::new(HashMap::new()),
                failing: "none",
            },
            2.0,
            2.0,
        ))
        .update_service(Throttling::new(FleetUpdate, 5.0, 2.0))
        .start()
        .await;
    let names: Vec<String> = (1..=25).map(|i| format!("svc-{i:02}")).collect();
    let output = Test::new()
        .endpoint(&server.uri())
        .args(["deploy", "--cluster", "prod", "--service", &names.join(",")])
        .args(["--image", "app=nginx:2", "--poll-interval", "100ms"])
        .args(["--output", "json"])
        .run()
        .await;
    let json = output.status(0).json();
    let services = json["services"].as_array().unwrap();
    assert_eq!(services.len(), 25);
    assert!(
        services.iter().all(|s| s["result"] == "succeeded"),
        "{json}"
    );
    assert!(
        count(&server, ECS, "UpdateService").await > 25,
        "no UpdateService was throttled and retried"
    );
}

#[tokio::test]
async fn no_wait_returns_after_update_service() {
    let server = scenario(vec![]).await;
    let output = deploy_app_v2(&server)
        .args(["--no-wait", "--output", "json"])
        .run()
        .await;
    let json = output.status(0).json();
    assert_eq!(json["result"], "started");
    assert_eq!(json["services"][0]["deployment_id"], "ecs-svc/new");
    assert_eq!(count(&server, ECS, "DescribeServices").await, 1);
}

#[tokio::test]
async fn dry_run_shows_the_diff_and_changes_nothing() {
    let server = scenario(vec![]).await;
    let output = deploy_app_v2(&server)
        .args(["--set-env", "app:FEATURE_X=on", "--dry-run"])
        .run()
        .await;
    output
        .status(0)
        .stdout_has("would register a new revision of web")
        .stdout_has(&format!("-      \"image\": \"{REPO}:v1\""))
        .stdout_has(&format!("+      \"image\": \"{REPO}@{DIGEST}\""))
        .stdout_has("+          \"name\": \"FEATURE_X\"")
        .stdout_has("would call UpdateService");
    assert_changed_nothing(&server, "dry run").await;
}

#[tokio::test]
async fn dry_run_never_shows_secret_values() {
    let server = scenario(vec![]).await;
    let value_from = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-Xy12Ab";
    for format in ["human", "json"] {
        let output = deploy_app_v2(&server)
            .args([
                "--secret",
                &format!("app:DATABASE_URL={value_from}"),
                "--dry-run",
            ])
            .args(["--output", format, "-v"])
            .run()
            .await;
        output.status(0);
        assert!(
            !output.all().contains(value_from),
            "{format} output shows the --secret value:\n{}",
            output.all()
        );
        assert!(
            output.stdout.contains("DATABASE_URL")
                && output.stdout.contains("[redacted --secret value]"),
            "{}",
            output.stdout
        );
    }
    assert_changed_nothing(&server, "dry run").await;

    // A real deploy sends the value to ECS and shows it nowhere.
    let server = scenario(vec![completed(vec![])]).await;
    let output = deploy_app_v2(&server)
        .args([
            "--secret",
            &format!("app:DATABASE_URL={value_from}"),
            "--output",
            "json",
            "-v",
        ])
        .run()
        .await;
    output.status(0);
    assert!(!output.all().contains(value_from), "{}", output.all());
    assert!(registered(&server).await.to_string().contains(value_from));
}

#[tokio::test]
async fn container_image_name_updates_in_the_orb_format() {
    let server = scenario(vec![completed(vec![])]).await;
    deploy(&server)
        .args([
            "--container-image-name-updates",
            "container=app,tag=v2",
            "--no-pin-digest",
        ])
        .run()
        .await
        .status(0);
    let containers = &registered(&server).await["containerDefinitions"];
    assert_eq!(containers[0]["image"], format!("{REPO}:v2"));
    assert_eq!(
        containers[1]["image"],
        rich_definition()["containerDefinitions"][1]["image"]
    );
}

#[tokio::test]
async fn github_output_gets_the_deployment_and_task_definition() {
    let server = scenario(vec![completed(vec![])]).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("github_output");
    deploy(&server)
        .args(["--image", "app=:v2", "--no-pin-digest", "--github-output"])
        .arg(file.display().to_string())
        .run()
        .await
        .status(0);
    let outputs = github_outputs(&file);
    assert_eq!(outputs["deployment-id"], "ecs-svc/new");
    assert_eq!(outputs["task-definition-arn"], NEW_TD);
    assert_eq!(outputs["task-arn"], "");
    let result: Value = serde_json::from_str(&outputs["result"]).unwrap();
    assert_eq!(result["command"], "deploy");
    assert_eq!(result["result"], "succeeded");
}

#[tokio::test]
async fn image_with_only_a_tag_keeps_the_containers_repository() {
    let server = scenario(vec![completed(vec![])]).await;
    deploy(&server)
        .args(["--image", "app=:v2", "--no-pin-digest"])
        .run()
        .await
        .status(0);
    assert_eq!(
        registered(&server).await["containerDefinitions"][0]["image"],
        format!("{REPO}:v2")
    );
}

#[tokio::test]
async fn task_definition_file_expands_variables() {
    let server = scenario(vec![completed(vec![])]).await;
    let file = r#"{"family": "web", "cpu": "256", "memory": "512",
        "containerDefinitions": [{"name": "app", "image": "${REGISTRY}/app:${TAG}", "command": ["sh", "-c", "echo $$HOME"]}]}"#;
    deploy(&server)
        .file("taskdef.json", file)
        .env("REGISTRY", "123456789012.dkr.ecr.us-east-1.amazonaws.com")
        .env("TAG", "v2")
        .args(["--task-definition-file", "taskdef.json"])
        .run()
        .await
        .status(0);
    let app = &registered(&server).await["containerDefinitions"][0];
    assert_eq!(app["image"], format!("{REPO}@{DIGEST}"));
    assert_eq!(app["command"], json!(["sh", "-c", "echo $HOME"]));
}

#[tokio::test]
async fn bad_inputs_fail_clearly_and_change_nothing() {
    // A value that does not parse is a usage error (2); one that parses but does not fit the
    // task definition or the environment is bad input (1).
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["--container-image-name-updates", "tag=v2"],
            2,
            "comes before any container=",
        ),
        (
            vec!["--image", "worker=nginx:2"],
            1,
            "--image names container `worker`",
        ),
        (
            vec!["--image", "worker=:v2"],
            1,
            "--image names container `worker`",
        ),
        (vec!["--image", "app=:"], 2, "is not CONTAINER=:TAG"),
        (vec!["--image", "nginx"], 2, "is not CONTAINER=IMAGE"),
        (
            vec!["--task-definition-file", "taskdef.json"],
            1,
            "unknown variable ${UNSET_TAG}",
        ),
        (vec!["--unset-env", "app:A=B"], 2, "is not CONTAINER:KEY"),
    ];
    for (args, code, message) in cases {
        let server = scenario(vec![completed(vec![])]).await;
        let output = deploy(&server)
            .file("taskdef.json", r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "app:${UNSET_TAG}"}]}"#)
            .args(args.clone())
            .run()
            .await;
        output.status(code).stderr_has(message);
        assert_changed_nothing(&server, &format!("{args:?}")).await;
    }
}

#[tokio::test]
async fn an_unknown_service_is_an_error_at_once() {
    let server = Cluster::new(vec![])
        .describe_services(missing_service("prod", "nope"))
        .start()
        .await;
    let output = in_prod(&server, "deploy", "nope")
        .args(["--image", "app=nginx:2"])
        .run()
        .await;
    output
        .status(1)
        .stderr_has("service `nope` not found in cluster `prod`");
    assert_eq!(count(&server, ECS, "DescribeServices").await, 1);
    assert_changed_nothing(&server, "unknown service").await;
}

#[tokio::test]
async fn rollback_needs_waiting() {
    Test::new()
        .arg("deploy")
        .args(PROD_WEB)
        .args(["--rollback-on-failure", "--no-wait"])
        .run()
        .await
        .status(2)
        .stderr_has("--rollback-on-failure");
}

// ---------------------------------------------------------------------------------------------
// Against moto (with scripts/moto_server.py --roll-deployments: moto's own UpdateService starts
// no deployment).

mod against_moto {
    use serde_json::json;

    use crate::support::moto::Moto;
    use crate::support::Test;

    const REPO: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app";

    /// Cluster `prod`, service `web` (2 tasks of web:1 = app:v1), and image app:v2 in ECR.
    async fn world(moto: &Moto) -> String {
        moto.ecs("CreateCluster", json!({"clusterName": "prod"}))
            .await;
        moto.ecs(
            "RegisterTaskDefinition",
            json!({"family": "web", "containerDefinitions": [{"name": "app", "image": format!("{REPO}:v1"), "memory": 256, "essential": true}],
                   "tags": [{"key": "team", "value": "payments"}]}),
        )
        .await;
        moto.ecs("CreateService", json!({"cluster": "prod", "serviceName": "web", "taskDefinition": "web", "desiredCount": 2, "launchType": "EC2"}))
            .await;
        moto.ecr("CreateRepository", json!({"repositoryName": "app"}))
            .await;
        let manifest = json!({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023, "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},
            "layers": []});
        let put = moto.ecr("PutImage", json!({"repositoryName": "app", "imageTag": "v2", "imageManifest": manifest.to_string()})).await;
        put["image"]["imageId"]["imageDigest"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn deploy(moto: &Moto) -> Test {
        super::deploy_web(&moto.url, "200ms")
    }

    #[tokio::test]
    async fn registers_pins_updates_and_waits_against_moto() {
        let moto = Moto::start_with(&["--roll-deployments"]);
        let digest = world(&moto).await;
        let output = deploy(&moto)
            .args(["--image", &format!("app={REPO}:v2"), "--output", "json"])
            .run()
            .await;
        let json = output.status(0).json();
        let arn = json["task_definition"].as_str().unwrap().to_string();
        assert!(arn.ends_with("task-definition/web:2"), "{json}");
        assert_eq!(json["services"][0]["result"], "succeeded");
        assert_eq!(json["services"][0]["rollout_state"], "COMPLETED");
        let described = moto
            .ecs(
                "DescribeTaskDefinition",
                json!({"taskDefinition": "web:2", "include": ["TAGS"]}),
            )
            .await;
        assert_eq!(
            described["taskDefinition"]["containerDefinitions"][0]["image"],
            format!("{REPO}@{digest}")
        );
        assert_eq!(
            described["tags"],
            json!([{"key": "team", "value": "payments"}])
        );
        let service = moto
            .ecs(
                "DescribeServices",
                json!({"cluster": "prod", "services": ["web"]}),
            )
            .await;
        assert_eq!(service["services"][0]["taskDefinition"], arn);

        // The same image again: the latest revision is reused, nothing new registered.
        let again = deploy(&moto)
            .args(["--image", &format!("app={REPO}:v2")])
            .run()
            .await;
        again.status(0).stdout_has(&arn);
        let families = moto
            .ecs("ListTaskDefinitions", json!({"familyPrefix": "web"}))
            .await;
        assert_eq!(
            families["taskDefinitionArns"].as_array().unwrap().len(),
            2,
            "{families}"
        );
    }

    #[tokio::test]
    async fn a_missing_tag_changes_nothing_against_moto() {
        let moto = Moto::start_with(&["--roll-deployments"]);
        world(&moto).await;
        deploy(&moto)
            .args(["--image", &format!("app={REPO}:v404")])
            .run()
            .await
            .status(1)
            .stderr_has("image tag `v404` not found in ECR repository `app`");
        let families = moto
            .ecs("ListTaskDefinitions", json!({"familyPrefix": "web"}))
            .await;
        assert_eq!(families["taskDefinitionArns"].as_array().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn no_wait_against_plain_moto() {
        let moto = Moto::start();
        world(&moto).await;
        deploy(&moto)
            .args(["--image", &format!("app={REPO}:v2"), "--no-wait"])
            .run()
            .await
            .status(0)
            .stdout_has("web:2");
    }
}
