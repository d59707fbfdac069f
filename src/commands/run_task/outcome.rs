//! What run-task knows at the end, for stdout, JSON and notifications: the tasks as last seen,
//! the result, and the tasks stopped on the way out (failed starts, timeout, signal).

use std::time::Instant;

use crate::aws::Aws;
use crate::cli::{AfterWait, RunTaskArgs};
use crate::context::Context;
use crate::duration::human;
use crate::ecs::{self, Failure, Task};
use crate::error::Error;
use crate::judge::task::TaskVerdict;
use crate::output::{CommandResult, ContainerResult, RunTaskResult, TaskResult};
use crate::poll::Ended;
use crate::report::Report;
use crate::task_definition::TaskDefinition;

pub(super) struct Outcome<'a> {
    pub(super) context: &'a Context,
    pub(super) aws: &'a Aws,
    pub(super) cluster: &'a str,
    pub(super) definition: &'a TaskDefinition,
    pub(super) started: Instant,
    pub(super) tasks: Vec<Task>,
    pub(super) log_tail: Vec<String>,
}

impl Outcome<'_> {
    async fn stop_all(&self, reason: &str) {
        for task in &self.tasks {
            if let Err(error) = self
                .aws
                .stop_task(self.cluster, &task.task_arn, reason)
                .await
            {
                self.context
                    .progress
                    .warn(format_args!("could not stop task {}: {error}", task.id()));
            }
        }
    }

    /// RunTask refused some tasks: the ones it started are stopped, so a run is all or nothing.
    pub(super) async fn failed_to_start(self, failures: &[Failure]) -> Report {
        let reasons: Vec<String> = failures.iter().map(Failure::describe).collect();
        self.stop_all(&format!(
            "ecs-ship: other tasks of this run failed to start ({})",
            reasons.join("; ")
        ))
        .await;
        self.report(
            "failed_to_start",
            Some(Error::TaskFailedToStart(format!(
                "RunTask failed: {}",
                reasons.join("; ")
            ))),
        )
    }

    /// The result of the wait; on a timeout or signal the tasks are stopped unless
    /// `--on-timeout` / `--on-cancel` say to leave them.
    pub(super) async fn settle(
        &mut self,
        ended: Ended<(TaskVerdict, Vec<Task>)>,
        args: &RunTaskArgs,
    ) -> (&'static str, Option<Error>) {
        let progress = &self.context.progress;
        match ended {
            Ended::Done((verdict, tasks)) => {
                self.tasks = tasks;
                match verdict {
                    TaskVerdict::Succeeded => ("succeeded", None),
                    TaskVerdict::Failed { code, reason } => {
                        ("failed", Some(Error::TaskFailed { code, reason }))
                    }
                    TaskVerdict::FailedToStart(reason) => {
                        ("failed_to_start", Some(Error::TaskFailedToStart(reason)))
                    }
                    TaskVerdict::Running(_) => {
                        unreachable!("the waiter only returns finished verdicts")
                    }
                }
            }
            Ended::TimedOut => {
                let waited = human(self.started.elapsed());
                if args.on_timeout == AfterWait::Stop {
                    progress.warn(format_args!("timed out after {waited}; stopping the task (--on-timeout leave keeps it running)"));
                    self.stop_all(&format!("ecs-ship: timed out after {waited}"))
                        .await;
                } else {
                    progress.warn(format_args!(
                        "timed out after {waited}; leaving the task running (--on-timeout leave)"
                    ));
                }
                (
                    "timed_out",
                    Some(Error::TimedOut(format!(
                        "after {waited} waiting for the task to stop"
                    ))),
                )
            }
            Ended::Cancelled(signal) => {
                if args.on_cancel == AfterWait::Stop {
                    progress.warn(format_args!(
                        "{}: stopping the task (--on-cancel leave keeps it running)",
                        signal.name()
                    ));
                    self.stop_all(&format!("ecs-ship: interrupted by {}", signal.name()))
                        .await;
                }
                ("cancelled", Some(Error::Interrupted(signal)))
            }
        }
    }

    pub(super) fn report(self, result: &str, failure: Option<Error>) -> Report {
        let tasks = self
            .tasks
            .iter()
            .map(|task| TaskResult {
                task_arn: task.task_arn.clone(),
                last_status: task.last_status.clone(),
                stop_code: task.stop_code.clone(),
                stopped_reason: task.stopped_reason.clone(),
                containers: task
                    .containers
                    .iter()
                    .map(|c| ContainerResult {
                        name: c.name.clone(),
                        exit_code: c.exit_code,
                        reason: c.reason.clone(),
                    })
                    .collect(),
                console_url: ecs::console_url(
                    self.aws.region(),
                    self.cluster,
                    &format!("tasks/{}", task.id()),
                ),
            })
            .collect();
        let mut report = Report::of(CommandResult::RunTask(RunTaskResult {
            command: "run-task",
            result: result.to_string(),
            exit_code: failure.as_ref().map_or(0, Error::code),
            reason: failure.as_ref().map(ToString::to_string),
            cluster: self.cluster.to_string(),
            region: self.aws.region().to_string(),
            task_definition: self.definition.arn().to_string(),
            tasks,
            duration_seconds: (self.started.elapsed().as_millis() as f64) / 1000.0,
        }));
        report.failure = failure;
        report.log_tail = self.log_tail;
        report
    }
}
