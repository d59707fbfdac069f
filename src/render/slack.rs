//! The `--notify` message of a finished command: its status and the [`Summary`] the Slack
//! message (`crate::slack::message`) is built from, taken from the typed result.

use std::time::Duration;

use crate::cli::{GlobalArgs, NotifyStatus};
use crate::error::Error;
use crate::output::{CommandResult, DeployResult, RunTaskResult, TargetResult};
use crate::report::Report;
use crate::slack::message::{revision, Summary};

/// The status and summary of a finished command; `elapsed` stands in for a result without a
/// duration of its own.
pub fn outcome(report: &Report, global: &GlobalArgs, elapsed: Duration) -> (NotifyStatus, Summary) {
    let result = &report.result;
    let started = match result {
        CommandResult::RunTask(run) => run.result == "started",
        CommandResult::Deploy(deploy) => deploy.result == "started",
        _ => false,
    };
    let status = match (&report.failure, started) {
        (Some(_), _) => NotifyStatus::Fail,
        (None, true) => NotifyStatus::Started,
        (None, false) => NotifyStatus::Pass,
    };
    let mut summary = Summary {
        command: Some(result.command().to_string()),
        env: global.env.clone(),
        cluster: global.cluster.clone(),
        duration: Some(elapsed),
        exit_code: report.failure.as_ref().map(Error::code),
        reason: report.failure.as_ref().map(ToString::to_string),
        log_tail: report.log_tail.clone(),
        events: report.events.clone(),
        ..Summary::default()
    };
    match result {
        CommandResult::Deploy(deploy) => add_deploy(&mut summary, deploy),
        CommandResult::RunTask(run) => add_run_task(&mut summary, run),
        _ => {}
    }
    if summary.services.is_empty() {
        summary.services = global.services.clone();
    }
    (status, summary)
}

/// Adds `value` unless empty or already there.
fn push(list: &mut Vec<String>, value: &str) {
    if !value.is_empty() && !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

fn add_deploy(summary: &mut Summary, deploy: &DeployResult) {
    summary.cluster = Some(deploy.cluster.clone());
    summary.duration = Some(seconds(deploy.duration_seconds, summary.duration));
    summary.result = Some(deploy.result.to_string()).filter(|r| r == "paused");
    let several = deploy.services.len() > 1;
    for entry in &deploy.services {
        let service = &entry.service;
        push(&mut summary.services, service);
        push(&mut summary.task_definitions, &entry.task_definition);
        if summary.console_url.is_none() {
            summary.console_url = Some(entry.console_url.clone());
        }
        let details = &mut summary.details;
        if let Some(to) = &entry.rolled_back_to {
            let result = entry.rollback_result.as_deref().unwrap_or_default();
            details.push(format!(
                "{service}: rolled back to {} {result}",
                revision(to)
            ));
        }
        if let Some(paused) = &entry.paused {
            let command = paused
                .continue_command
                .as_ref()
                .map(|c| format!("; continue: `{c}`, or `{c} --rollback`"))
                .unwrap_or_default();
            details.push(format!(
                "{service}: paused at {} (hook {}){command}",
                paused.stage, paused.hook_id
            ));
        }
        if let Some(left) = &entry.not_waited_for {
            details.push(format!("{service}: {left}"));
        }
        if let (true, Some(reason)) = (several, &entry.reason) {
            details.push(format!("{service}: {}: {reason}", entry.result));
        }
    }
    for arn in deploy.task_definition.as_slice() {
        push(&mut summary.task_definitions, arn);
    }
    // --rule / --schedule: what moved, and why what failed did not.
    for target in deploy.scheduled_targets.iter().flatten() {
        let label = target.label();
        match target.result {
            TargetResult::Moved => summary.scheduled.push(format!(
                "{label}: {} → {}",
                revision(&target.previous_task_definition),
                revision(&target.task_definition)
            )),
            TargetResult::Failed => summary.details.push(format!(
                "{label} not moved: {}",
                target.reason.as_deref().unwrap_or_default()
            )),
            _ => {}
        }
    }
}

fn add_run_task(summary: &mut Summary, run: &RunTaskResult) {
    summary.cluster = Some(run.cluster.clone());
    summary.duration = Some(seconds(run.duration_seconds, summary.duration));
    push(&mut summary.task_definitions, &run.task_definition);
    for task in &run.tasks {
        if summary.console_url.is_none() {
            summary.console_url = Some(task.console_url.clone());
        }
        if let Some(reason) = &task.stopped_reason {
            push(&mut summary.stopped_reasons, reason);
        }
        for container in &task.containers {
            if let Some(reason) = &container.reason {
                let line = format!("{}: {reason}", container.name);
                push(&mut summary.stopped_reasons, &line);
            }
        }
    }
}

/// A result's `duration_seconds`, when it is one.
fn seconds(value: f64, otherwise: Option<Duration>) -> Duration {
    match value.is_finite() && value >= 0.0 {
        true => Duration::from_secs_f64(value),
        false => otherwise.unwrap_or_default(),
    }
}
