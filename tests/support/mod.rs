//! The test harness: run the real `ecs-ship` binary in a fresh temp dir with a scrubbed
//! environment, against local stand-ins only (wiremock, moto on 127.0.0.1).

#![allow(dead_code)]

pub mod autoscaling;
pub mod aws;
pub mod codedeploy;
pub mod ecs;
pub mod iam;
pub mod moto;
pub mod proxy;
pub mod slack;
pub mod targets;
pub mod tasks;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// The binary under test, built by cargo for this test run.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ecs-ship"))
}

/// One run of the binary. Nothing of the developer's environment leaks in: no `~/.aws`, no
/// `ECS_SHIP_*`, no CI variables, no real endpoints.
pub struct Test {
    dir: TempDir,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    stdin: Option<String>,
}

#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Set once stdout was validated against its command's JSON Schema.
    schema_checked: std::cell::OnceCell<()>,
}

impl Output {
    /// Asserts the exit code, printing both streams when it differs.
    #[track_caller]
    pub fn status(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n--- stderr\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "stderr has {needle:?}\n--- stderr\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// stdout parsed as the `--output json` document, which must match its command's published
    /// schema (`docs/schema/<command>.v1.json`): every test that reads a result checks it.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        let document = serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            )
        });
        self.schema_checked.get_or_init(|| check_schema(&document));
        document
    }

    /// Both streams, for checks that something appears nowhere.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl Test {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let mut env = BTreeMap::new();
        for (key, value) in [
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("HOME", home.display().to_string()),
            ("CI", "true".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            (
                "AWS_CONFIG_FILE",
                home.join("aws-config").display().to_string(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                home.join("aws-credentials").display().to_string(),
            ),
            // Any endpoint a test forgets to set points at a closed loopback port, never at AWS.
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".into()),
            ("ECS_SHIP_SLACK_API_URL", "http://127.0.0.1:9/api".into()),
        ] {
            env.insert(key.to_string(), value);
        }
        Test {
            dir,
            args: vec![],
            env,
            stdin: None,
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.env.remove(key);
        self
    }

    /// Credentials from CircleCI's OIDC token only (for `--role-arn`): no static keys.
    pub fn oidc_only(self) -> Self {
        self.env("CIRCLE_OIDC_TOKEN_V2", "oidc-token")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
    }

    /// Points every AWS service at `url` (a wiremock or moto server).
    pub fn endpoint(self, url: &str) -> Self {
        self.env("AWS_ENDPOINT_URL", url)
    }

    /// Writes a file into the test's working directory.
    pub fn file(self, name: &str, content: &str) -> Self {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, content).unwrap();
        self
    }

    pub fn stdin(mut self, input: &str) -> Self {
        self.stdin = Some(input.into());
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(binary());
        command
            .args(&self.args)
            .current_dir(self.dir.path())
            .env_clear()
            .envs(&self.env);
        command
    }

    /// Runs the binary to completion (on a blocking thread, so async stand-ins keep serving).
    pub async fn run(self) -> Output {
        tokio::task::spawn_blocking(move || self.run_blocking())
            .await
            .expect("test thread")
    }

    pub fn run_blocking(&self) -> Output {
        use std::io::Write;
        let mut command = self.command();
        command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().expect("spawn ecs-ship");
        let mut stdin = child.stdin.take().unwrap();
        if let Some(input) = &self.stdin {
            stdin.write_all(input.as_bytes()).unwrap();
        }
        drop(stdin);
        let output = child.wait_with_output().expect("wait for ecs-ship");
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            schema_checked: std::cell::OnceCell::new(),
        }
    }

    /// Starts the binary and returns the child, for signal tests.
    pub fn spawn(&self) -> std::process::Child {
        self.command()
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn ecs-ship")
    }
}

/// The GitHub Action's outputs in the file given: `name=value` lines and `name<<DELIMITER` blocks.
pub fn github_outputs(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).expect("outputs written");
    let mut outputs = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some((name, delimiter)) = line.split_once("<<") else {
            let (name, value) = line.split_once('=').expect("name=value or name<<DELIMITER");
            outputs.insert(name.to_string(), value.to_string());
            continue;
        };
        let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
        outputs.insert(name.to_string(), value.join("\n"));
    }
    outputs
}

/// Validates a result document against `docs/schema/<command>.v1.json` with check-jsonschema
/// (from the .venv scripts/test makes, or next to ECS_SHIP_TEST_PYTHON).
#[track_caller]
pub fn check_schema(document: &serde_json::Value) {
    let Some(command) = document.get("command").and_then(serde_json::Value::as_str) else {
        // iam-policy prints the policy itself, in IAM's own format.
        assert!(
            document.get("Statement").is_some(),
            "a result document without `command`: {document:#}"
        );
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema = root
        .join("docs/schema")
        .join(format!("{}.v1.json", command.replace(' ', "-")));
    assert!(
        schema.exists(),
        "no published schema {} for `{command}`",
        schema.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("result.json");
    std::fs::write(&file, document.to_string()).unwrap();
    let checker = check_jsonschema();
    let output = Command::new(&checker)
        .arg("--schemafile")
        .arg(&schema)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", checker.display()));
    assert!(
        output.status.success(),
        "the `{command}` result does not match {}:\n{}{}\n--- document\n{document:#}",
        schema.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn check_jsonschema() -> PathBuf {
    let beside_python = std::env::var_os("ECS_SHIP_TEST_PYTHON")
        .map(PathBuf::from)
        .and_then(|python| Some(python.parent()?.join("check-jsonschema")));
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/check-jsonschema");
    beside_python
        .filter(|p| p.exists())
        .or_else(|| venv.exists().then_some(venv))
        .expect("check-jsonschema is not installed: run `bash scripts/test` (it creates .venv) or set ECS_SHIP_TEST_PYTHON")
}
