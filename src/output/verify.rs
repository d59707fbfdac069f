//! `verify`'s result: a checklist per service, scheduled target or task.

use serde::Serialize;

/// `verify`: each subject's checklist (`docs/schema/verify.v1.json`).
#[derive(Serialize, Debug)]
pub struct VerifyResult {
    /// Always `verify`.
    pub command: &'static str,
    /// `passed` or `failed`.
    pub result: &'static str,
    pub exit_code: i32,
    pub reason: Option<String>,
    pub cluster: String,
    pub region: String,
    pub subjects: Vec<Checklist>,
    pub api_calls: usize,
    pub duration_seconds: f64,
}

/// The checks of one service, scheduled target or task.
#[derive(Serialize, Debug)]
pub struct Checklist {
    /// The service name, `rule default/nightly`, `schedule default/hourly`, or the task family.
    pub name: String,
    /// The revision checked: its ARN, or `FAMILY (new revision)`.
    pub task_definition: String,
    pub checks: Vec<Check>,
}

/// The check families, as the JSON document names them.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Image,
    Role,
    Secret,
    LogGroup,
    FargateSize,
    LoadBalancer,
    ServiceConnect,
}

#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Passed,
    Failed,
    /// Could not be asked (a missing read permission): a warning, never a failure.
    Skipped,
    /// Outside what verify can see (an image outside ECR).
    NotChecked,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub kind: Kind,
    /// What was checked: `app: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v42`.
    pub subject: String,
    pub state: State,
    /// What was found, what is wrong, or why it was not checked.
    pub detail: String,
    /// On ✗: what to do about it.
    pub fix: Option<String>,
}
