//! `ecr login`, `ecr resolve` (wiremock) and `iam-policy`.

use base64::Engine;
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

use crate::support::aws::{aws_error, ecr, missing_image_tag, mount, ok, requests, ECR};
use crate::support::Test;

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

async fn registry() -> MockServer {
    let server = MockServer::start().await;
    let token =
        base64::engine::general_purpose::STANDARD.encode("AWS:eyJwYXlsb2FkIjoic2VjcmV0In0=");
    let authorization = ok(json!({ "authorizationData": [{
        "authorizationToken": token,
        "expiresAt": 1700043200.0,
        "proxyEndpoint": "https://123456789012.dkr.ecr.us-east-1.amazonaws.com"
    }] }));
    mount(&server, ecr("GetAuthorizationToken"), authorization).await;
    server
}

/// `ecr …` against `server`.
fn ecr_command(server: &MockServer) -> Test {
    Test::new().endpoint(&server.uri()).arg("ecr")
}

#[tokio::test]
async fn login_prints_only_the_password() {
    let server = registry().await;
    let output = ecr_command(&server).arg("login").run().await;
    output.status(0);
    assert_eq!(output.stdout, "eyJwYXlsb2FkIjoic2VjcmV0In0=\n");
    assert!(!output.stderr.contains("eyJwYXlsb2Fk"), "{}", output.stderr);

    // The JSON result (validated against docs/schema/ecr-login.v1.json by `json()`).
    let output = ecr_command(&server)
        .args(["login", "--output", "json"])
        .run()
        .await;
    let result = output.status(0).json();
    assert_eq!(
        result["registry"],
        "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    );
    assert_eq!(result["username"], "AWS");
    assert_eq!(result["password"], "eyJwYXlsb2FkIjoic2VjcmV0In0=");
}

#[tokio::test]
async fn login_with_docker_passes_the_password_on_stdin_only() {
    let server = registry().await;
    // A stand-in `docker` that records its arguments and its stdin (outside the test's own dir,
    // which goes away with it).
    let stand_in = tempfile::tempdir().unwrap();
    let bin = stand_in.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("docker");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/args\"\ncat > \"$(dirname \"$0\")/stdin\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = ecr_command(&server)
        .env("PATH", path)
        .args(["login", "--docker"])
        .run()
        .await;
    output
        .status(0)
        .stdout_has("123456789012.dkr.ecr.us-east-1.amazonaws.com");
    assert!(!output.all().contains("eyJwYXlsb2Fk"), "{}", output.all());
    let args = std::fs::read_to_string(bin.join("args")).unwrap();
    assert_eq!(
        args.trim(),
        "login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com"
    );
    assert_eq!(
        std::fs::read_to_string(bin.join("stdin")).unwrap(),
        "eyJwYXlsb2FkIjoic2VjcmV0In0="
    );
}

#[tokio::test]
async fn resolve_prints_the_digest_of_a_tag() {
    let server = MockServer::start().await;
    let v42 = ok(
        json!({ "imageDetails": [{ "repositoryName": "team/app", "imageDigest": DIGEST, "imageTags": ["v42"] }] }),
    );
    mount(&server, ecr("DescribeImages"), v42).await;
    let output = ecr_command(&server)
        .args(["resolve", "team/app:v42"])
        .run()
        .await;
    output.status(0);
    assert_eq!(output.stdout.trim(), DIGEST);
    let asked = &requests(&server, ECR, "DescribeImages").await[0];
    assert_eq!(
        asked,
        &json!({ "repositoryName": "team/app", "imageIds": [{ "imageTag": "v42" }] })
    );

    let full = "987654321098.dkr.ecr.eu-west-1.amazonaws.com/team/app:v42";
    let output = ecr_command(&server)
        .args(["resolve", full, "--output", "json"])
        .run()
        .await;
    let json = output.status(0).json();
    assert_eq!(json["digest"], DIGEST);
    assert_eq!(
        json["pinned"],
        format!("987654321098.dkr.ecr.eu-west-1.amazonaws.com/team/app@{DIGEST}")
    );
    assert_eq!(
        requests(&server, ECR, "DescribeImages").await[1]["registryId"],
        "987654321098"
    );
}

/// `ecr resolve image` where ECR answers DescribeImages with `answer`: exit 1 with `message`.
async fn resolve_fails(image: &str, answer: ResponseTemplate, message: &str) {
    let server = MockServer::start().await;
    mount(&server, ecr("DescribeImages"), answer).await;
    let output = ecr_command(&server)
        .args(["resolve", image, "--output", "json"])
        .run()
        .await;
    output.status(1).stderr_has(message);
    // An early error's document names the command and matches its schema.
    let result = output.json();
    assert_eq!(result["command"], "ecr resolve");
    assert_eq!(result["result"], "error");
    assert!(result["reason"].as_str().unwrap().contains(message));
}

#[tokio::test]
async fn resolve_of_a_missing_tag_or_repository_names_them() {
    resolve_fails(
        "app:nope",
        missing_image_tag("app", "nope"),
        "image tag `nope` not found in ECR repository `app`",
    )
    .await;
    let no_repository = aws_error(
        400,
        "RepositoryNotFoundException",
        "The repository with name 'ghost' does not exist",
    );
    resolve_fails(
        "ghost:v1",
        no_repository,
        "ECR repository `ghost` not found",
    )
    .await;
}

#[tokio::test]
async fn resolve_refuses_images_outside_ecr() {
    Test::new()
        .args(["ecr", "resolve", "ghcr.io/org/app:v1"])
        .run()
        .await
        .status(1)
        .stderr_has("is not an ECR image");
}

#[tokio::test]
async fn iam_policy_is_valid_json_scoped_to_the_roles() {
    let output = Test::new()
        .args([
            "iam-policy",
            "--command",
            "deploy",
            "--task-role-arn",
            "arn:aws:iam::123456789012:role/task",
            "--execution-role-arn",
            "arn:aws:iam::123456789012:role/exec",
        ])
        .run()
        .await;
    let policy = output.status(0).json();
    assert_eq!(policy["Version"], "2012-10-17");
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements[0]["Sid"], "EcsShipDeploy");
    assert_eq!(
        statements[1]["Resource"],
        json!([
            "arn:aws:iam::123456789012:role/task",
            "arn:aws:iam::123456789012:role/exec"
        ])
    );
}

#[tokio::test]
async fn completions_are_generated() {
    Test::new()
        .args(["completions", "bash"])
        .run()
        .await
        .status(0)
        .stdout_has("ecs-ship");
}
