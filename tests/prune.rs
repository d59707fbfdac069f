//! `prune` and `deploy --prune` against scripted ECS / EventBridge answers (wiremock): every
//! page is read, a revision in use anywhere stays whatever its age, refusals are reported by
//! name, a dry run changes nothing, throttling only slows it down.

use serde_json::{json, Value};
use wiremock::matchers::body_partial_json;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::support::aws::{
    aws_error, count, ecs, events, mount, ok, requests, sequence, throttled, ECS,
};
use crate::support::ecs::{
    app_definition, definition_answer, deployment, service, service_arn, services, settled, td,
    with, CLUSTER_ARN,
};
use crate::support::targets::ecs_target;
use crate::support::{check_schema, Test};

/// An answer paged by `nextToken` (`p1`, `p2`, …): page `i` lists `pages[i]` under `field`.
struct Paged {
    field: &'static str,
    pages: Vec<Vec<String>>,
}

impl Respond for Paged {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let page: usize = body["nextToken"]
            .as_str()
            .and_then(|t| t.strip_prefix('p'))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let mut answer = json!({ self.field: self.pages[page] });
        if page + 1 < self.pages.len() {
            answer["nextToken"] = json!(format!("p{}", page + 1));
        }
        ok(answer)
    }
}

fn paged(field: &'static str, pages: Vec<Vec<String>>) -> Paged {
    Paged { field, pages }
}

fn task_arn(id: &str) -> String {
    format!("arn:aws:ecs:us-east-1:123456789012:task/prod/{id}")
}

fn task(id: &str, task_definition: &str, last: &str, desired: &str) -> Value {
    json!({
        "taskArn": task_arn(id), "clusterArn": CLUSTER_ARN, "taskDefinitionArn": task_definition,
        "lastStatus": last, "desiredStatus": desired, "launchType": "FARGATE", "containers": [],
        "createdAt": 1_700_000_000.0,
    })
}

/// DescribeTasks: the scripted tasks that were asked for.
struct Tasks(Vec<Value>);

impl Respond for Tasks {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let asked: Vec<&Value> = body["tasks"].as_array().unwrap().iter().collect();
        let found: Vec<&Value> = self
            .0
            .iter()
            .filter(|t| asked.contains(&&t["taskArn"]))
            .collect();
        ok(json!({ "tasks": found, "failures": [] }))
    }
}

/// DeregisterTaskDefinition as ECS answers: the revision, now INACTIVE.
fn deregistered(request: &Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    let arn = body["taskDefinition"].as_str().unwrap();
    let (family, revision) = arn.rsplit('/').next().unwrap().split_once(':').unwrap();
    let mut definition = app_definition(family, revision.parse().unwrap(), "app:v1");
    definition["status"] = json!("INACTIVE");
    ok(json!({ "taskDefinition": definition }))
}

/// DeleteTaskDefinitions refusing the revisions in `refused`, deleting the rest.
struct Deletes(Vec<String>);

impl Respond for Deletes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let (mut deleted, mut failures) = (vec![], vec![]);
        for arn in body["taskDefinitions"].as_array().unwrap() {
            let arn = arn.as_str().unwrap();
            if self.0.iter().any(|r| r == arn) {
                failures.push(json!({"arn": arn, "reason": "TASK_DEFINITION_IN_USE",
                    "detail": "The task definition is still referenced by a task set."}));
            } else {
                deleted.push(json!({"taskDefinitionArn": arn, "status": "DELETE_IN_PROGRESS"}));
            }
        }
        ok(json!({ "taskDefinitions": deleted, "failures": failures }))
    }
}

fn web(revision: u32) -> String {
    td("web", revision)
}

/// Family `web` has ACTIVE revisions 1–12 (two pages, with `web-worker:3`, which the prefix
/// also matches). With `--keep 2`, 12 and 11 are the newest; each of 3–7 is in use in one way
/// only; 1, 2, 8, 9 and 10 go.
/// - service `web` (ListServices page 1) runs 12, its draining ACTIVE deployment still runs 5;
/// - service `canary` (page 2) has a task set on 4;
/// - a PENDING task runs 3 (ListTasks RUNNING, page 2); a task asked to stop is still
///   DEACTIVATING on 6; a task on 2 has STOPPED;
/// - rule `nightly` targets 7.
async fn web_world() -> MockServer {
    let server = MockServer::start().await;
    let listed = |revisions: &[u32]| revisions.iter().map(|r| web(*r)).collect::<Vec<_>>();
    let mut first = listed(&[1, 2, 3, 4, 5, 6]);
    first.push(td("web-worker", 3));
    mount(
        &server,
        ecs("ListTaskDefinitions"),
        paged(
            "taskDefinitionArns",
            vec![first, listed(&[7, 8, 9, 10, 11, 12])],
        ),
    )
    .await;
    mount(
        &server,
        ecs("ListServices"),
        paged(
            "serviceArns",
            vec![vec![service_arn("web")], vec![service_arn("canary")]],
        ),
    )
    .await;
    let web_service = service(
        "web",
        &web(12),
        vec![
            deployment("ecs-svc/new", "PRIMARY", &web(12), 2, 2, "IN_PROGRESS"),
            deployment("ecs-svc/old", "ACTIVE", &web(5), 1, 0, "COMPLETED"),
        ],
        vec![],
    );
    let canary = with(
        service("canary", &web(12), vec![], vec![]),
        json!({"deploymentController": {"type": "CODE_DEPLOY"},
               "taskSets": [{"id": "ecs-svc/ts1", "taskDefinition": web(4), "status": "ACTIVE"}]}),
    );
    mount(
        &server,
        ecs("DescribeServices"),
        services(vec![web_service, canary]),
    )
    .await;
    let running = ecs("ListTasks").and(body_partial_json(json!({"desiredStatus": "RUNNING"})));
    let ids = |ids: &[&str]| ids.iter().map(|id| task_arn(id)).collect::<Vec<_>>();
    mount(
        &server,
        running,
        paged("taskArns", vec![ids(&["t-web"]), ids(&["t-migrate"])]),
    )
    .await;
    let stopped = ecs("ListTasks").and(body_partial_json(json!({"desiredStatus": "STOPPED"})));
    mount(
        &server,
        stopped,
        paged("taskArns", vec![ids(&["t-stopping", "t-gone"])]),
    )
    .await;
    let tasks = Tasks(vec![
        task("t-web", &web(12), "RUNNING", "RUNNING"),
        task("t-migrate", &web(3), "PENDING", "RUNNING"),
        task("t-stopping", &web(6), "DEACTIVATING", "STOPPED"),
        task("t-gone", &web(2), "STOPPED", "STOPPED"),
    ]);
    mount(&server, ecs("DescribeTasks"), tasks).await;
    mount(
        &server,
        events("ListTargetsByRule"),
        ok(json!({ "Targets": [ecs_target("job", &web(7))] })),
    )
    .await;
    mount(&server, ecs("DeregisterTaskDefinition"), deregistered).await;
    server
}

fn prune(server: &MockServer) -> Test {
    Test::new().endpoint(&server.uri()).args([
        "prune",
        "--cluster",
        "prod",
        "--family",
        "web",
        "--rule",
        "nightly",
    ])
}

/// The ARNs of the DeregisterTaskDefinition requests, in order.
async fn deregistrations(server: &MockServer) -> Vec<String> {
    requests(server, ECS, "DeregisterTaskDefinition")
        .await
        .iter()
        .map(|r| r["taskDefinition"].as_str().unwrap().to_string())
        .collect()
}

/// (revision, action, kept_because) of family `family` in a prune result.
fn fates(result: &Value, family: usize) -> Vec<(u64, String, Vec<String>)> {
    result["families"][family]["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let why = r["kept_because"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| {
                    format!(
                        "{} {}",
                        k["kind"].as_str().unwrap(),
                        k["name"].as_str().unwrap()
                    )
                })
                .collect();
            (
                r["revision"].as_u64().unwrap(),
                r["action"].as_str().unwrap().to_string(),
                why,
            )
        })
        .collect()
}

#[tokio::test]
async fn prune_reads_every_page_and_keeps_every_revision_in_use_whatever_its_age() {
    let server = web_world().await;
    let output = prune(&server)
        .args(["--keep", "2", "--output", "json"])
        .run()
        .await;
    output.status(0).stderr_has("web: 12 ACTIVE revision(s)");
    let result = output.json();
    check_schema(&result);
    assert_eq!(
        deregistrations(&server).await,
        [web(10), web(9), web(8), web(2), web(1)],
        "the oldest that no one uses, newest first; never web-worker"
    );
    let kept = |r: u64, why: &[&str]| {
        (
            r,
            "kept".to_string(),
            why.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        )
    };
    let gone = |r: u64| (r, "deregistered".to_string(), vec![]);
    assert_eq!(
        fates(&result, 0),
        [
            kept(
                12,
                &[
                    "newest newest 2",
                    "service web",
                    "service canary",
                    "task t-web"
                ]
            ),
            kept(11, &["newest newest 2"]),
            gone(10),
            gone(9),
            gone(8),
            kept(7, &["rule default/nightly target job"]),
            kept(6, &["task t-stopping"]),
            kept(5, &["service web"]),
            kept(4, &["service canary"]),
            kept(3, &["task t-migrate"]),
            gone(2),
            gone(1),
        ]
    );
    assert_eq!(
        (result["deregistered"].as_u64(), result["deleted"].as_u64()),
        (Some(5), Some(0))
    );
    // Every page: the second requests carry the first answers' tokens.
    let listings = requests(&server, ECS, "ListTaskDefinitions").await;
    assert_eq!(listings.len(), 2);
    assert_eq!(listings[0]["familyPrefix"], "web");
    assert_eq!(listings[0]["status"], "ACTIVE");
    assert_eq!(listings[1]["nextToken"], "p1");
    let service_pages = requests(&server, ECS, "ListServices").await;
    assert_eq!(service_pages.len(), 2);
    assert_eq!(service_pages[1]["nextToken"], "p1");
    let described = requests(&server, ECS, "DescribeServices").await;
    assert_eq!(described[0]["services"], json!(["web", "canary"]));
    let task_pages = requests(&server, ECS, "ListTasks").await;
    assert_eq!(task_pages.len(), 3, "RUNNING: two pages; STOPPED: one");
    assert!(task_pages
        .iter()
        .all(|p| p["family"] == "web" && p["cluster"] == "prod"));
    assert_eq!(
        count(&server, ECS, "DeleteTaskDefinitions").await,
        0,
        "no --delete"
    );
}

#[tokio::test]
async fn dry_run_says_what_would_go_and_why_the_rest_stays_and_changes_nothing() {
    let server = web_world().await;
    let output = prune(&server)
        .args(["--keep", "2", "--delete", "--dry-run"])
        .run()
        .await;
    output
        .status(0)
        .stdout_has("web:10  would be deregistered and deleted")
        .stdout_has("web:7  kept: in use by rule default/nightly target job")
        .stdout_has("web:3  kept: in use by task t-migrate")
        .stdout_has("web:5  kept: in use by service web")
        .stderr_has("nothing was changed");
    assert_eq!(count(&server, ECS, "DeregisterTaskDefinition").await, 0);
    assert_eq!(count(&server, ECS, "DeleteTaskDefinitions").await, 0);
    let json = prune(&server)
        .args(["--keep", "2", "--dry-run", "--output", "json"])
        .run()
        .await;
    let result = json.json();
    check_schema(&result);
    assert_eq!(result["result"], "dry_run");
    assert_eq!(
        result["families"][0]["revisions"][2]["action"],
        "would_deregister"
    );
    assert_eq!(count(&server, ECS, "DeregisterTaskDefinition").await, 0);
}

/// Family `batch`: revisions 1–25, nothing uses them but the newest.
async fn batch_world() -> MockServer {
    let server = MockServer::start().await;
    let arns: Vec<String> = (1..=25).map(|r| td("batch", r)).collect();
    mount(
        &server,
        ecs("ListTaskDefinitions"),
        paged("taskDefinitionArns", vec![arns]),
    )
    .await;
    mount(
        &server,
        ecs("ListServices"),
        paged("serviceArns", vec![vec![]]),
    )
    .await;
    mount(&server, ecs("ListTasks"), paged("taskArns", vec![vec![]])).await;
    server
}

#[tokio::test]
async fn delete_goes_ten_at_a_time_and_reports_each_refusal_by_name() {
    let server = batch_world().await;
    mount(&server, ecs("DeregisterTaskDefinition"), deregistered).await;
    mount(
        &server,
        ecs("DeleteTaskDefinitions"),
        Deletes(vec![td("batch", 9), td("batch", 3)]),
    )
    .await;
    let output = Test::new()
        .endpoint(&server.uri())
        .args([
            "prune",
            "--cluster",
            "prod",
            "--family",
            "batch",
            "--keep",
            "1",
            "--delete",
            "--output",
            "json",
        ])
        .run()
        .await;
    output
        .status(1)
        .stderr_has("batch:9 deregistered but not deleted: TASK_DEFINITION_IN_USE")
        .stderr_has("batch:3 deregistered but not deleted");
    let result = output.json();
    check_schema(&result);
    let batches: Vec<usize> = requests(&server, ECS, "DeleteTaskDefinitions")
        .await
        .iter()
        .map(|r| r["taskDefinitions"].as_array().unwrap().len())
        .collect();
    assert_eq!(batches, [10, 10, 4]);
    assert_eq!(count(&server, ECS, "DeregisterTaskDefinition").await, 24);
    assert_eq!(
        (result["deregistered"].as_u64(), result["deleted"].as_u64()),
        (Some(24), Some(22))
    );
    assert_eq!(result["result"], "failed");
    let failed: Vec<(&str, &str)> = result["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["task_definition"].as_str().unwrap(),
                f["operation"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [
            (td("batch", 9).as_str(), "DeleteTaskDefinitions"),
            (td("batch", 3).as_str(), "DeleteTaskDefinitions")
        ]
    );
    let reason = result["reason"].as_str().unwrap();
    assert!(
        reason.contains("batch:9") && reason.contains("batch:3"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_throttled_deregistration_is_retried_not_failed() {
    let server = batch_world().await;
    let ok_answer = ok(json!({ "taskDefinition": app_definition("batch", 1, "app:v1") }));
    mount(
        &server,
        ecs("DeregisterTaskDefinition"),
        sequence([throttled(), throttled(), ok_answer]),
    )
    .await;
    let output = Test::new()
        .endpoint(&server.uri())
        .args([
            "prune",
            "--cluster",
            "prod",
            "--family",
            "batch",
            "--keep",
            "23",
            "--output",
            "json",
        ])
        .run()
        .await;
    output.status(0);
    let result = output.json();
    assert_eq!(result["deregistered"], 2);
    assert_eq!(
        count(&server, ECS, "DeregisterTaskDefinition").await,
        4,
        "two throttles, then each of the two revisions once"
    );
}

#[tokio::test]
async fn keep_must_be_at_least_one_and_a_family_is_needed_before_any_call() {
    let server = MockServer::start().await;
    let run = |args: &[&str]| {
        Test::new()
            .endpoint(&server.uri())
            .args(["prune", "--cluster", "prod"])
            .args(args.iter().copied())
            .run_blocking()
    };
    run(&["--family", "web", "--keep", "0"])
        .status(2)
        .stderr_has("--keep");
    run(&["--family", "web", "--keep", "many"])
        .status(2)
        .stderr_has("--keep");
    run(&["--family", "web"]).status(2).stderr_has("--keep");
    run(&["--keep", "3"]).status(2).stderr_has("--family");
    run(&["--keep", "3", "--family", "web:7"])
        .status(2)
        .stderr_has("--family `web:7`");
    Test::new()
        .endpoint(&server.uri())
        .env("ECS_SHIP_KEEP", "0")
        .args(["prune", "--cluster", "prod", "--family", "web"])
        .run()
        .await
        .status(2)
        .stderr_has("ECS_SHIP_KEEP");
    Test::new()
        .endpoint(&server.uri())
        .args([
            "deploy",
            "--cluster",
            "prod",
            "--service",
            "web",
            "--prune",
            "0",
        ])
        .run()
        .await
        .status(2)
        .stderr_has("--prune");
    // A deploy of scheduled tasks only needs no cluster, but its prune does (which revisions
    // the cluster's services use): refused before the deploy, not warned about after it.
    Test::new()
        .endpoint(&server.uri())
        .args(["deploy", "--rule", "default/nightly", "--prune", "3"])
        .args(["--image", "app=app:v2"])
        .run()
        .await
        .status(2)
        .stderr_has("no cluster given: pass --cluster");
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// A deploy of web:8 (given, unchanged) over web:7 that completes at the first poll; ECS keeps
/// web:1–8, nothing else uses them.
async fn deployed_world(list_task_definitions: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        ecs("DescribeTaskDefinition"),
        definition_answer(app_definition("web", 8, "app:v2")),
    )
    .await;
    let before = services(vec![settled("web", &web(7), "ecs-svc/old", vec![])]);
    let after = services(vec![settled("web", &web(8), "ecs-svc/new", vec![])]);
    mount(&server, ecs("DescribeServices"), sequence([before, after])).await;
    let updated = service(
        "web",
        &web(8),
        vec![deployment(
            "ecs-svc/new",
            "PRIMARY",
            &web(8),
            0,
            2,
            "IN_PROGRESS",
        )],
        vec![],
    );
    mount(
        &server,
        ecs("UpdateService"),
        ok(json!({ "service": updated })),
    )
    .await;
    mount(&server, ecs("ListTaskDefinitions"), list_task_definitions).await;
    mount(
        &server,
        ecs("ListServices"),
        paged("serviceArns", vec![vec![service_arn("web")]]),
    )
    .await;
    mount(&server, ecs("ListTasks"), paged("taskArns", vec![vec![]])).await;
    mount(&server, ecs("DeregisterTaskDefinition"), deregistered).await;
    server
}

fn deploy_and_prune(server: &MockServer) -> Test {
    Test::new().endpoint(&server.uri()).args([
        "deploy",
        "--cluster",
        "prod",
        "--service",
        "web",
        "--task-definition",
        "web:8",
        "--poll-interval",
        "100ms",
        "--timeout",
        "20s",
        "--prune",
        "3",
        "--output",
        "json",
    ])
}

#[tokio::test]
async fn deploy_prune_prunes_the_deployed_family_after_success() {
    let arns: Vec<String> = (1..=8).map(web).collect();
    let server = deployed_world(ok(json!({ "taskDefinitionArns": arns }))).await;
    let output = deploy_and_prune(&server).run().await;
    output
        .status(0)
        .stderr_has("pruned: 5 revision(s) deregistered");
    let result = output.json();
    check_schema(&result);
    assert_eq!(result["result"], "succeeded");
    assert_eq!(result["prune"]["deregistered"], 5);
    assert_eq!(
        deregistrations(&server).await,
        [web(5), web(4), web(3), web(2), web(1)]
    );
    let kept = fates(&result["prune"], 0);
    assert_eq!(
        kept[0].2,
        ["newest newest 3", "service web"],
        "the revision just deployed"
    );
}

#[tokio::test]
async fn a_dry_run_says_what_the_deploy_would_prune_and_reads_no_revision() {
    let arns: Vec<String> = (1..=8).map(web).collect();
    let server = deployed_world(ok(json!({ "taskDefinitionArns": arns }))).await;
    let preview = "ecs-ship prune --cluster prod --keep 3 --family web --dry-run";
    let output = deploy_and_prune(&server).arg("--dry-run").run().await;
    let plan = output.status(0).json();
    check_schema(&plan);
    assert_eq!(
        plan["prune"],
        json!({"keep": 3, "families": ["web"], "preview": preview})
    );
    let human = Test::new()
        .endpoint(&server.uri())
        .args(["deploy", "--cluster", "prod", "--service", "web"])
        .args(["--task-definition", "web:8", "--prune", "3", "--dry-run"])
        .run()
        .await;
    human.status(0).stdout_has(&format!(
        "after the deploy: would prune web to their newest 3 revisions and those in use (preview it then: {preview})"
    ));
    for untouched in [
        "ListTaskDefinitions",
        "DeregisterTaskDefinition",
        "UpdateService",
    ] {
        assert_eq!(count(&server, ECS, untouched).await, 0, "{untouched}");
    }
}

#[tokio::test]
async fn a_failed_prune_after_deploy_is_a_warning_and_the_deploy_still_succeeds() {
    let denied = aws_error(
        400,
        "AccessDeniedException",
        "User is not authorized to perform: ecs:ListTaskDefinitions",
    );
    let server = deployed_world(denied).await;
    let output = deploy_and_prune(&server).run().await;
    output
        .status(0)
        .stderr_has("--prune failed")
        .stderr_has("ecs:ListTaskDefinitions")
        .stderr_has("the deploy itself succeeded");
    let result = output.json();
    check_schema(&result);
    assert_eq!(
        (result["result"].as_str(), result["exit_code"].as_i64()),
        (Some("succeeded"), Some(0))
    );
    assert_eq!(count(&server, ECS, "DeregisterTaskDefinition").await, 0);
}

/// moto end to end: family `web` with revisions 1–6, service `web` still on 2; `--keep 2
/// --delete` removes 1, 3 and 4 and leaves 2, 5 and 6 ACTIVE.
#[tokio::test]
async fn moto_prunes_deletes_and_keeps_the_revision_a_service_runs() {
    let moto = crate::support::moto::Moto::start();
    moto.ecs("CreateCluster", json!({"clusterName": "prod"}))
        .await;
    for revision in 1..=6 {
        let image = format!("app:v{revision}");
        moto.ecs(
            "RegisterTaskDefinition",
            json!({"family": "web", "containerDefinitions": [{"name": "app", "image": image, "memory": 256, "essential": true}]}),
        )
        .await;
    }
    moto.ecs(
        "CreateService",
        json!({"cluster": "prod", "serviceName": "web", "taskDefinition": "web:2", "desiredCount": 0}),
    )
    .await;
    let output = Test::new()
        .endpoint(&moto.url)
        .args([
            "prune",
            "--cluster",
            "prod",
            "--service",
            "web",
            "--keep",
            "2",
            "--delete",
            "--output",
            "json",
        ])
        .run()
        .await;
    output.status(0);
    let result = output.json();
    check_schema(&result);
    assert_eq!(
        (result["deregistered"].as_u64(), result["deleted"].as_u64()),
        (Some(3), Some(3))
    );
    let active = moto
        .ecs(
            "ListTaskDefinitions",
            json!({"familyPrefix": "web", "status": "ACTIVE"}),
        )
        .await;
    let names: Vec<&str> = active["taskDefinitionArns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, ["web:2", "web:5", "web:6"]);
}
