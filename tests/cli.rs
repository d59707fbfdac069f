//! Parsing, configuration layering and exit codes, through the real binary.

use wiremock::MockServer;

use crate::support::aws::{ecs, missing_service, mount, requests, ECS};
use crate::support::Test;

#[tokio::test]
async fn version_and_help_exit_zero_before_reading_config() {
    Test::new()
        .file("ecs-ship.toml", "this is not toml")
        .arg("--version")
        .run()
        .await
        .status(0)
        .stdout_has(env!("CARGO_PKG_VERSION"));
    Test::new()
        .file("ecs-ship.toml", "this is not toml")
        .args(["run-task", "--help"])
        .run()
        .await
        .status(0)
        .stdout_has("--task-definition");
}

#[tokio::test]
async fn unknown_flag_is_a_usage_error() {
    Test::new()
        .args(["run-task", "--bogus"])
        .run()
        .await
        .status(2)
        .stderr_has("--bogus");
}

#[tokio::test]
async fn malformed_config_names_file_line_and_key() {
    Test::new()
        .file(
            "ecs-ship.toml",
            "region = \"ap-northeast-1\"\n[env.stg]\nclustr = \"hoge-stg\"\n",
        )
        .args(["run-task", "--env", "stg"])
        .run()
        .await
        // An unknown key is a usage error, as a value that does not parse is.
        .status(2)
        .stderr_has("ecs-ship.toml:3")
        .stderr_has("env.stg.clustr");
}

#[tokio::test]
async fn explicit_config_that_does_not_exist_is_an_error() {
    Test::new()
        .args(["run-task", "--config", "nope.toml"])
        .run()
        .await
        .status(1)
        .stderr_has("nope.toml");
}

/// The README example: `--env stg` picks the section, flags beat env vars beat the file.
#[tokio::test]
async fn env_section_env_vars_and_flags_layer_in_order() {
    let server = MockServer::start().await;
    let missing = missing_service("hoge-stg", "hoge-service-stg");
    mount(&server, ecs("DescribeServices"), missing).await;
    let config = r#"
region = "ap-northeast-1"
[env.stg]
cluster = "hoge-stg"
service = "hoge-service-stg"
container = "hoge-stg"
[env.stg.run-task]
command = ["rails", "db:migrate"]
"#;
    let output = Test::new()
        .endpoint(&server.uri())
        .file("ecs-ship.toml", config)
        .args(["run-task", "--env", "stg"])
        .run()
        .await;
    output
        .status(1)
        .stderr_has("service `hoge-service-stg` not found in cluster `hoge-stg`");
    let sent = requests(&server, ECS, "DescribeServices").await;
    assert_eq!(sent[0]["cluster"], "hoge-stg");

    // The env var beats the file; the flag beats the env var.
    Test::new()
        .endpoint(&server.uri())
        .file("ecs-ship.toml", config)
        .env("ECS_SHIP_ENV", "stg")
        .env("ECS_SHIP_CLUSTER", "from-env")
        .arg("run-task")
        .run()
        .await
        .stderr_has("cluster `from-env`");
    Test::new()
        .endpoint(&server.uri())
        .file("ecs-ship.toml", config)
        .env("ECS_SHIP_CLUSTER", "from-env")
        .args(["run-task", "--env", "stg", "--cluster", "from-flag"])
        .run()
        .await
        .stderr_has("cluster `from-flag`");
}

#[tokio::test]
async fn config_value_checked_by_the_flags_own_parser() {
    Test::new()
        .file(
            "ecs-ship.toml",
            "[env.stg]\ncluster = \"c\"\npoll-interval = \"often\"\n",
        )
        .args(["run-task", "--env", "stg"])
        .run()
        .await
        .status(2)
        .stderr_has("ecs-ship.toml:3")
        .stderr_has("poll-interval");
}

#[tokio::test]
async fn env_without_its_section_lists_the_sections() {
    Test::new()
        .file(
            "ecs-ship.toml",
            "[env.stg]\ncluster = \"c\"\n[env.prod]\ncluster = \"p\"\n",
        )
        .args(["run-task", "--env", "qa"])
        .run()
        .await
        .status(1)
        .stderr_has("[env.qa]")
        .stderr_has("stg, prod");
}

#[tokio::test]
async fn empty_ecs_ship_variables_count_as_unset() {
    let server = MockServer::start().await;
    let missing = missing_service("from-file", "s");
    mount(&server, ecs("DescribeServices"), missing).await;
    Test::new()
        .endpoint(&server.uri())
        .env("ECS_SHIP_CLUSTER", "")
        .env("ECS_SHIP_TIMEOUT", "")
        .env("ECS_SHIP_NO_WAIT", "")
        .env("ECS_SHIP_POLL_INTERVAL", "0")
        .env("ECS_SHIP_MAX_POLL_ATTEMPTS", "0")
        .file(
            "ecs-ship.toml",
            "[env.stg]\ncluster = \"from-file\"\npoll-interval = \"7s\"\n",
        )
        .args(["run-task", "--env", "stg", "--service", "s"])
        .run()
        .await
        .status(1)
        .stderr_has("from-file");
}

/// A value that does not parse exits 2 like any usage error, and says where it came from.
#[tokio::test]
async fn a_value_that_does_not_parse_is_a_usage_error_naming_its_source() {
    Test::new()
        .args(["run-task", "--poll-interval", "soon"])
        .run()
        .await
        .status(2)
        .stderr_has("--poll-interval")
        .stderr_lacks("ECS_SHIP_POLL_INTERVAL");
    Test::new()
        .args(["notify", "--status", "done"])
        .run()
        .await
        .status(2)
        .stderr_has("'done'")
        .stderr_has("cancelled");
    Test::new()
        .env("ECS_SHIP_POLL_INTERVAL", "soon")
        .arg("run-task")
        .run()
        .await
        .status(2)
        .stderr_has("environment variable ECS_SHIP_POLL_INTERVAL")
        .stderr_has("'soon'");
    Test::new()
        .env("ECS_SHIP_STATUS", "done")
        .arg("notify")
        .run()
        .await
        .status(2)
        .stderr_has("environment variable ECS_SHIP_STATUS");
    // The flag beats the variable, and it is the flag's value that is wrong.
    Test::new()
        .env("ECS_SHIP_TIMEOUT", "5m")
        .args(["run-task", "--timeout", "later"])
        .run()
        .await
        .status(2)
        .stderr_has("'later'")
        .stderr_lacks("ECS_SHIP_TIMEOUT");
    Test::new()
        .file("ecs-ship.toml", "[notify]\nstatus = \"done\"\n")
        .arg("notify")
        .run()
        .await
        .status(2)
        .stderr_has("ecs-ship.toml:2")
        .stderr_has("[notify] status");
}
