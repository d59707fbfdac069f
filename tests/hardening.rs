//! Bad and hostile input (issue 19): refused as a usage error naming the flag before any AWS
//! call, never a panic, never a secret echoed; one test per class, through the real binary,
//! and a seeded property test over every flag that takes a value.

use std::ffi::OsString;
use std::process::Command;

use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::aws::{aws_error, call_order, ecs, mount, ok, requests, sequence, ECS};
use crate::support::ecs::{
    app_definition, definition_answer, deployment, service, services, ship, td, web_service,
};
use crate::support::tasks::{cluster, described, migrate, no_log_stream, run_task, stopped, task};
use crate::support::{binary, Test};

/// A stand-in that answers nothing it was not told to: any call it sees is a test failure.
async fn idle() -> MockServer {
    MockServer::start().await
}

/// The calls that would change AWS (anything but a read).
async fn mutating_calls(server: &MockServer) -> Vec<String> {
    call_order(server)
        .await
        .into_iter()
        .filter(|call| {
            !["Describe", "List", "Get", "BatchGet", "GET "]
                .iter()
                .any(|read| call.starts_with(read))
        })
        .collect()
}

/// Runs `args` against a stand-in that must see no call at all: exit `code` with `needle`.
async fn refused_before_aws(args: &[&str], code: i32, needle: &str) {
    refused_in(Test::new(), args, code, needle).await;
}

/// As `refused_before_aws`, in a test directory holding `file`.
async fn file_refused_before_aws(file: (&str, &str), args: &[&str], needle: &str) {
    refused_in(Test::new().file(file.0, file.1), args, 2, needle).await;
}

async fn refused_in(test: Test, args: &[&str], code: i32, needle: &str) {
    let server = idle().await;
    test.endpoint(&server.uri())
        .args(args.iter().copied())
        .run()
        .await
        .status(code)
        .stderr_has(needle);
    let calls = call_order(&server).await;
    assert!(calls.is_empty(), "{args:?} called AWS: {calls:?}");
}

const DEPLOY: [&str; 5] = ["deploy", "--cluster", "c", "--service", "s"];
const RUN: [&str; 5] = ["run-task", "--cluster", "c", "--task-definition", "td"];

fn with<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

#[tokio::test]
async fn durations_and_counts_that_do_not_fit_are_refused_naming_the_flag() {
    for (base, more, flag) in [
        (
            &RUN[..],
            &["--timeout", "9223372036854775807"][..],
            "--timeout",
        ),
        (&RUN, &["--log-settle", "99999999999999h"], "--log-settle"),
        (
            &DEPLOY,
            &["--poll-interval", "18446744073709551615s"],
            "--poll-interval",
        ),
        (
            &["rollback", "--cluster", "c", "--service", "s"],
            &["--timeout", "5124095576030431h"],
            "--timeout",
        ),
        (&RUN, &["--count", "0"], "--count"),
        (&RUN, &["--count", "4294967296"], "--count"),
        (
            &DEPLOY,
            &["--desired-count", "2147483648"],
            "--desired-count",
        ),
        (
            &DEPLOY,
            &["--max-poll-attempts", "0"],
            "--max-poll-attempts",
        ),
        (
            &["continue", "--service", "s"],
            &["--max-poll-attempts", "99999999999"],
            "--max-poll-attempts",
        ),
        (
            &["rollback", "--service", "s"],
            &["--max-poll-attempts", "0"],
            "--max-poll-attempts",
        ),
    ] {
        refused_before_aws(&with(base, more), 2, flag).await;
    }
    for (var, value) in [
        ("ECS_SHIP_TIMEOUT", "9223372036854775807"),
        ("ECS_SHIP_POLL_INTERVAL", "99999999999999999999h"),
        ("ECS_SHIP_COUNT", "18446744073709551616"),
    ] {
        let server = idle().await;
        Test::new()
            .endpoint(&server.uri())
            .env(var, value)
            .args(RUN)
            .run()
            .await
            .status(2)
            .stderr_has(var);
        assert!(call_order(&server).await.is_empty(), "{var}");
    }
}

#[tokio::test]
async fn the_longest_accepted_durations_give_deadlines_without_overflow() {
    let server = cluster(described(stopped(Some(0), Some(0))), no_log_stream()).await;
    migrate(&server)
        .args(["--timeout", "8784h", "--log-settle", "0"])
        .run()
        .await
        .status(0);
}

#[tokio::test]
async fn broken_image_references_are_refused_naming_the_part() {
    let long_tag = format!("app=repo:{}", "t".repeat(129));
    for (image, part) in [
        ("app=@sha256:", "the repository name is empty"),
        ("app=@", "the repository name is empty"),
        ("app=repo@sha256:", "sha256 takes 64 lowercase hex digits"),
        ("app=//", "empty component"),
        ("app=repo@sha256:abc", "64 lowercase hex"),
        ("app=Repo/App:v1", "`App`"),
        (long_tag.as_str(), "at most 128"),
        ("", "--image is empty"),
    ] {
        refused_before_aws(&with(&DEPLOY, &["--image", image]), 2, part).await;
        refused_before_aws(&with(&RUN, &["--image", image]), 2, part).await;
    }
    refused_before_aws(
        &with(
            &DEPLOY,
            &["--container-image-name-updates", "container=app,tag=a/b"],
        ),
        2,
        "`tag=a/b`",
    )
    .await;
}

#[tokio::test]
async fn conflicting_inputs_name_both_sides() {
    for (more, needle) in [
        (
            &[
                "--image",
                "app=repo:1",
                "--container-image-name-updates",
                "container=app,tag=2",
            ][..],
            "--image app=repo:1 and --container-image-name-updates",
        ),
        (
            &["--image", "app=repo:1", "--image", "app=repo:2"],
            "--image app=repo:1 and --image app=repo:2",
        ),
        (
            &["--set-env", "app:FOO=1", "--unset-env", "app:FOO"],
            "--set-env app:FOO=… and --unset-env app:FOO",
        ),
    ] {
        refused_before_aws(&with(&DEPLOY, more), 2, needle).await;
    }
    let server = cluster(described(stopped(Some(0), Some(0))), no_log_stream()).await;
    migrate(&server)
        .args([
            "--overrides",
            r#"{"containerOverrides":[{"name":"hoge-stg","command":["other"]}]}"#,
        ])
        .run()
        .await
        .status(2)
        .stderr_has("--command (or --command-json) and --overrides both set the command");
    assert!(mutating_calls(&server).await.is_empty());
}

#[tokio::test]
async fn values_aws_would_refuse_are_refused_locally() {
    let file = r#"{"family": "f", "containerDefinitions": {"name": "app"}}"#;
    for (args, needle) in [
        (with(&RUN, &["--subnets", ",,"]), "--subnets"),
        (with(&RUN, &["--launch-type", "LAMBDA"]), "--launch-type"),
        (with(&RUN, &["--started-by", "CI job #42"]), "--started-by"),
        (vec!["ecr", "resolve", "Repo:v1"], "`Repo`"),
        (
            with(&RUN, &["--capacity-provider-strategy", "[]"]),
            "--capacity-provider-strategy is empty",
        ),
        (
            with(
                &RUN,
                &["--strict", "--overrides", r#"{"contanerOverrides": []}"#],
            ),
            "did you mean `containerOverrides`",
        ),
        (with(&RUN, &["--set-env", "app:MY VAR=1"]), "`MY VAR`"),
        (with(&DEPLOY, &["--unset-env", "app:A B"]), "`A B`"),
        (
            with(&DEPLOY, &["--task-definition-file", "td.json"]),
            "must be a list",
        ),
        (
            vec!["iam-policy", "--task-role-arn", "not-an-arn"],
            "--task-role-arn",
        ),
        (
            vec!["deploy", "--role-arn", "arn:aws:iam::1:role/x"],
            "--role-arn",
        ),
    ] {
        file_refused_before_aws(("td.json", file), &args, needle).await;
    }
    // Without --strict, an unknown key is a warning and the task runs.
    let server = cluster(described(stopped(Some(0), Some(0))), no_log_stream()).await;
    migrate(&server)
        .args(["--overrides", r#"{"contanerOverrides": []}"#])
        .run()
        .await
        .status(0)
        .stderr_has("warning: --overrides: unknown TaskOverride key `contanerOverrides` (did you mean `containerOverrides`?)");
}

#[tokio::test]
async fn files_are_read_with_a_cap() {
    let started = std::time::Instant::now();
    refused_before_aws(
        &with(&DEPLOY, &["--task-definition-file", "/dev/zero"]),
        2,
        "larger than 4 MiB",
    )
    .await;
    refused_before_aws(
        &with(&RUN, &["--overrides", "@/dev/zero"]),
        2,
        "larger than 4 MiB",
    )
    .await;
    refused_before_aws(
        &with(&RUN, &["--config", "/dev/zero"]),
        1,
        "larger than 4 MiB",
    )
    .await;
    let slack = idle().await;
    Test::new()
        .env(
            "SLACK_WEBHOOK_URL",
            format!("{}/services/T/B/x", slack.uri()),
        )
        .args(["notify", "--template", "/dev/zero"])
        .run()
        .await
        .status(2)
        .stderr_has("larger than 4 MiB");
    assert!(slack.received_requests().await.unwrap().is_empty());
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

#[tokio::test]
async fn an_output_file_that_cannot_be_written_fails_before_aws() {
    for base in [&DEPLOY[..], &RUN[..]] {
        refused_before_aws(
            &with(base, &["--github-output", "no/such/dir/out"]),
            1,
            "--github-output no/such/dir/out",
        )
        .await;
    }
}

#[cfg(unix)]
#[tokio::test]
async fn sighup_stops_the_task_and_exits_129() {
    let server = cluster(
        sequence([described(task("RUNNING", json!([])))]),
        no_log_stream(),
    )
    .await;
    let mut child = migrate(&server).spawn();
    for _ in 0..100 {
        if !requests(&server, ECS, "DescribeTasks").await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(129));
    let stops = requests(&server, ECS, "StopTask").await;
    assert_eq!(stops.len(), 1, "SIGHUP stops the task");
    assert!(stops[0]["reason"].as_str().unwrap().contains("SIGHUP"));
}

#[cfg(unix)]
#[tokio::test]
async fn sighup_ends_a_deploy_wait_with_129() {
    let (old, new) = (td("web", 7), "ecs-svc/new");
    let rolling = service(
        "web",
        &old,
        vec![
            deployment(new, "PRIMARY", &old, 0, 2, "IN_PROGRESS"),
            deployment("ecs-svc/old", "ACTIVE", &old, 2, 2, "COMPLETED"),
        ],
        vec![],
    );
    let server = MockServer::start().await;
    let steady = services(vec![web_service(&old, "ecs-svc/old", "COMPLETED")]);
    let polls = services(vec![rolling.clone()]);
    mount(&server, ecs("DescribeServices"), sequence([steady, polls])).await;
    let definition = definition_answer(app_definition("web", 7, "app:v1"));
    mount(&server, ecs("DescribeTaskDefinition"), definition).await;
    mount(
        &server,
        ecs("UpdateService"),
        ok(json!({ "service": rolling })),
    )
    .await;
    let child = ship(&server, "deploy")
        .arg("--force-new-deployment")
        .spawn();
    for _ in 0..100 {
        if requests(&server, ECS, "DescribeServices").await.len() > 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(129), "{stderr}");
    assert!(stderr.contains("SIGHUP"), "{stderr}");
}

#[tokio::test]
async fn a_container_exit_code_outside_a_byte_exits_1_never_0() {
    for code in [256, -1] {
        let server = cluster(described(stopped(Some(code), Some(0))), no_log_stream()).await;
        migrate(&server)
            .run()
            .await
            .status(1)
            .stderr_has(&format!("exited with code {code}"))
            .stderr_has("ecs-ship exits with 1");
    }
}

#[tokio::test]
async fn every_format_error_of_a_flag_value_is_a_usage_error() {
    let webhook = ["notify", "--webhook-url", "ftp://hooks.example.com/x"];
    for (args, needle) in [
        (vec!["notify", "--branch-pattern", "("], "--branch-pattern"),
        (vec!["notify", "--mention", "bob"], "--mention"),
        (
            with(&DEPLOY, &["--codedeploy-hook", "Nope=fn"]),
            "--codedeploy-hook",
        ),
        (with(&DEPLOY, &["--rule", "bus/"]), "--rule"),
        (with(&DEPLOY, &["--schedule", "a b"]), "--schedule"),
        (webhook.to_vec(), "does not start with https://"),
        (
            vec!["iam-policy", "--command", "bogus"],
            "--command `bogus`",
        ),
        (
            with(&DEPLOY, &["--task-definition-file", "missing.json"]),
            "missing.json",
        ),
        (
            with(&DEPLOY, &["--notify", "--webhook-url", "ftp://x/y"]),
            "does not start with https://",
        ),
    ] {
        refused_before_aws(&args, 2, needle).await;
    }
    let server = idle().await;
    Test::new()
        .endpoint(&server.uri())
        .file("ecs-ship.toml", "clustr = \"a\"\n")
        .args(DEPLOY)
        .run()
        .await
        .status(2)
        .stderr_has("clustr");
}

#[tokio::test]
async fn parse_errors_print_the_json_error_document() {
    let output = Test::new()
        .args(["deploy", "--bogus", "--output", "json"])
        .run()
        .await;
    output.status(2).stderr_has("--bogus");
    let document = output.json();
    assert_eq!(document["command"], "deploy");
    assert_eq!(document["result"], "error");
    assert_eq!(document["exit_code"], 2);
    let output = Test::new()
        .env("ECS_SHIP_OUTPUT", "json")
        .file("ecs-ship.toml", "[env.x.deploy]\ncount = 2\n")
        .args(["deploy", "--env", "x"])
        .run()
        .await;
    output.status(2).stderr_has("not a flag of `deploy`");
    assert_eq!(output.json()["exit_code"], 2);
}

#[tokio::test]
async fn slack_secrets_given_by_mistake_are_redacted() {
    for args in [
        vec!["deploy", "https://hooks.slack.com/services/T0/B0/sekrit"],
        vec!["notify", "--", "xoxb-123-sekrit"],
        vec!["run-task", "https://user:sekrit@hooks.example.com/x"],
    ] {
        let output = Test::new().args(args.iter().copied()).run().await;
        output.status(2).stderr_has("redacted)");
        assert!(
            !output.all().contains("sekrit"),
            "{args:?}: {}",
            output.all()
        );
    }
    Test::new()
        .args(["deploy", "https://hooks.slack.com/services/T0/B0/sekrit"])
        .run()
        .await
        .stderr_has("(looks like a Slack webhook URL; redacted)");

    // A webhook URL with userinfo: the "posting …" line shows the host only.
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&slack)
        .await;
    let url = slack.uri().replace("http://", "http://user:SEKRIT@") + "/hook";
    let output = Test::new()
        .args(["notify", "--webhook-url", &url, "--status", "pass"])
        .run()
        .await;
    output
        .status(0)
        .stderr_has("posting the `")
        .stderr_has("(incoming webhook on 127.0.0.1:");
    assert!(!output.all().contains("SEKRIT"), "{}", output.all());
}

#[tokio::test]
async fn credentials_are_never_expanded_into_a_task_definition() {
    let server = idle().await;
    let file = r#"{"family": "f", "containerDefinitions": [{"name": "app", "image": "x",
        "environment": [{"name": "K", "value": "${AWS_SECRET_ACCESS_KEY}"}]}]}"#;
    for secret in ["AWS_SECRET_ACCESS_KEY", "SLACK_WEBHOOK_URL"] {
        let output = Test::new()
            .endpoint(&server.uri())
            .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMIverysecret")
            .env(
                "SLACK_WEBHOOK_URL",
                "https://hooks.slack.com/services/T/B/verysecret",
            )
            .file("td.json", &file.replace("AWS_SECRET_ACCESS_KEY", secret))
            .args(with(
                &DEPLOY,
                &["--dry-run", "--task-definition-file", "td.json"],
            ))
            .run()
            .await;
        output
            .status(2)
            .stderr_has(&format!("${{{secret}}} refused"));
        assert!(!output.all().contains("verysecret"), "{}", output.all());
    }
    assert!(call_order(&server).await.is_empty());
}

#[tokio::test]
async fn messages_name_what_is_wrong() {
    refused_before_aws(&with(&DEPLOY, &["--region", ""]), 2, "--region is empty").await;
    for (toml, args, needle) in [
        (
            "poll-interval = \"soon\"\n",
            with(&DEPLOY, &["--poll-interval", "5s"]),
            "soon",
        ),
        (
            "[env.x.deploy]\ncount = 2\n",
            with(&DEPLOY, &["--env", "x"]),
            "[env.x.deploy]",
        ),
        (
            "cluster = 123\n",
            vec!["deploy", "--service", "s"],
            "expected a string",
        ),
    ] {
        file_refused_before_aws(("ecs-ship.toml", toml), &args, needle).await;
    }
}

#[cfg(unix)]
#[test]
fn non_utf8_arguments_and_variables_are_named() {
    use std::os::unix::ffi::OsStringExt;
    let bad = OsString::from_vec(vec![b'c', 0xff]);
    let run = |args: Vec<OsString>, env: Option<(&str, &OsString)>| {
        let mut command = Command::new(binary());
        command
            .args(args)
            .env_clear()
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .current_dir(std::env::temp_dir());
        if let Some((key, value)) = env {
            command.env(key, value);
        }
        let output = command.output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(vec!["deploy".into(), "--cluster".into(), bad.clone()], None);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("the value of --cluster is not valid UTF-8"),
        "{stderr}"
    );
    let (code, stderr) = run(vec!["deploy".into()], Some(("ECS_SHIP_CLUSTER", &bad)));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("ECS_SHIP_CLUSTER"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// The property test: every flag that takes a value, fed edge and random values.

/// A small deterministic generator (xorshift64*), so a failure reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A short string of characters that mean something to some parser.
    fn text(&mut self) -> String {
        const ALPHABET: &[&str] = &[
            "a", "Z", "0", "9", "=", ":", ",", "@", "/", " ", "$", "{", "}", "[", "]", "\"", "-",
            ".", "_", "ü", "✓", "sha256:", "s", "ms", "h", "\\", "%", "*",
        ];
        let len = self.below(12);
        (0..len)
            .map(|_| ALPHABET[self.below(ALPHABET.len())])
            .collect()
    }
}

/// The flags of `command` that take a value, read from its `--help`.
/// One run: the arguments, and the variable set instead of the flag (for the random values).
type Case = (Vec<OsString>, Option<(String, OsString)>);

/// The flags of `command` that take a value, with the variable each reads, from its `--help`.
fn value_flags(command: &[&str]) -> Vec<(String, Option<String>)> {
    let output = Command::new(binary())
        .args(command)
        .arg("--help")
        .env_clear()
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    // One block per option: its line and the help lines under it.
    let mut blocks: Vec<String> = vec![];
    for line in help.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('-') || blocks.is_empty() {
            blocks.push(String::new());
        }
        let block = blocks.last_mut().unwrap();
        block.push_str(trimmed);
        block.push(' ');
    }
    blocks
        .iter()
        .filter_map(|block| {
            let line = block
                .strip_prefix("-q, ")
                .or(block.strip_prefix("-v, "))
                .unwrap_or(block);
            let (flag, rest) = line.strip_prefix("--")?.split_once(' ')?;
            let env = block
                .split_once("[env: ")
                .and_then(|(_, rest)| rest.split_once('='))
                .map(|(name, _)| name.to_string());
            rest.starts_with('<').then(|| (format!("--{flag}"), env))
        })
        .collect()
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_flag_survives_random_and_edge_values() {
    use std::os::unix::ffi::OsStringExt;
    const AWS_SECRET: &str = "wJalrXUtnFEMIpropertysecret";
    const HOOK_SECRET: &str = "propertyhooksecret";
    const TOKEN: &str = "xoxb-1-2-propertytokensecret";
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(aws_error(400, "ClientException", "refused by the stand-in"))
        .mount(&server)
        .await;
    let commands: [(&[&str], &[&str]); 8] = [
        (
            &["run-task"],
            &["--cluster", "c", "--task-definition", "td", "--dry-run"],
        ),
        (
            &["deploy"],
            &["--cluster", "c", "--service", "s", "--dry-run"],
        ),
        (&["continue"], &["--cluster", "c", "--service", "s"]),
        (&["rollback"], &["--cluster", "c", "--service", "s"]),
        (&["notify"], &[]),
        (&["ecr", "login"], &[]),
        (&["ecr", "resolve"], &["repo:tag"]),
        (&["iam-policy"], &[]),
    ];
    let edges: Vec<OsString> = vec![
        "".into(),
        " ".into(),
        "0".into(),
        "-1".into(),
        "18446744073709551616".into(),
        "9223372036854775807s".into(),
        "ünïcødé ✓ 🚢".into(),
        "x".repeat(5000).into(),
        "@/dev/zero".into(),
        "/dev/zero".into(),
        "app=@sha256:".into(),
        "${AWS_SECRET_ACCESS_KEY}".into(),
        OsString::from_vec(vec![b'a', 0xff, 0xfe]),
    ];
    let mut rng = Rng(0x5eed_1919);
    let mut cases: Vec<Case> = vec![];
    for (command, base) in commands {
        for (flag, env) in value_flags(command) {
            // Every edge value in turn (each meets many flags), and one random value.
            let values = [
                edges[cases.len() / 2 % edges.len()].clone(),
                rng.text().into(),
            ];
            for (i, value) in values.into_iter().enumerate() {
                let mut args: Vec<OsString> = command.iter().map(OsString::from).collect();
                // The base arguments, but not the one flag under test (given twice is a
                // different error).
                let mut skip = false;
                for arg in base {
                    if std::mem::take(&mut skip) {
                        continue;
                    }
                    if *arg == flag {
                        skip = true;
                        continue;
                    }
                    args.push(arg.into());
                }
                match (i, &env) {
                    (1, Some(var)) => cases.push((args, Some((var.clone(), value)))),
                    _ => {
                        args.push(flag.clone().into());
                        args.push(value);
                        cases.push((args, None));
                    }
                }
            }
        }
    }
    assert!(
        cases.len() > 100,
        "only {} cases: is --help parsed?",
        cases.len()
    );
    let through_env = cases.iter().filter(|(_, var)| var.is_some()).count();
    assert!(
        through_env * 3 > cases.len(),
        "{through_env} cases through a variable"
    );
    let endpoint = server.uri();
    let failures = tokio::task::spawn_blocking(move || {
        let chunks: Vec<Vec<_>> = cases
            .chunks(cases.len() / 4 + 1)
            .map(<[_]>::to_vec)
            .collect();
        let workers: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let endpoint = endpoint.clone();
                std::thread::spawn(move || {
                    let mut failures = vec![];
                    for (args, var) in chunk {
                        let dir = tempfile::tempdir().unwrap();
                        let output = Command::new(binary())
                            .args(&args)
                            .env_clear()
                            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                            .env("HOME", dir.path())
                            .env("AWS_EC2_METADATA_DISABLED", "true")
                            .env("AWS_ACCESS_KEY_ID", "testing")
                            .env("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
                            .env("AWS_REGION", "us-east-1")
                            .env("AWS_ENDPOINT_URL", &endpoint)
                            .env("AWS_CONFIG_FILE", dir.path().join("config"))
                            .env(
                                "AWS_SHARED_CREDENTIALS_FILE",
                                dir.path().join("credentials"),
                            )
                            .env(
                                "SLACK_WEBHOOK_URL",
                                format!("{endpoint}/services/T/B/{HOOK_SECRET}"),
                            )
                            .env("ECS_SHIP_SLACK_API_URL", format!("{endpoint}/api"))
                            .env("SLACK_ACCESS_TOKEN", TOKEN)
                            .env("ECS_SHIP_TIMEOUT", "20s")
                            .envs(var.clone())
                            .current_dir(dir.path())
                            .stdin(std::process::Stdio::null())
                            .output()
                            .unwrap();
                        let all = format!(
                            "{}{}",
                            String::from_utf8_lossy(&output.stdout),
                            String::from_utf8_lossy(&output.stderr)
                        );
                        let code = output.status.code();
                        let bad = !matches!(code, Some(0..=2))
                            || all.contains("panicked")
                            || all.contains("RUST_BACKTRACE")
                            || all.contains(AWS_SECRET)
                            || all.contains(HOOK_SECRET)
                            || all.contains("propertytokensecret");
                        if bad {
                            failures.push(format!("{args:?} {var:?} → {code:?}\n{all}"));
                        }
                    }
                    failures
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n---\n")
    );
    let mutating = mutating_calls(&server).await;
    assert!(
        mutating
            .iter()
            .all(|call| call.starts_with("POST /services") || call.starts_with("POST /api/")),
        "mutating AWS calls: {mutating:?}"
    );
}

#[tokio::test]
async fn the_run_task_helpers_still_start_a_task() {
    // Guards the helpers the tests above borrow: a valid run does call RunTask.
    let server = cluster(described(stopped(Some(0), Some(0))), no_log_stream()).await;
    run_task(&server)
        .args(["--poll-interval", "100ms"])
        .run()
        .await
        .status(0);
    assert_eq!(mutating_calls(&server).await, ["RunTask"]);
}
