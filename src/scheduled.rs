//! Scheduled tasks that follow a deploy: the ECS targets of EventBridge rules (`--rule
//! [BUS/]NAME`) and EventBridge Scheduler schedules (`--schedule [GROUP/]NAME`). `deploy` moves
//! them; `prune` reads them to keep the revisions they run.
//!
//! Everything is read first (every page of every rule's targets, every schedule), so a missing
//! rule or schedule ends the run before anything changed. Each target keeps the JSON AWS sent;
//! moving it changes one field, `EcsParameters.TaskDefinitionArn`, and writes the rest back as
//! read: PutTargets with the changed ECS targets of a rule only, UpdateSchedule with every field
//! of the schedule (State included, so a DISABLED schedule stays disabled).

use serde_json::{Map, Value};

use crate::aws::{Aws, AwsError, ErrorKind, SCHEDULE_READ_ONLY_FIELDS};
use crate::ecs::arn_name;
use crate::error::{Error, Result};
use crate::output::{ScheduleKind as Kind, ScheduledTarget, TargetResult};
use crate::render::progress::Progress;
use crate::task_definition::TaskDefinition;

/// The event bus and schedule group used when a name gives none.
pub const DEFAULT_GROUP: &str = "default";
/// PutTargets takes at most this many targets a call.
const PUT_TARGETS_MAX: usize = 10;

/// `[BUS/]NAME` of a rule or `[GROUP/]NAME` of a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub kind: Kind,
    /// The event bus (name or ARN) of a rule, the group of a schedule.
    pub group: String,
    pub name: String,
}

impl Reference {
    /// Split at the last `/`: rule and schedule names cannot contain one, a bus ARN does.
    fn parse(kind: Kind, spec: &str) -> Result<Self> {
        let spec = spec.trim();
        let (group, name) = match spec.rsplit_once('/') {
            Some((group, name)) => (group, name),
            None => (DEFAULT_GROUP, spec),
        };
        if group.is_empty() || name.is_empty() || name.chars().any(char::is_whitespace) {
            let (flag, example) = match kind {
                Kind::Rule => (
                    "--rule",
                    "--rule nightly-report or --rule orders-bus/nightly-report",
                ),
                Kind::Schedule => (
                    "--schedule",
                    "--schedule nightly or --schedule batch/nightly",
                ),
            };
            return Err(Error::input_with_hint(
                format!("{flag} `{spec}` is not {}", kind.shape()),
                format!("e.g. {example}"),
            ));
        }
        Ok(Reference {
            kind,
            group: group.to_string(),
            name: name.to_string(),
        })
    }

    /// `default/nightly`, as people write it.
    pub fn path(&self) -> String {
        format!("{}/{}", self.group, self.name)
    }
}

impl Kind {
    fn shape(self) -> &'static str {
        match self {
            Kind::Rule => "[BUS/]NAME",
            Kind::Schedule => "[GROUP/]NAME",
        }
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind.word(), self.path())
    }
}

/// `--rule` and `--schedule` values checked, empty ones dropped, each named once.
pub fn references(rules: &[String], schedules: &[String]) -> Result<Vec<Reference>> {
    let mut references: Vec<Reference> = vec![];
    let given = rules
        .iter()
        .map(|spec| (Kind::Rule, spec))
        .chain(schedules.iter().map(|spec| (Kind::Schedule, spec)));
    for (kind, spec) in given {
        if spec.trim().is_empty() {
            continue;
        }
        let reference = Reference::parse(kind, spec)?;
        if !references.contains(&reference) {
            references.push(reference);
        }
    }
    Ok(references)
}

/// One ECS task a rule or a schedule starts.
#[derive(Debug, Clone)]
pub struct Target {
    pub source: Reference,
    /// The rule target's `Id`; none for a schedule (it has one target).
    pub id: Option<String>,
    /// `EcsParameters.TaskDefinitionArn` as read.
    pub task_definition: String,
    /// The rule target, or the whole schedule, as AWS sent it.
    json: Map<String, Value>,
}

impl Target {
    /// `rule default/nightly target report-job` / `schedule batch/reports`.
    pub fn label(&self) -> String {
        match &self.id {
            Some(id) => format!("{} target {id}", self.source),
            None => self.source.to_string(),
        }
    }

    /// The JSON to write back: as read, with only the task definition changed (and, for a
    /// schedule, the fields UpdateSchedule does not take dropped).
    fn moved_to(&self, task_definition: &str) -> Map<String, Value> {
        let mut json = self.json.clone();
        let target = match self.source.kind {
            Kind::Rule => &mut json,
            Kind::Schedule => json
                .get_mut("Target")
                .and_then(Value::as_object_mut)
                .expect("a schedule's ECS target was checked when read"),
        };
        target
            .get_mut("EcsParameters")
            .and_then(Value::as_object_mut)
            .expect("an ECS target was checked when read")
            .insert(
                "TaskDefinitionArn".into(),
                Value::String(task_definition.to_string()),
            );
        if self.source.kind == Kind::Schedule {
            for field in SCHEDULE_READ_ONLY_FIELDS {
                json.shift_remove(field);
            }
            json.insert("GroupName".into(), Value::String(self.source.group.clone()));
        }
        json
    }
}

fn ecs_task_definition(target: &Map<String, Value>) -> Option<String> {
    target
        .get("EcsParameters")?
        .get("TaskDefinitionArn")?
        .as_str()
        .map(str::to_string)
}

/// Reads every rule's targets (every page) and every schedule. A rule or schedule that does not
/// exist, or has no ECS target, is an error naming it.
pub async fn read(aws: &Aws, references: &[Reference], progress: &Progress) -> Result<Vec<Target>> {
    let mut targets = vec![];
    for reference in references {
        let not_found = |message: &str| {
            Error::input_with_hint(
                format!("{reference} not found in {}: {message}", aws.region()),
                match reference.kind {
                    Kind::Rule => "check --rule [BUS/]NAME (the bus defaults to `default`) and --region",
                    Kind::Schedule => {
                        "check --schedule [GROUP/]NAME (the group defaults to `default`) and --region"
                    }
                },
            )
        };
        let refused = |e: AwsError| match e.kind() {
            ErrorKind::NotFound => not_found(&e.message),
            _ => e.into(),
        };
        let found: Vec<Target> = match reference.kind {
            Kind::Rule => {
                let listed = aws
                    .list_targets_by_rule(&reference.group, &reference.name)
                    .await
                    .map_err(refused)?;
                let all = listed.len();
                let ecs: Vec<Target> = listed
                    .into_iter()
                    .filter_map(|target| match target {
                        Value::Object(json) => Some(json),
                        _ => None,
                    })
                    .filter_map(|json| {
                        Some(Target {
                            source: reference.clone(),
                            id: json.get("Id").and_then(Value::as_str).map(str::to_string),
                            task_definition: ecs_task_definition(&json)?,
                            json,
                        })
                    })
                    .collect();
                progress.say(format_args!(
                    "{reference}: {all} target(s), {} of them ECS tasks",
                    ecs.len()
                ));
                ecs
            }
            Kind::Schedule => {
                let json = aws
                    .get_schedule(&reference.group, &reference.name)
                    .await
                    .map_err(refused)?;
                let task_definition = json
                    .get("Target")
                    .and_then(Value::as_object)
                    .and_then(ecs_task_definition);
                task_definition
                    .map(|task_definition| Target {
                        source: reference.clone(),
                        id: None,
                        task_definition,
                        json,
                    })
                    .into_iter()
                    .collect()
            }
        };
        if found.is_empty() {
            return Err(Error::input(format!(
                "{reference} has no ECS task target: nothing to move to the new revision"
            )));
        }
        targets.extend(found);
    }
    Ok(targets)
}

/// The family of `FAMILY[:REV]` or a task-definition ARN.
pub fn family_of(reference: &str) -> &str {
    let name = reference
        .rsplit_once("task-definition/")
        .map_or(reference, |(_, name)| name);
    name.split(':').next().unwrap_or(name)
}

/// The task definition each target's revision is derived from, one per family: a target of a
/// family already in `keys` (a service's) shares that key, so one revision per family per run.
/// With a given task definition or file (`given`: its key and family), every target must be of
/// that family and moves to it.
pub fn keys(
    targets: &[Target],
    keys: &mut Vec<String>,
    given: Option<(String, String)>,
) -> Result<Vec<String>> {
    let mut target_keys = vec![];
    for target in targets {
        let family = family_of(&target.task_definition);
        let key = match &given {
            Some((key, given_family)) if given_family == family => key.clone(),
            Some((_, given_family)) => {
                return Err(Error::input_with_hint(
                    format!(
                        "{} runs task definition family `{family}`, not `{given_family}`, the one --task-definition / --task-definition-file deploys",
                        target.label()
                    ),
                    "without --task-definition(-file), each target gets a revision derived from its own task definition",
                ))
            }
            None => keys
                .iter()
                .find(|key| family_of(key) == family)
                .cloned()
                .unwrap_or_else(|| target.task_definition.clone()),
        };
        if !keys.contains(&key) {
            keys.push(key.clone());
        }
        target_keys.push(key);
    }
    Ok(target_keys)
}

/// A target whose task definition has none of the containers the flags name would not change:
/// its cron job would keep running the old image. That is an error naming it, before anything
/// changed. `named`: (container, flag) of every change.
pub fn check_containers(
    targets: &[Target],
    bases: &[&TaskDefinition],
    named: &[(&str, &'static str)],
) -> Result<()> {
    let Some((container, flag)) = named.first() else {
        return Ok(());
    };
    for (target, base) in targets.iter().zip(bases) {
        let names = base.container_names();
        if !named.iter().any(|(c, _)| names.iter().any(|n| n == c)) {
            return Err(Error::input_with_hint(
                format!(
                    "{} runs task definition {}, which has no container `{container}` ({flag} names it)",
                    target.label(),
                    base.name()
                ),
                format!(
                    "its containers are: {}; drop the --rule/--schedule or name its container",
                    names.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// The targets and the revision each moves to, and what became of them.
pub struct Moves {
    targets: Vec<Target>,
    results: Vec<ScheduledTarget>,
    done: bool,
}

impl Moves {
    /// `arns[i]`: the revision target `i` moves to.
    pub fn new(targets: Vec<Target>, arns: Vec<String>) -> Self {
        let results = targets
            .iter()
            .zip(arns)
            .map(|(target, arn)| ScheduledTarget {
                kind: target.source.kind,
                name: target.source.path(),
                target_id: target.id.clone(),
                previous_task_definition: target.task_definition.clone(),
                result: if arn == target.task_definition {
                    TargetResult::Unchanged
                } else {
                    TargetResult::NotMoved
                },
                task_definition: arn,
                reason: None,
                state: target
                    .json
                    .get("State")
                    .filter(|_| target.source.kind == Kind::Schedule)
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
            .collect();
        Moves {
            targets,
            results,
            done: false,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// The dry run's targets: each with the revision it would move to.
    pub fn dry_run(mut self) -> Option<Vec<ScheduledTarget>> {
        for moved in &mut self.results {
            if moved.result == TargetResult::NotMoved {
                moved.result = TargetResult::WouldMove;
            }
        }
        self.results()
    }

    /// Moves every target that is not on its revision yet: PutTargets per rule with its changed
    /// ECS targets only (10 a call), one UpdateSchedule per schedule. Keeps going after a
    /// failure; the error names each target that failed and why.
    pub async fn apply(&mut self, aws: &Aws, progress: &Progress) -> Option<Error> {
        self.done = true;
        let mut failures = vec![];
        let mut index = 0;
        while index < self.targets.len() {
            let source = self.targets[index].source.clone();
            // A rule's targets are consecutive (read rule by rule).
            let end = index
                + self.targets[index..]
                    .iter()
                    .take_while(|t| t.source == source)
                    .count();
            let pending: Vec<usize> = (index..end)
                .filter(|&i| self.results[i].result == TargetResult::NotMoved)
                .collect();
            index = end;
            for batch in pending.chunks(PUT_TARGETS_MAX) {
                let refused = match self.write(aws, &source, batch).await {
                    Ok(refused) => refused,
                    Err(reason) => batch.iter().map(|&i| (i, reason.clone())).collect(),
                };
                for &i in batch {
                    let label = self.targets[i].label();
                    let moved = &mut self.results[i];
                    match refused.iter().find(|(at, _)| *at == i) {
                        Some((_, reason)) => {
                            moved.result = TargetResult::Failed;
                            moved.reason = Some(reason.clone());
                            progress.warn(format_args!("✗ {label} not moved: {reason}"));
                            failures.push(format!("{label}: {reason}"));
                        }
                        None => {
                            moved.result = TargetResult::Moved;
                            progress.say(format_args!(
                                "✓ {label}: {} → {}{}",
                                arn_name(&moved.previous_task_definition),
                                arn_name(&moved.task_definition),
                                match moved.state.as_deref() {
                                    Some("DISABLED") => " (still DISABLED)",
                                    _ => "",
                                }
                            ));
                        }
                    }
                }
            }
        }
        (!failures.is_empty()).then(|| {
            Error::Other(format!(
                "scheduled task(s) not moved to the new revision: {}",
                failures.join("; ")
            ))
        })
    }

    /// One PutTargets (the `batch` of one rule's targets) or UpdateSchedule: the targets AWS
    /// refused, with the reason; `Err` when the call itself failed.
    async fn write(
        &self,
        aws: &Aws,
        source: &Reference,
        batch: &[usize],
    ) -> std::result::Result<Vec<(usize, String)>, String> {
        let body = |i: usize| self.targets[i].moved_to(&self.results[i].task_definition);
        match source.kind {
            Kind::Rule => {
                let bodies: Vec<Value> = batch.iter().map(|&i| Value::Object(body(i))).collect();
                let refused = aws
                    .put_targets(&source.group, &source.name, &bodies)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(refused
                    .into_iter()
                    .map(|failed| {
                        let at = batch
                            .iter()
                            .copied()
                            .find(|&i| self.targets[i].id.as_deref() == Some(&failed.id))
                            .unwrap_or(batch[0]);
                        let reason = match (failed.code.is_empty(), failed.message.is_empty()) {
                            (false, false) => format!("{}: {}", failed.code, failed.message),
                            (false, true) => failed.code,
                            _ => failed.message,
                        };
                        (at, reason)
                    })
                    .collect())
            }
            Kind::Schedule => {
                let i = batch[0];
                aws.update_schedule(&source.name, &body(i))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(vec![])
            }
        }
    }

    /// After the services: moves the targets when the deploy succeeded (unless they moved
    /// first), else leaves them on their revision and says so. The deploy's own failure wins.
    pub async fn after_deploy(
        &mut self,
        aws: &Aws,
        progress: &Progress,
        failure: Option<Error>,
    ) -> Option<Error> {
        if self.done || self.is_empty() {
            return failure;
        }
        if let Some(failure) = failure {
            let staying = self
                .results
                .iter()
                .filter(|m| m.result == TargetResult::NotMoved)
                .count();
            if staying > 0 {
                progress.say(format_args!(
                    "{staying} scheduled task(s) stay on their task definition: the deploy did not succeed"
                ));
            }
            for moved in &mut self.results {
                if moved.result == TargetResult::NotMoved {
                    moved.reason = Some("the service deployment did not succeed".into());
                }
            }
            return Some(failure);
        }
        self.apply(aws, progress).await
    }

    /// The targets as the deploy result's `scheduled_targets` (none when nothing was named).
    pub fn results(&self) -> Option<Vec<ScheduledTarget>> {
        (!self.is_empty()).then(|| self.results.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_split_at_the_last_slash_with_default_bus_and_group() {
        let refs = references(
            &[
                "nightly".into(),
                "orders/hourly".into(),
                "arn:aws:events:us-east-1:123456789012:event-bus/orders/weekly".into(),
                "nightly".into(),
                " ".into(),
            ],
            &["batch/reports".into(), "cleanup".into()],
        )
        .unwrap();
        let shown: Vec<String> = refs.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "rule default/nightly",
                "rule orders/hourly",
                "rule arn:aws:events:us-east-1:123456789012:event-bus/orders/weekly",
                "schedule batch/reports",
                "schedule default/cleanup",
            ]
        );
        assert_eq!(refs[2].name, "weekly");
    }

    #[test]
    fn malformed_names_are_rejected_naming_the_flag() {
        for (rules, schedules, needle) in [
            (vec!["orders/".to_string()], vec![], "--rule `orders/`"),
            (vec!["/nightly".to_string()], vec![], "--rule"),
            (vec![], vec!["batch/two words".to_string()], "--schedule"),
        ] {
            let error = references(&rules, &schedules).unwrap_err().to_string();
            assert!(error.contains(needle), "{error}");
        }
    }

    #[test]
    fn family_of_names_and_arns() {
        assert_eq!(family_of("web"), "web");
        assert_eq!(family_of("web:7"), "web");
        assert_eq!(
            family_of("arn:aws:ecs:us-east-1:123456789012:task-definition/batch:3"),
            "batch"
        );
        assert_eq!(family_of("file:td.json"), "file");
    }

    fn rule_target(td: &str) -> Target {
        Target {
            source: Reference::parse(Kind::Rule, "nightly").unwrap(),
            id: Some("job".into()),
            task_definition: td.into(),
            json: json!({"Id": "job", "Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
                "Input": "{\"containerOverrides\":[]}",
                "EcsParameters": {"TaskDefinitionArn": td, "TaskCount": 1, "SomethingNew": [1]}})
            .as_object()
            .unwrap()
            .clone(),
        }
    }

    #[test]
    fn a_target_of_the_service_family_shares_its_key() {
        let service = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7".to_string();
        let mut all = vec![service.clone()];
        let targets = [
            rule_target("arn:aws:ecs:us-east-1:123456789012:task-definition/web:5"),
            rule_target("arn:aws:ecs:us-east-1:123456789012:task-definition/batch:3"),
            rule_target("arn:aws:ecs:us-east-1:123456789012:task-definition/batch:2"),
        ];
        let target_keys = keys(&targets, &mut all, None).unwrap();
        assert_eq!(target_keys[0], service);
        assert_eq!(target_keys[1], target_keys[2]);
        assert_eq!(all.len(), 2, "{all:?}");
        let error = keys(&targets, &mut vec![], Some(("web:9".into(), "web".into())))
            .unwrap_err()
            .to_string();
        assert!(error.contains("`batch`"), "{error}");
    }

    #[test]
    fn moving_changes_only_the_task_definition() {
        let target = rule_target("arn:aws:ecs:us-east-1:123456789012:task-definition/web:7");
        let moved = target.moved_to("arn:aws:ecs:us-east-1:123456789012:task-definition/web:8");
        let mut expected = target.json.clone();
        expected["EcsParameters"]["TaskDefinitionArn"] =
            json!("arn:aws:ecs:us-east-1:123456789012:task-definition/web:8");
        assert_eq!(moved, expected);
    }

    #[test]
    fn a_moved_schedule_drops_only_read_only_fields_and_keeps_its_state() {
        let target = Target {
            source: Reference::parse(Kind::Schedule, "batch/reports").unwrap(),
            id: None,
            task_definition: "web:7".into(),
            json: json!({"Arn": "arn:aws:scheduler:::schedule/batch/reports", "Name": "reports",
                "GroupName": "batch", "State": "DISABLED", "CreationDate": 1.7e9, "LastModificationDate": 1.7e9,
                "ScheduleExpression": "cron(0 3 * * ? *)", "FlexibleTimeWindow": {"Mode": "OFF"},
                "Target": {"Arn": "arn:aws:ecs:::cluster/prod", "RoleArn": "r", "EcsParameters": {"TaskDefinitionArn": "web:7"}}})
            .as_object()
            .unwrap()
            .clone(),
        };
        let moved = target.moved_to("web:8");
        assert_eq!(
            Value::Object(moved),
            json!({"GroupName": "batch", "State": "DISABLED",
                "ScheduleExpression": "cron(0 3 * * ? *)", "FlexibleTimeWindow": {"Mode": "OFF"},
                "Target": {"Arn": "arn:aws:ecs:::cluster/prod", "RoleArn": "r", "EcsParameters": {"TaskDefinitionArn": "web:8"}}})
        );
    }
}
