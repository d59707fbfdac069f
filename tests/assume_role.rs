//! `--assume-role-arn`: STS AssumeRole chained after the base credentials (static keys, or
//! `--role-arn` web identity), every later call signed by the assumed session, renewed during
//! a long wait; a role that cannot be assumed is a clear error before anything changes.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use serde_json::json;
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::aws::{count, sequence, ECS};
use crate::support::tasks::{cluster, described, migrate, no_log_stream, stopped, task};
use crate::support::Test;

const TARGET_ROLE: &str = "arn:aws:iam::210987654321:role/deploy";

/// STS issuing sessions of `lifetime` with access keys `{prefix}0001`, `{prefix}0002`, … to
/// `action` (AssumeRole or AssumeRoleWithWebIdentity), in the shapes of the STS model.
struct Sessions {
    action: &'static str,
    prefix: &'static str,
    lifetime: Duration,
    issued: AtomicUsize,
}

impl Sessions {
    fn new(action: &'static str, prefix: &'static str, lifetime: Duration) -> Self {
        Sessions {
            action,
            prefix,
            lifetime,
            issued: AtomicUsize::new(0),
        }
    }

    async fn mount(self, server: &MockServer) {
        Mock::given(method("POST"))
            .and(body_string_contains(format!("Action={}&", self.action)))
            .respond_with(self)
            .mount(server)
            .await;
    }
}

impl Respond for Sessions {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let expiration = aws_smithy_types::DateTime::from(SystemTime::now() + self.lifetime)
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .unwrap();
        let (action, prefix) = (self.action, self.prefix);
        let body = format!(
            r#"<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <{action}Result>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::210987654321:assumed-role/deploy/ecs-ship</Arn>
      <AssumedRoleId>AROAEXAMPLE:ecs-ship</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>token-{prefix}-{n}</SessionToken>
      <SecretAccessKey>secret-{prefix}-{n}</SecretAccessKey>
      <Expiration>{expiration}</Expiration>
      <AccessKeyId>{prefix}{n:04}</AccessKeyId>
    </Credentials>
  </{action}Result>
  <ResponseMetadata><RequestId>sts-{n}</RequestId></ResponseMetadata>
</{action}Response>"#
        );
        ResponseTemplate::new(200).set_body_raw(body, "text/xml")
    }
}

/// The access key that signed `request`.
fn signer(request: &Request) -> Option<String> {
    let auth = request.headers.get("authorization")?.to_str().ok()?;
    let credential = auth.split("Credential=").nth(1)?;
    Some(credential.split('/').next()?.to_string())
}

/// The keys that signed the ECS calls, and the STS requests of `action` with their signers.
async fn signers(server: &MockServer, action: &str) -> (HashSet<String>, Vec<(String, String)>) {
    let received = server.received_requests().await.unwrap();
    let ecs = received
        .iter()
        .filter(|r| r.headers.contains_key("x-amz-target"))
        .filter_map(signer)
        .collect();
    let sts = received
        .iter()
        .map(|r| (String::from_utf8_lossy(&r.body).to_string(), r))
        .filter(|(body, _)| body.starts_with(&format!("Action={action}&")))
        .map(|(body, r)| (body, signer(r).unwrap_or_default()))
        .collect();
    (ecs, sts)
}

async fn finishing_task() -> MockServer {
    cluster(described(stopped(Some(0), Some(0))), no_log_stream()).await
}

fn assuming(server: &MockServer) -> Test {
    migrate(server).args(["--assume-role-arn", TARGET_ROLE])
}

#[tokio::test]
async fn assume_role_after_static_keys_signs_every_later_call_with_the_assumed_session() {
    let server = finishing_task().await;
    Sessions::new("AssumeRole", "ASIAASSUMED", Duration::from_secs(3600))
        .mount(&server)
        .await;
    assuming(&server)
        .args(["--external-id", "team-a"])
        .env("CIRCLECI", "true")
        .env("CIRCLE_BUILD_NUM", "4711")
        .run()
        .await
        .status(0);
    let (ecs, sts) = signers(&server, "AssumeRole").await;
    assert_eq!(sts.len(), 1, "one session for the whole run: {sts:?}");
    let (body, signed_by) = &sts[0];
    assert_eq!(
        signed_by, "testing",
        "AssumeRole is signed by the base keys"
    );
    assert!(
        body.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A210987654321%3Arole%2Fdeploy"),
        "{body}"
    );
    assert!(body.contains("ExternalId=team-a"), "{body}");
    assert!(body.contains("RoleSessionName=ecs-ship-4711"), "{body}");
    assert_eq!(ecs, HashSet::from(["ASIAASSUMED0001".to_string()]));
}

#[tokio::test]
async fn assume_role_after_web_identity_chains_the_two_sessions() {
    let server = finishing_task().await;
    Sessions::new(
        "AssumeRoleWithWebIdentity",
        "ASIAHUB",
        Duration::from_secs(3600),
    )
    .mount(&server)
    .await;
    Sessions::new("AssumeRole", "ASIATARGET", Duration::from_secs(3600))
        .mount(&server)
        .await;
    assuming(&server)
        .args(["--role-arn", "arn:aws:iam::123456789012:role/hub"])
        .args(["--role-session-name", "release-42"])
        .oidc_only()
        .run()
        .await
        .status(0);
    let (ecs, sts) = signers(&server, "AssumeRole").await;
    assert_eq!(sts.len(), 1, "{sts:?}");
    assert_eq!(
        sts[0].1, "ASIAHUB0001",
        "AssumeRole is signed by the web-identity session"
    );
    assert!(
        sts[0].0.contains("RoleSessionName=release-42"),
        "{}",
        sts[0].0
    );
    assert_eq!(ecs, HashSet::from(["ASIATARGET0001".to_string()]));
}

#[tokio::test]
async fn a_short_assumed_session_is_renewed_mid_wait() {
    let running = described(task("RUNNING", json!([])));
    let polls = [
        running.clone(),
        running.clone(),
        running.clone(),
        running,
        described(stopped(Some(0), Some(0))),
    ];
    let server = cluster(sequence(polls), no_log_stream()).await;
    // Sessions are renewed about a minute before they expire: a 5s session is due at every call.
    Sessions::new("AssumeRole", "ASIASHORT", Duration::from_secs(5))
        .mount(&server)
        .await;
    assuming(&server).run().await.status(0);
    let (ecs, sts) = signers(&server, "AssumeRole").await;
    assert!(sts.len() >= 2, "the session was never renewed: {sts:?}");
    assert!(
        ecs.len() >= 2,
        "every ECS call was signed with one session: {ecs:?}"
    );
    assert!(ecs.iter().all(|k| k.starts_with("ASIASHORT")), "{ecs:?}");
}

#[tokio::test]
async fn a_role_that_cannot_be_assumed_exits_1_with_the_reason_and_the_trust_policy_hint() {
    let server = finishing_task().await;
    let denied = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/deploy</Message>
  </Error>
  <RequestId>denied-1</RequestId>
</ErrorResponse>"#;
    Mock::given(method("POST"))
        .and(body_string_contains("Action=AssumeRole&"))
        .respond_with(ResponseTemplate::new(403).set_body_raw(denied, "text/xml"))
        .mount(&server)
        .await;
    assuming(&server)
        .args(["--external-id", "team-a"])
        .run()
        .await
        .status(1)
        .stderr_has(&format!("cannot assume role {TARGET_ROLE}"))
        .stderr_has("is not authorized to perform: sts:AssumeRole")
        .stderr_has("trust policy")
        .stderr_has("sts:ExternalId");
    assert_eq!(count(&server, ECS, "RunTask").await, 0);
}

#[tokio::test]
async fn malformed_assume_role_flags_are_usage_errors_before_any_call() {
    let server = MockServer::start().await;
    for (args, flag) in [
        (vec!["--assume-role-arn", "deploy"], "--assume-role-arn"),
        (
            vec![
                "--assume-role-arn",
                TARGET_ROLE,
                "--external-id",
                "has space",
            ],
            "--external-id",
        ),
        (vec!["--external-id", "team-a"], "--assume-role-arn"),
    ] {
        migrate(&server)
            .args(args)
            .run()
            .await
            .status(2)
            .stderr_has(flag);
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_role_can_come_from_the_environments_section_of_the_config_file() {
    let server = finishing_task().await;
    Sessions::new("AssumeRole", "ASIAPROD", Duration::from_secs(3600))
        .mount(&server)
        .await;
    let config =
        format!("[env.prod]\nassume-role-arn = \"{TARGET_ROLE}\"\nexternal-id = \"team-a\"\n");
    migrate(&server)
        .file("ecs-ship.toml", &config)
        .args(["--env", "prod"])
        .run()
        .await
        .status(0);
    let (ecs, sts) = signers(&server, "AssumeRole").await;
    assert_eq!(sts.len(), 1, "{sts:?}");
    assert!(sts[0].0.contains("ExternalId=team-a"), "{}", sts[0].0);
    assert_eq!(ecs, HashSet::from(["ASIAPROD0001".to_string()]));
}

#[tokio::test]
async fn iam_policy_notes_the_trust_policy_the_target_role_needs() {
    Test::new()
        .args(["iam-policy", "--assume-role-arn", TARGET_ROLE])
        .args(["--external-id", "team-a"])
        .run()
        .await
        .status(0)
        .stdout_has("ecs:UpdateService")
        .stderr_has(&format!("the policy on stdout goes on {TARGET_ROLE}"))
        .stderr_has(r#""sts:ExternalId": "team-a""#)
        .stderr_has(&format!(r#""Resource": "{TARGET_ROLE}""#));
}

/// moto's own STS and its accounts: a session assumed into account 123456789012 sees the
/// repository there; one assumed into another account does not, so the calls really were
/// signed by the assumed session.
#[tokio::test]
async fn moto_end_to_end_every_call_goes_out_as_the_assumed_role() {
    let moto = crate::support::moto::Moto::start();
    moto.ecr("CreateRepository", json!({"repositoryName": "app"}))
        .await;
    let manifest = json!({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                   "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},
        "layers": []});
    moto.ecr(
        "PutImage",
        json!({"repositoryName": "app", "imageTag": "v2", "imageManifest": manifest.to_string()}),
    )
    .await;
    let resolve = |role: &str| {
        Test::new().endpoint(&moto.url).args([
            "ecr",
            "resolve",
            "app:v2",
            "--assume-role-arn",
            role,
        ])
    };
    resolve("arn:aws:iam::123456789012:role/deploy")
        .run()
        .await
        .status(0)
        .stdout_has("sha256:");
    resolve("arn:aws:iam::111111111111:role/deploy")
        .run()
        .await
        .status(1)
        .stderr_has("ECR repository `app` not found");
}
