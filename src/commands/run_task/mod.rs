//! `ecs-ship run-task` (alias `migrate`): start a one-off task, stream its logs, wait for it to
//! stop, and exit with its result.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{json, Map, Value};

use crate::aws::{Aws, ErrorKind};
use crate::cli::{AfterWait, RunTaskArgs};
use crate::context::Context;
use crate::diff;
use crate::duration::human;
use crate::ecr;
use crate::ecs::{self, Failure, ServiceDescription, Task};
use crate::error::{Error, Result};
use crate::image_update::{self, ImageUpdate};
use crate::logs::{self, Follower};
use crate::lookup;
use crate::output::{CommandResult, ContainerResult, RunTaskDryRun, RunTaskResult, TaskResult};
use crate::poll::{self, Ended, Step};
use crate::report::Report;
use crate::task_definition::{self, Change, TaskDefinition};
use crate::task_verdict::{self, judge, TaskVerdict};

/// RunTask starts at most 10 tasks per call.
const RUN_TASK_BATCH: u32 = 10;
/// How long DescribeTasks may answer MISSING for a task RunTask returned before that counts as
/// the task never having started.
const UNSEEN_GRACE: Duration = Duration::from_secs(60);

/// The flags, checked before anything touches AWS.
struct Plan {
    images: Vec<Change>,
    /// `--image CONTAINER=:TAG` and `--container-image-name-updates`, applied to the images
    /// the task definition has.
    image_updates: Vec<ImageUpdate>,
    command: Option<Vec<String>>,
    set_env: Vec<Change>,
    overrides: Map<String, Value>,
    capacity_provider_strategy: Option<Value>,
}

impl Plan {
    fn from_args(args: &RunTaskArgs) -> Result<Self> {
        let command = match (&args.command, &args.command_json) {
            (Some(text), _) => Some(shell_words::split(text).map_err(|e| {
                Error::input(format!(
                    "--command `{text}` cannot be split into words: {e}"
                ))
            })?),
            (None, Some(text)) => Some(serde_json::from_str::<Vec<String>>(text).map_err(|e| {
                Error::input_with_hint(
                    format!("--command-json is not a JSON array of strings: {e}"),
                    r#"e.g. --command-json '["rails", "db:migrate"]'"#,
                )
            })?),
            (None, None) => None,
        };
        if command.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::input("the command is empty"));
        }
        let overrides = match &args.overrides {
            Some(text) => match read_json_argument(text, "--overrides")? {
                Value::Object(map) => map,
                _ => {
                    return Err(Error::input(
                        "--overrides must be a JSON object (an ECS TaskOverride)",
                    ))
                }
            },
            None => Map::new(),
        };
        let mut images = vec![];
        let mut image_updates = vec![];
        for spec in args
            .images
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            match image_update::tag_only(spec)? {
                Some(update) => image_updates.push(update),
                None => images.push(Change::image(spec)?),
            }
        }
        if let Some(text) = &args.container_image_name_updates {
            image_updates.extend(image_update::parse_image_name_updates(text)?);
        }
        Ok(Plan {
            images,
            image_updates,
            command,
            set_env: args
                .set_env
                .iter()
                .map(|s| Change::set_env(s))
                .collect::<Result<_>>()?,
            overrides,
            capacity_provider_strategy: args
                .capacity_provider_strategy
                .as_deref()
                .map(parse_capacity_provider_strategy)
                .transpose()?,
        })
    }

    /// The TaskOverride for RunTask; every container it names must exist in `definition`.
    fn overrides(&self, definition: &TaskDefinition, watched: Option<&str>) -> Result<Value> {
        let mut overrides = self.overrides.clone();
        let mut containers: Vec<Value> = match overrides.remove("containerOverrides") {
            Some(Value::Array(list)) => list,
            None => vec![],
            Some(_) => {
                return Err(Error::input(
                    "--overrides: containerOverrides must be a list",
                ))
            }
        };
        for entry in &containers {
            let name = entry
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            definition.require_container(name, "--overrides containerOverrides")?;
        }
        if let Some(command) = &self.command {
            let container = watched.ok_or_else(|| {
                Error::input_with_hint(
                    format!(
                        "--command needs a container: task definition {} has several essential containers ({})",
                        definition.name(),
                        definition.essential_containers().join(", ")
                    ),
                    "pass --container NAME",
                )
            })?;
            let index = override_entry(&mut containers, container);
            containers[index]["command"] = json!(command);
        }
        for change in &self.set_env {
            let Change::SetEnv {
                container,
                key,
                value,
            } = change
            else {
                continue;
            };
            definition.require_container(container, "--set-env")?;
            let index = override_entry(&mut containers, container);
            let environment = containers[index]
                .as_object_mut()
                .expect("override entries are objects")
                .entry("environment")
                .or_insert_with(|| json!([]));
            let list = environment
                .as_array_mut()
                .ok_or_else(|| Error::input("--overrides: environment must be a list"))?;
            list.retain(|e| e.get("name").and_then(Value::as_str) != Some(key));
            list.push(json!({ "name": key, "value": value }));
        }
        if !containers.is_empty() {
            overrides.insert("containerOverrides".into(), Value::Array(containers));
        }
        Ok(Value::Object(overrides))
    }
}

/// The index of `name`'s containerOverrides entry, added when missing.
fn override_entry(containers: &mut Vec<Value>, name: &str) -> usize {
    match containers
        .iter()
        .position(|c| c.get("name").and_then(Value::as_str) == Some(name))
    {
        Some(index) => index,
        None => {
            containers.push(json!({ "name": name }));
            containers.len() - 1
        }
    }
}

/// `JSON` or `@FILE`; a parse error names the source with its line and column.
pub fn read_json_argument(text: &str, flag: &str) -> Result<Value> {
    let (source, content) = match text.strip_prefix('@') {
        Some(path) => {
            let content = std::fs::read_to_string(path)
                .map_err(|e| Error::input(format!("{flag}: cannot read {path}: {e}")))?;
            (path.to_string(), content)
        }
        None => (flag.to_string(), text.to_string()),
    };
    serde_json::from_str(&content).map_err(|e| {
        Error::input(format!(
            "{source}: invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })
}

/// `provider=FARGATE_SPOT,weight=2,base=0 provider=FARGATE,weight=1`, or the JSON list itself.
fn parse_capacity_provider_strategy(text: &str) -> Result<Value> {
    if text.trim_start().starts_with('[') {
        return read_json_argument(text, "--capacity-provider-strategy");
    }
    let mut strategy = vec![];
    for item in text.split_whitespace() {
        let mut entry = Map::new();
        for pair in item.split(',') {
            let bad = || {
                Error::input(format!("--capacity-provider-strategy: `{pair}` is not provider=NAME, weight=N or base=N"))
            };
            let (key, value) = pair.split_once('=').ok_or_else(bad)?;
            match key {
                "provider" | "capacityProvider" => {
                    entry.insert("capacityProvider".into(), json!(value))
                }
                "weight" | "base" => {
                    entry.insert(key.into(), json!(value.parse::<u32>().map_err(|_| bad())?))
                }
                _ => return Err(bad()),
            };
        }
        if !entry.contains_key("capacityProvider") {
            return Err(Error::input(format!(
                "--capacity-provider-strategy: `{item}` has no provider=NAME"
            )));
        }
        strategy.push(Value::Object(entry));
    }
    Ok(Value::Array(strategy))
}

pub async fn run(context: &Context, args: &RunTaskArgs) -> Result<Report> {
    let started = Instant::now();
    // Every error here is a flag's value that does not parse: a usage error.
    let plan = Plan::from_args(args).map_err(Error::invalid_value)?;
    let cluster = context.cluster()?;
    let aws = context.aws().await?;
    let progress = &context.progress;

    let service = match context.global.services.as_slice() {
        [] => None,
        [name] => Some(
            lookup::services(&aws, cluster, std::slice::from_ref(name))
                .await?
                .remove(0),
        ),
        _ => {
            return Err(Error::Usage(
                "run-task takes one --service (the one whose settings the task borrows)".into(),
            ))
        }
    };
    let reference = match (&args.task_definition, &service) {
        (Some(reference), _) => reference.clone(),
        (None, Some(service)) => service.task_definition.clone(),
        (None, None) => {
            return Err(Error::Usage(
                "run-task needs --task-definition FAMILY[:REV] or --service NAME (to use the service's current one)".into(),
            ))
        }
    };
    let mut definition = task_definition::describe(&aws, &reference).await?;
    let watched = definition.watched_container(context.global.container.as_deref())?;
    let overrides = plan.overrides(&definition, watched.as_deref())?;
    let base = definition.clone();
    let mut needs_registration = false;
    if !plan.images.is_empty() || !plan.image_updates.is_empty() {
        let mut containers: Vec<String> = vec![];
        for change in &plan.images {
            definition.apply(change)?;
            containers.push(change.container().to_string());
        }
        for update in &plan.image_updates {
            definition.require_container(&update.container, update.flag)?;
        }
        containers.extend(image_update::apply_all(
            &mut definition,
            &plan.image_updates,
        )?);
        // Pinned exactly as `deploy` pins, so `deploy --image X` reuses this revision.
        if !args.no_pin_digest {
            ecr::pin_images(&aws, &mut definition, &containers, progress).await?;
        }
        if !args.dry_run {
            definition = task_definition::register_or_reuse(&aws, &definition, progress).await?;
        } else {
            match task_definition::latest(&aws, definition.family()).await? {
                Some(latest) if latest.same_registration(&definition) => definition = latest,
                _ => needs_registration = true,
            }
        }
    }

    let request = run_task_request(
        context,
        args,
        &plan,
        cluster,
        &definition,
        service.as_ref(),
        overrides,
    );
    if args.dry_run {
        return Ok(dry_run_report(
            context,
            &base,
            &definition,
            needs_registration,
            request,
        ));
    }
    progress.say(format_args!(
        "starting {} task{} of {} on cluster {cluster}",
        args.count,
        if args.count == 1 { "" } else { "s" },
        definition.name()
    ));
    let (tasks, failures) = start_tasks(&aws, request, args.count).await?;
    let arns: Vec<String> = tasks.iter().map(|t| t.task_arn.clone()).collect();
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
        definition: &definition,
        started,
        tasks,
        log_tail: vec![],
    };

    if !failures.is_empty() {
        let reasons: Vec<String> = failures.iter().map(Failure::describe).collect();
        outcome
            .stop_all(&format!(
                "ecs-ship: other tasks of this run failed to start ({})",
                reasons.join("; ")
            ))
            .await;
        return Ok(outcome.report(
            "failed_to_start",
            Some(Error::TaskFailedToStart(format!(
                "RunTask failed: {}",
                reasons.join("; ")
            ))),
        ));
    }
    if context.global.no_wait {
        return Ok(outcome.report("started", None));
    }

    let follower = (!args.no_logs).then(|| {
        Follower::start(
            aws.clone(),
            progress.clone(),
            log_sources(context, &definition, &outcome.tasks),
            args.log_settle.unwrap_or(logs::DEFAULT_SETTLE),
        )
    });
    let essential = definition.essential_containers();
    let seen_states = Mutex::new(HashMap::<String, String>::new());
    let ended = poll::wait(&context.schedule(None), &context.cancel, progress, || {
        let (aws, arns, essential, watched, seen_states) =
            (&aws, &arns, &essential, watched.as_deref(), &seen_states);
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
    })
    .await;

    let ended = match ended {
        Ok(ended) => ended,
        Err(error) => {
            if let Some(follower) = follower {
                follower.finish().await;
            }
            return Err(error);
        }
    };
    let (result, failure) = match ended {
        Ended::Done((verdict, tasks)) => {
            outcome.tasks = tasks;
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
            let waited = human(started.elapsed());
            if args.on_timeout == AfterWait::Stop {
                progress.warn(format_args!("timed out after {waited}; stopping the task (--on-timeout leave keeps it running)"));
                outcome
                    .stop_all(&format!("ecs-ship: timed out after {waited}"))
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
                outcome
                    .stop_all(&format!("ecs-ship: interrupted by {}", signal.name()))
                    .await;
            }
            ("cancelled", Some(Error::Interrupted(signal)))
        }
    };
    if let Some(follower) = follower {
        outcome.log_tail = follower.finish().await;
    }
    if failure.is_none() {
        progress.say(format_args!(
            "✓ task succeeded in {}",
            human(started.elapsed())
        ));
    }
    Ok(outcome.report(result, failure))
}

fn run_task_request(
    context: &Context,
    args: &RunTaskArgs,
    plan: &Plan,
    cluster: &str,
    definition: &TaskDefinition,
    service: Option<&ServiceDescription>,
    overrides: Value,
) -> Value {
    let mut request = json!({
        "cluster": cluster,
        "taskDefinition": definition.arn(),
        "startedBy": args.started_by,
    });
    if overrides.as_object().is_some_and(|o| !o.is_empty()) {
        request["overrides"] = overrides;
    }
    // Explicit flags first, then what the service uses, so users need not copy its settings.
    if let Some(launch_type) = &args.launch_type {
        request["launchType"] = json!(launch_type);
    } else if let Some(strategy) = &plan.capacity_provider_strategy {
        request["capacityProviderStrategy"] = strategy.clone();
    } else if let Some(strategy) = service
        .and_then(|s| s.capacity_provider_strategy.clone())
        .filter(|s| s.as_array().is_some_and(|a| !a.is_empty()))
    {
        request["capacityProviderStrategy"] = strategy;
    } else if let Some(launch_type) = service.and_then(|s| s.launch_type.clone()) {
        request["launchType"] = json!(launch_type);
    }
    if let Some(version) = args
        .platform_version
        .clone()
        .or_else(|| service.and_then(|s| s.platform_version.clone()))
    {
        request["platformVersion"] = json!(version);
    }
    let mut network = service
        .and_then(|s| s.network_configuration.clone())
        .unwrap_or_else(|| json!({}));
    let vpc = &mut network["awsvpcConfiguration"];
    if !args.subnets.is_empty() {
        vpc["subnets"] = json!(args.subnets);
    }
    if !args.security_groups.is_empty() {
        vpc["securityGroups"] = json!(args.security_groups);
    }
    if let Some(assign) = args.assign_public_ip {
        vpc["assignPublicIp"] = json!(assign.as_aws());
    }
    if vpc.is_null() {
        network
            .as_object_mut()
            .expect("object")
            .remove("awsvpcConfiguration");
    }
    if network.as_object().is_some_and(|n| !n.is_empty()) {
        request["networkConfiguration"] = network;
    }
    context.progress.debug(format_args!(
        "RunTask launch settings: {}",
        launch_summary(&request)
    ));
    request
}

/// What `--dry-run` would have done: the revision it would register (as a diff against the one
/// it derives from) and the RunTask request. Only describe calls were made.
fn dry_run_report(
    context: &Context,
    base: &TaskDefinition,
    definition: &TaskDefinition,
    needs_registration: bool,
    mut request: Value,
) -> Report {
    let pretty = |d: &TaskDefinition| {
        serde_json::to_string_pretty(&d.registration()).expect("JSON values serialize")
    };
    let diff = needs_registration.then(|| diff::unified(&pretty(base), &pretty(definition), 3));
    if diff.is_some() {
        request["taskDefinition"] = json!(format!("{} (new revision)", definition.family()));
    }
    context
        .progress
        .say("dry run: nothing was registered or started");
    Report::of(CommandResult::RunTaskDryRun(RunTaskDryRun {
        command: "run-task",
        result: "dry_run",
        exit_code: 0,
        dry_run: true,
        from: base.arn().to_string(),
        family: definition.family().to_string(),
        task_definition: request["taskDefinition"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        registration: needs_registration.then(|| definition.registration()),
        diff,
        run_task: request,
    }))
}

fn launch_summary(request: &Value) -> String {
    let launch = request
        .get("launchType")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            request
                .get("capacityProviderStrategy")
                .map(|s| format!("capacity providers {s}"))
        })
        .unwrap_or_else(|| "cluster default capacity".into());
    let subnets = request["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
        .as_array()
        .map_or(0, Vec::len);
    format!("{launch}, {subnets} subnet(s)")
}

/// RunTask in batches of 10, each with its own client token so a retried request never starts
/// a second set of tasks.
async fn start_tasks(
    aws: &Aws,
    mut request: Value,
    count: u32,
) -> Result<(Vec<Task>, Vec<Failure>)> {
    let mut tasks = vec![];
    let mut failures = vec![];
    let mut left = count;
    while left > 0 {
        let batch = left.min(RUN_TASK_BATCH);
        request["count"] = json!(batch);
        request["clientToken"] = json!(client_token());
        let (started, refused) = aws.run_task(&request).await.map_err(|e| match e.kind() {
            ErrorKind::NotFound => Error::input_with_hint(
                format!(
                    "cluster `{}` not found in {}",
                    request["cluster"].as_str().unwrap_or_default(),
                    aws.region()
                ),
                "check --cluster and --region",
            ),
            ErrorKind::Refused => Error::input_with_hint(
                format!("ECS refused to run the task: {}", e.message),
                "check the network and launch settings",
            ),
            _ => e.into(),
        })?;
        tasks.extend(started);
        failures.extend(refused);
        left -= batch;
    }
    Ok((tasks, failures))
}

fn client_token() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
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

/// What run-task knows at the end, for stdout, JSON and notifications.
struct Outcome<'a> {
    context: &'a Context,
    aws: &'a Aws,
    cluster: &'a str,
    definition: &'a TaskDefinition,
    started: Instant,
    tasks: Vec<Task>,
    log_tail: Vec<String>,
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

    fn report(self, result: &str, failure: Option<Error>) -> Report {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_provider_strategy_shorthand() {
        let parsed = parse_capacity_provider_strategy(
            "provider=FARGATE_SPOT,weight=2,base=1 provider=FARGATE,weight=1",
        )
        .unwrap();
        assert_eq!(
            parsed,
            json!([{"capacityProvider": "FARGATE_SPOT", "weight": 2, "base": 1}, {"capacityProvider": "FARGATE", "weight": 1}])
        );
        assert!(parse_capacity_provider_strategy("weight=2").is_err());
        assert!(parse_capacity_provider_strategy("provider=X,weight=heavy").is_err());
    }

    #[test]
    fn json_argument_errors_carry_line_and_column() {
        let error = read_json_argument("{\n  \"containerOverrides\": [,]\n}", "--overrides")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("--overrides") && error.contains("line 2"),
            "{error}"
        );
    }
}
