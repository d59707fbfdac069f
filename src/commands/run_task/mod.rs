//! `ecs-ship run-task` (alias `migrate`): start a one-off task, stream its logs, wait for it to
//! stop, and exit with its result.
//!
//! The story, a module a step: the flags become a [`Plan`] (`plan.rs`); the task definition is
//! described and, for new images, a revision derived, pinned and registered (`revision.rs`); the
//! RunTask request borrows the service's launch settings and starts the tasks in batches
//! (`request.rs`), unless `--dry-run` stops first (`dry_run.rs`); the tasks are then watched
//! until they stop while their logs stream (`wait.rs`); and the [`Outcome`] becomes the report
//! (`outcome.rs`).

mod dry_run;
mod outcome;
mod plan;
mod request;
mod revision;
mod wait;

use std::time::Instant;

use outcome::Outcome;
use plan::Plan;
use revision::TaskRevision;

use crate::cli::RunTaskArgs;
use crate::context::Context;
use crate::duration::human;
use crate::ecs;
use crate::error::{Error, Result};
use crate::report::Report;

pub async fn run(context: &Context, args: &RunTaskArgs) -> Result<Report> {
    let started = Instant::now();
    // Every error here is a flag's value that does not parse: a usage error.
    let plan = Plan::from_args(args).map_err(Error::invalid_value)?;
    for warning in &plan.warnings {
        context.progress.warn(warning);
    }
    let cluster = context.cluster()?;
    let aws = context.aws().await?;
    let progress = &context.progress;

    let service = revision::borrowed_service(context, &aws, cluster).await?;
    let base = revision::describe_base(&aws, args, service.as_ref()).await?;
    let watched = base.watched_container(context.global.container.as_deref())?;
    let overrides = plan.overrides(&base, watched.as_deref())?;
    let revision = TaskRevision::derive(context, &aws, args, &plan, base).await?;
    let definition = &revision.definition;
    let request = request::build(
        context,
        args,
        &plan,
        cluster,
        definition,
        service.as_ref(),
        overrides,
    );
    if args.dry_run {
        return Ok(dry_run::report(context, &revision, request));
    }

    progress.say(format_args!(
        "starting {} task{} of {} on cluster {cluster}",
        args.count,
        if args.count == 1 { "" } else { "s" },
        definition.name()
    ));
    let (tasks, failures) = request::start_tasks(&aws, request, args.count).await?;
    for task in &tasks {
        progress.say(format_args!(
            "task {}: {}",
            task.id(),
            ecs::console_url(aws.region(), cluster, &format!("tasks/{}", task.id()))
        ));
    }
    let mut outcome = Outcome {
        context,
        aws: &aws,
        cluster,
        definition,
        started,
        tasks,
        log_tail: vec![],
    };
    if !failures.is_empty() {
        return Ok(outcome.failed_to_start(&failures).await);
    }
    if context.global.no_wait {
        return Ok(outcome.report("started", None));
    }

    let logs =
        (!args.no_logs).then(|| wait::follow_logs(context, &aws, args, definition, &outcome.tasks));
    let ended = wait::until_stopped(
        context,
        &aws,
        cluster,
        definition,
        &outcome.tasks,
        watched.as_deref(),
        started,
    )
    .await;
    let ended = match ended {
        Ok(ended) => ended,
        Err(error) => {
            if let Some(logs) = logs {
                logs.finish().await;
            }
            return Err(error);
        }
    };
    // Stopping comes before the logs settle, so the tail holds what the stopped task printed.
    let (result, failure) = outcome.settle(ended, args).await;
    if let Some(logs) = logs {
        outcome.log_tail = logs.finish().await;
    }
    if failure.is_none() {
        progress.say(format_args!(
            "✓ task succeeded in {}",
            human(started.elapsed())
        ));
    }
    Ok(outcome.report(result, failure))
}
