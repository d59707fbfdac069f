//! `ecs-ship deploy` (alias `update-service`): derive a task-definition revision from the live
//! one (or take one given), pin ECR images to their digests, register it unless the family's
//! latest is identical, point the service(s) at it, and wait for *this* deployment: done,
//! failed (circuit breaker, rollback, tasks of the new revision stopping) or timed out.
//! Optionally roll back to the previous revision on failure.
//!
//! `ship` tells the story; each step is a function below: `check` (before AWS), `read`,
//! `derive`, `register`, `start`, `finish`. Following the deployments is `crate::follow`'s.
//! `run` wraps it so that auto scaling suspended for the deploy is restored however it ends.

mod auto_scaling;
mod codedeploy;
mod daemons;
mod dry_run;
mod express;
mod outcome;
mod plan;
mod prune;
mod update;

use std::time::Instant;

pub(crate) use outcome::{result_of, Status, Tally};
use plan::{Action, Recipe, Revision, Source};

use crate::aws::{Aws, DeploymentGroup};
use crate::cli::DeployArgs;
use crate::commands::verify;
use crate::context::Context;
use crate::duration::human;
use crate::ecr;
use crate::ecs::ServiceDescription;
use crate::error::{Error, Result, Signal};
use crate::follow::{self, Verdict, WaitEnd, Waiter, Watch, Way};
use crate::lookup;
use crate::output::PlannedPrune;
use crate::report::Report;
use crate::scheduled;
use crate::task_definition::{self, TaskDefinition};

/// Service events kept for notifications.
pub(crate) const EVENTS_KEPT: usize = 10;

/// `ecs-ship verify`: this derivation with the same flags, stopped after the checks.
pub async fn run_verify(context: &Context, args: &DeployArgs) -> Result<Report> {
    let args = DeployArgs {
        verify_only: true,
        // A tag that does not exist is the image check's ✗, not an error before the checklist.
        no_pin_digest: true,
        ..args.clone()
    };
    run(context, &args).await
}

pub async fn run(context: &Context, args: &DeployArgs) -> Result<Report> {
    let scaling = auto_scaling::Scaling::new(context, args)?;
    let outcome = ship(context, args, &scaling).await;
    // However the deploy ended, auto scaling gets back the state it was found in.
    scaling.end(outcome).await
}

async fn ship(
    context: &Context,
    args: &DeployArgs,
    scaling: &auto_scaling::Scaling<'_>,
) -> Result<Report> {
    let started = Instant::now();
    let checked = check(context, args)?;
    let aws = context.aws().await?;
    let deploy = Deploy {
        context,
        args,
        aws: &aws,
        cluster: checked.cluster,
        started,
    };
    // What is there, read before anything changes.
    let mut found = deploy.read(&checked.scheduled, &checked.daemons).await?;
    // The task definitions each service, target and daemon will run; nothing registered yet.
    let mut revisions = deploy.derive(&checked.recipe, &mut found).await?;
    if args.verify || args.verify_only {
        if let Some(report) = deploy.verify(&found, &revisions).await? {
            return Ok(report);
        }
    }
    scaling.check(&aws, deploy.cluster, &found.services).await?;
    let pruning = prune::AfterDeploy::new(args.prune, &revisions.list, checked.scheduled);
    if args.dry_run {
        let planned_prune = pruning.plan(context, deploy.cluster);
        return Ok(deploy.dry_run(found, &revisions, &checked.hooks, planned_prune));
    }
    let arns = deploy.register(&mut revisions.list).await?;
    // Moved after the services succeeded, unless --schedules-first (or there is no service).
    let targets = std::mem::take(&mut found.targets);
    let mut moves = scheduled::Moves::new(targets, revisions.target_arns());
    if args.schedules_first || (found.services.is_empty() && found.express.is_empty()) {
        if let Some(error) = moves.apply(&aws, &context.progress).await {
            return Err(error);
        }
    }
    let service_arns: Vec<&str> = (0..found.services.len())
        .map(|i| arns[revisions.of_service(i)].as_str())
        .collect();
    scaling.suspend().await?;
    let mut watches = deploy.start(&found, &service_arns, &checked.hooks).await?;
    watches.extend(deploy.start_express(&found, &revisions).await?);
    watches.extend(found.daemons.start(&deploy, &arns).await?);
    let previous = found
        .services
        .iter()
        .chain(found.express.iter().map(|t| &t.service));
    let mut tally = Tally::new(
        "deploy",
        context,
        &aws,
        deploy.cluster,
        started,
        &revisions.list,
        previous
            .map(|s| s.task_definition.clone())
            .chain(found.daemons.previous())
            .collect(),
    );
    tally.express_pins = revisions.express_pins();
    // Wait for this deployment of every service; roll back what failed, when asked to.
    let report = deploy.finish(tally, watches, moves).await?;
    Ok(pruning.run(context, &aws, deploy.cluster, report).await)
}

/// Flags checked before anything touches AWS.
struct Checked<'a> {
    recipe: Recipe,
    /// `--rule` / `--schedule`.
    scheduled: Vec<scheduled::Reference>,
    hooks: Vec<(String, String)>,
    /// `--daemon`.
    daemons: Vec<String>,
    /// Scheduled targets name their own cluster: a batch-only deploy needs none.
    cluster: &'a str,
}

fn check<'a>(context: &'a Context, args: &DeployArgs) -> Result<Checked<'a>> {
    let recipe = Recipe::from_args(args)?;
    // A malformed name or hook is a usage error, as any flag value that does not parse.
    let scheduled =
        scheduled::references(&args.rules, &args.schedules).map_err(Error::invalid_value)?;
    let names = lookup::named_services(context);
    let daemons = daemons::check(args)?;
    if names.is_empty() && scheduled.is_empty() && daemons.is_empty() {
        return Err(Error::Usage(
            "deploy needs --service NAME (repeatable), ECS_SHIP_SERVICE or `service = \"…\"` in ecs-ship.toml (or only --rule / --schedule for scheduled tasks, --daemon for daemons)".into(),
        ));
    }
    let hooks = codedeploy::parse_hooks(&args.codedeploy_hooks).map_err(Error::invalid_value)?;
    if args.rollback_on_failure && context.global.no_wait {
        return Err(Error::Usage(
            "--rollback-on-failure needs to wait for the deployment; drop --no-wait".into(),
        ));
    }
    // Only a batch-only deploy goes without a cluster: services, daemons and the prune after
    // the deploy (which revisions the cluster's services use) need one, refused before any call.
    let cluster = match names.is_empty() && daemons.is_empty() && args.prune.is_none() {
        true => context.global.cluster.as_deref().unwrap_or_default(),
        false => context.cluster()?,
    };
    Ok(Checked {
        recipe,
        scheduled,
        hooks,
        daemons,
        cluster,
    })
}

/// What deploy read before changing anything.
struct Found {
    services: Vec<ServiceDescription>,
    /// The CodeDeploy deployment group of each CODE_DEPLOY service.
    groups: Vec<Option<DeploymentGroup>>,
    targets: Vec<scheduled::Target>,
    /// The Express services named, apart: they change through UpdateExpressGatewayService.
    express: Vec<express::Target>,
    daemons: daemons::Daemons,
}

/// The revisions to deploy, one per task definition they derive from, and which one each
/// service and scheduled target takes.
struct Revisions {
    list: Vec<Revision>,
    /// What each revision derives from: a task definition, or `file:PATH`.
    keys: Vec<String>,
    service_keys: Vec<String>,
    target_keys: Vec<String>,
    /// What each Express service rolls to, and the key of the revision given to them.
    express: Vec<express::Next>,
    express_key: Option<String>,
}

impl Revisions {
    fn of_service(&self, service: usize) -> usize {
        self.index(&self.service_keys[service])
    }

    fn index(&self, key: &str) -> usize {
        self.keys
            .iter()
            .position(|k| k == key)
            .expect("every service and target has a revision")
    }

    /// The revision each scheduled target moves to (a new one named by its family in a dry run).
    fn target_arns(&self) -> Vec<String> {
        self.target_keys
            .iter()
            .map(|key| self.list[self.index(key)].arn_or_label())
            .collect()
    }
}

struct Deploy<'a> {
    context: &'a Context,
    args: &'a DeployArgs,
    aws: &'a Aws,
    cluster: &'a str,
    started: Instant,
}

impl Deploy<'_> {
    /// The services as they are (a missing one is an error now, not after a long wait), every
    /// rule's targets and every schedule, the CodeDeploy groups, and the daemons.
    async fn read(&self, references: &[scheduled::Reference], daemons: &[String]) -> Result<Found> {
        let names = lookup::named_services(self.context);
        let services = match names.is_empty() {
            true => vec![],
            false => lookup::services(self.aws, self.cluster, &names).await?,
        };
        follow::check_controllers(&services)?;
        let (services, express) = express::split(self.aws, self.args, services).await?;
        let targets = scheduled::read(self.aws, references, &self.context.progress).await?;
        let mut groups = vec![];
        for service in &services {
            groups.push(match Way::of(service) {
                Way::CodeDeploy => Some(self.deployment_group(service).await?),
                _ => None,
            });
        }
        let daemons = daemons::Daemons::read(self, daemons).await?;
        Ok(Found {
            services,
            groups,
            targets,
            express,
            daemons,
        })
    }

    async fn deployment_group(&self, service: &ServiceDescription) -> Result<DeploymentGroup> {
        let name = &service.service_name;
        let group =
            follow::deployment_group(self.aws, &self.args.codedeploy, self.cluster, name).await?;
        self.context.progress.say(format_args!(
            "{name}: CODE_DEPLOY controller; CodeDeploy application {}, deployment group {}",
            group.application, group.name
        ));
        Ok(group)
    }

    /// The task definitions each service, target and daemon will run, derived and pinned.
    async fn derive(&self, recipe: &Recipe, found: &mut Found) -> Result<Revisions> {
        let service_keys: Vec<String> = found
            .services
            .iter()
            .map(|service| match &recipe.source {
                Source::Live => service.task_definition.clone(),
                Source::Reference(reference) => reference.clone(),
                Source::File { path, .. } => format!("file:{path}"),
            })
            .collect();
        let mut keys: Vec<String> = vec![];
        for key in &service_keys {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
        // One revision per family, shared with the services: each target's key.
        let given = match &recipe.source {
            Source::Live => None,
            Source::Reference(reference) => Some((
                reference.clone(),
                scheduled::family_of(reference).to_string(),
            )),
            Source::File { path, definition } => {
                Some((format!("file:{path}"), definition.family().to_string()))
            }
        };
        let express_key = express::key(&mut keys, given.as_ref(), &found.express);
        let target_keys = scheduled::keys(&found.targets, &mut keys, given)?;
        let mut bases = vec![];
        for key in &keys {
            bases.push(match &recipe.source {
                Source::File { definition, .. } => definition.clone(),
                _ => task_definition::describe(self.aws, key).await?,
            });
        }
        // A target the changes would not touch is an error, naming the target.
        let target_bases: Vec<&TaskDefinition> = target_keys
            .iter()
            .map(|key| &bases[keys.iter().position(|k| k == key).expect("keyed")])
            .collect();
        scheduled::check_containers(&found.targets, &target_bases, &recipe.containers_named())?;
        let express_bases = express::definitions(recipe, &found.express)?;
        recipe.check_containers(&[&bases[..], &express_bases, &found.daemons.bases()].concat())?;
        let mut list = vec![];
        for (key, base) in keys.iter().zip(&bases) {
            list.push(self.revision(recipe, key, base).await?);
        }
        found.daemons.derive(self, recipe, &mut list).await?;
        let (context, aws, args) = (self.context, self.aws, self.args);
        Ok(Revisions {
            list,
            keys,
            service_keys,
            target_keys,
            express: express::derive(context, aws, args, recipe, &found.express).await?,
            express_key,
        })
    }

    /// The revision `base` becomes: unchanged, the family's latest reused, or one to register.
    async fn revision(
        &self,
        recipe: &Recipe,
        key: &str,
        base: &TaskDefinition,
    ) -> Result<Revision> {
        let (mut derived, imaged) = recipe.derive(base)?;
        let pinned = if self.args.no_pin_digest {
            vec![]
        } else {
            ecr::pin_images(self.aws, &mut derived, &imaged, &self.context.progress).await?
        };
        let is_file = matches!(recipe.source, Source::File { .. });
        let (action, target, before) = if !is_file && derived.registration() == base.registration()
        {
            (Action::Unchanged, Some(base.clone()), Some(base.clone()))
        } else {
            let latest = daemons::latest(self.aws, &derived).await?;
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
        Ok(Revision {
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
        })
    }

    /// `--verify` (and `ecs-ship verify`): what each service, scheduled target and daemon would
    /// run, checked before anything is registered or updated.
    async fn verify(&self, found: &Found, revisions: &Revisions) -> Result<Option<Report>> {
        let of_services = found.services.iter().enumerate().map(|(i, service)| {
            let revision = &revisions.list[revisions.of_service(i)];
            (service.service_name.clone(), Some(service), revision)
        });
        let of_targets = found
            .targets
            .iter()
            .zip(&revisions.target_keys)
            .map(|(target, key)| (target.label(), None, &revisions.list[revisions.index(key)]));
        let of_daemons = found.daemons.subjects(&revisions.list);
        let subjects: Vec<verify::Subject> = of_services
            .chain(of_targets)
            .chain(of_daemons.map(|(label, revision)| (label, None, revision)))
            .map(|(label, service, revision)| verify::Subject {
                label,
                task_definition: revision.arn_or_label(),
                revision: &revision.derived,
                service,
            })
            .collect();
        let only = self.args.verify_only;
        verify::before_changes(self.context, self.aws, self.cluster, &subjects, only).await
    }

    fn dry_run(
        &self,
        found: Found,
        revisions: &Revisions,
        hooks: &[(String, String)],
        prune: Option<PlannedPrune>,
    ) -> Report {
        dry_run::report(dry_run::DryRun {
            context: self.context,
            args: self.args,
            cluster: self.cluster,
            services: &found.services,
            revisions: &revisions.list,
            revision_of: &|i| revisions.of_service(i),
            groups: &found.groups,
            hooks,
            started: self.started,
            express: self.express_requests(&found.express, revisions),
            scheduled_targets: scheduled::Moves::new(found.targets, revisions.target_arns())
                .dry_run(),
            daemons: found.daemons.dry_run(&revisions.list),
            prune,
        })
    }

    /// Registers the new revisions; the ARN of every revision.
    async fn register(&self, revisions: &mut [Revision]) -> Result<Vec<String>> {
        let progress = &self.context.progress;
        let mut arns = vec![];
        for revision in revisions {
            match revision.action {
                Action::Register => {
                    let registered = daemons::register(self.aws, &revision.derived).await?;
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
            let arn = revision
                .arn()
                .expect("registered, reused or unchanged: it has an ARN");
            arns.push(arn.to_string());
        }
        Ok(arns)
    }

    /// Waits (unless --no-wait), rolls back what failed when asked to, moves the scheduled
    /// targets once the services succeeded, and reports.
    async fn finish(
        &self,
        mut tally: Tally<'_>,
        watches: Vec<Watch>,
        mut moves: scheduled::Moves,
    ) -> Result<Report> {
        let (aws, progress) = (self.aws, &self.context.progress);
        if self.context.global.no_wait {
            for watch in &watches {
                let id = watch.deployment_id.as_deref().unwrap_or_default();
                progress.say(format_args!("{}: started deployment {id}", watch.name));
            }
            tally.results = vec![Some((Status::Started, None)); watches.len()];
            // With --no-wait, once UpdateService accepted the new revision.
            let failure = moves.after_deploy(aws, progress, None).await;
            tally.scheduled = moves.results();
            return Ok(tally.report(&watches, failure));
        }
        let waiter = Waiter::new(self.context, aws, self.cluster, self.args.max_poll_attempts);
        let (watches, end) = waiter.wait(watches, &mut tally.events).await?;
        let cancelled = self.judge_results(&mut tally, &watches, &end);
        if self.args.rollback_on_failure && cancelled.is_none() {
            tally.roll_back(&waiter, &watches).await?;
        }
        let failure = tally.failure(&watches, cancelled);
        let paused = watches
            .iter()
            .any(|w| matches!(w.verdict, Some(Verdict::Paused(_))));
        // Only after the services succeeded: a failed deploy leaves them be; a paused one has
        // not succeeded yet either.
        let failure = match (paused, failure) {
            (true, None) if !moves.is_empty() => {
                progress.warn(
                    "the deployment is paused: scheduled tasks stay where they are (deploy them with --rule / --schedule once it completed)",
                );
                None
            }
            (_, failure) => moves.after_deploy(aws, progress, failure).await,
        };
        let elapsed = human(self.started.elapsed());
        if failure.is_none() && paused {
            progress.say(format_args!(
                "⏸ paused after {elapsed}: the deployment waits at a lifecycle hook (--on-pause wait keeps waiting)"
            ));
        } else if failure.is_none() {
            progress.say(format_args!("✓ deployed in {elapsed}"));
        }
        tally.scheduled = moves.results();
        Ok(tally.report(&watches, failure))
    }

    /// Each service's result from how its wait ended; the signal, when one ended it.
    fn judge_results(
        &self,
        tally: &mut Tally<'_>,
        watches: &[Watch],
        end: &WaitEnd,
    ) -> Option<Signal> {
        let mut cancelled = None;
        for (i, watch) in watches.iter().enumerate() {
            if let (None, WaitEnd::Cancelled(signal)) = (&watch.verdict, end) {
                cancelled = Some(*signal);
            }
            tally.results[i] = Some(match result_of(watch.verdict.as_ref(), end) {
                (Status::TimedOut, None) => {
                    let state = watch.follower.state(&watch.last);
                    let reason = format!(
                        "still rolling after {} ({})",
                        human(self.started.elapsed()),
                        state.trim()
                    );
                    (Status::TimedOut, Some(reason))
                }
                other => other,
            });
        }
        cancelled
    }
}
