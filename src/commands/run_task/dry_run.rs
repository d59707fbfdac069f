//! `run-task --dry-run`: what would have been registered and started. Only describe calls were
//! made.

use serde_json::{json, Value};

use super::revision::TaskRevision;
use crate::context::Context;
use crate::diff;
use crate::output::{self, RunTaskDryRun};
use crate::report::Report;
use crate::task_definition::TaskDefinition;

/// The revision it would register (as a diff against the one it derives from) and the RunTask
/// request.
pub(super) fn report(context: &Context, revision: &TaskRevision, mut request: Value) -> Report {
    let TaskRevision {
        base,
        definition,
        needs_registration,
    } = revision;
    let mut lines = vec![];
    let pretty = |d: &TaskDefinition| {
        serde_json::to_string_pretty(&d.registration()).expect("JSON values serialize")
    };
    let diff = needs_registration.then(|| diff::unified(&pretty(base), &pretty(definition), 3));
    if let Some(diff) = &diff {
        lines.push(format!(
            "task definition {}: would register a new revision of {}",
            base.name(),
            definition.family()
        ));
        lines.extend(diff.lines().map(str::to_string));
        request["taskDefinition"] = json!(format!("{} (new revision)", definition.family()));
    } else if definition.arn() != base.arn() {
        lines.push(format!(
            "task definition {}: would reuse {} (identical)",
            base.name(),
            definition.name()
        ));
    }
    lines.push(format!(
        "would call RunTask {}",
        serde_json::to_string(&request).expect("JSON values serialize")
    ));
    context
        .progress
        .say("dry run: nothing was registered or started");
    Report {
        json: output::to_value(&RunTaskDryRun {
            command: "run-task",
            result: "dry_run",
            exit_code: 0,
            dry_run: true,
            task_definition: request["taskDefinition"].clone(),
            registration: needs_registration.then(|| definition.registration()),
            diff,
            run_task: request,
        }),
        stdout: lines,
        ..Report::default()
    }
}
