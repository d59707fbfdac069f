//! `ecs-ship rollback`: a deployment in progress (or paused) is stopped with rollback
//! (StopServiceDeployment `stopType=ROLLBACK`) and followed until ECS has rolled it back; with
//! none in progress, the service is pointed back at the revision it ran before (the source of
//! its last service deployment, or `--task-definition`) and that deployment is followed. Exit 0
//! when the rollback completed. An Express service is pointed back through
//! UpdateExpressGatewayService, never UpdateService.

use crate::aws::{Aws, ExpressUpdate, NewDeployment, ServiceUpdate};
use crate::cli::{OnPause, RollbackArgs};
use crate::commands::follow_up::Session;
use crate::context::Context;
use crate::ecs::{arn_name, ServiceDeployment, ServiceDescription};
use crate::error::{Error, Result};
use crate::follow::{self, CodeDeploy, Express, Follower, Goal, Native, Rolling, Watch, Way};
use crate::report::Report;

pub async fn run(context: &Context, args: &RollbackArgs) -> Result<Report> {
    let session = Session::open(context, "rollback").await?;
    for service in &session.services {
        if Way::of(service) == Way::External {
            return Err(Error::input(format!(
                "service `{}` deploys with the {}: ecs-ship cannot roll it back",
                service.service_name,
                Way::describe(service)
            )));
        }
    }
    let mut watches = vec![];
    for service in &session.services {
        let (aws, cluster) = (&session.aws, session.cluster);
        let command = follow::continue_command(context, cluster, &service.service_name);
        let watch = if Way::of(service) == Way::CodeDeploy {
            codedeploy_rollback(&session, args, service, command).await?
        } else if let Some(deployment) = follow::in_progress(aws, cluster, service).await? {
            stop_with_rollback(&session, service, deployment, command).await?
        } else {
            revert(&session, args, service, command).await?
        };
        watches.push(watch);
    }
    session.follow(watches, args.max_poll_attempts).await
}

/// A service deployment in progress (or paused): stopped with rollback, unless ECS already
/// rolls it back.
async fn stop_with_rollback(
    session: &Session<'_>,
    service: &ServiceDescription,
    deployment: ServiceDeployment,
    command: String,
) -> Result<Watch> {
    let (name, progress) = (&service.service_name, &session.context.progress);
    if deployment.status.is_rollback() {
        progress.say(format_args!(
            "{name}: service deployment {} is already rolling back; waiting for it",
            arn_name(&deployment.arn)
        ));
    } else {
        progress.say(format_args!(
            "{name}: stopping service deployment {} ({}) with rollback",
            arn_name(&deployment.arn),
            deployment.status
        ));
        session.aws.stop_service_deployment(&deployment.arn).await?;
    }
    let follower = Native::new(deployment.arn, Goal::RolledBack, OnPause::Wait, command);
    let task_definition = service.task_definition.clone();
    Ok(Watch::new(
        service,
        None,
        task_definition,
        Box::new(follower),
    ))
}

/// No deployment in progress: point the service back at the revision it ran before (or the
/// one named) and follow that deployment.
async fn revert(
    session: &Session<'_>,
    args: &RollbackArgs,
    service: &ServiceDescription,
    command: String,
) -> Result<Watch> {
    let (aws, cluster, name) = (&session.aws, session.cluster, &service.service_name);
    let target = match &args.task_definition {
        Some(reference) => reference.clone(),
        None => previous_revision(aws, service).await?,
    };
    if arn_name(&target) == arn_name(&service.task_definition) {
        return Err(Error::input(format!(
            "service `{name}` already runs {}: nothing to roll back to",
            arn_name(&target)
        )));
    }
    session.context.progress.say(format_args!(
        "{name}: no deployment in progress; rolling back from {} to {}",
        arn_name(&service.task_definition),
        arn_name(&target)
    ));
    if Way::of(service) == Way::Express {
        return revert_express(session, service, target, command).await;
    }
    let update = ServiceUpdate::to_revision(cluster, name, &target);
    let requested_at = follow::now();
    let (after, deployment_id) = follow::update_service(aws, &update).await?;
    let mut follower: Box<dyn Follower> = Box::new(Rolling::new(deployment_id.clone(), None));
    if Way::of(service) == Way::Native {
        if let Some(arn) =
            follow::started_by_update(aws, cluster, service, &after, requested_at).await?
        {
            let goal = Goal::Forward {
                traffic_shifted: false,
            };
            follower = Box::new(Native::new(arn, goal, OnPause::Wait, command));
        }
    }
    let mut watch = Watch::new(service, Some(deployment_id), target, follower);
    watch.last = after;
    watch.last.task_definition = service.task_definition.clone();
    Ok(watch)
}

/// An Express service onto `target` through UpdateExpressGatewayService (`taskDefinitionArn`,
/// the rest of its configuration as read): UpdateService would fight its managed
/// configuration.
async fn revert_express(
    session: &Session<'_>,
    service: &ServiceDescription,
    target: String,
    command: String,
) -> Result<Watch> {
    let (aws, cluster) = (&session.aws, session.cluster);
    let express = aws.describe_express_service(&service.service_arn).await?;
    let update = ExpressUpdate::with_task_definition(&express, &target);
    let requested_at = follow::now();
    let updated = aws.update_express_service(&update).await?;
    let (after, arn) = follow::express_started(aws, cluster, service, requested_at).await?;
    let goal = Goal::Forward {
        traffic_shifted: false,
    };
    let native = Native::new(arn, goal, OnPause::Wait, command);
    let follower = Box::new(Express::new(native, updated.endpoints));
    let mut watch = Watch::new(service, None, target, follower);
    watch.last = after;
    watch.last.task_definition = service.task_definition.clone();
    Ok(watch)
}

/// A CODE_DEPLOY service: stop the deployment in progress with rollback, or deploy the
/// revision named with --task-definition.
async fn codedeploy_rollback(
    session: &Session<'_>,
    args: &RollbackArgs,
    service: &ServiceDescription,
    command: String,
) -> Result<Watch> {
    let (context, aws, cluster) = (session.context, &session.aws, session.cluster);
    let name = &service.service_name;
    let group = follow::deployment_group(aws, &args.codedeploy, cluster, name).await?;
    let (id, goal, task_definition) = match follow::active(aws, &group).await? {
        Some(deployment) => {
            context.progress.say(format_args!(
                "{name}: stopping CodeDeploy deployment {} ({}) with rollback",
                deployment.id, deployment.status
            ));
            aws.stop_codedeploy_deployment(&deployment.id).await?;
            (
                deployment.id,
                Goal::RolledBack,
                service.task_definition.clone(),
            )
        }
        None => {
            let Some(target) = &args.task_definition else {
                return Err(Error::input_with_hint(
                    format!(
                        "service `{name}` has no CodeDeploy deployment in progress to roll back"
                    ),
                    "to deploy an earlier revision, name it with --task-definition FAMILY:REVISION",
                ));
            };
            let request = NewDeployment {
                application: group.application.clone(),
                group: group.name.clone(),
                config: None,
                appspec: follow::appspec(service, target, &[]).to_string(),
                auto_rollback: false,
            };
            let id = aws.create_deployment(&request).await?;
            context.progress.say(format_args!(
                "{name}: no deployment in progress; CodeDeploy deployment {id} rolls back to {}",
                arn_name(target)
            ));
            (
                id,
                Goal::Forward {
                    traffic_shifted: false,
                },
                target.clone(),
            )
        }
    };
    let follower = CodeDeploy::new(
        group,
        id.clone(),
        cluster,
        name,
        goal,
        OnPause::Wait,
        command,
    );
    Ok(Watch::new(
        service,
        Some(id),
        task_definition,
        Box::new(follower),
    ))
}

/// The task definition the service ran before its last deployment: the source revision of its
/// current service deployment.
async fn previous_revision(aws: &Aws, service: &ServiceDescription) -> Result<String> {
    let unknown = || {
        Error::input_with_hint(
            format!(
                "cannot tell which revision service `{}` ran before {}",
                service.service_name,
                arn_name(&service.task_definition)
            ),
            "name it with --task-definition FAMILY:REVISION",
        )
    };
    let Some(current) = &service.current_service_deployment else {
        return Err(unknown());
    };
    let (deployments, _) = aws
        .describe_service_deployments(std::slice::from_ref(current))
        .await?;
    let Some(source) = deployments
        .first()
        .and_then(|d| d.sources.first())
        .map(|s| s.arn.clone())
    else {
        return Err(unknown());
    };
    aws.service_revision_task_definition(&source)
        .await?
        .ok_or_else(unknown)
}
