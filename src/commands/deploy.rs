//! `ecs-ship deploy` (alias `update-service`): derive a task-definition revision from the live
//! one (or take one given), pin ECR images to their digests, register it unless the family's
//! latest is identical, point the service(s) at it, and wait for *this* deployment: done,
//! failed (circuit breaker, rollback, tasks of the new revision stopping) or timed out.
//! Optionally roll back to the previous revision on failure.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use crate::aws::{Aws, ErrorKind, ServiceUpdate};
use crate::cli::DeployArgs;
use crate::context::Context;
use crate::diff;
use crate::duration::human;
use crate::ecr::{self, Pinned};
use crate::ecs::{self, arn_name, Deployment, ServiceDescription, Task};
use crate::error::{Error, Result, Signal};
use crate::image_update::{self, ImageUpdate};
use crate::lookup;
use crate::output::{
    self, DeployDryRun, DeployResult, PinnedImage, PlannedRevision, ServiceResult,
};
use crate::poll::{self, Ended, Step};
use crate::report::Report;
use crate::rollout_verdict::{self, RolloutVerdict};
use crate::scheduled;
use crate::task_definition::{self, Change, TaskDefinition};
use crate::template;

/// How many UpdateService calls run at once.
const UPDATE_CONCURRENCY: usize = 10;
/// Service events kept for notifications.
const EVENTS_KEPT: usize = 10;

// ---------------------------------------------------------------------------------------------
// The plan: every flag checked, and the template file read, before anything touches AWS.

struct Plan {
    changes: Vec<Change>,
    image_updates: Vec<ImageUpdate>,
    source: Source,
}

enum Source {
    /// Derive from each service's live task definition.
    Live,
    /// `--task-definition FAMILY[:REV]|ARN`
    Reference(String),
    /// `--task-definition-file`, expanded and parsed.
    File {
        path: String,
        definition: TaskDefinition,
    },
}

impl Plan {
    fn from_args(args: &DeployArgs) -> Result<Self> {
        let mut changes = vec![];
        let mut image_updates = vec![];
        for spec in args
            .images
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            match image_update::tag_only(spec).map_err(Error::invalid_value)? {
                Some(update) => image_updates.push(update),
                None => changes.push(Change::image(spec).map_err(Error::invalid_value)?),
            }
        }
        for spec in &args.set_env {
            changes.push(Change::set_env(spec).map_err(Error::invalid_value)?);
        }
        for spec in &args.unset_env {
            changes.push(Change::unset_env(spec).map_err(Error::invalid_value)?);
        }
        for spec in &args.secrets {
            changes.push(Change::secret(spec).map_err(Error::invalid_value)?);
        }
        if let Some(text) = &args.container_image_name_updates {
            image_updates.extend(
                image_update::parse_image_name_updates(text).map_err(Error::invalid_value)?,
            );
        }
        let source = match (&args.task_definition, &args.task_definition_file) {
            (Some(reference), _) => Source::Reference(reference.clone()),
            (None, Some(path)) => Source::File {
                path: path.display().to_string(),
                definition: read_task_definition_file(&path.display().to_string())?,
            },
            (None, None) => Source::Live,
        };
        Ok(Plan {
            changes,
            image_updates,
            source,
        })
    }

    fn containers_named(&self) -> Vec<(&str, &'static str)> {
        let changes = self.changes.iter().map(|c| {
            let flag = match c {
                Change::Image { .. } => "--image",
                Change::SetEnv { .. } => "--set-env",
                Change::UnsetEnv { .. } => "--unset-env",
                Change::Secret { .. } => "--secret",
            };
            (c.container(), flag)
        });
        let updates = self
            .image_updates
            .iter()
            .map(|u| (u.container.as_str(), u.flag));
        changes.chain(updates).collect()
    }

    /// The revision `base` becomes, and the containers whose image was set (to pin).
    fn derive(&self, base: &TaskDefinition) -> Result<(TaskDefinition, Vec<String>)> {
        let mut derived = base.clone();
        let names = base.container_names();
        let mut imaged = vec![];
        for change in &self.changes {
            if !names.iter().any(|n| n == change.container()) {
                continue; // checked across all definitions by `check_containers`
            }
            derived.apply(change)?;
            if let Change::Image { container, .. } = change {
                imaged.push(container.clone());
            }
        }
        imaged.extend(image_update::apply_all(&mut derived, &self.image_updates)?);
        if matches!(self.source, Source::File { .. }) {
            imaged = names;
        }
        imaged.dedup();
        Ok((derived, imaged))
    }

    /// Every container a flag names must exist in at least one of the definitions (with one
    /// definition: in it), or nothing is changed.
    fn check_containers(&self, bases: &[TaskDefinition]) -> Result<()> {
        for (container, flag) in self.containers_named() {
            if !bases
                .iter()
                .any(|b| b.container_names().iter().any(|n| n == container))
            {
                return Err(match bases {
                    [only] => only
                        .require_container(container, flag)
                        .expect_err("container is missing"),
                    _ => Error::input(format!(
                        "{flag} names container `{container}`, which none of the task definitions ({}) has",
                        bases.iter().map(TaskDefinition::name).collect::<Vec<_>>().join(", ")
                    )),
                });
            }
        }
        Ok(())
    }
}

/// `--task-definition-file`: JSON (a RegisterTaskDefinition input, or DescribeTaskDefinition
/// output) with `${VAR}` taken from the environment.
fn read_task_definition_file(path: &str) -> Result<TaskDefinition> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(format!("--task-definition-file: cannot read {path}: {e}")))?;
    let expanded = template::expand_env(&text).map_err(|e| {
        Error::input_with_hint(
            format!("{path}: {e}"),
            "export the variable, or write $$ for a literal $",
        )
    })?;
    let value: Value = serde_json::from_str(&expanded).map_err(|e| {
        Error::input(format!(
            "{path}: invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let definition = if value.get("taskDefinition").is_some() {
        TaskDefinition::from_response(value)?
    } else {
        let Value::Object(mut json) = value else {
            return Err(Error::input(format!(
                "{path}: a task definition must be a JSON object"
            )));
        };
        let tags = match json.remove("tags") {
            Some(Value::Array(tags)) => tags,
            _ => vec![],
        };
        TaskDefinition { json, tags }
    };
    if definition.family().is_empty() || !definition.json.contains_key("containerDefinitions") {
        return Err(Error::input(format!(
            "{path}: a task definition needs `family` and `containerDefinitions`"
        )));
    }
    Ok(definition)
}

// ---------------------------------------------------------------------------------------------
// Revisions: derive, pin, and register or reuse.

/// What happens to one task definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Nothing changed: deploy it as it is.
    Unchanged,
    /// Identical to the family's latest revision, which is used.
    Reuse,
    /// A new revision (not yet registered in a dry run).
    Register,
}

struct Revision {
    /// Where it came from: a live or named definition, or the file.
    label: String,
    /// The definition it is compared with in the dry-run diff.
    before: Option<TaskDefinition>,
    derived: TaskDefinition,
    action: Action,
    /// The revision services are pointed at (for `Register`, set once registered).
    target: Option<TaskDefinition>,
    pinned: Vec<Pinned>,
}

impl Revision {
    fn arn(&self) -> String {
        match &self.target {
            Some(target) => target.arn().to_string(),
            None => format!("{} (new revision)", self.derived.family()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Waiting: one DescribeServices per 10 services per poll, a pure verdict per service.

/// One service being rolled and watched.
struct Watch {
    name: String,
    arn: String,
    deployment_id: String,
    /// The revision this deployment rolls to.
    task_definition: String,
    seen_events: HashSet<String>,
    lines: Vec<String>,
    verdict: Option<RolloutVerdict>,
    last: ServiceDescription,
    /// The deployment's failedTasks when its stopped tasks were last looked at: they are listed
    /// again only when ECS counts a new failure, not on every poll.
    failed_tasks_checked: i64,
}

impl Watch {
    fn new(service: &ServiceDescription, deployment_id: String, task_definition: String) -> Self {
        Watch {
            name: service.service_name.clone(),
            arn: service.service_arn.clone(),
            deployment_id,
            task_definition,
            seen_events: service.events.iter().map(|e| e.id.clone()).collect(),
            lines: vec![],
            verdict: None,
            last: service.clone(),
            failed_tasks_checked: 0,
        }
    }

    fn key(&self) -> String {
        if self.arn.is_empty() {
            self.name.clone()
        } else {
            self.arn.clone()
        }
    }

    fn matches(&self, service: &ServiceDescription) -> bool {
        (!self.arn.is_empty() && service.service_arn == self.arn)
            || (self.arn.is_empty() && service.service_name == self.name)
    }

    fn deployment(&self) -> Option<&Deployment> {
        self.last
            .deployments
            .iter()
            .find(|d| d.id == self.deployment_id)
    }

    /// Prints new service events (oldest first) and deployment lines that changed.
    fn observe(
        &mut self,
        service: &ServiceDescription,
        context: &Context,
        events: &mut Vec<String>,
    ) {
        for event in service.events.iter().rev() {
            if self.seen_events.insert(event.id.clone()) {
                context.progress.say(format_args!("{}", event.message));
                events.push(event.message.clone());
            }
        }
        let lines = rollout_verdict::deployment_lines(service);
        if lines != self.lines {
            for line in &lines {
                context
                    .progress
                    .say(format_args!("{}: {line}", service.service_name));
            }
            self.lines = lines;
        }
    }
}

/// How a wait for a set of services ended.
enum WaitEnd {
    /// Every service has a verdict.
    Finished,
    TimedOut,
    Cancelled(Signal),
}

struct Waiter<'a> {
    context: &'a Context,
    aws: &'a Aws,
    cluster: &'a str,
    max_poll_attempts: Option<u32>,
}

impl Waiter<'_> {
    async fn wait(
        &self,
        watches: Vec<Watch>,
        events: &mut Vec<String>,
    ) -> Result<(Vec<Watch>, WaitEnd)> {
        let state = tokio::sync::Mutex::new((watches, std::mem::take(events)));
        let schedule = self.context.schedule(self.max_poll_attempts);
        let ended = poll::wait(
            &schedule,
            &self.context.cancel,
            &self.context.progress,
            || {
                let state = &state;
                async move {
                    let mut guard = state.lock().await;
                    let (watches, events) = &mut *guard;
                    self.poll(watches, events).await
                }
            },
        )
        .await;
        let (watches, collected) = state.into_inner();
        *events = collected;
        let end = match ended? {
            Ended::Done(()) => WaitEnd::Finished,
            Ended::TimedOut => WaitEnd::TimedOut,
            Ended::Cancelled(signal) => WaitEnd::Cancelled(signal),
        };
        Ok((watches, end))
    }

    async fn poll(&self, watches: &mut [Watch], events: &mut Vec<String>) -> Result<Step<()>> {
        let pending: Vec<String> = watches
            .iter()
            .filter(|w| w.verdict.is_none())
            .map(Watch::key)
            .collect();
        let services = lookup::services(self.aws, self.cluster, &pending).await?;
        let mut texts = vec![];
        for service in services {
            let Some(watch) = watches
                .iter_mut()
                .find(|w| w.verdict.is_none() && w.matches(&service))
            else {
                continue;
            };
            watch.observe(&service, self.context, events);
            let stopped = match service
                .deployments
                .iter()
                .find(|d| d.id == watch.deployment_id)
            {
                Some(deployment) if deployment.failed_tasks > watch.failed_tasks_checked => {
                    match self.stopped_tasks(&service, deployment).await {
                        Some(stopped) => {
                            watch.failed_tasks_checked = deployment.failed_tasks;
                            stopped
                        }
                        None => vec![],
                    }
                }
                _ => vec![],
            };
            let verdict = rollout_verdict::judge(&service, &watch.deployment_id, &stopped);
            watch.last = service;
            match verdict {
                RolloutVerdict::InProgress(text) => texts.push(text),
                RolloutVerdict::Completed => {
                    self.context.progress.say(format_args!(
                        "✓ {}: deployment {} of {} completed",
                        watch.name,
                        watch.deployment_id,
                        arn_name(&watch.task_definition)
                    ));
                    watch.verdict = Some(RolloutVerdict::Completed);
                }
                RolloutVerdict::Failed(reason) => {
                    self.context
                        .progress
                        .say(format_args!("✗ {}: {reason}", watch.name));
                    watch.verdict = Some(RolloutVerdict::Failed(reason));
                }
            }
        }
        let open = watches.iter().filter(|w| w.verdict.is_none()).count();
        Ok(if open == 0 {
            Step::Done(())
        } else if watches.len() == 1 {
            Step::Pending(texts.join("; "))
        } else {
            Step::Pending(format!(
                "{}/{} services done; {}",
                watches.len() - open,
                watches.len(),
                texts.join("; ")
            ))
        })
    }

    /// Stopped tasks of the deployment's revision created since it began; `None` when AWS could
    /// not say (warned, and asked again next poll). Only asked for when ECS counts a new failed
    /// task, so the usual poll is one DescribeServices per 10 services.
    async fn stopped_tasks(
        &self,
        service: &ServiceDescription,
        deployment: &Deployment,
    ) -> Option<Vec<Task>> {
        let listed = self
            .aws
            .list_service_tasks(self.cluster, &service.service_name, true)
            .await;
        let arns = match listed {
            Ok(arns) => arns,
            Err(error) => {
                self.context.progress.warn(format_args!(
                    "cannot list stopped tasks of {}: {error}",
                    service.service_name
                ));
                return None;
            }
        };
        if arns.is_empty() {
            return Some(vec![]);
        }
        match self.aws.describe_tasks(self.cluster, &arns).await {
            Ok((tasks, _)) => Some(
                tasks
                    .into_iter()
                    .filter(|t| t.task_definition_arn == deployment.task_definition)
                    .filter(
                        |t| match (t.created_at.or(t.started_at), deployment.created_at) {
                            (Some(task), Some(since)) => task + 1.0 >= since,
                            _ => true,
                        },
                    )
                    .collect(),
            ),
            Err(error) => {
                self.context.progress.warn(format_args!(
                    "cannot describe stopped tasks of {}: {error}",
                    service.service_name
                ));
                None
            }
        }
    }
}

/// UpdateService, and the id of the deployment it started (the PRIMARY one running its
/// task definition).
async fn update_service(aws: &Aws, update: &ServiceUpdate) -> Result<(ServiceDescription, String)> {
    let name = &update.service;
    let service = aws
        .update_service(update)
        .await
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound => Error::input_with_hint(
                format!("service `{name}` cannot be updated: {}", e.message),
                "check --service, --cluster and --region",
            ),
            ErrorKind::Refused => Error::input(format!(
                "ECS refused to update service `{name}`: {}",
                e.message
            )),
            _ => e.into(),
        })?;
    let arn = &update.task_definition;
    let primary = service
        .deployments
        .iter()
        .find(|d| d.status == "PRIMARY" && &d.task_definition == arn)
        .or_else(|| service.deployments.iter().find(|d| d.status == "PRIMARY"))
        .map(|d| d.id.clone())
        .ok_or_else(|| {
            Error::Other(format!(
                "UpdateService of `{name}` answered without a PRIMARY deployment"
            ))
        })?;
    Ok((service, primary))
}

/// UpdateService for every request, up to UPDATE_CONCURRENCY at once, in request order.
async fn update_all(
    aws: &Aws,
    updates: Vec<ServiceUpdate>,
) -> Result<Vec<(ServiceDescription, String)>> {
    let limit = Arc::new(tokio::sync::Semaphore::new(UPDATE_CONCURRENCY));
    let mut set = tokio::task::JoinSet::new();
    for (index, update) in updates.into_iter().enumerate() {
        let (aws, limit) = (aws.clone(), limit.clone());
        set.spawn(async move {
            let _permit = limit.acquire_owned().await.expect("semaphore open");
            (index, update_service(&aws, &update).await)
        });
    }
    let mut results: Vec<Option<(ServiceDescription, String)>> = vec![];
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        let (index, result) =
            joined.map_err(|e| Error::Other(format!("UpdateService task failed: {e}")))?;
        if results.len() <= index {
            results.resize_with(index + 1, || None);
        }
        match result {
            Ok(updated) => results[index] = Some(updated),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    Ok(results
        .into_iter()
        .map(|r| r.expect("every update answered"))
        .collect())
}

// ---------------------------------------------------------------------------------------------

pub async fn run(context: &Context, args: &DeployArgs) -> Result<Report> {
    let started = Instant::now();
    let plan = Plan::from_args(args)?;
    // [scheduled tasks] --rule / --schedule, checked before anything touches AWS.
    let scheduled_refs = scheduled::references(&args.rules, &args.schedules)?;
    let mut names: Vec<String> = vec![];
    for name in context
        .global
        .services
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    if names.is_empty() && scheduled_refs.is_empty() {
        return Err(Error::Usage(
            "deploy needs --service NAME (repeatable), ECS_SHIP_SERVICE or `service = \"…\"` in ecs-ship.toml \
             (or only --rule / --schedule for scheduled tasks)".into(),
        ));
    }
    if args.rollback_on_failure && context.global.no_wait {
        return Err(Error::Usage(
            "--rollback-on-failure needs to wait for the deployment; drop --no-wait".into(),
        ));
    }
    // [scheduled tasks] targets name their own cluster: a batch-only deploy needs none.
    let cluster = match names.is_empty() {
        true => context.global.cluster.as_deref().unwrap_or_default(),
        false => context.cluster()?,
    };
    let aws = context.aws().await?;
    let progress = &context.progress;

    // 1. The services as they are (a missing one is an error now, not after a long wait).
    let services = match names.is_empty() {
        true => vec![],
        false => lookup::services(&aws, cluster, &names).await?,
    };
    // [scheduled tasks] Every rule's targets and every schedule, read before anything changes.
    let targets = scheduled::read(&aws, &scheduled_refs, progress).await?;

    // 2. The task definitions each service will run, derived and pinned; nothing registered yet.
    let mut keys: Vec<String> = vec![];
    let service_keys: Vec<String> = services
        .iter()
        .map(|service| match &plan.source {
            Source::Live => service.task_definition.clone(),
            Source::Reference(reference) => reference.clone(),
            Source::File { path, .. } => format!("file:{path}"),
        })
        .collect();
    for key in &service_keys {
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    // [scheduled tasks] One revision per family, shared with the services: each target's key.
    let given = match &plan.source {
        Source::Live => None,
        Source::Reference(reference) => Some((
            reference.clone(),
            scheduled::family_of(reference).to_string(),
        )),
        Source::File { path, definition } => {
            Some((format!("file:{path}"), definition.family().to_string()))
        }
    };
    let target_keys = scheduled::keys(&targets, &mut keys, given)?;
    let mut bases = vec![];
    for key in &keys {
        bases.push(match &plan.source {
            Source::File { definition, .. } => definition.clone(),
            _ => task_definition::describe(&aws, key).await?,
        });
    }
    // [scheduled tasks] A target the changes would not touch is an error, naming the target.
    let target_bases: Vec<&TaskDefinition> = target_keys
        .iter()
        .map(|key| &bases[keys.iter().position(|k| k == key).expect("keyed")])
        .collect();
    scheduled::check_containers(&targets, &target_bases, &plan.containers_named())?;
    plan.check_containers(&bases)?;
    let mut revisions = vec![];
    for (key, base) in keys.iter().zip(&bases) {
        let (mut derived, imaged) = plan.derive(base)?;
        let pinned = if args.no_pin_digest {
            vec![]
        } else {
            ecr::pin_images(&aws, &mut derived, &imaged, progress).await?
        };
        let is_file = matches!(plan.source, Source::File { .. });
        let (action, target, before) = if !is_file && derived.registration() == base.registration()
        {
            (Action::Unchanged, Some(base.clone()), Some(base.clone()))
        } else {
            let latest = task_definition::latest(&aws, derived.family()).await?;
            let before = if is_file {
                latest.clone()
            } else {
                Some(base.clone())
            };
            match latest {
                Some(latest) if latest.same_registration(&derived) => {
                    (Action::Reuse, Some(latest), before)
                }
                _ => (Action::Register, None, before),
            }
        };
        revisions.push(Revision {
            label: if is_file {
                key.trim_start_matches("file:").to_string()
            } else {
                base.name()
            },
            before,
            derived,
            action,
            target,
            pinned,
        });
    }
    let revision_of = |service_index: usize| -> usize {
        keys.iter()
            .position(|k| *k == service_keys[service_index])
            .expect("every service has a revision")
    };

    // [scheduled tasks] The revision each target moves to.
    let target_arns = |revisions: &[Revision]| -> Vec<String> {
        target_keys
            .iter()
            .map(|key| revisions[keys.iter().position(|k| k == key).expect("keyed")].arn())
            .collect()
    };

    if args.dry_run {
        let mut report = dry_run_report(
            context,
            args,
            cluster,
            &services,
            &revisions,
            &revision_of,
            started,
        );
        scheduled::Moves::new(targets, target_arns(&revisions)).dry_run(&mut report);
        return Ok(report);
    }

    // 3. Register what is new.
    for revision in &mut revisions {
        match revision.action {
            Action::Register => {
                let registered = task_definition::register(&aws, &revision.derived).await?;
                progress.say(format_args!(
                    "registered task definition {}",
                    registered.name()
                ));
                revision.target = Some(registered);
            }
            Action::Reuse => {
                let target = revision.target.as_ref().expect("reused revision is known");
                progress.say(format_args!(
                    "task definition {} already has these settings; reusing it",
                    target.name()
                ));
            }
            Action::Unchanged => {}
        }
    }
    // [scheduled tasks] Moved after the services succeeded, unless --schedules-first (or there
    // is no service).
    let mut moves = scheduled::Moves::new(targets, target_arns(&revisions));
    if args.schedules_first || services.is_empty() {
        if let Some(error) = moves.apply(&aws, progress).await {
            return Err(error);
        }
    }

    // 4. Point every service at its revision.
    let requests: Vec<ServiceUpdate> = services
        .iter()
        .enumerate()
        .map(|(i, service)| {
            update_request(args, cluster, service, &revisions[revision_of(i)].arn())
        })
        .collect();
    for (service, arn) in services
        .iter()
        .zip(requests.iter().map(|r| &r.task_definition))
    {
        if *arn == service.task_definition
            && !args.force_new_deployment
            && args.desired_count.is_none()
        {
            progress.say(format_args!(
                "{} already runs {}; no new deployment (--force-new-deployment starts one)",
                service.service_name,
                arn_name(arn)
            ));
        } else {
            progress.say(format_args!(
                "updating service {} to {} ({})",
                service.service_name,
                arn_name(arn),
                ecs::console_url(
                    aws.region(),
                    cluster,
                    &format!("services/{}/deployments", service.service_name)
                )
            ));
        }
    }
    let updated = update_all(&aws, requests.clone()).await?;
    let mut watches: Vec<Watch> = services
        .iter()
        .zip(updated)
        .zip(&requests)
        .map(|((before, (after, deployment_id)), update)| {
            let mut watch = Watch::new(before, deployment_id, update.task_definition.clone());
            watch.last = after;
            watch
        })
        .collect();
    let mut outcome = Outcome {
        context,
        aws: &aws,
        cluster,
        started,
        revisions: &revisions,
        previous: services.iter().map(|s| s.task_definition.clone()).collect(),
        events: vec![],
        results: vec![None; services.len()],
        rollbacks: vec![None; services.len()],
    };
    if context.global.no_wait {
        for watch in &watches {
            progress.say(format_args!(
                "{}: started deployment {}",
                watch.name, watch.deployment_id
            ));
        }
        outcome.results = vec![Some(("started".into(), None)); services.len()];
        // [scheduled tasks] With --no-wait, once UpdateService accepted the new revision.
        let failure = moves.after_deploy(&aws, progress, None).await;
        let mut report = outcome.report(&watches, failure);
        moves.annotate(&mut report);
        return Ok(report);
    }

    // 5. Wait for this deployment of every service.
    let waiter = Waiter {
        context,
        aws: &aws,
        cluster,
        max_poll_attempts: args.max_poll_attempts,
    };
    let (finished, end) = waiter
        .wait(std::mem::take(&mut watches), &mut outcome.events)
        .await?;
    watches = finished;
    let mut cancelled = None;
    for (i, watch) in watches.iter().enumerate() {
        outcome.results[i] = Some(match (&watch.verdict, &end) {
            (Some(RolloutVerdict::Completed), _) => ("succeeded".into(), None),
            (Some(RolloutVerdict::Failed(reason)), _) => ("failed".into(), Some(reason.clone())),
            (_, WaitEnd::Cancelled(signal)) => {
                cancelled = Some(*signal);
                (
                    "cancelled".into(),
                    Some(format!("interrupted by {}", signal.name())),
                )
            }
            _ => {
                let state = watch
                    .deployment()
                    .map(|d| format!("{}/{} running", d.running_count, d.desired_count))
                    .unwrap_or_default();
                (
                    "timed_out".into(),
                    Some(format!(
                        "still rolling after {} ({state})",
                        human(started.elapsed())
                    )),
                )
            }
        });
    }

    // 6. Roll back what failed, when asked to.
    if args.rollback_on_failure && cancelled.is_none() {
        outcome.roll_back(&waiter, &watches).await?;
    }
    let failure = outcome.failure(&watches, cancelled);
    // [scheduled tasks] Only after the services succeeded: a failed deploy leaves them be.
    let failure = moves.after_deploy(&aws, progress, failure).await;
    if failure.is_none() {
        progress.say(format_args!("✓ deployed in {}", human(started.elapsed())));
    }
    let mut report = outcome.report(&watches, failure);
    moves.annotate(&mut report);
    Ok(report)
}

fn update_request(
    args: &DeployArgs,
    cluster: &str,
    service: &ServiceDescription,
    arn: &str,
) -> ServiceUpdate {
    ServiceUpdate {
        cluster: cluster.to_string(),
        service: service.service_name.clone(),
        task_definition: arn.to_string(),
        desired_count: args.desired_count.map(|n| n.try_into().unwrap_or(i32::MAX)),
        force_new_deployment: args.force_new_deployment,
    }
}

/// The registration as people see it: values given with `--secret` are masked, as they are in
/// every output; everything else as ECS would get it.
fn shown_registration(definition: &TaskDefinition, secret_values: &[String]) -> Value {
    fn mask(value: &mut Value, secret_values: &[String]) {
        match value {
            Value::String(text) if secret_values.contains(text) => {
                *text = "[redacted --secret value]".into();
            }
            Value::Array(items) => items.iter_mut().for_each(|v| mask(v, secret_values)),
            Value::Object(map) => map.values_mut().for_each(|v| mask(v, secret_values)),
            _ => {}
        }
    }
    let mut registration = definition.registration();
    mask(&mut registration, secret_values);
    registration
}

fn dry_run_report(
    context: &Context,
    args: &DeployArgs,
    cluster: &str,
    services: &[ServiceDescription],
    revisions: &[Revision],
    revision_of: &dyn Fn(usize) -> usize,
    started: Instant,
) -> Report {
    let mut lines = vec![];
    let mut changes = vec![];
    let secret_values: Vec<String> = args
        .secrets
        .iter()
        .filter_map(|spec| match Change::secret(spec) {
            Ok(Change::Secret { value_from, .. }) => Some(value_from),
            _ => None,
        })
        .collect();
    for revision in revisions {
        let what = match revision.action {
            Action::Unchanged => format!("task definition {}: unchanged", revision.label),
            Action::Reuse => format!(
                "task definition {}: would reuse {} (identical)",
                revision.label,
                revision
                    .target
                    .as_ref()
                    .map(TaskDefinition::name)
                    .unwrap_or_default()
            ),
            Action::Register => format!(
                "task definition {}: would register a new revision of {}",
                revision.label,
                revision.derived.family()
            ),
        };
        lines.push(what);
        for pin in &revision.pinned {
            lines.push(format!(
                "  pin {}: {} -> {}",
                pin.container, pin.from, pin.to
            ));
        }
        let pretty = |d: &TaskDefinition| {
            serde_json::to_string_pretty(&shown_registration(d, &secret_values))
                .expect("JSON values serialize")
        };
        let before = revision.before.as_ref().map(pretty).unwrap_or_default();
        let diff = diff::unified(&before, &pretty(&revision.derived), 3);
        lines.extend(diff.lines().map(str::to_string));
        changes.push(PlannedRevision {
            from: revision.label.clone(),
            action: match revision.action {
                Action::Unchanged => "unchanged",
                Action::Reuse => "reuse",
                Action::Register => "register",
            },
            task_definition: revision.target.as_ref().map(|t| t.arn().to_string()),
            registration: shown_registration(&revision.derived, &secret_values),
            diff,
        });
    }
    let mut updates = vec![];
    for (i, service) in services.iter().enumerate() {
        let request = update_request(args, cluster, service, &revisions[revision_of(i)].arn());
        lines.push(format!(
            "service {}: would call UpdateService {}",
            service.service_name,
            serde_json::to_string(&request).expect("JSON values serialize")
        ));
        updates.push(request);
    }
    context
        .progress
        .say("dry run: nothing was registered or updated");
    Report {
        json: output::to_value(&DeployDryRun {
            command: "deploy",
            result: "dry_run",
            exit_code: 0,
            dry_run: true,
            cluster: cluster.to_string(),
            task_definitions: changes,
            updates,
            duration_seconds: (started.elapsed().as_millis() as f64) / 1000.0,
        }),
        stdout: lines,
        ..Report::default()
    }
}

/// What deploy knows at the end, for stdout, JSON and notifications.
struct Outcome<'a> {
    context: &'a Context,
    aws: &'a Aws,
    cluster: &'a str,
    started: Instant,
    revisions: &'a [Revision],
    /// The task definition each service ran before this deploy.
    previous: Vec<String>,
    events: Vec<String>,
    /// (result, reason) per service.
    results: Vec<Option<(String, Option<String>)>>,
    /// (rolled back to, result, reason) per service.
    rollbacks: Vec<Option<(String, String, Option<String>)>>,
}

impl Outcome<'_> {
    fn failed(&self, index: usize) -> bool {
        matches!(&self.results[index], Some((result, _)) if result == "failed" || result == "timed_out")
    }

    /// Points failed services back at their previous revision and waits for that.
    async fn roll_back(&mut self, waiter: &Waiter<'_>, watches: &[Watch]) -> Result<()> {
        let progress = &self.context.progress;
        let mut rollback_watches = vec![];
        let mut indexes = vec![];
        for (i, watch) in watches.iter().enumerate() {
            if !self.failed(i) {
                continue;
            }
            let previous = self.previous[i].clone();
            if previous == watch.task_definition {
                progress.warn(format_args!(
                    "{}: nothing to roll back to (it ran {} before this deploy too)",
                    watch.name,
                    arn_name(&previous)
                ));
                continue;
            }
            let already = watch
                .last
                .deployments
                .iter()
                .find(|d| d.status == "PRIMARY" && d.task_definition == previous);
            let (service, deployment_id) = match already {
                Some(deployment) => {
                    progress.say(format_args!(
                        "{}: ECS is already rolling back to {} (deployment {}); waiting for it",
                        watch.name,
                        arn_name(&previous),
                        deployment.id
                    ));
                    (watch.last.clone(), deployment.id.clone())
                }
                None => {
                    progress.say(format_args!(
                        "{}: rolling back to {}",
                        watch.name,
                        arn_name(&previous)
                    ));
                    let update = ServiceUpdate {
                        cluster: self.cluster.to_string(),
                        service: watch.name.clone(),
                        task_definition: previous.clone(),
                        desired_count: None,
                        force_new_deployment: false,
                    };
                    update_service(self.aws, &update).await?
                }
            };
            let mut rollback = Watch::new(&watch.last, deployment_id, previous.clone());
            rollback.seen_events = watch.seen_events.clone();
            rollback.last = service;
            rollback_watches.push(rollback);
            indexes.push(i);
        }
        if rollback_watches.is_empty() {
            return Ok(());
        }
        let (finished, end) = waiter.wait(rollback_watches, &mut self.events).await?;
        for (watch, i) in finished.iter().zip(indexes) {
            let (result, reason) = match (&watch.verdict, &end) {
                (Some(RolloutVerdict::Completed), _) => ("succeeded", None),
                (Some(RolloutVerdict::Failed(reason)), _) => ("failed", Some(reason.clone())),
                (_, WaitEnd::Cancelled(signal)) => (
                    "cancelled",
                    Some(format!("interrupted by {}", signal.name())),
                ),
                _ => (
                    "timed_out",
                    Some("the rollback did not finish in time".to_string()),
                ),
            };
            self.rollbacks[i] = Some((watch.task_definition.clone(), result.into(), reason));
        }
        Ok(())
    }

    /// The worst outcome decides the exit code: a failure (3) over a timeout (124).
    fn failure(&self, watches: &[Watch], cancelled: Option<Signal>) -> Option<Error> {
        if let Some(signal) = cancelled {
            return Some(Error::Interrupted(signal));
        }
        let describe = |wanted: &str| -> Vec<String> {
            watches
                .iter()
                .enumerate()
                .filter_map(|(i, watch)| {
                    let (result, reason) = self.results[i].as_ref()?;
                    if result != wanted {
                        return None;
                    }
                    let mut text = match (watches.len(), reason) {
                        (1, Some(reason)) => reason.clone(),
                        (_, Some(reason)) => format!("{}: {reason}", watch.name),
                        (_, None) => watch.name.clone(),
                    };
                    if let Some((to, result, reason)) = &self.rollbacks[i] {
                        text.push_str(&match result.as_str() {
                            "succeeded" => format!("; rolled back to {}", arn_name(to)),
                            _ => format!(
                                "; the rollback to {} {}{}",
                                arn_name(to),
                                result.replace('_', " "),
                                reason
                                    .as_ref()
                                    .map(|r| format!(": {r}"))
                                    .unwrap_or_default()
                            ),
                        });
                    }
                    Some(text)
                })
                .collect()
        };
        let failed = describe("failed");
        if !failed.is_empty() {
            return Some(Error::DeploymentFailed(failed.join("; ")));
        }
        let timed_out = describe("timed_out");
        if !timed_out.is_empty() {
            return Some(Error::TimedOut(format!(
                "waiting for the deployment: {}",
                timed_out.join("; ")
            )));
        }
        None
    }

    fn report(self, watches: &[Watch], failure: Option<Error>) -> Report {
        let exit_code = failure.as_ref().map_or(0, Error::code);
        let services = watches
            .iter()
            .enumerate()
            .map(|(i, watch)| {
                let (result, reason) = self.results[i].clone().unwrap_or_default();
                let rollback = self.rollbacks[i].as_ref();
                ServiceResult {
                    service: watch.name.clone(),
                    cluster: self.cluster.to_string(),
                    deployment_id: watch.deployment_id.clone(),
                    rollout_state: watch.deployment().and_then(|d| d.rollout_state.clone()),
                    result,
                    reason,
                    desired_count: watch.last.desired_count,
                    running_count: watch.last.running_count,
                    task_definition: watch.task_definition.clone(),
                    previous_task_definition: self.previous[i].clone(),
                    rolled_back_to: rollback.map(|(to, _, _)| to.clone()),
                    rollback_result: rollback.map(|(_, result, _)| result.clone()),
                    console_url: ecs::console_url(
                        self.aws.region(),
                        self.cluster,
                        &format!("services/{}/deployments", watch.name),
                    ),
                }
            })
            .collect();
        let mut arns: Vec<String> = vec![];
        for watch in watches {
            if !arns.contains(&watch.task_definition) {
                arns.push(watch.task_definition.clone());
            }
        }
        let result = match &failure {
            None if self.context.global.no_wait => "started",
            None => "succeeded",
            Some(Error::DeploymentFailed(_)) => "failed",
            Some(Error::TimedOut(_)) => "timed_out",
            Some(Error::Interrupted(_)) => "cancelled",
            Some(_) => "error",
        };
        let pinned_images = self
            .revisions
            .iter()
            .flat_map(|r| &r.pinned)
            .map(|p| PinnedImage {
                container: p.container.clone(),
                from: p.from.clone(),
                to: p.to.clone(),
            })
            .collect();
        let json = output::to_value(&DeployResult {
            command: "deploy",
            result,
            exit_code,
            reason: failure.as_ref().map(ToString::to_string),
            cluster: self.cluster.to_string(),
            region: self.aws.region().to_string(),
            task_definition: arns.clone().into(),
            pinned_images,
            services,
            api_calls: self.aws.calls(),
            duration_seconds: (self.started.elapsed().as_millis() as f64) / 1000.0,
        });
        let events = self.events.len().saturating_sub(EVENTS_KEPT);
        Report {
            json,
            stdout: arns,
            failure,
            log_tail: vec![],
            events: self.events[events..].to_vec(),
        }
    }
}
