//! `ecs-ship continue`: a deployment waits at a PAUSE lifecycle hook (deploy exited there with
//! result `paused`); let it go on — or with `--rollback`, roll it back — with
//! ContinueServiceDeployment, then wait for it like deploy does. Exit 0 when what was asked for
//! is done, 3 when the continued deployment then fails, 1 when nothing is paused.

use std::time::Instant;

use crate::cli::{ContinueArgs, OnPause, WaitUntil};
use crate::commands::deploy::codedeploy::{self, CodeDeploy};
use crate::commands::deploy::{
    self, result_of, Follow, Native, Outcome, Status, Verdict, WaitEnd, Waiter, Watch, Way,
};
use crate::context::Context;
use crate::duration::human;
use crate::ecs::arn_name;
use crate::error::{Error, Result};
use crate::lookup;
use crate::report::Report;
use crate::service_deployment_verdict::{self, Goal};

pub async fn run(context: &Context, args: &ContinueArgs) -> Result<Report> {
    let started = Instant::now();
    let names = deploy::service_names(context, "continue")?;
    let cluster = context.cluster()?;
    let aws = context.aws().await?;
    let progress = &context.progress;
    let services = lookup::services(&aws, cluster, &names).await?;
    let goal = if args.rollback {
        Goal::RolledBack
    } else {
        Goal::Forward {
            traffic_shifted: args.follow.wait_until == WaitUntil::TrafficShifted,
        }
    };

    // 1. Every service must have a deployment waiting at a hook; find them all before acting.
    let mut paused = vec![];
    let mut ready = vec![];
    for service in &services {
        match Way::of(service) {
            Way::Rolling | Way::Native => {}
            Way::CodeDeploy => {
                let group = codedeploy::deployment_group(
                    &aws,
                    &args.codedeploy,
                    cluster,
                    &service.service_name,
                )
                .await?;
                match codedeploy::active(&aws, &group).await? {
                    Some(deployment) if deployment.status == "Ready" => {
                        ready.push((service.clone(), group, deployment.id));
                    }
                    other => {
                        return Err(Error::input(format!(
                            "nothing to continue: service `{}` has no CodeDeploy deployment waiting to reroute traffic{}",
                            service.service_name,
                            other
                                .map(|d| format!(" ({} is {})", d.id, d.status))
                                .unwrap_or_default()
                        )))
                    }
                }
                continue;
            }
            Way::External => {
                return Err(Error::input(format!(
                    "service `{}` uses the EXTERNAL deployment controller: there is no lifecycle hook for ecs-ship to continue",
                    service.service_name
                )))
            }
        }
        let deployment = deploy::in_progress(&aws, cluster, service).await?;
        let pause = deployment
            .as_ref()
            .and_then(service_deployment_verdict::pause);
        let (Some(deployment), Some(pause)) = (deployment, pause) else {
            return Err(Error::input_with_hint(
                format!(
                    "nothing to continue: service `{}` has no deployment waiting at a lifecycle hook",
                    service.service_name
                ),
                "`ecs-ship deploy` with a PAUSE hook exits with result `paused` when there is one",
            ));
        };
        let hook = match &args.hook {
            Some(hook) if pause.waiting.contains(hook) => hook.clone(),
            Some(hook) => {
                return Err(Error::input(format!(
                    "--hook {hook}: service `{}` waits at {} instead",
                    service.service_name,
                    pause.waiting.join(", ")
                )))
            }
            None if pause.waiting.len() > 1 => {
                return Err(Error::input_with_hint(
                    format!(
                        "service `{}` waits at {} hooks: {}",
                        service.service_name,
                        pause.waiting.len(),
                        pause.waiting.join(", ")
                    ),
                    "pick one with --hook ID",
                ))
            }
            None => pause.hook_id.clone(),
        };
        paused.push((service.clone(), deployment, hook, pause.stage));
    }

    // 2. Continue (or roll back) each, then follow it.
    let mut watches = vec![];
    for (service, group, id) in ready {
        let name = &service.service_name;
        if args.rollback {
            progress.say(format_args!(
                "{name}: stopping CodeDeploy deployment {id} with rollback"
            ));
            aws.stop_codedeploy_deployment(&id).await?;
        } else {
            progress.say(format_args!(
                "{name}: continuing CodeDeploy deployment {id}: rerouting production traffic"
            ));
            aws.continue_codedeploy_deployment(&id).await?;
        }
        let mut watch = Watch::new(&service, id.clone(), service.task_definition.clone());
        watch.follow = Follow::CodeDeploy(Box::new(CodeDeploy::new(
            group,
            id,
            cluster,
            name,
            goal,
            if args.rollback {
                OnPause::Wait
            } else {
                args.follow.on_pause
            },
            deploy::continue_command(context, cluster, name),
        )));
        watches.push(watch);
    }
    for (service, deployment, hook, stage) in paused {
        progress.say(format_args!(
            "{}: {} service deployment {} at {stage} (hook {hook})",
            service.service_name,
            if args.rollback {
                "rolling back"
            } else {
                "continuing"
            },
            arn_name(&deployment.arn)
        ));
        aws.continue_service_deployment(&deployment.arn, &hook, args.rollback)
            .await?;
        let mut native = Native::new(
            deployment.arn.clone(),
            goal,
            args.follow.on_pause,
            deploy::continue_command(context, cluster, &service.service_name),
        );
        native.ignore_hook(hook);
        let mut watch = Watch::new(&service, String::new(), service.task_definition.clone());
        watch.follow = Follow::ServiceDeployment(Box::new(native));
        watches.push(watch);
    }
    follow(
        context,
        &aws,
        cluster,
        watches,
        args.max_poll_attempts,
        "continue",
        started,
    )
    .await
}

/// Waits for every watch and reports like deploy; shared with `rollback`.
pub async fn follow(
    context: &Context,
    aws: &crate::aws::Aws,
    cluster: &str,
    watches: Vec<Watch>,
    max_poll_attempts: Option<u32>,
    command: &'static str,
    started: Instant,
) -> Result<Report> {
    let previous = watches
        .iter()
        .map(|w| w.last.task_definition.clone())
        .collect();
    let count = watches.len();
    let mut outcome = Outcome {
        command,
        context,
        aws,
        cluster,
        started,
        revisions: &[],
        previous,
        events: vec![],
        results: vec![None; count],
        rollbacks: vec![None; count],
    };
    if context.global.no_wait {
        outcome.results = vec![Some((Status::Started, None)); count];
        return Ok(outcome.report(&watches, None));
    }
    let waiter = Waiter {
        context,
        aws,
        cluster,
        max_poll_attempts,
    };
    let (watches, end) = waiter.wait(watches, &mut outcome.events).await?;
    let mut cancelled = None;
    for (i, watch) in watches.iter().enumerate() {
        if let (None, WaitEnd::Cancelled(signal)) = (&watch.verdict, &end) {
            cancelled = Some(*signal);
        }
        outcome.results[i] = Some(match result_of(watch.verdict.as_ref(), &end) {
            (Status::TimedOut, None) => (
                Status::TimedOut,
                Some(format!("still going after {}", human(started.elapsed()))),
            ),
            other => other,
        });
    }
    let failure = outcome.failure(&watches, cancelled);
    if failure.is_none()
        && !watches
            .iter()
            .any(|w| matches!(w.verdict, Some(Verdict::Paused(_))))
    {
        context.progress.say(format_args!(
            "✓ {command} done in {}",
            human(started.elapsed())
        ));
    }
    Ok(outcome.report(&watches, failure))
}
