//! "Is *this* deployment of the service done, failed, or still rolling?" — a pure function of
//! one DescribeServices snapshot (and, when ECS counts failed tasks, the stopped tasks of the
//! new revision).

use super::Verdict;
use crate::ecs::{arn_name, Deployment, DeploymentStatus, ServiceDescription, ServiceStatus, Task};
use crate::poll::Step;

/// `deployment_id`: the deployment UpdateService created. `stopped`: stopped tasks of the new
/// revision started since that deployment began (the caller fetches them only when the
/// deployment reports failed tasks).
pub fn judge(service: &ServiceDescription, deployment_id: &str, stopped: &[Task]) -> Step<Verdict> {
    if matches!(
        service.status,
        ServiceStatus::Draining | ServiceStatus::Inactive
    ) {
        return Step::Done(Verdict::Failed(format!(
            "the service is {} (being deleted)",
            service.status
        )));
    }
    let Some(ours) = service.deployments.iter().find(|d| d.id == deployment_id) else {
        let now = match primary(service) {
            Some(p) => format!(
                "; the service now runs deployment {} of {}",
                p.id,
                arn_name(&p.task_definition)
            ),
            None => String::new(),
        };
        return Step::Done(Verdict::Failed(format!(
            "deployment {deployment_id} is gone{now} (rolled back or replaced by another deployment)"
        )));
    };
    if ours.rollout_state.as_deref() == Some("FAILED") {
        let reason = ours
            .rollout_state_reason
            .as_deref()
            .filter(|r| !r.is_empty())
            .unwrap_or("rolloutState FAILED");
        return Step::Done(Verdict::Failed(with_stopped(reason, stopped)));
    }
    if ours.status != DeploymentStatus::Primary {
        let by = match primary(service) {
            Some(p) if p.task_definition != ours.task_definition => format!(
                "deployment {} of {} (a rollback)",
                p.id,
                arn_name(&p.task_definition)
            ),
            Some(p) => format!("deployment {}", p.id),
            None => "another deployment".into(),
        };
        return Step::Done(Verdict::Failed(with_stopped(
            &format!("deployment {deployment_id} was replaced by {by}"),
            stopped,
        )));
    }
    let failed: Vec<&Task> = stopped.iter().filter(|t| counts_as_failure(t)).collect();
    if !failed.is_empty() {
        return Step::Done(Verdict::Failed(describe_stopped(
            &failed,
            &ours.task_definition,
        )));
    }
    let others = service
        .deployments
        .iter()
        .filter(|d| d.id != deployment_id)
        .count();
    let settled = ours.running_count == ours.desired_count && others == 0;
    let done = match ours.rollout_state.as_deref() {
        Some(state) => state == "COMPLETED" && settled,
        None => settled,
    };
    if done {
        Step::Done(Verdict::Completed)
    } else {
        Step::Pending(progress_text(service, ours, others))
    }
}

/// One line per deployment, for progress output: printed again only when it changes.
pub fn deployment_lines(service: &ServiceDescription) -> Vec<String> {
    service
        .deployments
        .iter()
        .map(|d| {
            let mut line = format!(
                "{} {} {}: {}/{} running",
                d.status,
                d.id,
                arn_name(&d.task_definition),
                d.running_count,
                d.desired_count
            );
            if d.pending_count > 0 {
                line.push_str(&format!(", {} pending", d.pending_count));
            }
            if d.failed_tasks > 0 {
                line.push_str(&format!(", {} failed", d.failed_tasks));
            }
            if let Some(state) = &d.rollout_state {
                line.push_str(&format!(" ({state})"));
            }
            line
        })
        .collect()
}

fn primary(service: &ServiceDescription) -> Option<&Deployment> {
    service
        .deployments
        .iter()
        .find(|d| d.status == DeploymentStatus::Primary)
}

fn progress_text(service: &ServiceDescription, ours: &Deployment, others: usize) -> String {
    let mut text = format!(
        "{}: {}/{} running",
        service.service_name, ours.running_count, ours.desired_count
    );
    if ours.pending_count > 0 {
        text.push_str(&format!(", {} pending", ours.pending_count));
    }
    if others > 0 {
        let old_running: i64 = service
            .deployments
            .iter()
            .filter(|d| d.id != ours.id)
            .map(|d| d.running_count)
            .sum();
        text.push_str(&format!(
            ", {old_running} old task{} draining",
            if old_running == 1 { "" } else { "s" }
        ));
    }
    text
}

/// A task stopped by someone (StopTask) or by scaling in is not a failed rollout.
fn counts_as_failure(task: &Task) -> bool {
    if task.stop_code.as_deref() == Some("UserInitiated") {
        return false;
    }
    let reason = task.stopped_reason.as_deref().unwrap_or_default();
    !reason.starts_with("Scaling activity initiated by")
}

fn describe_stopped(tasks: &[&Task], task_definition: &str) -> String {
    let first = tasks[0];
    let mut text = format!(
        "{} task{} of {} stopped: {}",
        tasks.len(),
        if tasks.len() == 1 { "" } else { "s" },
        arn_name(task_definition),
        task_reason(first)
    );
    let other_reasons: Vec<String> = tasks[1..]
        .iter()
        .map(|t| task_reason(t))
        .filter(|r| *r != task_reason(first))
        .collect();
    if !other_reasons.is_empty() {
        text.push_str(&format!("; also: {}", other_reasons.join("; ")));
    }
    text
}

/// `reason; a task stopped: …` when one of `stopped` counts as a failure.
pub fn with_stopped(reason: &str, stopped: &[Task]) -> String {
    let failed: Vec<&Task> = stopped.iter().filter(|t| counts_as_failure(t)).collect();
    match failed.first() {
        Some(task) => format!("{reason}; a task stopped: {}", task_reason(task)),
        None => reason.to_string(),
    }
}

/// `stoppedReason (container: reason, …)`, the lines people need: a failed image pull, a
/// failed health check, an exit code.
pub fn task_reason(task: &Task) -> String {
    let stopped = task
        .stopped_reason
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "no reason given".into());
    let containers: Vec<String> = task
        .containers
        .iter()
        .filter_map(|c| {
            let reason = c.reason.as_deref().filter(|r| !r.is_empty());
            match (reason, c.exit_code) {
                (Some(reason), _) => Some(format!("{}: {reason}", c.name)),
                (None, Some(code)) if code != 0 => Some(format!("{}: exit code {code}", c.name)),
                _ => None,
            }
        })
        .collect();
    if containers.is_empty() {
        stopped
    } else {
        format!("{stopped} ({})", containers.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::Container;

    const NEW: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:8";
    const OLD: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7";

    fn deployment(
        id: &str,
        status: &str,
        td: &str,
        running: i64,
        desired: i64,
        rollout: Option<&str>,
    ) -> Deployment {
        Deployment {
            id: id.into(),
            status: status.into(),
            task_definition: td.into(),
            desired_count: desired,
            running_count: running,
            pending_count: desired - running,
            rollout_state: rollout.map(Into::into),
            ..Deployment::default()
        }
    }

    fn service(deployments: Vec<Deployment>) -> ServiceDescription {
        ServiceDescription {
            service_name: "web".into(),
            status: "ACTIVE".into(),
            deployments,
            ..ServiceDescription::default()
        }
    }

    fn stopped_task(reason: &str, stop_code: &str, container_reason: Option<&str>) -> Task {
        Task {
            task_arn: "arn:aws:ecs:us-east-1:123456789012:task/c/t1".into(),
            task_definition_arn: NEW.into(),
            last_status: "STOPPED".into(),
            stop_code: Some(stop_code.into()),
            stopped_reason: Some(reason.into()),
            containers: vec![Container {
                name: "app".into(),
                reason: container_reason.map(Into::into),
                ..Container::default()
            }],
            ..Task::default()
        }
    }

    #[test]
    fn in_progress_while_old_tasks_drain() {
        let s = service(vec![
            deployment("new", "PRIMARY", NEW, 2, 2, Some("IN_PROGRESS")),
            deployment("old", "ACTIVE", OLD, 1, 0, Some("COMPLETED")),
        ]);
        let verdict = judge(&s, "new", &[]);
        assert_eq!(
            verdict,
            Step::Pending("web: 2/2 running, 1 old task draining".into())
        );
    }

    #[test]
    fn completed_needs_rollout_state_running_count_and_no_other_deployment() {
        let done = service(vec![deployment(
            "new",
            "PRIMARY",
            NEW,
            2,
            2,
            Some("COMPLETED"),
        )]);
        assert_eq!(judge(&done, "new", &[]), Step::Done(Verdict::Completed));
        let still_rolling = service(vec![deployment(
            "new",
            "PRIMARY",
            NEW,
            2,
            2,
            Some("IN_PROGRESS"),
        )]);
        assert!(matches!(
            judge(&still_rolling, "new", &[]),
            Step::Pending(_)
        ));
        let short_of_tasks = service(vec![deployment(
            "new",
            "PRIMARY",
            NEW,
            1,
            2,
            Some("COMPLETED"),
        )]);
        assert!(
            matches!(judge(&short_of_tasks, "new", &[]), Step::Pending(t) if t.contains("1/2 running, 1 pending"))
        );
    }

    #[test]
    fn without_rollout_state_done_when_alone_and_at_desired_count() {
        let rolling = service(vec![
            deployment("new", "PRIMARY", NEW, 2, 2, None),
            deployment("old", "ACTIVE", OLD, 2, 2, None),
        ]);
        assert!(matches!(judge(&rolling, "new", &[]), Step::Pending(_)));
        let done = service(vec![deployment("new", "PRIMARY", NEW, 2, 2, None)]);
        assert_eq!(judge(&done, "new", &[]), Step::Done(Verdict::Completed));
    }

    #[test]
    fn circuit_breaker_failure_is_seen_at_once_with_its_reason() {
        let mut failed = deployment("new", "PRIMARY", NEW, 0, 2, Some("FAILED"));
        failed.rollout_state_reason =
            Some("ECS deployment circuit breaker: tasks failed to start.".into());
        let verdict = judge(&service(vec![failed]), "new", &[]);
        assert_eq!(
            verdict,
            Step::Done(Verdict::Failed(
                "ECS deployment circuit breaker: tasks failed to start.".into()
            ))
        );
    }

    #[test]
    fn replaced_by_a_rollback_deployment_fails() {
        let s = service(vec![
            deployment("rollback", "PRIMARY", OLD, 0, 2, Some("IN_PROGRESS")),
            deployment("new", "ACTIVE", NEW, 0, 0, Some("IN_PROGRESS")),
        ]);
        let Step::Done(Verdict::Failed(reason)) = judge(&s, "new", &[]) else {
            panic!("not failed")
        };
        assert!(
            reason.contains("replaced by deployment rollback of web:7 (a rollback)"),
            "{reason}"
        );
    }

    #[test]
    fn a_vanished_deployment_fails_naming_what_runs_now() {
        let s = service(vec![deployment(
            "rollback",
            "PRIMARY",
            OLD,
            2,
            2,
            Some("COMPLETED"),
        )]);
        let Step::Done(Verdict::Failed(reason)) = judge(&s, "new", &[]) else {
            panic!("not failed")
        };
        assert!(
            reason.contains("deployment new is gone") && reason.contains("web:7"),
            "{reason}"
        );
    }

    #[test]
    fn stopped_tasks_of_the_new_revision_fail_with_their_reasons() {
        let mut ours = deployment("new", "PRIMARY", NEW, 0, 2, Some("IN_PROGRESS"));
        ours.failed_tasks = 1;
        let task = stopped_task(
            "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
            "TaskFailedToStart",
            Some("CannotPullContainerError: ref not found"),
        );
        let Step::Done(Verdict::Failed(reason)) = judge(&service(vec![ours]), "new", &[task])
        else {
            panic!("not failed")
        };
        assert_eq!(
            reason,
            "1 task of web:8 stopped: CannotPullContainerError: pull image manifest has been retried 5 time(s) (app: CannotPullContainerError: ref not found)"
        );
    }

    #[test]
    fn health_check_failures_count() {
        let ours = deployment("new", "PRIMARY", NEW, 1, 2, Some("IN_PROGRESS"));
        let task = stopped_task(
            "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1)",
            "ServiceSchedulerInitiated",
            None,
        );
        assert!(
            matches!(judge(&service(vec![ours]), "new", &[task]), Step::Done(Verdict::Failed(r)) if r.contains("ELB health checks"))
        );
    }

    #[test]
    fn user_stops_and_scale_in_are_not_failures() {
        let ours = deployment("new", "PRIMARY", NEW, 2, 2, Some("COMPLETED"));
        let manual = stopped_task("Task stopped by user", "UserInitiated", None);
        let scaled = stopped_task(
            "Scaling activity initiated by (deployment ecs-svc/1)",
            "ServiceSchedulerInitiated",
            None,
        );
        assert_eq!(
            judge(&service(vec![ours]), "new", &[manual, scaled]),
            Step::Done(Verdict::Completed)
        );
    }

    #[test]
    fn exit_codes_appear_in_task_reasons() {
        let mut task = stopped_task(
            "Essential container in task exited",
            "EssentialContainerExited",
            None,
        );
        task.containers[0].exit_code = Some(137);
        assert_eq!(
            task_reason(&task),
            "Essential container in task exited (app: exit code 137)"
        );
    }

    #[test]
    fn a_draining_service_fails() {
        let mut s = service(vec![deployment("new", "PRIMARY", NEW, 0, 0, None)]);
        s.status = "DRAINING".into();
        assert!(matches!(
            judge(&s, "new", &[]),
            Step::Done(Verdict::Failed(_))
        ));
    }

    #[test]
    fn deployment_lines_summarise_each_deployment() {
        let mut new = deployment("ecs-svc/2", "PRIMARY", NEW, 1, 2, Some("IN_PROGRESS"));
        new.failed_tasks = 1;
        let s = service(vec![
            new,
            deployment("ecs-svc/1", "ACTIVE", OLD, 2, 2, Some("COMPLETED")),
        ]);
        assert_eq!(
            deployment_lines(&s),
            [
                "PRIMARY ecs-svc/2 web:8: 1/2 running, 1 pending, 1 failed (IN_PROGRESS)",
                "ACTIVE ecs-svc/1 web:7: 2/2 running (COMPLETED)"
            ]
        );
    }
}
