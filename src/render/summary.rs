//! The Markdown job summary: appended to `--summary FILE`, else to `$GITHUB_STEP_SUMMARY` when
//! GitHub Actions sets it. A table with one row per service, scheduled target or task (revision,
//! result, duration, console link), then, when something failed, the reason, the exit code and
//! the last log lines. Only commands that ship something (run-task, deploy, continue,
//! rollback), `wait` (what it followed) and `verify` (one row per checklist) write one, and not
//! in a dry run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::duration::human;
use crate::ecs::arn_name;
use crate::output::{CommandResult, DeployResult, RunTaskResult, State, VerifyResult, WaitResult};
use crate::report::Report;

/// Where the summary goes: `--summary`, else GitHub's step summary file.
pub fn destination(flag: Option<PathBuf>, env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    flag.or_else(|| {
        env("GITHUB_STEP_SUMMARY")
            .filter(|path| !path.trim().is_empty())
            .map(PathBuf::from)
    })
}

/// Appends the summary of `report` to `path`, after what earlier steps wrote; nothing when the
/// result has no summary.
pub fn append(path: &Path, report: &Report) -> std::io::Result<()> {
    let Some(text) = markdown(report) else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    // A blank line keeps the table from joining a paragraph an earlier step left open.
    let separator = if file.metadata()?.len() > 0 { "\n" } else { "" };
    file.write_all(format!("{separator}{text}").as_bytes())
}

/// The summary, or none for a result that ships nothing.
pub fn markdown(report: &Report) -> Option<String> {
    let (result, rows) = match &report.result {
        CommandResult::Deploy(deploy) => (deploy.result, deploy_rows(deploy)),
        CommandResult::RunTask(run) => (run.result.as_str(), task_rows(run)),
        CommandResult::Verify(verify) => (verify.result, verify_rows(verify)),
        CommandResult::Wait(wait) => (wait.result, wait_rows(wait)),
        CommandResult::Error(error)
            if matches!(
                error.command,
                "run-task" | "deploy" | "continue" | "rollback" | "wait"
            ) =>
        {
            (error.result, vec![])
        }
        _ => return None,
    };
    let mut text = format!(
        "### {} ecs-ship {}: {}\n\n",
        emoji(result),
        report.result.command(),
        result.replace('_', " ")
    );
    if !rows.is_empty() {
        text.push_str(&table(&rows));
        text.push('\n');
    }
    if let CommandResult::Deploy(deploy) = &report.result {
        let notes = endpoints(deploy).chain(super::deploy_notes(deploy));
        text.push_str(&bullets(notes));
    }
    if let Some(failure) = &report.failure {
        text.push_str(&failure_section(report, &failure.to_string()));
    }
    Some(text)
}

/// One row: what, revision, result, duration, console link.
struct Row {
    name: String,
    revision: String,
    result: String,
    duration: Option<Duration>,
    console_url: Option<String>,
}

fn deploy_rows(deploy: &DeployResult) -> Vec<Row> {
    let duration = seconds(deploy.duration_seconds);
    let services = deploy.services.iter().map(|service| {
        let mut result = format!("{} {}", emoji(&service.result), words(&service.result));
        if let (Some(to), Some(how)) = (&service.rolled_back_to, &service.rollback_result) {
            result.push_str(&format!("; rollback to `{}` {}", arn_name(to), words(how)));
        }
        Row {
            name: service.service.clone(),
            revision: arn_name(&service.task_definition).to_string(),
            result,
            duration,
            console_url: Some(service.console_url.clone()),
        }
    });
    let targets = deploy.scheduled_targets.iter().flatten().map(|target| Row {
        name: target.label(),
        revision: arn_name(&target.task_definition).to_string(),
        result: words(target.result.as_str()),
        duration: None,
        console_url: None,
    });
    let daemons = deploy.daemons.iter().flatten().map(|daemon| Row {
        name: format!("daemon {}", daemon.daemon),
        revision: arn_name(&daemon.daemon_task_definition).to_string(),
        result: format!("{} {}", emoji(&daemon.result), words(&daemon.result)),
        duration,
        console_url: None,
    });
    services.chain(targets).chain(daemons).collect()
}

/// One row per service: the deployment wait followed and its verdict.
fn wait_rows(wait: &WaitResult) -> Vec<Row> {
    let duration = seconds(wait.duration_seconds);
    wait.services
        .iter()
        .map(|service| Row {
            name: service.service.clone(),
            revision: arn_name(&service.task_definition).to_string(),
            result: format!("{} {}", emoji(&service.result), words(&service.result)),
            duration,
            console_url: Some(service.console_url.clone()),
        })
        .collect()
}

/// One row per service, target or task: how many checks passed, failed, were skipped. The
/// failure section below the table names each failed check.
fn verify_rows(verify: &VerifyResult) -> Vec<Row> {
    verify
        .subjects
        .iter()
        .map(|list| {
            let count = |state| list.checks.iter().filter(|c| c.state == state).count();
            let (failed, skipped) = (count(State::Failed), count(State::Skipped));
            let mut result = format!("{} passed", count(State::Passed));
            if failed > 0 {
                result = format!("❌ {failed} failed, {result}");
            }
            if skipped > 0 {
                result.push_str(&format!(", {skipped} skipped"));
            }
            Row {
                name: list.name.clone(),
                revision: arn_name(&list.task_definition).to_string(),
                result,
                duration: None,
                console_url: None,
            }
        })
        .collect()
}

fn task_rows(run: &RunTaskResult) -> Vec<Row> {
    run.tasks
        .iter()
        .map(|task| {
            let exits: Vec<String> = task
                .containers
                .iter()
                .filter_map(|c| c.exit_code.map(|code| format!("{} exit {code}", c.name)))
                .collect();
            let mut result = format!("{} {}", emoji(&run.result), task.last_status);
            if !exits.is_empty() {
                result.push_str(&format!(" ({})", exits.join(", ")));
            }
            Row {
                name: format!("task {}", arn_name(&task.task_arn)),
                revision: arn_name(&run.task_definition).to_string(),
                result,
                duration: seconds(run.duration_seconds),
                console_url: Some(task.console_url.clone()),
            }
        })
        .collect()
}

/// `web endpoint: https://… (PUBLIC)` for each Express service's endpoint.
fn endpoints(deploy: &DeployResult) -> impl Iterator<Item = String> + '_ {
    deploy.services.iter().flat_map(|service| {
        service.endpoints.iter().map(|endpoint| {
            let (url, access) = (&endpoint.endpoint, &endpoint.access_type);
            format!("{} endpoint: {url} ({access})", service.service)
        })
    })
}

/// A Markdown list under the table (`- web endpoint: …`, `- pruned: …`), then a blank line;
/// nothing without lines.
fn bullets(lines: impl Iterator<Item = String>) -> String {
    let mut text: String = lines.map(|line| format!("- {}\n", cell(&line))).collect();
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

fn table(rows: &[Row]) -> String {
    let mut text =
        String::from("| | Revision | Result | Duration | Console |\n|---|---|---|---|---|\n");
    for row in rows {
        text.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            cell(&row.name),
            cell(&row.revision),
            cell(&row.result),
            row.duration.map_or("—".into(), human),
            row.console_url
                .as_ref()
                .map_or("—".into(), |url| format!("[open]({})", cell(url))),
        ));
    }
    text
}

/// The reason, the exit code, the stopped tasks' reasons and the last log lines (run-task) or
/// service events (deploy).
fn failure_section(report: &Report, reason: &str) -> String {
    let mut text = format!(
        "**Failed** (exit code {}): {}\n",
        report.exit_code(),
        cell(reason)
    );
    if let CommandResult::RunTask(run) = &report.result {
        for task in &run.tasks {
            let reasons = task
                .stopped_reason
                .iter()
                .chain(task.containers.iter().filter_map(|c| c.reason.as_ref()));
            for why in reasons {
                text.push_str(&format!(
                    "- task {}: {}\n",
                    arn_name(&task.task_arn),
                    cell(why)
                ));
            }
        }
    }
    for (title, lines) in [
        ("Last log lines", &report.log_tail),
        ("Last service events", &report.events),
    ] {
        if !lines.is_empty() {
            let fence = fence(lines);
            text.push_str(&format!(
                "\n**{title}**\n\n{fence}text\n{}\n{fence}\n",
                lines.join("\n")
            ));
        }
    }
    text
}

/// A code fence longer than any run of backticks in the lines.
fn fence(lines: &[String]) -> String {
    let longest = lines
        .iter()
        .flat_map(|line| line.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Text that stays inside one table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn words(result: &str) -> String {
    result.replace('_', " ")
}

fn emoji(result: &str) -> &'static str {
    match result {
        "succeeded" | "moved" | "passed" => "✅",
        "started" => "🚀",
        "paused" => "⏸",
        "timed_out" => "⏱",
        "cancelled" => "⚪",
        "failed" | "error" | "failed_to_start" => "❌",
        _ => "•",
    }
}

fn seconds(value: f64) -> Option<Duration> {
    (value.is_finite() && value >= 0.0).then(|| Duration::from_secs_f64(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::output::ErrorResult;
    use crate::render::fixtures;

    #[test]
    fn a_daemon_is_a_row_with_its_daemon_task_definition_and_result() {
        let mut deploy = fixtures::deploy(&[]);
        deploy.daemons = Some(vec![fixtures::daemon("agent", "failed")]);
        let text = markdown(&Report::of(CommandResult::Deploy(deploy))).unwrap();
        assert!(
            text.contains("| daemon agent | `agent:4` | ❌ failed | 1m35s |"),
            "{text}"
        );
    }

    #[test]
    fn a_deploy_is_a_row_per_service_with_revision_result_duration_and_link() {
        let report = Report::of(CommandResult::Deploy(fixtures::deploy(&[
            ("web", fixtures::WEB_8),
            ("worker", fixtures::WORKER_3),
        ])));
        let text = markdown(&report).unwrap();
        assert!(
            text.starts_with("### ✅ ecs-ship deploy: succeeded\n"),
            "{text}"
        );
        assert!(
            text.contains("| web | `web:8` | ✅ succeeded | 1m35s | [open](https://console.aws.amazon.com/ecs/services/web) |"),
            "{text}"
        );
        assert!(text.contains("| worker | `worker:3` |"), "{text}");
        assert!(!text.contains("Failed"), "{text}");
    }

    #[test]
    fn an_express_services_endpoints_are_listed_under_the_table() {
        let mut deploy = fixtures::deploy(&[("web", fixtures::WEB_8)]);
        deploy.services[0].endpoints = vec![crate::ecs::Endpoint {
            access_type: "PUBLIC".into(),
            endpoint: "https://web.example".into(),
        }];
        let text = markdown(&Report::of(CommandResult::Deploy(deploy))).unwrap();
        assert!(
            text.contains("|\n\n- web endpoint: https://web.example (PUBLIC)\n"),
            "{text}"
        );
    }

    #[test]
    fn what_the_deploy_did_to_auto_scaling_and_the_prune_after_it_are_listed() {
        let mut deploy = fixtures::deploy(&[("web", fixtures::WEB_8)]);
        deploy.auto_scaling = Some(vec![fixtures::auto_scaling_restored()]);
        deploy.prune = Some(fixtures::pruned());
        let text = markdown(&Report::of(CommandResult::Deploy(deploy))).unwrap();
        assert!(
            text.contains("|\n\n- web: auto scaling suspended during the deploy, then restored (min 2, max 10)\n- pruned: 4 revision(s) deregistered, 4 deleted\n"),
            "{text}"
        );
    }

    #[test]
    fn a_failure_gives_reason_exit_code_and_log_tail_in_a_fence_that_holds() {
        let mut run = fixtures::run_task(&["arn:aws:ecs:us-east-1:1:task/prod/abc"]);
        run.result = "failed".into();
        run.tasks[0].containers[0].exit_code = Some(3);
        let mut report = Report::of(CommandResult::RunTask(run));
        report.failure = Some(Error::TaskFailed {
            code: 3,
            reason: "container app exited with 3".into(),
        });
        report.log_tail = vec!["rake aborted!".into(), "a ``` fence | pipe".into()];
        let text = markdown(&report).unwrap();
        assert!(
            text.contains("| task abc | `web:8` | ❌ STOPPED (app exit 3) |"),
            "{text}"
        );
        assert!(text.contains("**Failed** (exit code 3): "), "{text}");
        assert!(
            text.contains("- task abc: Essential container in task exited"),
            "{text}"
        );
        assert!(
            text.contains("````text\nrake aborted!\na ``` fence | pipe\n````\n"),
            "{text}"
        );
    }

    #[test]
    fn commands_that_ship_nothing_and_dry_runs_write_none() {
        let report = Report::of(CommandResult::Error(ErrorResult::new(
            "ecr login",
            1,
            "no".into(),
        )));
        assert_eq!(markdown(&report), None);
        assert_eq!(markdown(&Report::of(CommandResult::None)), None);
        let error = Report::error("deploy", Error::input("no such service"));
        let text = markdown(&error).unwrap();
        assert!(text.contains("ecs-ship deploy: error"), "{text}");
        assert!(text.contains("(exit code 1)"), "{text}");
    }

    #[test]
    fn the_flag_wins_over_github_and_an_empty_variable_is_unset() {
        let github = |_: &str| Some("/gh/summary".to_string());
        assert_eq!(
            destination(Some("mine.md".into()), github),
            Some(PathBuf::from("mine.md"))
        );
        assert_eq!(
            destination(None, github),
            Some(PathBuf::from("/gh/summary"))
        );
        assert_eq!(destination(None, |_: &str| Some(" ".into())), None);
    }
}
