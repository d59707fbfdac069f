//! deploy for Express services (`resourceManagementType: ECS`): ECS manages their task
//! definition, load balancer and scaling, so they change only through
//! UpdateExpressGatewayService — never UpdateService, which would fight the managed
//! configuration. The flags change the primary container (named `Main`, as ECS names it in the
//! task definitions it registers): `--image` (pinned to its digest), `--set-env`,
//! `--unset-env`, `--secret`; or `--task-definition` / `--task-definition-file` sends the
//! revision's ARN. Every other field is sent as read. The rollout is a service deployment,
//! followed by the ECS-native follower.

use serde_json::{Map, Value};

use super::plan::{Recipe, Source};
use super::{Deploy, Found, Revisions};
use crate::aws::{Aws, ExpressUpdate};
use crate::cli::{DeployArgs, WaitUntil};
use crate::context::Context;
use crate::ecr::{self, Pinned};
use crate::ecs::{self, ExpressService, ServiceDescription};
use crate::error::{Error, Result};
use crate::follow::{self, Express, Goal, Native, Watch};
use crate::task_definition::TaskDefinition;

/// The name the flags give the primary container.
pub const PRIMARY: &str = "Main";

/// An Express service named with `--service`, and its configuration.
pub struct Target {
    pub service: ServiceDescription,
    pub express: ExpressService,
}

/// What an Express service rolls to.
pub enum Next {
    /// Its primary container as the flags change it, images pinned.
    Container {
        container: Value,
        pinned: Vec<Pinned>,
    },
    /// The revision `--task-definition` / `--task-definition-file` gives.
    Revision,
}

/// Takes the Express services out of `services` and reads their configuration.
pub async fn split(
    aws: &Aws,
    args: &DeployArgs,
    services: Vec<ServiceDescription>,
) -> Result<(Vec<ServiceDescription>, Vec<Target>)> {
    let (express, others): (Vec<_>, Vec<_>) = services.into_iter().partition(|s| s.express);
    let mut targets = vec![];
    for service in express {
        if args.desired_count.is_some() {
            return Err(Error::input(format!(
                "--desired-count: `{}` is an Express service, whose scaling target sets its task count; nothing was changed",
                service.service_name
            )));
        }
        let express = aws.describe_express_service(&service.service_arn).await?;
        targets.push(Target { service, express });
    }
    Ok((others, targets))
}

/// The primary container of `target` as a one-container task definition, so the flags apply
/// to it exactly as they apply to any container.
fn as_definition(target: &Target) -> Result<TaskDefinition> {
    let name = &target.service.service_name;
    let Some(Value::Object(container)) = target.express.configuration.get("primaryContainer")
    else {
        return Err(Error::input_with_hint(
            format!("Express service `{name}` has no primaryContainer: it runs a task definition of its own"),
            "deploy it with --task-definition or --task-definition-file",
        ));
    };
    let mut container = container.clone();
    container.insert("name".into(), PRIMARY.into());
    let mut json = Map::new();
    json.insert("family".into(), name.clone().into());
    json.insert(
        "containerDefinitions".into(),
        vec![Value::Object(container)].into(),
    );
    Ok(TaskDefinition { json, tags: vec![] })
}

/// Each Express service's primary container as a task definition (for the check that every
/// container the flags name exists somewhere); none when a task definition is given.
pub fn definitions(recipe: &Recipe, targets: &[Target]) -> Result<Vec<TaskDefinition>> {
    match recipe.source {
        Source::Live => targets.iter().map(as_definition).collect(),
        _ => Ok(vec![]),
    }
}

/// The key of the revision `--task-definition` / `--task-definition-file` gives (`given`: key
/// and family), added to `keys` when there are Express services to take it.
pub fn key(
    keys: &mut Vec<String>,
    given: Option<&(String, String)>,
    targets: &[Target],
) -> Option<String> {
    let (key, _) = given.filter(|_| !targets.is_empty())?;
    if !keys.contains(key) {
        keys.push(key.clone());
    }
    Some(key.clone())
}

/// What each Express service rolls to: its primary container changed and pinned, or the
/// revision given.
pub async fn derive(
    context: &Context,
    aws: &Aws,
    args: &DeployArgs,
    recipe: &Recipe,
    targets: &[Target],
) -> Result<Vec<Next>> {
    let mut next = vec![];
    for target in targets {
        if !matches!(recipe.source, Source::Live) {
            next.push(Next::Revision);
            continue;
        }
        let (mut derived, imaged) = recipe.derive(&as_definition(target)?)?;
        let pinned = match args.no_pin_digest {
            true => vec![],
            false => ecr::pin_images(aws, &mut derived, &imaged, &context.progress).await?,
        };
        let mut container = derived.json["containerDefinitions"][0].clone();
        if let Some(fields) = container.as_object_mut() {
            fields.remove("name");
        }
        next.push(Next::Container { container, pinned });
    }
    Ok(next)
}

/// The UpdateExpressGatewayService request for `target`; `revision`: the ARN (in a dry run,
/// the label) of the revision given.
pub fn request(target: &Target, next: &Next, revision: Option<&str>) -> ExpressUpdate {
    match next {
        Next::Container { container, .. } => {
            ExpressUpdate::with_primary_container(&target.express, container.clone())
        }
        Next::Revision => ExpressUpdate::with_task_definition(
            &target.express,
            revision.expect("a revision is given"),
        ),
    }
}

/// Sends the update and the watch that follows the service deployment it started.
pub async fn start(
    context: &Context,
    aws: &Aws,
    args: &DeployArgs,
    cluster: &str,
    target: &Target,
    update: &ExpressUpdate,
) -> Result<Watch> {
    let (before, progress) = (&target.service, &context.progress);
    let name = &before.service_name;
    let page = format!("services/{name}/deployments");
    progress.say(format_args!(
        "updating Express service {name} through UpdateExpressGatewayService ({})",
        ecs::console_url(aws.region(), cluster, &page)
    ));
    let requested_at = follow::now();
    let updated = aws.update_express_service(update).await?;
    let (after, deployment) = follow::express_started(aws, cluster, before, requested_at).await?;
    progress.say(format_args!(
        "{name}: Express service, {} deployment; following service deployment {deployment}",
        after.strategy_name()
    ));
    let endpoints = match updated.endpoints.is_empty() {
        true => target.express.endpoints.clone(),
        false => updated.endpoints,
    };
    for endpoint in &endpoints {
        progress.say(format_args!(
            "{name}: endpoint {} ({})",
            endpoint.endpoint, endpoint.access_type
        ));
    }
    let goal = Goal::Forward {
        traffic_shifted: args.follow.wait_until == WaitUntil::TrafficShifted,
    };
    let command = follow::continue_command(context, cluster, name);
    let native = Native::new(deployment, goal, args.follow.on_pause, command);
    let task_definition = updated
        .task_definition
        .unwrap_or_else(|| after.task_definition.clone());
    let follower = Box::new(Express::new(native, endpoints));
    let mut watch = Watch::new(before, None, task_definition, follower);
    watch.last = after;
    Ok(watch)
}

impl Revisions {
    /// The ARN (in a dry run, the label) of the revision given to the Express services.
    pub(super) fn express_revision(&self) -> Option<String> {
        let key = self.express_key.as_ref()?;
        Some(self.list[self.index(key)].arn_or_label())
    }

    pub(super) fn express_pins(&self) -> Vec<crate::ecr::Pinned> {
        let pins = self.express.iter().filter_map(|next| match next {
            Next::Container { pinned, .. } => Some(pinned.clone()),
            Next::Revision => None,
        });
        pins.flatten().collect()
    }
}

impl Deploy<'_> {
    /// The UpdateExpressGatewayService request of each Express service.
    pub(super) fn express_requests<'f>(
        &self,
        targets: &'f [Target],
        revisions: &Revisions,
    ) -> Vec<(&'f ServiceDescription, ExpressUpdate)> {
        let revision = revisions.express_revision();
        let targets = targets.iter().zip(&revisions.express);
        targets
            .map(|(target, next)| {
                let request = request(target, next, revision.as_deref());
                (&target.service, request)
            })
            .collect()
    }

    /// Updates every Express service, and the watch that follows each.
    pub(super) async fn start_express(
        &self,
        found: &Found,
        revisions: &Revisions,
    ) -> Result<Vec<Watch>> {
        let mut watches = vec![];
        let requests = self.express_requests(&found.express, revisions);
        for (target, (_, update)) in found.express.iter().zip(requests) {
            let (context, aws, args) = (self.context, self.aws, self.args);
            let watch = start(context, aws, args, self.cluster, target, &update);
            watches.push(watch.await?);
        }
        Ok(watches)
    }
}
