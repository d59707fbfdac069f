//! The Markdown job summary: appended to `$GITHUB_STEP_SUMMARY` or `--summary FILE`.

use serde_json::json;
use wiremock::MockServer;

use crate::support::aws::{ecs, mount, ok, sequence, LogPages};
use crate::support::ecs::{
    app_definition, definition_answer, in_prod, services, web_service, NEW_TD, OLD_TD,
};
use crate::support::tasks::{cluster, described, migrate, stopped, task, TASK, TD};
use crate::support::Test;

/// `web` goes from web:7 to web:8 and completes.
async fn rolling_deploy() -> MockServer {
    let server = MockServer::start().await;
    let definition = definition_answer(app_definition("web", 8, "app:v2"));
    mount(&server, ecs("DescribeTaskDefinition"), definition).await;
    let polls = [
        services(vec![web_service(OLD_TD, "ecs-svc/old", "COMPLETED")]),
        services(vec![web_service(NEW_TD, "ecs-svc/new", "COMPLETED")]),
    ];
    mount(&server, ecs("DescribeServices"), sequence(polls)).await;
    let updated = json!({ "service": web_service(NEW_TD, "ecs-svc/new", "IN_PROGRESS") });
    mount(&server, ecs("UpdateService"), ok(updated)).await;
    server
}

/// `deploy` of web:8 to service `web`.
fn deploy(server: &MockServer) -> Test {
    in_prod(server, "deploy", "web").args(["--task-definition", "web:8"])
}

/// A run-task whose container exits 3 after writing two log lines.
async fn failing_migration() -> MockServer {
    let states = [
        described(task("RUNNING", json!([]))),
        described(stopped(Some(3), None)),
    ];
    let pages = LogPages::new(vec![(vec!["migrating", "rake aborted! | bad"], 0)]);
    cluster(sequence(states), pages).await
}

#[tokio::test]
async fn github_step_summary_is_appended_to_never_truncated() {
    let server = rolling_deploy().await;
    let test = deploy(&server);
    let file = test.dir().join("step_summary.md");
    std::fs::write(&file, "## Build\n\nearlier step\n").unwrap();
    let test = test.env("GITHUB_STEP_SUMMARY", file.display().to_string());
    test.run_blocking().status(0);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("## Build\n\nearlier step\n\n### ✅ ecs-ship deploy: succeeded\n"),
        "{text}"
    );
}

#[tokio::test]
async fn a_deploy_gives_a_row_per_service_with_revision_result_and_link() {
    let server = rolling_deploy().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("summary.md");
    let output = deploy(&server)
        .args(["--summary", &file.display().to_string(), "--output", "json"])
        .run()
        .await;
    output.status(0);
    output.json();
    let text = std::fs::read_to_string(&file).unwrap();
    let row = text
        .lines()
        .find(|line| line.starts_with("| web |"))
        .unwrap_or_else(|| panic!("no row for web:\n{text}"));
    assert!(
        row.starts_with("| web | `web:8` | ✅ succeeded | "),
        "{row}"
    );
    assert!(
        row.ends_with("/clusters/prod/services/web/deployments?region=us-east-1) |")
            && row.contains("| [open](https://"),
        "{row}"
    );
    assert!(!text.contains("**Failed**"), "{text}");
}

#[tokio::test]
async fn a_failure_gives_the_reason_the_exit_code_and_the_log_tail() {
    let server = failing_migration().await;
    let test = migrate(&server);
    let file = test.dir().join("summary.md");
    let test = test.env("ECS_SHIP_SUMMARY", file.display().to_string());
    test.run_blocking().status(3);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("### ❌ ecs-ship run-task: failed\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "| task 0123456789abcdef | `hoge-service-stg:7` | ❌ STOPPED (hoge-stg exit 3) |"
        ),
        "{text}"
    );
    assert!(text.contains("**Failed** (exit code 3): "), "{text}");
    assert!(
        text.contains("- task 0123456789abcdef: Essential container in task exited"),
        "{text}"
    );
    assert!(
        text.contains("**Last log lines**\n\n```text\nmigrating\nrake aborted! | bad\n```"),
        "{text}"
    );
}

#[tokio::test]
async fn run_task_gives_a_row_per_task() {
    let states = [described(stopped(Some(0), None))];
    let server = cluster(sequence(states), LogPages::new(vec![])).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("summary.md");
    let output = migrate(&server)
        .args(["--summary", &file.display().to_string()])
        .run()
        .await;
    output.status(0).stdout_has(TASK);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("### ✅ ecs-ship run-task: succeeded\n"),
        "{text}"
    );
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| task ")).collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert!(
        rows[0].contains(&format!(
            "| `{}` | ✅ STOPPED (hoge-stg exit 0) |",
            TD.rsplit('/').next().unwrap()
        )),
        "{text}"
    );
}

#[tokio::test]
async fn the_summary_flag_wins_over_github_step_summary() {
    let server = rolling_deploy().await;
    let dir = tempfile::tempdir().unwrap();
    let (github, mine) = (dir.path().join("github.md"), dir.path().join("mine.md"));
    let output = deploy(&server)
        .env("GITHUB_STEP_SUMMARY", github.display().to_string())
        .args(["--summary", &mine.display().to_string()])
        .run()
        .await;
    output.status(0);
    assert!(!github.exists(), "GITHUB_STEP_SUMMARY was written too");
    let text = std::fs::read_to_string(&mine).unwrap();
    assert!(text.contains("| web | `web:8` |"), "{text}");
}

#[tokio::test]
async fn a_summary_that_cannot_be_written_is_an_error_before_any_aws_call() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("missing-dir").join("summary.md");
    Test::new()
        .args([
            "deploy",
            "--cluster",
            "prod",
            "--service",
            "web",
            "--summary",
        ])
        .arg(file.display().to_string())
        .run()
        .await
        .status(1)
        .stderr_has("--summary")
        .stderr_has("cannot open it for appending");
}

#[tokio::test]
async fn nothing_is_written_for_a_dry_run() {
    let server = rolling_deploy().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("summary.md");
    deploy(&server)
        .args(["--summary", &file.display().to_string(), "--dry-run"])
        .run()
        .await
        .status(0);
    // Checked to be writable before any AWS call, and left empty.
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "",
        "a dry run wrote a summary"
    );
}
