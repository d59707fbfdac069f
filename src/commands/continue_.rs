//! `ecs-ship continue`: a deployment waits at a PAUSE lifecycle hook (deploy exited there with
//! result `paused`); let it go on — or with `--rollback`, roll it back — with
//! ContinueServiceDeployment, then wait for it like deploy does. Exit 0 when what was asked for
//! is done, 3 when the continued deployment then fails, 1 when nothing is paused.

use crate::aws::DeploymentGroup;
use crate::cli::{ContinueArgs, OnPause, WaitUntil};
use crate::commands::follow_up::Session;
use crate::context::Context;
use crate::ecs::{arn_name, CodeDeployStatus, ServiceDeployment, ServiceDescription};
use crate::error::{Error, Result};
use crate::follow::{self, CodeDeploy, Goal, Native, Watch, Way};
use crate::judge::service_deployment;
use crate::report::Report;

pub async fn run(context: &Context, args: &ContinueArgs) -> Result<Report> {
    let session = Session::open(context, "continue").await?;
    // Every service must have a deployment waiting; find them all before acting.
    let mut ready = vec![];
    let mut paused = vec![];
    for service in &session.services {
        match Way::of(service) {
            Way::Rolling | Way::Native | Way::Express => paused.push(paused_at_hook(&session, args, service).await?),
            Way::CodeDeploy => ready.push(codedeploy_ready(&session, args, service).await?),
            Way::External => {
                return Err(Error::input(format!(
                    "service `{}` uses the EXTERNAL deployment controller: there is no lifecycle hook for ecs-ship to continue",
                    service.service_name
                )))
            }
        }
    }
    // Continue (or roll back) each, then follow it.
    let mut watches = vec![];
    for waiting in ready {
        watches.push(continue_codedeploy(&session, args, waiting).await?);
    }
    for waiting in paused {
        watches.push(continue_paused(&session, args, waiting).await?);
    }
    session.follow(watches, args.max_poll_attempts).await
}

fn goal(args: &ContinueArgs) -> Goal {
    if args.rollback {
        Goal::RolledBack
    } else {
        Goal::Forward {
            traffic_shifted: args.follow.wait_until == WaitUntil::TrafficShifted,
        }
    }
}

/// A CodeDeploy deployment at Ready, waiting to reroute production traffic.
struct Ready {
    service: ServiceDescription,
    group: DeploymentGroup,
    id: String,
}

async fn codedeploy_ready(
    session: &Session<'_>,
    args: &ContinueArgs,
    service: &ServiceDescription,
) -> Result<Ready> {
    let (aws, name) = (&session.aws, &service.service_name);
    let group = follow::deployment_group(aws, &args.codedeploy, session.cluster, name).await?;
    match follow::active(aws, &group).await? {
        Some(deployment) if deployment.status == CodeDeployStatus::Ready => Ok(Ready {
            service: service.clone(),
            group,
            id: deployment.id,
        }),
        other => Err(Error::input(format!(
            "nothing to continue: service `{name}` has no CodeDeploy deployment waiting to reroute traffic{}",
            other
                .map(|d| format!(" ({} is {})", d.id, d.status))
                .unwrap_or_default()
        ))),
    }
}

/// A service deployment waiting at a PAUSE hook: the hook to continue.
struct Paused {
    service: ServiceDescription,
    deployment: ServiceDeployment,
    hook: String,
    stage: String,
}

async fn paused_at_hook(
    session: &Session<'_>,
    args: &ContinueArgs,
    service: &ServiceDescription,
) -> Result<Paused> {
    let name = &service.service_name;
    let deployment = follow::in_progress(&session.aws, session.cluster, service).await?;
    let pause = deployment.as_ref().and_then(service_deployment::pause);
    let (Some(deployment), Some(pause)) = (deployment, pause) else {
        return Err(Error::input_with_hint(
            format!("nothing to continue: service `{name}` has no deployment waiting at a lifecycle hook"),
            "`ecs-ship deploy` with a PAUSE hook exits with result `paused` when there is one",
        ));
    };
    let hook = match &args.hook {
        Some(hook) if pause.waiting.contains(hook) => hook.clone(),
        Some(hook) => {
            return Err(Error::input(format!(
                "--hook {hook}: service `{name}` waits at {} instead",
                pause.waiting.join(", ")
            )))
        }
        None if pause.waiting.len() > 1 => {
            return Err(Error::input_with_hint(
                format!(
                    "service `{name}` waits at {} hooks: {}",
                    pause.waiting.len(),
                    pause.waiting.join(", ")
                ),
                "pick one with --hook ID",
            ))
        }
        None => pause.hook_id.clone(),
    };
    Ok(Paused {
        service: service.clone(),
        deployment,
        hook,
        stage: pause.stage,
    })
}

async fn continue_codedeploy(
    session: &Session<'_>,
    args: &ContinueArgs,
    ready: Ready,
) -> Result<Watch> {
    let Ready { service, group, id } = ready;
    let (aws, progress) = (&session.aws, &session.context.progress);
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
    let on_pause = if args.rollback {
        OnPause::Wait
    } else {
        args.follow.on_pause
    };
    let command = follow::continue_command(session.context, session.cluster, name);
    let follower = CodeDeploy::new(
        group,
        id.clone(),
        session.cluster,
        name,
        goal(args),
        on_pause,
        command,
    );
    let task_definition = service.task_definition.clone();
    Ok(Watch::new(
        &service,
        Some(id),
        task_definition,
        Box::new(follower),
    ))
}

async fn continue_paused(
    session: &Session<'_>,
    args: &ContinueArgs,
    paused: Paused,
) -> Result<Watch> {
    let Paused {
        service,
        deployment,
        hook,
        stage,
    } = paused;
    let name = &service.service_name;
    session.context.progress.say(format_args!(
        "{name}: {} service deployment {} at {stage} (hook {hook})",
        if args.rollback {
            "rolling back"
        } else {
            "continuing"
        },
        arn_name(&deployment.arn)
    ));
    session
        .aws
        .continue_service_deployment(&deployment.arn, &hook, args.rollback)
        .await?;
    let command = follow::continue_command(session.context, session.cluster, name);
    let follower =
        Native::new(deployment.arn, goal(args), args.follow.on_pause, command).ignoring_hook(hook);
    let task_definition = service.task_definition.clone();
    Ok(Watch::new(
        &service,
        None,
        task_definition,
        Box::new(follower),
    ))
}
