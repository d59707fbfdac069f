//! `deploy --daemon NAME` (repeatable, config key `daemons`): ECS daemons roll to a daemon task
//! definition derived from their current one, as services do.
//!
//! - `read`: the daemon among ListDaemons of the cluster (by the name at the end of its ARN, or
//!   its ARN), DescribeDaemon for its current revision, DescribeDaemonRevisions for its daemon
//!   task definition and settings, DescribeDaemonTaskDefinition for the definition (kept raw),
//!   and its last deployment's configuration: all before anything changes.
//! - `derive`: the same recipe as the services' (`--image` pinned to its digest, `--set-env`, …)
//!   through `Deploy::revision`; a daemon task definition is held as a `TaskDefinition` whose
//!   family's latest and registration go to the daemon calls (`latest`, `register`).
//! - `start`: UpdateDaemon keeping capacity providers, deployment configuration and the
//!   revision's settings; each deployment is followed by `follow::Daemon` in the same wait as
//!   the services.

use serde_json::Value;

use super::plan::{Recipe, Revision};
use super::Deploy;
use crate::aws::{Aws, DaemonUpdate, ErrorKind};
use crate::cli::DeployArgs;
use crate::daemon::{Daemon, DaemonRevision};
use crate::ecs::arn_name;
use crate::error::{Error, Result};
use crate::follow::{self, Watch};
use crate::output::{CapacityProviderInstances, DaemonResult, PlannedDaemon};
use crate::task_definition::{self, TaskDefinition};

/// `--daemon` names, each once; refused with a flag they cannot take, before any AWS call.
pub(super) fn check(args: &DeployArgs) -> Result<Vec<String>> {
    let mut names: Vec<String> = vec![];
    for name in args
        .daemons
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
    {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    if !names.is_empty() && args.task_definition_file.is_some() {
        return Err(Error::Usage(
            "--task-definition-file is a task definition for services; a --daemon derives from its own daemon task definition".into(),
        ));
    }
    Ok(names)
}

/// One daemon as read before anything changes.
struct Found {
    daemon: Daemon,
    revision: DaemonRevision,
    capacity_providers: Vec<String>,
    /// Its last deployment's, as ECS sent it.
    deployment_configuration: Option<Value>,
    base: TaskDefinition,
}

/// The daemons named, and (once derived) which revision of deploy's list each one takes.
pub(super) struct Daemons {
    found: Vec<Found>,
    revision_of: Vec<usize>,
}

impl Daemons {
    /// Every daemon named, found and described; an unknown name is an error naming it.
    pub(super) async fn read(deploy: &Deploy<'_>, names: &[String]) -> Result<Daemons> {
        let mut found = vec![];
        if !names.is_empty() {
            let (aws, cluster) = (deploy.aws, deploy.cluster);
            let arns = aws.list_daemons(cluster).await?;
            let mut chosen = vec![];
            for name in names {
                match arns.iter().find(|a| *a == name || arn_name(a) == name) {
                    Some(arn) => chosen.push(arn.clone()),
                    None => {
                        return Err(Error::input_with_hint(
                            format!("daemon `{name}` not found in cluster `{cluster}`; nothing was registered or changed"),
                            "check --daemon, --cluster and --region",
                        ))
                    }
                }
            }
            for arn in chosen {
                found.push(describe(aws, &arn).await?);
            }
        }
        Ok(Daemons {
            found,
            revision_of: vec![],
        })
    }

    /// Their daemon task definitions, for the check that every container a flag names exists.
    pub(super) fn bases(&self) -> Vec<TaskDefinition> {
        self.found.iter().map(|f| f.base.clone()).collect()
    }

    /// Each daemon's revision, appended to `list` (one per daemon task definition).
    pub(super) async fn derive(
        &mut self,
        deploy: &Deploy<'_>,
        recipe: &Recipe,
        list: &mut Vec<Revision>,
    ) -> Result<()> {
        let mut keys: Vec<(String, usize)> = vec![];
        for found in &self.found {
            let key = found.base.arn().to_string();
            let index = match keys.iter().find(|(k, _)| *k == key) {
                Some((_, index)) => *index,
                None => {
                    list.push(deploy.revision(recipe, &key, &found.base).await?);
                    keys.push((key, list.len() - 1));
                    list.len() - 1
                }
            };
            self.revision_of.push(index);
        }
        Ok(())
    }

    /// `daemon NAME` and the revision it would run, for each daemon (`--verify`).
    pub(super) fn subjects<'a>(
        &'a self,
        list: &'a [Revision],
    ) -> impl Iterator<Item = (String, &'a Revision)> + 'a {
        let daemons = self.found.iter().zip(&self.revision_of);
        daemons.map(move |(found, &i)| (format!("daemon {}", found.daemon.name()), &list[i]))
    }

    /// The UpdateDaemon each daemon would get.
    pub(super) fn dry_run(&self, list: &[Revision]) -> Vec<PlannedDaemon> {
        self.found
            .iter()
            .zip(&self.revision_of)
            .map(|(found, &i)| PlannedDaemon {
                daemon: found.daemon.name().to_string(),
                update: update_request(found, &list[i].arn_or_label()),
            })
            .collect()
    }

    /// The daemon task definition each daemon ran before.
    pub(super) fn previous(&self) -> impl Iterator<Item = String> + '_ {
        self.found.iter().map(|f| f.base.arn().to_string())
    }

    /// UpdateDaemon for every daemon (to `arns[i]` of deploy's list), and the watch of each.
    pub(super) async fn start(&self, deploy: &Deploy<'_>, arns: &[String]) -> Result<Vec<Watch>> {
        let progress = &deploy.context.progress;
        let mut watches = vec![];
        for (found, &i) in self.found.iter().zip(&self.revision_of) {
            let name = found.daemon.name();
            let update = update_request(found, &arns[i]);
            progress.say(format_args!(
                "updating daemon {name} to {}",
                arn_name(&arns[i])
            ));
            let deployment = deploy.aws.update_daemon(&update).await?;
            progress.say(format_args!(
                "{name}: following daemon deployment {deployment}"
            ));
            let follower = follow::Daemon::new(name.to_string(), deployment.clone());
            let arn = &found.daemon.arn;
            let td = arns[i].clone();
            watches.push(Watch::daemon(name, arn, deployment, td, Box::new(follower)));
        }
        Ok(watches)
    }
}

async fn describe(aws: &Aws, arn: &str) -> Result<Found> {
    let daemon = aws.describe_daemon(arn).await?;
    let name = daemon.name().to_string();
    let Some(current) = daemon.current_revisions.first().cloned() else {
        return Err(Error::input(format!(
            "daemon `{name}` has no current revision to derive from"
        )));
    };
    let revision = aws
        .describe_daemon_revisions(std::slice::from_ref(&current.arn))
        .await?
        .into_iter()
        .find(|r| r.arn == current.arn)
        .ok_or_else(|| {
            Error::input(format!(
                "daemon `{name}`: revision {} not found",
                current.arn
            ))
        })?;
    let reference = &revision.daemon_task_definition_arn;
    let base = latest_daemon(aws, reference).await?.ok_or_else(|| {
        Error::input(format!(
            "daemon `{name}`: daemon task definition {reference} not found"
        ))
    })?;
    let deployment_configuration = match &daemon.deployment_arn {
        Some(deployment) => aws.daemon_deployment_configuration(deployment).await?,
        None => None,
    };
    Ok(Found {
        capacity_providers: current.capacity_providers,
        daemon,
        revision,
        deployment_configuration,
        base,
    })
}

/// UpdateDaemon to `task_definition`: capacity providers, deployment configuration and the
/// revision's settings as read.
fn update_request(found: &Found, task_definition: &str) -> DaemonUpdate {
    let revision = &found.revision;
    DaemonUpdate {
        daemon_arn: found.daemon.arn.clone(),
        daemon_task_definition_arn: task_definition.to_string(),
        capacity_provider_arns: found.capacity_providers.clone(),
        deployment_configuration: found.deployment_configuration.clone(),
        propagate_tags: revision.propagate_tags.clone(),
        enable_ecs_managed_tags: revision.enable_ecs_managed_tags,
        enable_execute_command: revision.enable_execute_command,
        critical: revision.critical,
    }
}

/// The daemon task definition `reference` names (a family: its latest ACTIVE revision), raw,
/// with its tags (read apart: DescribeDaemonTaskDefinition has none, and a new revision must
/// keep them); `None` when ECS does not know it.
async fn latest_daemon(aws: &Aws, reference: &str) -> Result<Option<TaskDefinition>> {
    let json = match aws.describe_daemon_task_definition(reference).await {
        Ok(mut response) => match response.get_mut("daemonTaskDefinition").map(Value::take) {
            Some(Value::Object(json)) => json,
            _ => {
                return Err(Error::Other(
                    "DescribeDaemonTaskDefinition returned no daemonTaskDefinition".into(),
                ))
            }
        },
        Err(e) if matches!(e.kind(), ErrorKind::Refused | ErrorKind::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut definition = TaskDefinition { json, tags: vec![] };
    definition.tags = aws.daemon_task_definition_tags(definition.arn()).await?;
    Ok(Some(definition))
}

/// The latest revision of `derived`'s family, of its own resource type.
pub(super) async fn latest(aws: &Aws, derived: &TaskDefinition) -> Result<Option<TaskDefinition>> {
    match derived.is_daemon() {
        true => latest_daemon(aws, derived.family()).await,
        false => task_definition::latest(aws, derived.family()).await,
    }
}

/// Registers `derived` with the call of its resource type; the registered revision.
pub(super) async fn register(aws: &Aws, derived: &TaskDefinition) -> Result<TaskDefinition> {
    if !derived.is_daemon() {
        return task_definition::register(aws, derived).await;
    }
    let arn = aws
        .register_daemon_task_definition(&derived.registration())
        .await
        .map_err(|e| match e.kind() {
            ErrorKind::Refused => Error::input(format!(
                "ECS refused to register daemon task definition {}: {}",
                derived.family(),
                e.message
            )),
            _ => e.into(),
        })?;
    // RegisterDaemonTaskDefinition answers only the ARN: the revision is what was sent.
    let mut registered = derived.clone();
    registered
        .json
        .insert(task_definition::DAEMON_ARN.into(), Value::String(arn));
    Ok(registered)
}

/// A daemon watch's entry in the result, with how it ended and the revision it ran before;
/// `None` for a service's watch.
pub(super) fn result(
    (result, reason): (String, Option<String>),
    previous: &str,
    watch: &Watch,
) -> Option<DaemonResult> {
    let daemon = watch.follower.facts().daemon?;
    let last = daemon.last;
    let capacity_providers = last
        .and_then(|d| d.target.as_ref())
        .map(|t| {
            t.capacity_providers
                .iter()
                .map(|c| CapacityProviderInstances {
                    capacity_provider: arn_name(&c.arn).to_string(),
                    running: c.running,
                    draining: c.draining,
                    without_daemon: c.without_daemon,
                })
                .collect()
        })
        .unwrap_or_default();
    Some(DaemonResult {
        daemon: watch.name.clone(),
        daemon_arn: watch.arn.clone(),
        result,
        reason,
        deployment_arn: daemon.deployment_arn.to_string(),
        deployment_status: last.map(|d| d.status.as_str().to_string()),
        daemon_task_definition: watch.task_definition.clone(),
        previous_daemon_task_definition: previous.to_string(),
        capacity_providers,
        triggered_alarms: last
            .and_then(|d| d.alarms.as_ref())
            .map(|a| a.triggered.clone())
            .unwrap_or_default(),
        circuit_breaker_failures: last
            .and_then(|d| d.circuit_breaker.as_ref())
            .map(|c| c.failure_count),
        rollback_reason: last
            .and_then(|d| d.rollback.as_ref())
            .and_then(|r| r.reason.clone()),
    })
}
