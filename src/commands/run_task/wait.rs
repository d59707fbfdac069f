//! Waiting for the started tasks to stop, judged by [`task_verdict::judge`] under the one poll
//! loop, while their CloudWatch logs stream.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::aws::Aws;
use crate::cli::RunTaskArgs;
use crate::context::Context;
use crate::duration::human;
use crate::ecs::Task;
use crate::error::{Error, Result};
use crate::judge::task::{self as task_verdict, judge, TaskVerdict};
use crate::logs::{self, Follower};
use crate::poll::{self, Ended, Step};
use crate::task_definition::TaskDefinition;

/// How long DescribeTasks may answer MISSING for a task RunTask returned before that counts as
/// the task never having started.
const UNSEEN_GRACE: Duration = Duration::from_secs(60);

/// Polls the tasks until the verdict is final (with the tasks as last described), the timeout
/// passes or a signal arrives.
pub(super) async fn until_stopped(
    context: &Context,
    aws: &Aws,
    cluster: &str,
    definition: &TaskDefinition,
    tasks: &[Task],
    watched: Option<&str>,
    started: Instant,
) -> Result<Ended<(TaskVerdict, Vec<Task>)>> {
    let arns: Vec<String> = tasks.iter().map(|t| t.task_arn.clone()).collect();
    let essential = definition.essential_containers();
    let seen_states = Mutex::new(HashMap::<String, String>::new());
    poll::wait(
        &context.schedule(None),
        &context.cancel,
        &context.progress,
        || {
            let (arns, essential, seen_states) = (&arns, &essential, &seen_states);
            async move {
                let (tasks, _) = aws.describe_tasks(cluster, arns).await?;
                let unseen = task_verdict::unseen(arns, &tasks);
                if let Some(first) = unseen.first() {
                    if started.elapsed() > UNSEEN_GRACE {
                        return Err(Error::TaskFailedToStart(format!(
                            "ECS does not know task {first}: DescribeTasks still answers MISSING {} after RunTask",
                            human(started.elapsed())
                        )));
                    }
                    return Ok(Step::Pending(format!(
                        "waiting for {} task(s) to appear",
                        unseen.len()
                    )));
                }
                report_state_changes(context, &tasks, &mut seen_states.lock().unwrap());
                Ok(match judge(&tasks, essential, watched) {
                    TaskVerdict::Running(state) => Step::Pending(state),
                    verdict => Step::Done((verdict, tasks)),
                })
            }
        },
    )
    .await
}

/// Streams the awslogs of every container of every task until [`Follower::finish`].
pub(super) fn follow_logs(
    context: &Context,
    aws: &Aws,
    args: &RunTaskArgs,
    definition: &TaskDefinition,
    tasks: &[Task],
) -> Follower {
    Follower::start(
        aws.clone(),
        context.progress.clone(),
        log_sources(context, definition, tasks),
        args.log_settle.unwrap_or(logs::DEFAULT_SETTLE),
    )
}

fn log_sources(
    context: &Context,
    definition: &TaskDefinition,
    tasks: &[Task],
) -> Vec<logs::Source> {
    let mut sources = vec![];
    let containers = definition.container_names();
    for task in tasks {
        for container in &containers {
            let Some(config) = definition.awslogs(container) else {
                context.progress.debug(format_args!(
                    "container {container} does not log to CloudWatch (awslogs); not following it"
                ));
                continue;
            };
            let Some(prefix) = config.stream_prefix else {
                context.progress.warn(format_args!(
                    "container {container} logs to {} without awslogs-stream-prefix, so its stream name is unknown; not following it",
                    config.group
                ));
                continue;
            };
            sources.push(logs::Source {
                label: None,
                group: config.group,
                stream: format!("{prefix}/{container}/{}", task.id()),
                region: config.region,
            });
        }
    }
    if sources.len() > 1 {
        for source in &mut sources {
            let mut parts = source.stream.rsplit('/');
            let (task, container) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            source.label = Some(if tasks.len() > 1 {
                format!("{container}/{}", &task[..task.len().min(8)])
            } else {
                container.to_string()
            });
        }
    }
    sources
}

fn report_state_changes(context: &Context, tasks: &[Task], seen: &mut HashMap<String, String>) {
    for task in tasks {
        if seen.get(&task.task_arn) != Some(&task.last_status) {
            context
                .progress
                .say(format_args!("task {}: {}", task.id(), task.last_status));
            seen.insert(task.task_arn.clone(), task.last_status.clone());
        }
    }
}
