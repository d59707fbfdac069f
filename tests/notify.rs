//! `notify` and `--notify` against a local Slack stand-in (wiremock): payloads asserted
//! structurally, retries, template escaping, CI contexts, and that no secret is ever printed.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

use crate::support::aws::{ecs, mount, ok, sequence, unknown_task_definition, LogPages};
use crate::support::slack::posts;
use crate::support::{Output, Test};

/// The secret part of the webhook URL and the bot token: neither may appear in any output.
const HOOK_SECRET: &str = "B000/XXhookSecretPathXX";
const TOKEN: &str = "xoxb-1111-2222-TOKENSECRET";
const HOOK_PATH: &str = "/services/T000/B000/XXhookSecretPathXX";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

async fn slack() -> MockServer {
    MockServer::start().await
}

fn hook_url(server: &MockServer) -> String {
    format!("{}{HOOK_PATH}", server.uri())
}

async fn hook_answers(server: &MockServer, response: impl Respond + 'static) {
    Mock::given(method("POST"))
        .and(path(HOOK_PATH))
        .respond_with(response)
        .mount(server)
        .await;
}

/// A Slack stand-in whose webhook answers every post with `status` and `body`.
async fn webhook_answering(status: u16, body: &str) -> MockServer {
    let server = slack().await;
    hook_answers(&server, ResponseTemplate::new(status).set_body_string(body)).await;
    server
}

/// A Slack stand-in whose webhook takes every post.
async fn accepting_webhook() -> MockServer {
    webhook_answering(200, "ok").await
}

async fn api_answers(server: &MockServer, response: impl Respond + 'static) {
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(response)
        .mount(server)
        .await;
}

fn circleci(test: Test) -> Test {
    test.env("CIRCLECI", "true")
        .env("CIRCLE_PROJECT_USERNAME", "hoge-inc")
        .env("CIRCLE_PROJECT_REPONAME", "hoge")
        .env("CIRCLE_BRANCH", "staging")
        .env("CIRCLE_SHA1", SHA)
        .env("CIRCLE_REPOSITORY_URL", "git@github.com:hoge-inc/hoge.git")
        .env("CIRCLE_USERNAME", "nari")
        .env("CIRCLE_JOB", "service-update-and-notify")
        .env(
            "CIRCLE_BUILD_URL",
            "https://circleci.com/gh/hoge-inc/hoge/42",
        )
        .env("CIRCLE_BUILD_NUM", "42")
}

fn notify(server: &MockServer) -> Test {
    Test::new()
        .env("SLACK_WEBHOOK_URL", hook_url(server))
        .arg("notify")
}

/// `notify` with the bot token, posting through `server`'s Web API.
fn notify_with_token(server: &MockServer) -> Test {
    Test::new()
        .env("SLACK_ACCESS_TOKEN", TOKEN)
        .env("ECS_SHIP_SLACK_API_URL", format!("{}/api", server.uri()))
        .arg("notify")
}

/// Every mrkdwn field of a block message, as text.
fn fields(message: &Value) -> Vec<String> {
    message["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter_map(|b| b["fields"].as_array())
        .flatten()
        .map(|f| f["text"].as_str().unwrap().to_string())
        .collect()
}

/// The text of every section and header block.
fn texts(message: &Value) -> Vec<String> {
    message["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter_map(|b| b["text"]["text"].as_str())
        .map(str::to_string)
        .collect()
}

/// The text of the section block that starts with `heading`.
#[track_caller]
fn section(message: &Value, heading: &str) -> String {
    let texts = texts(message);
    texts
        .iter()
        .find(|t| t.starts_with(heading))
        .cloned()
        .unwrap_or_else(|| panic!("no section starting {heading:?} among {texts:#?}"))
}

#[track_caller]
fn has_field(message: &Value, expected: &str) {
    let fields = fields(message);
    assert!(
        fields.iter().any(|f| f == expected),
        "{expected:?} not among {fields:#?}"
    );
}

#[track_caller]
fn assert_no_secret(output: &Output) {
    let all = output.all();
    for secret in [HOOK_SECRET, "XXhookSecretPathXX", TOKEN, "TOKENSECRET"] {
        assert!(!all.contains(secret), "{secret:?} leaked:\n{all}");
    }
}

#[tokio::test]
async fn notify_posts_built_in_success_blocks_with_the_circleci_context() {
    let server = accepting_webhook().await;
    let output = circleci(notify(&server))
        .args([
            "--status",
            "pass",
            "--cluster",
            "hoge-prod",
            "--service",
            "hoge-service-prod",
            "--output",
            "json",
        ])
        .run()
        .await;
    output.status(0).stderr_has("posted to Slack");
    assert_eq!(output.json()["result"], "posted");
    assert_eq!(output.json()["status"], "succeeded");
    let posts = posts(&server).await;
    assert_eq!(posts.len(), 1);
    let message = &posts[0];
    assert_eq!(message["blocks"][0]["type"], "header");
    assert_eq!(
        message["blocks"][0]["text"]["text"],
        "✅ Deployment succeeded — hoge-inc/hoge"
    );
    assert!(message["text"].as_str().unwrap().contains("succeeded"));
    has_field(message, "*Project*\nhoge-inc/hoge");
    has_field(message, "*Branch*\n`staging`");
    has_field(
        message,
        &format!("*Commit*\n<https://github.com/hoge-inc/hoge/commit/{SHA}|0123456>"),
    );
    has_field(message, "*Triggered by*\nnari");
    has_field(
        message,
        "*CI job*\n<https://circleci.com/gh/hoge-inc/hoge/42|service-update-and-notify #42>",
    );
    has_field(message, "*Cluster*\nhoge-prod");
    has_field(message, "*Service*\nhoge-service-prod");
    assert!(
        !texts(message).iter().any(|t| t.starts_with("*Why")),
        "{message:#}"
    );
}

#[tokio::test]
async fn notify_fail_with_mention_names_the_status() {
    let server = accepting_webhook().await;
    notify(&server)
        .args(["--status", "fail", "--mention", "@here,S0123ABC"])
        .run()
        .await
        .status(0);
    let message = &posts(&server).await[0];
    let texts = texts(message);
    assert_eq!(texts[0], "❌ Deployment failed");
    assert_eq!(texts[1], "<!here> <!subteam^S0123ABC>");
}

#[tokio::test]
async fn notify_status_defaults_to_the_ci_job_status() {
    let server = accepting_webhook().await;
    notify(&server)
        .env("GITLAB_CI", "true")
        .env("CI_JOB_STATUS", "failed")
        .run()
        .await
        .status(0);
    assert_eq!(
        posts(&server).await[0]["blocks"][0]["text"]["text"],
        "❌ Deployment failed"
    );
}

#[tokio::test]
async fn status_takes_github_job_status_words_and_cancelled_is_neutral() {
    for (word, headline) in [
        ("success", "✅ Deployment succeeded"),
        ("failure", "❌ Deployment failed"),
        ("cancelled", "⚪ Deployment cancelled"),
    ] {
        let server = accepting_webhook().await;
        let output = notify(&server)
            .env("ECS_SHIP_STATUS", word)
            .args(["--output", "json"])
            .run()
            .await;
        output.status(0);
        let message = &posts(&server).await[0];
        assert_eq!(texts(message)[0], headline, "--status {word}");
        if word == "cancelled" {
            assert_eq!(output.json()["status"], "cancelled");
            assert!(
                !texts(message).iter().any(|t| t.starts_with("*Why")),
                "{message:#}"
            );
        }
    }
}

#[tokio::test]
async fn bot_token_posts_to_every_channel_with_chat_post_message() {
    let server = slack().await;
    api_answers(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(json!({"ok": true, "channel": "C1", "ts": "1700000000.000100"})),
    )
    .await;
    let output = notify_with_token(&server)
        .args(["--channel", "#deploys, C0ALERTS", "--output", "json"])
        .run()
        .await;
    output.status(0);
    let channels: Vec<Value> = posts(&server)
        .await
        .iter()
        .map(|p| p["channel"].clone())
        .collect();
    assert_eq!(channels, [json!("deploys"), json!("C0ALERTS")]);
    let doc = output.json();
    assert_eq!(doc["transport"], "chat.postMessage");
    assert_eq!(doc["messages"][0]["ts"], "1700000000.000100");
    assert_no_secret(&output);
}

#[tokio::test]
async fn invalid_channel_fails_with_slacks_reason() {
    let server = slack().await;
    api_answers(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(json!({"ok": false, "error": "channel_not_found"})),
    )
    .await;
    let output = notify_with_token(&server)
        .args(["--channel", "nope"])
        .run()
        .await;
    output
        .status(1)
        .stderr_has("#nope: Slack refused the message: channel_not_found");
    assert_eq!(posts(&server).await.len(), 1, "a refusal is not retried");
}

#[tokio::test]
async fn rate_limit_429_waits_for_retry_after_then_posts() {
    let server = slack().await;
    hook_answers(
        &server,
        sequence([
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_string("rate_limited"),
            ResponseTemplate::new(200).set_body_string("ok"),
        ]),
    )
    .await;
    let started = Instant::now();
    notify(&server)
        .arg("-v")
        .run()
        .await
        .status(0)
        .stderr_has("429");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(posts(&server).await.len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let server = webhook_answering(503, "service_unavailable").await;
    let output = notify(&server).run().await;
    output
        .status(1)
        .stderr_has("503 service_unavailable")
        .stderr_has("gave up after 4 attempts");
    assert_eq!(posts(&server).await.len(), 4);
    assert_no_secret(&output);
}

#[tokio::test]
async fn revoked_webhook_shows_slacks_reason() {
    let server = webhook_answering(404, "no_service").await;
    notify(&server)
        .run()
        .await
        .status(1)
        .stderr_has("404: no_service");
}

#[tokio::test]
async fn template_values_with_hostile_characters_stay_json_strings() {
    let server = accepting_webhook().await;
    let hostile = "\"quoted\" \\back\\slash\\ \n new line\t$(rm -rf /) `id` ${HOME} 🚀🔥 </script>";
    let template = r#"{
  "text": "${ECS_SHIP_STATUS}: ${CIRCLE_BRANCH}",
  "blocks": [
    {"type": "section", "text": {"type": "mrkdwn", "text": "by ${CIRCLE_USERNAME} on ${ECS_SHIP_BRANCH} cost $5, $$ literal"}}
  ]
}"#;
    let output = circleci(notify(&server))
        .env("CIRCLE_BRANCH", hostile)
        .env("CIRCLE_USERNAME", hostile)
        .file("slack.json", template)
        .args(["--template", "slack.json", "--status", "fail"])
        .run()
        .await;
    output.status(0);
    let message = &posts(&server).await[0];
    assert_eq!(message["text"], format!("failed: {hostile}"));
    assert_eq!(
        message["blocks"][0]["text"]["text"],
        format!("by {hostile} on {hostile} cost $5, $ literal")
    );
}

#[tokio::test]
async fn template_with_invalid_json_names_the_file_and_position() {
    let server = slack().await;
    let output = notify(&server)
        .file("bad.json", "{\n  \"text\": \"ok\",\n  \"blocks\": [,]\n}\n")
        .args(["--template", "bad.json"])
        .run()
        .await;
    output
        .status(1)
        .stderr_has("bad.json: not valid JSON after substituting variables, at line 3");
    assert!(posts(&server).await.is_empty());
}

#[tokio::test]
async fn unknown_placeholder_is_named_unless_allow_missing() {
    let server = accepting_webhook().await;
    let template = r#"{"text": "hi ${NOT_SET_ANYWHERE}!"}"#;
    notify(&server)
        .file("t.json", template)
        .args(["--template", "t.json"])
        .run()
        .await
        .status(1)
        .stderr_has("t.json: line 1, column 14: unknown variable ${NOT_SET_ANYWHERE}");
    assert!(posts(&server).await.is_empty());
    notify(&server)
        .file("t.json", template)
        .args(["--template", "t.json", "--allow-missing"])
        .run()
        .await
        .status(0);
    assert_eq!(posts(&server).await[0]["text"], "hi !");
}

#[tokio::test]
async fn text_message_expands_variables() {
    let server = accepting_webhook().await;
    circleci(notify(&server))
        .args([
            "--text",
            ":circleci-pass: ${CIRCLE_BRANCH} のデプロイが完了しました\n:github_octocat: User:${CIRCLE_USERNAME}",
            "--mention",
            "U024BE7LH",
        ])
        .run()
        .await
        .status(0);
    assert_eq!(
        posts(&server).await[0],
        json!({"text": "<@U024BE7LH> :circleci-pass: staging のデプロイが完了しました\n:github_octocat: User:nari"})
    );
}

#[tokio::test]
async fn event_and_branch_pattern_decide_whether_to_post() {
    let server = accepting_webhook().await;
    // Not due: no destination is needed and nothing is posted.
    let output = circleci(Test::new())
        .args([
            "notify", "--status", "pass", "--event", "fail", "--output", "json",
        ])
        .run()
        .await;
    output.status(0);
    assert_eq!(output.json()["result"], "skipped");
    circleci(notify(&server))
        .args(["--branch-pattern", "production|main"])
        .run()
        .await
        .status(0)
        .stderr_has("does not match --branch-pattern");
    assert!(posts(&server).await.is_empty());
    circleci(notify(&server))
        .args(["--branch-pattern", "stag.*", "--event", "pass"])
        .run()
        .await
        .status(0);
    assert_eq!(posts(&server).await.len(), 1);
}

#[tokio::test]
async fn no_webhook_or_token_when_a_message_is_due_is_an_error() {
    Test::new()
        .args(["notify"])
        .run()
        .await
        .status(1)
        .stderr_has("no Slack destination")
        .stderr_has("SLACK_WEBHOOK_URL");
    Test::new()
        .env("SLACK_ACCESS_TOKEN", TOKEN)
        .args(["notify"])
        .run()
        .await
        .status(1)
        .stderr_has("--channel");
}

#[tokio::test]
async fn slack_webhook_is_read_as_in_field_report_001() {
    let server = accepting_webhook().await;
    Test::new()
        .env("SLACK_WEBHOOK", hook_url(&server))
        .arg("notify")
        .run()
        .await
        .status(0);
    assert_eq!(posts(&server).await.len(), 1);
}

#[tokio::test]
async fn each_ci_system_fills_in_project_branch_commit_and_job_links() {
    let server = accepting_webhook().await;
    /// (provider name, its variables, [branch field, actor field, job URL]).
    type System = (
        &'static str,
        Vec<(&'static str, &'static str)>,
        [&'static str; 3],
    );
    let systems: Vec<System> = vec![
        (
            "GitHub Actions",
            vec![
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_SERVER_URL", "https://github.com"),
                ("GITHUB_REPOSITORY", "o/r"),
                ("GITHUB_REF_NAME", "main"),
                ("GITHUB_SHA", SHA),
                ("GITHUB_ACTOR", "octocat"),
                ("GITHUB_RUN_ID", "99"),
            ],
            ["*Branch*\n`main`", "*Triggered by*\noctocat", "https://github.com/o/r/actions/runs/99"],
        ),
        (
            "GitLab CI",
            vec![
                ("GITLAB_CI", "true"),
                ("CI_PROJECT_PATH", "g/r"),
                ("CI_PROJECT_URL", "https://gitlab.example.com/g/r"),
                ("CI_COMMIT_BRANCH", "prod/x"),
                ("CI_COMMIT_SHA", SHA),
                ("GITLAB_USER_LOGIN", "nari"),
                ("CI_JOB_URL", "https://gitlab.example.com/g/r/-/jobs/7"),
            ],
            ["*Branch*\n`prod/x`", "*Triggered by*\nnari", "https://gitlab.example.com/g/r/-/jobs/7"],
        ),
        (
            "AWS CodeBuild",
            vec![
                ("CODEBUILD_BUILD_ID", "hoge:abc"),
                ("CODEBUILD_BUILD_ARN", "arn:aws:codebuild:ap-northeast-1:123456789012:build/hoge:abc"),
                ("CODEBUILD_RESOLVED_SOURCE_VERSION", SHA),
                ("CODEBUILD_SOURCE_REPO_URL", "https://github.com/o/r.git"),
                ("CODEBUILD_WEBHOOK_HEAD_REF", "refs/heads/stage/x"),
                ("CODEBUILD_INITIATOR", "GitHub-Hookshot/1"),
            ],
            [
                "*Branch*\n`stage/x`",
                "*Triggered by*\nGitHub-Hookshot/1",
                "https://ap-northeast-1.console.aws.amazon.com/codesuite/codebuild/123456789012/projects/hoge/build/hoge%3Aabc/?region=ap-northeast-1",
            ],
        ),
        (
            "Buildkite",
            vec![
                ("BUILDKITE", "true"),
                ("BUILDKITE_REPO", "git@github.com:o/r.git"),
                ("BUILDKITE_BRANCH", "main"),
                ("BUILDKITE_COMMIT", SHA),
                ("BUILDKITE_BUILD_CREATOR", "Nari"),
                ("BUILDKITE_BUILD_URL", "https://buildkite.com/o/r/builds/3"),
            ],
            ["*Branch*\n`main`", "*Triggered by*\nNari", "https://buildkite.com/o/r/builds/3"],
        ),
        (
            "CI",
            vec![
                ("GIT_URL", "https://github.com/o/r.git"),
                ("GIT_BRANCH", "origin/main"),
                ("GIT_COMMIT", SHA),
                ("BUILD_URL", "https://jenkins.example/job/d/1/"),
                ("USER", "jenkins"),
            ],
            ["*Branch*\n`main`", "*Triggered by*\njenkins", "https://jenkins.example/job/d/1/"],
        ),
    ];
    for (index, (name, vars, [branch, actor, job_url])) in systems.into_iter().enumerate() {
        let mut test = notify(&server);
        for (key, value) in vars {
            test = test.env(key, value);
        }
        test.run().await.status(0);
        let message = &posts(&server).await[index];
        has_field(message, branch);
        has_field(message, actor);
        assert!(
            fields(message)
                .iter()
                .any(|f| f.starts_with("*CI job*\n<") && f.contains(job_url)),
            "{name}: {job_url} not in {:#?}",
            fields(message)
        );
        assert!(
            fields(message)
                .iter()
                .any(|f| f.starts_with("*Commit*\n<https://") && f.ends_with("|0123456>")),
            "{name}: no commit link in {:#?}",
            fields(message)
        );
        let context = message["blocks"].as_array().unwrap().last().unwrap();
        assert!(
            context["elements"][0]["text"]
                .as_str()
                .unwrap()
                .contains(name),
            "{name}: {context}"
        );
    }
}

mod run_task {
    //! `run-task --notify`: the outcome, including why it failed, reaches Slack.

    use super::*;

    use crate::support::tasks::{cluster, described, stopped, task};

    /// ECS where the migration task runs and exits with `exit`, logging `lines`.
    pub async fn ecs_scenario(exit: i32, lines: Vec<&str>) -> MockServer {
        let states = sequence([
            described(task("RUNNING", json!([]))),
            described(stopped(Some(exit), None)),
        ]);
        cluster(states, LogPages::new(vec![(lines, 0)])).await
    }

    pub fn migrate(aws: &MockServer, slack: &MockServer) -> Test {
        circleci(Test::new())
            .endpoint(&aws.uri())
            .env("SLACK_WEBHOOK_URL", hook_url(slack))
            .args([
                "run-task",
                "--cluster",
                "hoge-stg",
                "--task-definition",
                "hoge-service-stg",
                "--poll-interval",
                "100ms",
                "--env",
                "stg",
                "--notify",
            ])
            .file("ecs-ship.toml", "[env.stg]\ncluster = \"hoge-stg\"\n")
    }

    #[tokio::test]
    async fn failed_migration_posts_exit_code_stopped_reason_and_log_tail() {
        let aws = ecs_scenario(
            3,
            vec![
                "== AddUsers: migrating",
                "PG::UndefinedTable: ERROR: relation \"users\" does not exist",
            ],
        )
        .await;
        let slack = accepting_webhook().await;
        let output = migrate(&aws, &slack).args(["--output", "json"]).run().await;
        output.status(3);
        assert_eq!(output.json()["notify"]["result"], "posted");
        let message = &posts(&slack).await[0];
        assert_eq!(
            texts(message)[0],
            "❌ Migration task failed — hoge-inc/hoge (stg)"
        );
        has_field(message, "*Environment*\nstg");
        has_field(message, "*Cluster*\nhoge-stg");
        has_field(message, "*Task definition*\n`hoge-service-stg:7`");
        let why = section(message, "*Why:*");
        assert!(why.contains("*Exit code:* 3"), "{why}");
        assert!(
            why.contains("*Stopped reason:* Essential container in task exited"),
            "{why}"
        );
        let logs = section(message, "*Last 2 log lines of the task*");
        assert!(
            logs.contains("PG::UndefinedTable: ERROR: relation \"users\" does not exist"),
            "{logs}"
        );
        let context = message["blocks"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .to_string();
        assert!(context.contains("console.aws.amazon.com"), "{context}");
    }

    #[tokio::test]
    async fn successful_migration_posts_success() {
        let aws = ecs_scenario(0, vec!["done"]).await;
        let slack = accepting_webhook().await;
        migrate(&aws, &slack).run().await.status(0);
        let message = &posts(&slack).await[0];
        assert_eq!(
            texts(message)[0],
            "✅ Migration task succeeded — hoge-inc/hoge (stg)"
        );
        assert!(fields(message).iter().any(|f| f.starts_with("*Duration*")));
    }

    #[tokio::test]
    async fn event_fail_does_not_post_a_success() {
        let aws = ecs_scenario(0, vec![]).await;
        let slack = accepting_webhook().await;
        migrate(&aws, &slack)
            .args(["--event", "fail"])
            .run()
            .await
            .status(0);
        assert!(posts(&slack).await.is_empty());
    }

    #[tokio::test]
    async fn slack_down_keeps_the_tasks_exit_code() {
        let aws = ecs_scenario(3, vec!["boom"]).await;
        let slack = webhook_answering(500, "oops").await;
        let output = migrate(&aws, &slack).run().await;
        output
            .status(3)
            .stderr_has("warning: could not post to Slack")
            .stderr_has("exit code stays 3");
        assert_no_secret(&output);
    }

    #[tokio::test]
    async fn slack_down_after_success_is_a_warning_unless_notify_strict() {
        let aws = ecs_scenario(0, vec![]).await;
        let slack = webhook_answering(500, "oops").await;
        migrate(&aws, &slack)
            .run()
            .await
            .status(0)
            .stderr_has("--notify-strict makes this fail");
        let output = migrate(&aws, &slack)
            .args(["--notify-strict", "--output", "json"])
            .run()
            .await;
        output
            .status(1)
            .stderr_has("error: could not post to Slack");
        assert_eq!(output.json()["exit_code"], 1);
        assert_eq!(output.json()["notify"]["result"], "failed");
        assert_no_secret(&output);
    }

    #[tokio::test]
    async fn notify_strict_keeps_the_commands_own_failure_code() {
        let aws = ecs_scenario(7, vec![]).await;
        let slack = webhook_answering(500, "oops").await;
        migrate(&aws, &slack)
            .arg("--notify-strict")
            .run()
            .await
            .status(7)
            .stderr_has("could not post to Slack");
    }

    #[tokio::test]
    async fn an_early_error_is_reported_too() {
        let aws = MockServer::start().await;
        mount(
            &aws,
            ecs("DescribeTaskDefinition"),
            unknown_task_definition(),
        )
        .await;
        let slack = accepting_webhook().await;
        let output = migrate(&aws, &slack).run().await;
        assert_eq!(output.code, 1, "{}", output.stderr);
        let message = &posts(&slack).await[0];
        assert_eq!(
            texts(message)[0],
            "❌ Migration task failed — hoge-inc/hoge (stg)"
        );
        let why = section(message, "*Why:*");
        assert!(why.contains("*Exit code:* 1"), "{why}");
    }
}

mod deploy {
    //! `deploy --notify`: the deployment's failure reason and its last service events reach
    //! Slack, and Slack being down never changes the deploy's exit code.

    use super::*;

    use crate::support::ecs::{
        app_definition, definition_answer, deployment as rolling, event, in_prod, service,
        services, with, CIRCUIT_BREAKER, NEW_TD, OLD_TD,
    };

    /// The PRIMARY deployment `id` of `td`, `running` of its 2 tasks, ended `rollout` for `reason`.
    fn deployment(id: &str, td: &str, running: i64, rollout: &str, reason: &str) -> Value {
        with(
            rolling(id, "PRIMARY", td, running, 2, rollout),
            json!({ "rolloutStateReason": reason }),
        )
    }

    /// Service `web` on web:7 is pointed at web:8, whose deployment ends `rollout`.
    async fn ecs_scenario(rollout: &str, reason: &str) -> MockServer {
        let server = MockServer::start().await;
        let before = service(
            "web",
            OLD_TD,
            vec![deployment("ecs-svc/old", OLD_TD, 2, "COMPLETED", "done")],
            vec![event("e1", "(service web) has reached a steady state.")],
        );
        let after = service(
            "web",
            NEW_TD,
            vec![deployment("ecs-svc/new", NEW_TD, if rollout == "COMPLETED" { 2 } else { 0 }, rollout, reason)],
            vec![
                event("e3", "(service web) deployment ecs-svc/new deployment failed: tasks failed to start."),
                event("e2", "(service web) has started 2 tasks: (task a) (task b)."),
                event("e1", "(service web) has reached a steady state."),
            ],
        );
        let polls = sequence([services(vec![before]), services(vec![after])]);
        mount(&server, ecs("DescribeServices"), polls).await;
        let definition = definition_answer(app_definition("web", 8, "app:v2"));
        mount(&server, ecs("DescribeTaskDefinition"), definition).await;
        let updated = ok(json!({ "service": service(
            "web",
            NEW_TD,
            vec![deployment("ecs-svc/new", NEW_TD, 0, "IN_PROGRESS", "started")],
            vec![],
        ) }));
        mount(&server, ecs("UpdateService"), updated).await;
        server
    }

    fn deploy(aws: &MockServer, slack: &MockServer) -> Test {
        circleci(in_prod(aws, "deploy", "web"))
            .env("SLACK_WEBHOOK_URL", hook_url(slack))
            .args(["--task-definition", "web:8", "--timeout", "30s", "--notify"])
    }

    #[tokio::test]
    async fn failed_deploy_posts_the_reason_and_service_events() {
        let aws = ecs_scenario("FAILED", CIRCUIT_BREAKER).await;
        let slack = accepting_webhook().await;
        deploy(&aws, &slack).run().await.status(3);
        let message = &posts(&slack).await[0];
        assert_eq!(texts(message)[0], "❌ Deploy failed — hoge-inc/hoge");
        has_field(message, "*Cluster*\nprod");
        has_field(message, "*Service*\nweb");
        has_field(message, "*Task definition*\n`web:8`");
        let why = section(message, "*Why:*");
        assert!(
            why.contains("circuit breaker: tasks failed to start"),
            "{why}"
        );
        assert!(why.contains("*Exit code:* 3"), "{why}");
        let events = section(message, "*Latest service events*");
        assert!(
            events.contains("deployment failed: tasks failed to start."),
            "{events}"
        );
        assert!(message["text"]
            .as_str()
            .unwrap()
            .contains("circuit breaker"));
    }

    #[tokio::test]
    async fn successful_deploy_posts_success() {
        let aws = ecs_scenario("COMPLETED", "done").await;
        let slack = accepting_webhook().await;
        deploy(&aws, &slack).run().await.status(0);
        let message = &posts(&slack).await[0];
        assert_eq!(texts(message)[0], "✅ Deploy succeeded — hoge-inc/hoge");
        has_field(message, "*Task definition*\n`web:8`");
    }

    #[tokio::test]
    async fn slack_down_during_deploy_keeps_the_deploys_exit_code() {
        let aws = ecs_scenario("FAILED", CIRCUIT_BREAKER).await;
        let slack = webhook_answering(500, "internal_error").await;
        let output = deploy(&aws, &slack).args(["--output", "json"]).run().await;
        output
            .status(3)
            .stderr_has("warning: could not post to Slack")
            .stderr_has("Slack answered 500");
        assert_eq!(output.json()["exit_code"], 3);
        assert_eq!(output.json()["notify"]["result"], "failed");
        assert_no_secret(&output);

        let aws = ecs_scenario("COMPLETED", "done").await;
        deploy(&aws, &slack).run().await.status(0);
    }

    #[tokio::test]
    async fn notify_start_posts_started_before_anything_changes() {
        let aws = ecs_scenario("COMPLETED", "done").await;
        let slack = accepting_webhook().await;
        let output = deploy(&aws, &slack)
            .args(["--notify-start", "--output", "json"])
            .run()
            .await;
        output.status(0);
        assert_eq!(output.json()["notify_start"]["result"], "posted");
        let posts = posts(&slack).await;
        assert_eq!(posts.len(), 2, "started, then the outcome");
        assert_eq!(texts(&posts[0])[0], "🚀 Deploy started — hoge-inc/hoge");
        has_field(&posts[0], "*Cluster*\nprod");
        has_field(&posts[0], "*Service*\nweb");
        assert_eq!(texts(&posts[1])[0], "✅ Deploy succeeded — hoge-inc/hoge");

        // Posted when the deploy begins: a deploy that fails at once still announced its start.
        let aws = MockServer::start().await;
        let slack = accepting_webhook().await;
        deploy(&aws, &slack)
            .arg("--notify-start")
            .run()
            .await
            .status(1);
        let posts = super::posts(&slack).await;
        assert_eq!(texts(&posts[0])[0], "🚀 Deploy started — hoge-inc/hoge");
        assert_eq!(texts(&posts[1])[0], "❌ Deploy failed — hoge-inc/hoge");
    }

    #[tokio::test]
    async fn notify_start_failure_is_a_warning_unless_strict() {
        let slack = webhook_answering(500, "internal_error").await;
        let aws = ecs_scenario("COMPLETED", "done").await;
        let output = circleci(Test::new())
            .endpoint(&aws.uri())
            .env("SLACK_WEBHOOK_URL", hook_url(&slack))
            .args(["deploy", "--cluster", "prod", "--service", "web"])
            .args(["--task-definition", "web:8", "--poll-interval", "100ms"])
            .args(["--notify-start", "--output", "json"])
            .run()
            .await;
        output
            .status(0)
            .stderr_has("warning: could not post to Slack");
        assert_eq!(output.json()["notify_start"]["result"], "failed");
        assert_no_secret(&output);

        // --notify-strict: the deploy stops before it changes anything.
        let aws = ecs_scenario("COMPLETED", "done").await;
        circleci(Test::new())
            .endpoint(&aws.uri())
            .env("SLACK_WEBHOOK_URL", hook_url(&slack))
            .args(["deploy", "--cluster", "prod", "--service", "web"])
            .args([
                "--task-definition",
                "web:8",
                "--notify-start",
                "--notify-strict",
            ])
            .run()
            .await
            .status(1);
        let calls = aws.received_requests().await.unwrap_or_default();
        assert!(calls.is_empty(), "no AWS call after a strict start failure");
    }
}

/// Every way a post can fail, run with `-v` and `--output json`: the webhook's secret path and
/// the token appear nowhere.
#[tokio::test]
async fn secrets_never_appear_in_any_failure_output() {
    let server = slack().await;
    // A hostile or misconfigured endpoint that echoes the URL and token back.
    hook_answers(
        &server,
        ResponseTemplate::new(400).set_body_string(format!(
            "invalid_payload for https://hooks.slack.com{HOOK_PATH} and {TOKEN}"
        )),
    )
    .await;
    let api_down = format!("{}/api", server.uri());
    let api = slack().await;
    api_answers(
        &api,
        ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": "invalid_auth"})),
    )
    .await;
    let limited = slack().await;
    api_answers(
        &limited,
        ResponseTemplate::new(429).insert_header("Retry-After", "3600"),
    )
    .await;
    let ok_false = slack().await;
    hook_answers(
        &ok_false,
        ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": "invalid_blocks"})),
    )
    .await;

    let closed = format!("http://127.0.0.1:9{HOOK_PATH}");
    let webhook = |url: &str| {
        Test::new()
            .env("SLACK_WEBHOOK_URL", url)
            .env("SLACK_ACCESS_TOKEN", TOKEN)
            .args(["notify", "-v", "--output", "json"])
    };
    let bot = |api_url: &str| {
        Test::new()
            .env("SLACK_ACCESS_TOKEN", TOKEN)
            .env("SLACK_WEBHOOK_URL", hook_url(&server))
            .env("ECS_SHIP_SLACK_API_URL", api_url)
            .args(["notify", "-v", "--output", "json", "--channel", "C1"])
    };
    let cases: Vec<(&str, Test)> = vec![
        ("closed port", webhook(&closed)),
        ("echoing 400", webhook(&hook_url(&server))),
        ("ok false", webhook(&hook_url(&ok_false))),
        (
            "404",
            webhook(&format!("{}/services/T000/{HOOK_SECRET}/404", server.uri())),
        ),
        (
            "not a url",
            webhook(&format!("hooks.slack.com/services/T000/{HOOK_SECRET}")),
        ),
        ("invalid auth", bot(&format!("{}/api", api.uri()))),
        (
            "rate limited for an hour",
            bot(&format!("{}/api", limited.uri())),
        ),
        ("api 404", bot(&api_down)),
        (
            "secret in template",
            webhook(&hook_url(&ok_false))
                .file(
                    "t.json",
                    r#"{"text": "${SLACK_WEBHOOK_URL} ${SLACK_ACCESS_TOKEN}"}"#,
                )
                .args(["--template", "t.json"]),
        ),
        (
            "bad template",
            webhook(&hook_url(&ok_false))
                .file("t.json", r#"{"text": ${CIRCLE_BRANCH}}"#)
                .env("CIRCLE_BRANCH", TOKEN)
                .args(["--template", "t.json"]),
        ),
        (
            "webhook as flag",
            Test::new().args([
                "notify",
                "-v",
                "--output",
                "json",
                "--webhook-url",
                closed.as_str(),
            ]),
        ),
    ];
    for (name, test) in cases {
        let output = test.run().await;
        assert_ne!(output.code, 0, "{name}: {output:?}");
        assert!(
            !output.stderr.contains("panicked"),
            "{name}: {}",
            output.stderr
        );
        assert_no_secret(&output);
    }
    // And with the command itself failing and Slack down, under --notify.
    let aws = run_task::ecs_scenario(3, vec!["a log line"]).await;
    let output = run_task::migrate(&aws, &server)
        .env("SLACK_WEBHOOK_URL", closed.as_str())
        .args(["-v", "--output", "json"])
        .run()
        .await;
    output.status(3);
    assert_no_secret(&output);
}
