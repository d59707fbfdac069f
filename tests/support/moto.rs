//! moto server, started per test on a free loopback port through scripts/moto_server.py.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

pub struct Moto {
    child: Child,
    pub url: String,
    http: reqwest::Client,
}

/// The Python that has moto: ECS_SHIP_TEST_PYTHON, else the repo's .venv (scripts/test makes it).
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("ECS_SHIP_TEST_PYTHON") {
        return python.into();
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.exists(),
        "moto is not installed: run `bash scripts/test` (it creates .venv with moto) or set ECS_SHIP_TEST_PYTHON"
    );
    venv
}

impl Moto {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    pub fn start_with(flags: &[&str]) -> Self {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/moto_server.py");
        let mut child = Command::new(python())
            .arg(script)
            .args(["--port", "0"])
            .args(flags)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("ECS_SHIP_TEST_MOTO_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("start moto");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("moto's first line");
        let url = line
            .trim()
            .strip_prefix("moto ready on ")
            .unwrap_or_else(|| panic!("moto did not start: {line:?}"))
            .to_string();
        Moto {
            child,
            url,
            http: reqwest::Client::new(),
        }
    }

    /// An unsigned AWS JSON call (moto does not check signatures; region comes from the scope).
    pub async fn call(&self, prefix: &str, action: &str, body: Value) -> Value {
        // moto picks the backend from the credential scope's service name.
        let service = match prefix {
            super::aws::LOGS => "logs",
            super::aws::ECR => "ecr",
            super::aws::EVENTS => "events",
            super::aws::AUTOSCALING => "application-autoscaling",
            "secretsmanager" => "secretsmanager",
            "AmazonSSM" => "ssm",
            _ => "ecs",
        };
        let response = self
            .http
            .post(&self.url)
            .header("x-amz-target", format!("{prefix}.{action}"))
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "authorization",
                format!("AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"),
            )
            .body(body.to_string())
            .send()
            .await
            .expect("moto answers");
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{action} failed: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub async fn ecs(&self, action: &str, body: Value) -> Value {
        self.call(super::aws::ECS, action, body).await
    }

    pub async fn logs(&self, action: &str, body: Value) -> Value {
        self.call(super::aws::LOGS, action, body).await
    }

    pub async fn ecr(&self, action: &str, body: Value) -> Value {
        self.call(super::aws::ECR, action, body).await
    }

    pub async fn events(&self, action: &str, body: Value) -> Value {
        self.call(super::aws::EVENTS, action, body).await
    }

    /// An EventBridge Scheduler (REST) call: `scheduler(Method::POST, "/schedules/x", body)`.
    pub async fn scheduler(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/scheduler/aws4_request, SignedHeaders=host, Signature=0",
            );
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("moto answers");
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(
            status.is_success(),
            "scheduler {path} failed: {status} {text}"
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// An EC2 query-protocol call; returns the raw XML.
    pub async fn ec2(&self, params: &[(&str, &str)]) -> String {
        let response = self
            .http
            .post(&self.url)
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0",
            )
            .form(&[params, &[("Version", "2016-11-15")]].concat())
            .send()
            .await
            .expect("moto answers");
        response.text().await.unwrap()
    }

    /// AWS calls moto received so far, by `service:Action`.
    pub async fn calls(&self) -> Value {
        self.http
            .get(format!("{}/_ecs_ship/calls", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A task moves one state along (RUNNING … STOPPED is 4 steps) every `describes` DescribeTasks.
    pub async fn describes_per_task_step(&self, describes: u32) {
        self.http
            .post(format!("{}/moto-api/state-manager/set-transition", self.url))
            .json(&json!({"model_name": "ecs::task", "transition": {"progression": "manual", "times": describes}}))
            .send()
            .await
            .unwrap();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
