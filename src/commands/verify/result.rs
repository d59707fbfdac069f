//! The `verify` result: each subject's checklist. Published as `docs/schema/verify.v1.json`.

use serde::Serialize;

use super::check::{Check, State};

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

impl Checklist {
    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.state == State::Failed)
    }

    /// The human checklist: a heading, then one line per check.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("{} → {}", self.name, self.task_definition)];
        lines.extend(self.checks.iter().map(|c| format!("  {}", c.line())));
        lines
    }
}
