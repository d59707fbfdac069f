//! `run-task --dry-run`: what would have been registered and started. Only describe calls were
//! made.

use serde_json::{json, Value};

use super::revision::TaskRevision;
use crate::context::Context;
use crate::diff;
use crate::output::{CommandResult, RunTaskDryRun};
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
    let pretty = |d: &TaskDefinition| {
        serde_json::to_string_pretty(&d.registration()).expect("JSON values serialize")
    };
    let diff = needs_registration.then(|| diff::unified(&pretty(base), &pretty(definition), 3));
    if diff.is_some() {
        request["taskDefinition"] = json!(format!("{} (new revision)", definition.family()));
    }
    context
        .progress
        .say("dry run: nothing was registered or started");
    Report::of(CommandResult::RunTaskDryRun(RunTaskDryRun {
        command: "run-task",
        result: "dry_run",
        exit_code: 0,
        dry_run: true,
        from: base.arn().to_string(),
        family: definition.family().to_string(),
        task_definition: request["taskDefinition"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        registration: needs_registration.then(|| definition.registration()),
        diff,
        run_task: request,
    }))
}
