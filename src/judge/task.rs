//! "Is this one-off task done, failed, or still going?" — a pure function of DescribeTasks.

use crate::ecs::Task;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskVerdict {
    /// Not every task has stopped; the text summarises their states.
    Running(String),
    Succeeded,
    /// A watched or essential container exited non-zero.
    Failed {
        code: i32,
        reason: String,
    },
    /// A task never ran its command (exit 125).
    FailedToStart(String),
}

/// `essential`: essential container names in task-definition order. `watched`: `--container`
/// (or the only essential container), whose failure counts first. The first task that did not
/// succeed decides, in the order the tasks were started.
pub fn judge(tasks: &[Task], essential: &[String], watched: Option<&str>) -> TaskVerdict {
    if tasks.is_empty() {
        return TaskVerdict::Running("waiting for the task to appear".into());
    }
    if let Some(states) = still_running(tasks) {
        return TaskVerdict::Running(states);
    }
    tasks
        .iter()
        .map(|task| judge_stopped(task, essential, watched))
        .find(|v| *v != TaskVerdict::Succeeded)
        .unwrap_or(TaskVerdict::Succeeded)
}

/// Tasks RunTask started that DescribeTasks does not list yet: ECS is eventually consistent
/// and may answer `MISSING` for a task it has just returned.
pub fn unseen<'a>(arns: &'a [String], tasks: &[Task]) -> Vec<&'a str> {
    arns.iter()
        .filter(|arn| !tasks.iter().any(|t| &t.task_arn == *arn))
        .map(String::as_str)
        .collect()
}

fn still_running(tasks: &[Task]) -> Option<String> {
    if tasks.iter().all(|t| t.last_status == "STOPPED") {
        return None;
    }
    let states: Vec<&str> = tasks
        .iter()
        .map(|t| {
            if t.last_status.is_empty() {
                "PENDING"
            } else {
                t.last_status.as_str()
            }
        })
        .collect();
    Some(if tasks.len() == 1 {
        states[0].to_string()
    } else {
        format!("{} tasks: {}", tasks.len(), states.join(", "))
    })
}

fn judge_stopped(task: &Task, essential: &[String], watched: Option<&str>) -> TaskVerdict {
    let stopped_reason = task
        .stopped_reason
        .clone()
        .unwrap_or_else(|| "no reason given".into());
    if task.stop_code.as_deref() == Some("TaskFailedToStart") {
        return TaskVerdict::FailedToStart(with_container_reasons(&stopped_reason, task));
    }
    let order = watched.into_iter().chain(
        essential
            .iter()
            .map(String::as_str)
            .filter(|name| Some(*name) != watched),
    );
    for name in order {
        let Some(container) = task.container(name) else {
            continue;
        };
        match container.exit_code {
            Some(0) => {}
            Some(code) => {
                let mut reason = format!("container `{name}` exited with code {code}");
                if let Some(why) = container.reason.as_deref().filter(|r| !r.is_empty()) {
                    reason.push_str(&format!(": {why}"));
                }
                // A process exit code is 0–255: the runtime's 256 or -1 would wrap (256 to 0,
                // a success) when ecs-ship exits with it.
                let code = if (1..=255).contains(&code) {
                    code
                } else {
                    reason.push_str(&format!(
                        "; {code} is no process exit code (1–255), so ecs-ship exits with 1"
                    ));
                    1
                };
                return TaskVerdict::Failed {
                    code,
                    reason: format!("{reason} ({stopped_reason})"),
                };
            }
            None => {
                let why = container
                    .reason
                    .as_deref()
                    .filter(|r| !r.is_empty())
                    .unwrap_or(&stopped_reason);
                return TaskVerdict::FailedToStart(format!(
                    "container `{name}` stopped without an exit code: {why}"
                ));
            }
        }
    }
    TaskVerdict::Succeeded
}

fn with_container_reasons(stopped_reason: &str, task: &Task) -> String {
    let reasons: Vec<String> = task
        .containers
        .iter()
        .filter_map(|c| {
            c.reason
                .as_deref()
                .filter(|r| !r.is_empty())
                .map(|r| format!("{}: {r}", c.name))
        })
        .collect();
    if reasons.is_empty() {
        stopped_reason.to_string()
    } else {
        format!("{stopped_reason} ({})", reasons.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::Container;

    fn container(name: &str, exit_code: Option<i32>, reason: Option<&str>) -> Container {
        Container {
            name: name.into(),
            last_status: "STOPPED".into(),
            exit_code,
            reason: reason.map(Into::into),
        }
    }

    fn stopped(containers: Vec<Container>) -> Task {
        Task {
            task_arn: "arn:aws:ecs:us-east-1:1:task/c/abc".into(),
            last_status: "STOPPED".into(),
            stop_code: Some("EssentialContainerExited".into()),
            stopped_reason: Some("Essential container in task exited".into()),
            containers,
            ..Task::default()
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn tasks_describe_tasks_does_not_list_yet_are_unseen() {
        let listed = stopped(vec![]);
        let other = "arn:aws:ecs:us-east-1:1:task/c/def".to_string();
        let arns = vec![listed.task_arn.clone(), other.clone()];
        assert_eq!(
            unseen(&arns, std::slice::from_ref(&listed)),
            vec![other.as_str()]
        );
        assert!(unseen(&arns[..1], &[listed]).is_empty());
    }

    #[test]
    fn running_until_every_task_stopped() {
        let running = Task {
            last_status: "RUNNING".into(),
            ..Task::default()
        };
        let done = stopped(vec![container("app", Some(0), None)]);
        assert_eq!(
            judge(std::slice::from_ref(&running), &names(&["app"]), None),
            TaskVerdict::Running("RUNNING".into())
        );
        assert!(
            matches!(judge(&[done, running], &names(&["app"]), None), TaskVerdict::Running(s) if s.contains("2 tasks"))
        );
    }

    #[test]
    fn zero_exit_of_every_essential_container_succeeds() {
        let task = stopped(vec![
            container("app", Some(0), None),
            container("sidecar", Some(0), None),
        ]);
        assert_eq!(
            judge(&[task], &names(&["app", "sidecar"]), Some("app")),
            TaskVerdict::Succeeded
        );
    }

    #[test]
    fn the_watched_containers_code_is_the_result() {
        let task = stopped(vec![container("app", Some(3), None)]);
        assert!(matches!(
            judge(&[task], &names(&["app"]), Some("app")),
            TaskVerdict::Failed { code: 3, .. }
        ));
    }

    #[test]
    fn a_failed_sidecar_that_is_not_essential_does_not_count() {
        let task = stopped(vec![
            container("app", Some(0), None),
            container("datadog", Some(1), None),
        ]);
        assert_eq!(
            judge(&[task], &names(&["app"]), Some("app")),
            TaskVerdict::Succeeded
        );
    }

    #[test]
    fn first_failing_essential_container_in_definition_order_decides() {
        let task = stopped(vec![
            container("b", Some(7), None),
            container("a", Some(5), None),
        ]);
        assert!(matches!(
            judge(&[task], &names(&["a", "b"]), None),
            TaskVerdict::Failed { code: 5, .. }
        ));
    }

    #[test]
    fn failed_to_start_is_125_material() {
        let mut task = stopped(vec![container(
            "app",
            None,
            Some("CannotPullContainerError: pull access denied"),
        )]);
        task.stop_code = Some("TaskFailedToStart".into());
        task.stopped_reason =
            Some("CannotPullContainerError: pull image manifest has been retried".into());
        let verdict = judge(&[task], &names(&["app"]), Some("app"));
        assert!(
            matches!(&verdict, TaskVerdict::FailedToStart(r) if r.contains("CannotPullContainerError")),
            "{verdict:?}"
        );
    }

    #[test]
    fn exit_codes_outside_a_byte_fail_with_1_never_0() {
        for code in [256, 512, -1, i32::MIN, i32::MAX] {
            let task = stopped(vec![container("app", Some(code), None)]);
            match judge(&[task], &["app".into()], None) {
                TaskVerdict::Failed { code: 1, reason } => {
                    assert!(reason.contains(&format!("code {code}")), "{reason}")
                }
                other => panic!("{code}: {other:?}"),
            }
        }
    }

    #[test]
    fn essential_container_without_exit_code_never_ran() {
        let task = stopped(vec![container(
            "app",
            None,
            Some("ResourceInitializationError: unable to pull secrets"),
        )]);
        assert!(
            matches!(judge(&[task], &names(&["app"]), None), TaskVerdict::FailedToStart(r) if r.contains("ResourceInitializationError"))
        );
    }

    #[test]
    fn every_task_counts() {
        let ok = stopped(vec![container("app", Some(0), None)]);
        let bad = stopped(vec![container("app", Some(2), None)]);
        assert!(matches!(
            judge(&[ok, bad], &names(&["app"]), None),
            TaskVerdict::Failed { code: 2, .. }
        ));
    }
}
