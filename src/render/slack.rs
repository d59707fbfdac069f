//! The `--notify` message of a finished command: its status and the [`Summary`] the Slack
//! message (`crate::slack::message`) is built from, taken from the typed result.

use std::time::Duration;

use crate::cli::{GlobalArgs, NotifyStatus};
use crate::error::Error;
use crate::output::{CommandResult, DeployResult, Paused, RunTaskResult, TargetResult, WaitResult};
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
        CommandResult::Wait(wait) => add_wait(&mut summary, wait),
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
            details.push(paused_detail(service, paused));
        }
        if let Some(left) = &entry.not_waited_for {
            details.push(format!("{service}: {left}"));
        }
        for endpoint in &entry.endpoints {
            let (url, access) = (&endpoint.endpoint, &endpoint.access_type);
            details.push(format!("{service}: endpoint {url} ({access})"));
        }
        if let (true, Some(reason)) = (several, &entry.reason) {
            details.push(format!("{service}: {}: {reason}", entry.result));
        }
    }
    for arn in deploy.task_definition.as_slice() {
        push(&mut summary.task_definitions, arn);
    }
    // --daemon: each daemon and, when it did not succeed, why.
    for daemon in deploy.daemons.iter().flatten() {
        let name = &daemon.daemon;
        summary.details.push(match &daemon.reason {
            Some(reason) => format!("daemon {name}: {}: {reason}", daemon.result),
            None => format!("daemon {name}: {}", daemon.result),
        });
    }
    // --suspend-auto-scaling / --auto-scaling-min/max, --prune.
    summary.details.extend(super::deploy_notes(deploy));
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

/// `web: paused at STAGE (hook h); continue: `…`, or `… --rollback``.
fn paused_detail(service: &str, paused: &Paused) -> String {
    let command = paused
        .continue_command
        .as_ref()
        .map(|c| format!("; continue: `{c}`, or `{c} --rollback`"))
        .unwrap_or_default();
    format!(
        "{service}: paused at {} (hook {}){command}",
        paused.stage, paused.hook_id
    )
}

/// `wait`: each service's deployment, as deploy's (nothing of wait's own was rolled back).
fn add_wait(summary: &mut Summary, wait: &WaitResult) {
    summary.cluster = Some(wait.cluster.clone());
    summary.duration = Some(seconds(wait.duration_seconds, summary.duration));
    summary.result = Some(wait.result.to_string()).filter(|r| r == "paused");
    let several = wait.services.len() > 1;
    for entry in &wait.services {
        let service = &entry.service;
        push(&mut summary.services, service);
        push(&mut summary.task_definitions, &entry.task_definition);
        if summary.console_url.is_none() {
            summary.console_url = Some(entry.console_url.clone());
        }
        if let Some(paused) = &entry.paused {
            summary.details.push(paused_detail(service, paused));
        }
        if let Some(left) = &entry.not_waited_for {
            summary.details.push(format!("{service}: {left}"));
        }
        if let (true, Some(reason)) = (several, &entry.reason) {
            summary
                .details
                .push(format!("{service}: {}: {reason}", entry.result));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use crate::output::{Paused, ScheduleKind, ScheduledTarget};
    use crate::render::fixtures;
    use clap::Parser;

    fn global(args: &[&str]) -> GlobalArgs {
        let argv = ["ecs-ship", "deploy"].iter().chain(args);
        Cli::try_parse_from(argv).unwrap().global
    }

    fn target(result: TargetResult, reason: Option<&str>) -> ScheduledTarget {
        ScheduledTarget {
            kind: ScheduleKind::Rule,
            name: "default/nightly".into(),
            target_id: Some("job".into()),
            previous_task_definition: fixtures::WEB_8.replace(":8", ":7"),
            task_definition: fixtures::WEB_8.into(),
            result,
            reason: reason.map(str::to_string),
            state: None,
        }
    }

    #[test]
    fn a_failed_daemon_is_named_with_its_reason() {
        let mut deploy = fixtures::deploy(&[]);
        deploy.daemons = Some(vec![fixtures::daemon("agent", "failed")]);
        let report = Report::of(CommandResult::Deploy(deploy));
        let (_, summary) = outcome(&report, &global(&[]), Duration::ZERO);
        assert_eq!(
            summary.details,
            ["daemon agent: failed: alarms triggered: agent-errors"]
        );
    }

    #[test]
    fn a_deploy_says_what_it_did_to_auto_scaling_and_what_its_prune_did() {
        let mut deploy = fixtures::deploy(&[("web", fixtures::WEB_8)]);
        let mut failed_restore = fixtures::auto_scaling_restored();
        failed_restore.suspension = crate::output::Suspension::RestoreFailed;
        deploy.auto_scaling = Some(vec![failed_restore]);
        deploy.prune = Some(fixtures::pruned());
        let report = Report::of(CommandResult::Deploy(deploy));
        let (_, summary) = outcome(&report, &global(&[]), Duration::ZERO);
        assert_eq!(
            summary.details,
            [
                "web: auto scaling suspended during the deploy; the restore FAILED (min 2, max 10)",
                "pruned: 4 revision(s) deregistered, 4 deleted",
            ]
        );
    }

    #[test]
    fn a_deploy_gives_each_services_details_and_what_the_scheduled_targets_did() {
        let mut deploy =
            fixtures::deploy(&[("web", fixtures::WEB_8), ("worker", fixtures::WORKER_3)]);
        deploy.result = "paused";
        deploy.services[0].rolled_back_to = Some(fixtures::WEB_8.replace(":8", ":7"));
        deploy.services[0].rollback_result = Some("succeeded".into());
        deploy.services[1].paused = Some(Paused {
            stage: "POST_TEST_TRAFFIC_SHIFT".into(),
            hook_id: "hook-1".into(),
            expires_at: None,
            timeout_action: None,
            hooks_waiting: vec![],
            continue_command: Some("ecs-ship continue --service worker".into()),
        });
        deploy.services[1].reason = Some("paused at POST_TEST_TRAFFIC_SHIFT".into());
        deploy.scheduled_targets = Some(vec![
            target(TargetResult::Moved, None),
            target(TargetResult::Failed, Some("AccessDenied")),
        ]);
        let report = Report::of(CommandResult::Deploy(deploy));
        let (status, summary) = outcome(&report, &global(&["--env", "prod"]), Duration::ZERO);
        assert_eq!(status, NotifyStatus::Pass);
        assert_eq!(summary.command.as_deref(), Some("deploy"));
        assert_eq!(summary.result.as_deref(), Some("paused"));
        assert_eq!(summary.env.as_deref(), Some("prod"));
        assert_eq!(summary.services, ["web", "worker"]);
        assert_eq!(
            summary.task_definitions,
            [fixtures::WEB_8, fixtures::WORKER_3]
        );
        assert_eq!(summary.duration, Some(Duration::from_secs(95)));
        assert_eq!(
            summary.details,
            [
                "web: rolled back to web:7 succeeded",
                "worker: paused at POST_TEST_TRAFFIC_SHIFT (hook hook-1); continue: `ecs-ship continue --service worker`, or `ecs-ship continue --service worker --rollback`",
                "worker: succeeded: paused at POST_TEST_TRAFFIC_SHIFT",
                "rule default/nightly target job not moved: AccessDenied",
            ]
        );
        assert_eq!(
            summary.scheduled,
            ["rule default/nightly target job: web:7 → web:8"]
        );
    }

    #[test]
    fn an_express_services_endpoints_are_details() {
        let mut deploy = fixtures::deploy(&[("web", fixtures::WEB_8)]);
        deploy.services[0].endpoints = vec![crate::ecs::Endpoint {
            access_type: "PUBLIC".into(),
            endpoint: "https://web.example".into(),
        }];
        let report = Report::of(CommandResult::Deploy(deploy));
        let (_, summary) = outcome(&report, &global(&[]), Duration::ZERO);
        assert_eq!(
            summary.details,
            ["web: endpoint https://web.example (PUBLIC)"]
        );
    }

    #[test]
    fn a_failed_run_task_gives_the_stopped_reasons_and_a_started_one_its_status() {
        let mut run = fixtures::run_task(&["arn:task/a"]);
        run.tasks[0].containers[0].reason = Some("OutOfMemoryError".into());
        let mut report = Report::of(CommandResult::RunTask(run));
        report.failure = Some(Error::TaskFailed {
            code: 137,
            reason: "app".into(),
        });
        let (status, summary) = outcome(&report, &global(&["--service", "web"]), Duration::ZERO);
        assert_eq!(status, NotifyStatus::Fail);
        assert_eq!(summary.exit_code, Some(137));
        assert_eq!(
            summary.services,
            ["web"],
            "the flag's services, none in the result"
        );
        assert_eq!(
            summary.stopped_reasons,
            [
                "Essential container in task exited",
                "app: OutOfMemoryError"
            ]
        );
        let mut started = fixtures::run_task(&["arn:task/a"]);
        started.result = "started".into();
        let report = Report::of(CommandResult::RunTask(started));
        assert_eq!(
            outcome(&report, &global(&[]), Duration::ZERO).0,
            NotifyStatus::Started
        );
    }
}
