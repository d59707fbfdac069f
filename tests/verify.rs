//! `verify` and `deploy --verify` against scripted ECS, ECR, IAM (query protocol, XML),
//! Secrets Manager, SSM and CloudWatch Logs answers (wiremock), shaped as the services' models
//! say. Every scenario starts from a world where every check passes and breaks one thing.

use std::collections::HashMap;

use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::aws::{aws_error, ecr, ecs, logs, mount, ok, requests, ECR, ECS, LOGS};
use crate::support::iam::{self, role_arn, ECS_TRUST};
use crate::support::moto::Moto;
use crate::support::{Output, Test};

const ACCOUNT: &str = "123456789012";
const REPO: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app";
const DIGEST: &str = "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
const TD: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";
const PARAMETER: &str = "/prod/web/api-key";
const SECRETS: &str = "secretsmanager";
const SSM: &str = "AmazonSSM";

const EC2_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The AWS account as the scenario has it.
struct World {
    definition: Value,
    /// (container name, port) of the service's load balancer.
    load_balancer: (String, i64),
    /// The platforms of `app:v1`'s image index.
    platforms: Vec<(&'static str, &'static str)>,
    /// Role name → its trust policy, or the IAM error GetRole answers with.
    roles: HashMap<String, Result<&'static str, (u16, &'static str)>>,
    secrets: Vec<String>,
    parameters: Vec<String>,
    log_groups: Vec<String>,
}

impl World {
    /// Every check passes: an X86_64 Fargate task with an ECR image, both roles, a Secrets
    /// Manager secret, an SSM parameter, an awslogs group and a load balancer.
    fn sound() -> Self {
        World {
            definition: json!({
                "taskDefinitionArn": TD, "family": "web", "revision": 7, "status": "ACTIVE",
                "taskRoleArn": role_arn("web-task"),
                "executionRoleArn": role_arn("web-exec"),
                "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
                "cpu": "512", "memory": "1024",
                "containerDefinitions": [{
                    "name": "app", "image": format!("{REPO}:v1"), "essential": true,
                    "portMappings": [{"containerPort": 8080, "protocol": "tcp", "name": "http"}],
                    "secrets": [
                        {"name": "DATABASE_URL", "valueFrom": SECRET},
                        {"name": "API_KEY", "valueFrom": PARAMETER}
                    ],
                    "logConfiguration": {"logDriver": "awslogs", "options": {
                        "awslogs-group": "/ecs/web", "awslogs-region": "us-east-1",
                        "awslogs-stream-prefix": "ecs"}}
                }]
            }),
            load_balancer: ("app".into(), 8080),
            platforms: vec![("linux", "amd64"), ("unknown", "unknown")],
            roles: HashMap::from([
                ("web-task".to_string(), Ok(ECS_TRUST)),
                ("web-exec".to_string(), Ok(ECS_TRUST)),
            ]),
            secrets: vec![SECRET.into()],
            parameters: vec![PARAMETER.into()],
            log_groups: vec!["/ecs/web".into()],
        }
    }

    fn container(&mut self) -> &mut Value {
        &mut self.definition["containerDefinitions"][0]
    }

    fn service(&self, name: &str) -> Value {
        json!({
            "serviceName": name,
            "serviceArn": format!("arn:aws:ecs:us-east-1:{ACCOUNT}:service/prod/{name}"),
            "clusterArn": format!("arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/prod"),
            "status": "ACTIVE", "taskDefinition": TD, "desiredCount": 2, "runningCount": 2,
            "pendingCount": 0, "launchType": "FARGATE",
            "loadBalancers": [{
                "targetGroupArn": format!("arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/web/0123456789abcdef"),
                "containerName": self.load_balancer.0, "containerPort": self.load_balancer.1
            }],
            "deployments": [{
                "id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": TD, "desiredCount": 2,
                "runningCount": 2, "pendingCount": 0, "failedTasks": 0, "rolloutState": "COMPLETED",
                "createdAt": 1700000000.0, "updatedAt": 1700000000.0,
                "serviceConnectConfiguration": {"enabled": true, "namespace": "prod.local",
                    "services": [{"portName": "http", "clientAliases": [{"port": 80}]}]}
            }],
            "events": []
        })
    }

    async fn serve(self) -> MockServer {
        let server = MockServer::start().await;
        let services = Services(vec![self.service("web"), self.service("worker")]);
        mount(&server, ecs("DescribeServices"), services).await;
        let definition = ok(json!({"taskDefinition": self.definition, "tags": []}));
        mount(&server, ecs("DescribeTaskDefinition"), definition).await;
        mount(&server, ecr("BatchGetImage"), Images(self.platforms)).await;
        // IAM speaks the query protocol: a form-encoded POST, answered in XML.
        Mock::given(method("POST"))
            .and(body_string_contains("Action=GetRole"))
            .respond_with(Roles(self.roles))
            .mount(&server)
            .await;
        mount(
            &server,
            secretsmanager("DescribeSecret"),
            Secrets(self.secrets),
        )
        .await;
        mount(&server, ssm("GetParameters"), Parameters(self.parameters)).await;
        mount(
            &server,
            logs("DescribeLogGroups"),
            LogGroups(self.log_groups),
        )
        .await;
        server
    }
}

fn secretsmanager(action: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(wiremock::matchers::header(
        "x-amz-target",
        format!("{SECRETS}.{action}").as_str(),
    ))
}

fn ssm(action: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(wiremock::matchers::header(
        "x-amz-target",
        format!("{SSM}.{action}").as_str(),
    ))
}

fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or(Value::Null)
}

/// DescribeServices: the services asked for, from those the cluster has.
struct Services(Vec<Value>);

impl Respond for Services {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let asked = body(request)["services"].clone();
        let found: Vec<&Value> = self
            .0
            .iter()
            .filter(|s| asked.as_array().unwrap().contains(&s["serviceName"]))
            .collect();
        ok(json!({"services": found, "failures": []}))
    }
}

/// BatchGetImage: `app:v1` (by tag or digest) is an image index with these platforms.
struct Images(Vec<(&'static str, &'static str)>);

impl Respond for Images {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let asked = body(request);
        let id = &asked["imageIds"][0];
        let known = asked["repositoryName"] == "app"
            && (id["imageTag"] == "v1" || id["imageDigest"] == DIGEST);
        if !known {
            return ok(json!({"images": [], "failures": [{"imageId": id,
                "failureCode": "ImageNotFound", "failureReason": "Requested image not found"}]}));
        }
        let manifests: Vec<Value> = self
            .0
            .iter()
            .map(|(os, architecture)| {
                json!({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": "sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
                "size": 1234, "platform": {"os": os, "architecture": architecture}})
            })
            .collect();
        let index = json!({"schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
        ok(json!({"images": [{
            "registryId": ACCOUNT, "repositoryName": "app",
            "imageId": {"imageTag": "v1", "imageDigest": DIGEST},
            "imageManifest": index.to_string(),
            "imageManifestMediaType": "application/vnd.oci.image.index.v1+json"
        }], "failures": []}))
    }
}

/// IAM GetRole (query protocol): the role with its URL-encoded trust policy, or an IAM error.
struct Roles(HashMap<String, Result<&'static str, (u16, &'static str)>>);

impl Respond for Roles {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let form = String::from_utf8_lossy(&request.body).to_string();
        let name = form
            .split('&')
            .find_map(|pair| pair.strip_prefix("RoleName="))
            .unwrap_or_default()
            .to_string();
        match self.0.get(&name) {
            Some(Ok(trust)) => iam::role(&name, trust),
            Some(Err((status, code))) => {
                iam::error(*status, code, &format!("{code} for role {name}"))
            }
            None => iam::no_such_role(&name),
        }
    }
}

/// DescribeSecret: the secrets that exist, by ARN.
struct Secrets(Vec<String>);

impl Respond for Secrets {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let id = body(request)["SecretId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        match self.0.contains(&id) {
            true => ok(
                json!({"ARN": id, "Name": "prod/db", "LastChangedDate": 1700000000.0,
                "VersionIdsToStages": {"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111": ["AWSCURRENT"]}}),
            ),
            false => aws_error(
                400,
                "ResourceNotFoundException",
                "Secrets Manager can't find the specified secret.",
            ),
        }
    }
}

/// GetParameters: found ones with their (still encrypted) value, the others as invalid.
struct Parameters(Vec<String>);

impl Respond for Parameters {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let names: Vec<String> = body(request)["Names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect();
        let (found, invalid): (Vec<String>, Vec<String>) =
            names.into_iter().partition(|n| self.0.contains(n));
        let parameters: Vec<Value> = found
            .iter()
            .map(|name| json!({"Name": name, "Type": "SecureString", "Value": "AQICAHh-ciphertext",
                "Version": 3, "LastModifiedDate": 1700000000.0,
                "ARN": format!("arn:aws:ssm:us-east-1:{ACCOUNT}:parameter{name}"), "DataType": "text"}))
            .collect();
        ok(json!({"Parameters": parameters, "InvalidParameters": invalid}))
    }
}

/// DescribeLogGroups by prefix, in name order.
struct LogGroups(Vec<String>);

impl Respond for LogGroups {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let prefix = body(request)["logGroupNamePrefix"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let groups: Vec<Value> = self
            .0
            .iter()
            .filter(|g| g.starts_with(&prefix))
            .map(|g| json!({"logGroupName": g, "creationTime": 1700000000000_i64,
                "arn": format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{g}:*"), "storedBytes": 0}))
            .collect();
        ok(json!({"logGroups": groups}))
    }
}

fn verify(server: &MockServer) -> Test {
    Test::new()
        .endpoint(&server.uri())
        .args(["verify", "--cluster", "prod", "--service", "web"])
}

/// The checks of the first subject, by state, from the JSON result.
fn states(output: &Output) -> Vec<(String, String, String)> {
    output.json()["subjects"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let field = |name: &str| c[name].as_str().unwrap_or_default().to_string();
            (field("kind"), field("state"), field("subject"))
        })
        .collect()
}

/// The one check of `kind` on `subject` (a substring) must be in `state`.
#[track_caller]
fn assert_check(output: &Output, kind: &str, subject: &str, state: &str) {
    let all = states(output);
    let found: Vec<_> = all
        .iter()
        .filter(|(k, _, s)| k == kind && s.contains(subject))
        .collect();
    assert_eq!(found.len(), 1, "{kind} {subject} in {all:#?}");
    assert_eq!(
        found[0].1, state,
        "{kind} {subject} in {all:#?}\n{}",
        output.stderr
    );
}

#[tokio::test]
async fn every_check_passes_and_a_shared_role_is_asked_once() {
    let server = World::sound().serve().await;
    let human = Test::new()
        .endpoint(&server.uri())
        .args([
            "verify",
            "--cluster",
            "prod",
            "--service",
            "web",
            "--service",
            "worker",
        ])
        .run()
        .await;
    human.status(0);
    for line in [
        "web → arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
        &format!("  ✓ image app: {REPO}:v1: exists, has linux/amd64"),
        "  ✓ role execution arn:aws:iam::123456789012:role/web-exec: exists and trusts ecs-tasks.amazonaws.com",
        &format!("  ✓ secret app DATABASE_URL: {SECRET}: Secrets Manager secret exists"),
        "  ✓ secret app API_KEY: /prod/web/api-key: SSM parameter exists",
        "  ✓ log group app: /ecs/web (us-east-1): exists",
        "  ✓ Fargate size task: cpu 512, memory 1024 MiB",
        "  ✓ load balancer app:8080: container and port exist",
        "  ✓ Service Connect http: port name exists",
        "worker → arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
    ] {
        human.stdout_has(line);
    }
    assert!(!human.stdout.contains('✗'), "{}", human.stdout);
    // Two services, one revision: each resource asked about once.
    let get_roles: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("Action=GetRole"))
        .collect();
    assert_eq!(get_roles.len(), 2, "web-exec and web-task, once each");
    assert_eq!(requests(&server, ECR, "BatchGetImage").await.len(), 1);
    assert_eq!(requests(&server, SECRETS, "DescribeSecret").await.len(), 1);
    assert_eq!(requests(&server, SSM, "GetParameters").await.len(), 1);
    assert_eq!(requests(&server, LOGS, "DescribeLogGroups").await.len(), 1);
    // Values are never read.
    let parameters = requests(&server, SSM, "GetParameters").await;
    assert_eq!(parameters[0]["WithDecryption"], json!(false));
    assert!(!human.all().contains("AQICAHh-ciphertext"));

    let output = verify(&server).arg("--output").arg("json").run().await;
    output.status(0);
    let document = output.json();
    assert_eq!(document["result"], "passed");
    assert!(
        states(&output)
            .iter()
            .all(|(_, state, _)| state == "passed"),
        "{document:#}"
    );
    assert_eq!(states(&output).len(), 9, "{document:#}");
}

#[tokio::test]
async fn a_missing_secret_fails_and_a_json_key_suffix_arn_that_exists_passes() {
    let mut world = World::sound();
    world.container()["secrets"] = json!([
        {"name": "DB_PASSWORD", "valueFrom": format!("{SECRET}:password:AWSCURRENT:")},
        {"name": "GONE", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/gone-QwErTy"}
    ]);
    let server = world.serve().await;
    let output = verify(&server).args(["--output", "json"]).run().await;
    output.status(1);
    assert_check(&output, "secret", "DB_PASSWORD", "passed");
    assert_check(&output, "secret", "GONE", "failed");
    let asked: Vec<Value> = requests(&server, SECRETS, "DescribeSecret")
        .await
        .into_iter()
        .map(|r| r["SecretId"].clone())
        .collect();
    assert!(
        asked.contains(&json!(SECRET)),
        "the suffix is not part of the id: {asked:?}"
    );
    assert_eq!(output.json()["result"], "failed");
    let reason = output.json()["reason"].as_str().unwrap().to_string();
    assert!(
        reason.contains("GONE") && reason.ends_with("nothing was changed"),
        "{reason}"
    );
    assert!(
        !reason.contains("DB_PASSWORD"),
        "only what failed: {reason}"
    );
}

#[tokio::test]
async fn a_missing_ssm_parameter_fails_naming_it() {
    let mut world = World::sound();
    world.parameters.clear();
    let server = world.serve().await;
    let output = verify(&server).run().await;
    output
        .status(1)
        .stdout_has("✗ secret app API_KEY: /prod/web/api-key: SSM parameter does not exist (fix: create the parameter")
        .stderr_has("verify: 1 check failed:")
        .stderr_has("nothing was changed");
}

#[tokio::test]
async fn a_role_without_the_ecs_tasks_trust_fails() {
    let mut world = World::sound();
    world.roles.insert("web-task".into(), Ok(EC2_TRUST));
    let server = world.serve().await;
    let output = verify(&server).args(["--output", "json"]).run().await;
    output.status(1);
    assert_check(&output, "role", "web-task", "failed");
    assert_check(&output, "role", "web-exec", "passed");
}

#[tokio::test]
async fn an_arm64_task_needs_an_arm64_image_in_the_index() {
    for (platforms, state) in [
        (vec![("linux", "amd64")], "failed"),
        (vec![("linux", "amd64"), ("linux", "arm64")], "passed"),
    ] {
        let mut world = World::sound();
        world.definition["runtimePlatform"] =
            json!({"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"});
        world.platforms = platforms.clone();
        let server = world.serve().await;
        let output = verify(&server).args(["--output", "json"]).run().await;
        assert_check(&output, "image", "app:", state);
        if state == "failed" {
            output.status(1);
            let checks = &output.json()["subjects"][0]["checks"];
            assert!(
                checks[0]["detail"]
                    .as_str()
                    .unwrap()
                    .contains("has no linux/arm64 (only linux/amd64)"),
                "{checks:#}"
            );
        } else {
            output.status(0);
        }
    }
}

#[tokio::test]
async fn a_missing_log_group_fails_unless_the_driver_creates_it() {
    let mut world = World::sound();
    world.log_groups = vec!["/ecs/web-old".into()];
    let server = world.serve().await;
    let output = verify(&server).args(["--output", "json"]).run().await;
    output.status(1);
    assert_check(&output, "log_group", "/ecs/web", "failed");

    let mut world = World::sound();
    world.log_groups.clear();
    world.container()["logConfiguration"]["options"]["awslogs-create-group"] = json!("true");
    let server = world.serve().await;
    let output = verify(&server).args(["--output", "json"]).run().await;
    output.status(0);
    assert_check(&output, "log_group", "/ecs/web", "passed");
    assert!(requests(&server, LOGS, "DescribeLogGroups")
        .await
        .is_empty());
}

#[tokio::test]
async fn an_invalid_fargate_size_fails() {
    let mut world = World::sound();
    world.definition["cpu"] = json!("256");
    world.definition["memory"] = json!("4096");
    let server = world.serve().await;
    let output = verify(&server).run().await;
    output
        .status(1)
        .stdout_has("✗ Fargate size task: memory 4096 MiB does not go with cpu 256");
}

#[tokio::test]
async fn a_load_balancer_container_that_no_longer_exists_fails() {
    let mut world = World::sound();
    world.load_balancer = ("web".into(), 8080);
    let server = world.serve().await;
    let output = verify(&server).run().await;
    output
        .status(1)
        .stdout_has("✗ load balancer web:8080: the new revision has no container web");
}

#[tokio::test]
async fn access_denied_on_get_role_is_skipped_not_failed() {
    let mut world = World::sound();
    world
        .roles
        .insert("web-exec".into(), Err((403, "AccessDenied")));
    let server = world.serve().await;
    let output = verify(&server).args(["--output", "json"]).run().await;
    output.status(0);
    assert_check(&output, "role", "web-exec", "skipped");
    // A warning, shown even with -q, naming what to grant.
    let human = verify(&server).arg("-q").run().await;
    human
        .status(0)
        .stdout_has(
            "- role execution arn:aws:iam::123456789012:role/web-exec: skipped (needs iam:GetRole)",
        )
        .stderr_has("warning: verify skipped what it may not read (needs iam:GetRole)");
}

#[tokio::test]
async fn images_outside_ecr_are_not_checked() {
    let mut world = World::sound();
    world.container()["image"] = json!("public.example.com/library/nginx:1.27");
    let server = world.serve().await;
    let output = verify(&server).args(["--output", "json"]).run().await;
    output.status(0);
    assert_check(&output, "image", "nginx", "not_checked");
    assert!(requests(&server, ECR, "BatchGetImage").await.is_empty());
}

#[tokio::test]
async fn deploy_with_verify_that_fails_registers_and_updates_nothing() {
    let mut world = World::sound();
    world.secrets.clear();
    let server = world.serve().await;
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/services/T000/B000/XXXX"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&slack)
        .await;
    // Whatever the checks say, the stand-in would accept a registration and an update.
    mount(&server, ecs("RegisterTaskDefinition"), ok(json!({}))).await;
    mount(&server, ecs("UpdateService"), ok(json!({}))).await;
    mount(&server, ecr("DescribeImages"), ok(json!({"imageDetails": [{
        "registryId": ACCOUNT, "repositoryName": "app", "imageDigest": DIGEST, "imageTags": ["v1"]}]}))).await;
    let output = Test::new()
        .endpoint(&server.uri())
        .env(
            "SLACK_WEBHOOK_URL",
            format!("{}/services/T000/B000/XXXX", slack.uri()),
        )
        .args(["deploy", "--cluster", "prod", "--service", "web"])
        .args(["--verify", "--notify"])
        .args([
            "--image",
            &format!("app={REPO}:v1"),
            "--set-env",
            "app:RELEASE=42",
        ])
        .run()
        .await;
    output
        .status(1)
        .stderr_has("✗ secret app DATABASE_URL")
        .stderr_has("nothing was changed");
    assert!(requests(&server, ECS, "RegisterTaskDefinition")
        .await
        .is_empty());
    assert!(requests(&server, ECS, "UpdateService").await.is_empty());
    // Slack names what failed.
    let posted: Vec<String> = slack
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).to_string())
        .collect();
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert!(
        posted[0].contains("secret app DATABASE_URL"),
        "{}",
        posted[0]
    );
    assert!(posted[0].contains("nothing was changed"), "{}", posted[0]);
    // It checked the revision that would have shipped: the pinned digest.
    let images = requests(&server, ECR, "BatchGetImage").await;
    assert_eq!(
        images[0]["imageIds"][0]["imageDigest"],
        json!(DIGEST),
        "{images:?}"
    );
}

#[tokio::test]
async fn run_task_with_verify_that_fails_registers_and_starts_nothing() {
    let mut world = World::sound();
    world.log_groups.clear();
    let server = world.serve().await;
    mount(&server, ecs("RegisterTaskDefinition"), ok(json!({}))).await;
    mount(
        &server,
        ecs("RunTask"),
        ok(json!({"tasks": [], "failures": []})),
    )
    .await;
    let output = Test::new()
        .endpoint(&server.uri())
        .args([
            "run-task",
            "--cluster",
            "prod",
            "--task-definition",
            "web:7",
            "--verify",
        ])
        .args(["--image", &format!("app={REPO}:v1"), "--no-pin-digest"])
        .run()
        .await;
    output
        .status(1)
        .stderr_has("web → web (new revision)")
        .stderr_has("✗ log group app: /ecs/web (us-east-1): does not exist")
        .stderr_has("nothing was changed");
    assert!(requests(&server, ECS, "RegisterTaskDefinition")
        .await
        .is_empty());
    assert!(requests(&server, ECS, "RunTask").await.is_empty());
}

/// An IAM (query protocol) call to moto; the raw XML.
async fn moto_iam(moto: &Moto, params: &[(&str, &str)]) -> String {
    let response = reqwest::Client::new()
        .post(&moto.url)
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
        )
        .form(&[params, &[("Version", "2010-05-08")]].concat())
        .send()
        .await
        .expect("moto answers");
    assert!(response.status().is_success(), "{params:?}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn moto_end_to_end_roles_secrets_parameters_log_groups_and_images() {
    let moto = Moto::start();
    for (name, trust) in [("web-exec", ECS_TRUST), ("web-task", EC2_TRUST)] {
        let params = [
            ("Action", "CreateRole"),
            ("RoleName", name),
            ("AssumeRolePolicyDocument", trust),
        ];
        moto_iam(&moto, &params).await;
    }
    let secret = moto
        .call(
            SECRETS,
            "CreateSecret",
            json!({"Name": "prod/db", "SecretString": "{\"password\":\"hunter2\"}"}),
        )
        .await["ARN"]
        .as_str()
        .unwrap()
        .to_string();
    let parameter = json!({"Name": PARAMETER, "Value": "s3cr3t-value", "Type": "SecureString"});
    moto.call(SSM, "PutParameter", parameter).await;
    moto.logs("CreateLogGroup", json!({"logGroupName": "/ecs/web"}))
        .await;
    moto.ecr("CreateRepository", json!({"repositoryName": "app"}))
        .await;
    let manifest = json!({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
            "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},
        "layers": []});
    let image =
        json!({"repositoryName": "app", "imageTag": "v1", "imageManifest": manifest.to_string()});
    moto.ecr("PutImage", image).await;
    moto.ecs("CreateCluster", json!({"clusterName": "prod"}))
        .await;
    let awslogs = |group: &str| {
        json!({"logDriver": "awslogs", "options": {
        "awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}})
    };
    moto.ecs(
        "RegisterTaskDefinition",
        json!({
            "family": "web",
            "executionRoleArn": role_arn("web-exec"), "taskRoleArn": role_arn("web-task"),
            "containerDefinitions": [
                {"name": "app", "image": format!("{REPO}:v1"), "memory": 512, "essential": true,
                 "secrets": [{"name": "DB_PASSWORD", "valueFrom": format!("{secret}:password::")},
                             {"name": "API_KEY", "valueFrom": PARAMETER},
                             {"name": "GONE", "valueFrom": "/prod/web/gone"}],
                 "logConfiguration": awslogs("/ecs/web")},
                {"name": "sidecar", "image": "public.example.com/sidecar:1", "memory": 128,
                 "essential": false, "logConfiguration": awslogs("/ecs/sidecar")}
            ]
        }),
    )
    .await;
    let service = json!({"cluster": "prod", "serviceName": "web", "taskDefinition": "web",
        "desiredCount": 0, "launchType": "EC2"});
    moto.ecs("CreateService", service).await;

    let output = Test::new()
        .endpoint(&moto.url)
        .args([
            "verify",
            "--cluster",
            "prod",
            "--service",
            "web",
            "--output",
            "json",
        ])
        .run()
        .await;
    output.status(1);
    assert_check(&output, "image", "app:", "passed");
    assert_check(&output, "image", "sidecar", "not_checked");
    assert_check(&output, "role", "web-exec", "passed");
    assert_check(&output, "role", "web-task", "failed");
    assert_check(&output, "secret", "DB_PASSWORD", "passed");
    assert_check(&output, "secret", "API_KEY", "passed");
    assert_check(&output, "secret", "GONE", "failed");
    assert_check(&output, "log_group", "/ecs/web ", "passed");
    assert_check(&output, "log_group", "/ecs/sidecar", "failed");
    let all = output.all();
    assert!(
        !all.contains("hunter2") && !all.contains("s3cr3t-value"),
        "{all}"
    );
}

#[tokio::test]
async fn an_image_tag_that_is_not_in_ecr_fails_before_anything_is_registered() {
    let server = World::sound().serve().await;
    let output = verify(&server)
        .args(["--image", &format!("app={REPO}:v9")])
        .run()
        .await;
    output
        .status(1)
        .stdout_has("web → web (new revision)")
        .stdout_has(&format!("✗ image app: {REPO}:v9: app has no image v9"));
    let asked = requests(&server, ECR, "BatchGetImage").await;
    assert_eq!(
        asked[0]["imageIds"][0]["imageTag"],
        json!("v9"),
        "{asked:?}"
    );
}
