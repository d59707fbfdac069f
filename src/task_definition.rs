//! Task definitions as ECS returns them, and revisions derived from them. Kept as JSON so every
//! field survives re-registration, including ones ECS adds after this was written.

use serde_json::{json, Map, Value};

use crate::aws::{Aws, ErrorKind};
use crate::error::Error;
use crate::render::progress::Progress;

/// Fields DescribeTaskDefinition (and DescribeDaemonTaskDefinition: a daemon task definition is
/// held the same way, see `crate::commands::deploy::daemons`) returns that
/// RegisterTaskDefinition (RegisterDaemonTaskDefinition) does not accept.
pub const READ_ONLY_FIELDS: [&str; 10] = [
    "taskDefinitionArn",
    "daemonTaskDefinitionArn",
    "deleteRequestedAt",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
];

/// Where a daemon task definition keeps its ARN.
pub const DAEMON_ARN: &str = "daemonTaskDefinitionArn";

#[derive(Debug, Clone, PartialEq)]
pub struct TaskDefinition {
    /// The `taskDefinition` object of DescribeTaskDefinition.
    pub json: Map<String, Value>,
    pub tags: Vec<Value>,
}

/// Where a container's `awslogs` driver writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsLogs {
    pub group: String,
    pub region: Option<String>,
    pub stream_prefix: Option<String>,
}

/// One change to a container's definition, parsed from a flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Image {
        container: String,
        image: String,
    },
    SetEnv {
        container: String,
        key: String,
        value: String,
    },
    UnsetEnv {
        container: String,
        key: String,
    },
    Secret {
        container: String,
        name: String,
        value_from: String,
    },
}

impl Change {
    pub fn container(&self) -> &str {
        match self {
            Change::Image { container, .. }
            | Change::SetEnv { container, .. }
            | Change::UnsetEnv { container, .. }
            | Change::Secret { container, .. } => container,
        }
    }

    /// `--image CONTAINER=IMAGE`, the image checked as the OCI distribution spec reads it.
    pub fn image(spec: &str) -> Result<Self, Error> {
        match spec.split_once('=') {
            Some((container, image)) if !container.is_empty() && !image.is_empty() => {
                crate::image_reference::check(image)
                    .map_err(|why| Error::Usage(format!("--image `{spec}`: {why}")))?;
                Ok(Change::Image {
                    container: container.into(),
                    image: image.into(),
                })
            }
            _ => Err(Error::input_with_hint(
                format!("--image `{spec}` is not CONTAINER=IMAGE"),
                "e.g. --image app=123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v42",
            )),
        }
    }

    /// `--set-env CONTAINER:KEY=VALUE`
    pub fn set_env(spec: &str) -> Result<Self, Error> {
        if let Some((_, rest)) = spec.split_once(':') {
            crate::checks::env_name(rest.split('=').next().unwrap_or_default(), "--set-env")?;
        }
        let parsed = spec.split_once(':').and_then(|(container, rest)| {
            let (key, value) = rest.split_once('=')?;
            (!container.is_empty() && !key.is_empty()).then(|| Change::SetEnv {
                container: container.into(),
                key: key.into(),
                value: value.into(),
            })
        });
        parsed.ok_or_else(|| {
            Error::input_with_hint(
                format!("--set-env `{spec}` is not CONTAINER:KEY=VALUE"),
                "e.g. --set-env app:RAILS_ENV=production",
            )
        })
    }

    /// `--unset-env CONTAINER:KEY`
    pub fn unset_env(spec: &str) -> Result<Self, Error> {
        match spec.split_once(':') {
            Some((container, key))
                if !container.is_empty() && !key.is_empty() && !key.contains('=') =>
            {
                crate::checks::env_name(key, "--unset-env")?;
                Ok(Change::UnsetEnv {
                    container: container.into(),
                    key: key.into(),
                })
            }
            _ => Err(Error::input_with_hint(
                format!("--unset-env `{spec}` is not CONTAINER:KEY"),
                "e.g. --unset-env app:DEBUG",
            )),
        }
    }

    /// `--secret CONTAINER:NAME=VALUE_FROM`. The error never repeats the value.
    pub fn secret(spec: &str) -> Result<Self, Error> {
        if let Some((_, rest)) = spec.split_once(':') {
            crate::checks::env_name(rest.split('=').next().unwrap_or_default(), "--secret")?;
        }
        let parsed = spec.split_once(':').and_then(|(container, rest)| {
            let (name, value_from) = rest.split_once('=')?;
            (!container.is_empty() && !name.is_empty() && !value_from.is_empty()).then(|| {
                Change::Secret {
                    container: container.into(),
                    name: name.into(),
                    value_from: value_from.into(),
                }
            })
        });
        parsed.ok_or_else(|| {
            Error::input_with_hint(
                "a --secret is not CONTAINER:NAME=VALUE_FROM",
                "e.g. --secret app:DATABASE_URL=arn:aws:ssm:us-east-1:123456789012:parameter/prod/db",
            )
        })
    }
}

impl TaskDefinition {
    /// From a DescribeTaskDefinition response.
    pub fn from_response(mut response: Value) -> Result<Self, Error> {
        let json = match response.get_mut("taskDefinition").map(Value::take) {
            Some(Value::Object(json)) => json,
            _ => {
                return Err(Error::Other(
                    "DescribeTaskDefinition returned no taskDefinition".into(),
                ))
            }
        };
        let tags = match response.get_mut("tags").map(Value::take) {
            Some(Value::Array(tags)) => tags,
            _ => vec![],
        };
        Ok(TaskDefinition { json, tags })
    }

    pub fn arn(&self) -> &str {
        self.json
            .get("taskDefinitionArn")
            .or_else(|| self.json.get(DAEMON_ARN))
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// A daemon task definition (its own resource type in ECS, with its own calls).
    pub fn is_daemon(&self) -> bool {
        self.json.contains_key(DAEMON_ARN)
    }

    pub fn family(&self) -> &str {
        self.json
            .get("family")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// `family:revision`, the short form people read.
    pub fn name(&self) -> String {
        crate::ecs::arn_name(self.arn()).to_string()
    }

    pub fn containers(&self) -> impl Iterator<Item = &Map<String, Value>> {
        self.json
            .get("containerDefinitions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
    }

    pub fn container_names(&self) -> Vec<String> {
        self.containers()
            .filter_map(|c| c.get("name")?.as_str().map(str::to_string))
            .collect()
    }

    /// Essential containers in task-definition order (`essential` defaults to true).
    pub fn essential_containers(&self) -> Vec<String> {
        self.containers()
            .filter(|c| c.get("essential").and_then(Value::as_bool).unwrap_or(true))
            .filter_map(|c| c.get("name")?.as_str().map(str::to_string))
            .collect()
    }

    /// Errors unless `name` is a container of this definition; `flag` says where the name came from.
    pub fn require_container(&self, name: &str, flag: &str) -> Result<(), Error> {
        let names = self.container_names();
        if names.iter().any(|n| n == name) {
            return Ok(());
        }
        Err(Error::input_with_hint(
            format!(
                "{flag} names container `{name}`, which task definition {} does not have",
                self.name()
            ),
            format!("its containers are: {}", names.join(", ")),
        ))
    }

    /// `--container`, else the only essential container.
    pub fn watched_container(&self, explicit: Option<&str>) -> Result<Option<String>, Error> {
        if let Some(name) = explicit {
            self.require_container(name, "--container")?;
            return Ok(Some(name.to_string()));
        }
        let essential = self.essential_containers();
        Ok(match essential.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        })
    }

    pub fn awslogs(&self, container: &str) -> Option<AwsLogs> {
        let definition = self
            .containers()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(container))?;
        let config = definition.get("logConfiguration")?;
        if config.get("logDriver")?.as_str()? != "awslogs" {
            return None;
        }
        let options = config.get("options")?;
        let option = |key: &str| options.get(key).and_then(Value::as_str).map(str::to_string);
        Some(AwsLogs {
            group: option("awslogs-group")?,
            region: option("awslogs-region"),
            stream_prefix: option("awslogs-stream-prefix"),
        })
    }

    /// The RegisterTaskDefinition input that recreates this revision.
    pub fn registration(&self) -> Value {
        let mut input = self.json.clone();
        // shift_remove keeps the other fields in their order (remove would swap the last in).
        for field in READ_ONLY_FIELDS {
            input.shift_remove(field);
        }
        if !self.tags.is_empty() {
            input.insert("tags".into(), Value::Array(self.tags.clone()));
        }
        Value::Object(input)
    }

    /// Applies a change to the named container.
    pub fn apply(&mut self, change: &Change) -> Result<(), Error> {
        let flag = match change {
            Change::Image { .. } => "--image",
            Change::SetEnv { .. } => "--set-env",
            Change::UnsetEnv { .. } => "--unset-env",
            Change::Secret { .. } => "--secret",
        };
        self.require_container(change.container(), flag)?;
        let container = self
            .json
            .get_mut("containerDefinitions")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object_mut)
            .find(|c| c.get("name").and_then(Value::as_str) == Some(change.container()))
            .expect("container exists: checked above");
        match change {
            Change::Image { image, .. } => {
                container.insert("image".into(), Value::String(image.clone()));
            }
            Change::SetEnv { key, value, .. } => {
                upsert_named(container, "environment", key, "value", value)
            }
            Change::UnsetEnv { key, .. } => {
                if let Some(list) = container
                    .get_mut("environment")
                    .and_then(Value::as_array_mut)
                {
                    list.retain(|entry| entry.get("name").and_then(Value::as_str) != Some(key));
                }
            }
            Change::Secret {
                name, value_from, ..
            } => upsert_named(container, "secrets", name, "valueFrom", value_from),
        }
        Ok(())
    }

    pub fn image(&self, container: &str) -> Option<&str> {
        self.containers()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(container))?
            .get("image")?
            .as_str()
    }
}

/// Sets `{"name": name, value_key: value}` in the list `field`, replacing an entry of that name.
fn upsert_named(
    container: &mut Map<String, Value>,
    field: &str,
    name: &str,
    value_key: &str,
    value: &str,
) {
    let list = container
        .entry(field)
        .or_insert_with(|| Value::Array(vec![]));
    if !list.is_array() {
        *list = Value::Array(vec![]);
    }
    let list = list.as_array_mut().expect("made an array above");
    let entry = json!({ "name": name, value_key: value });
    match list
        .iter_mut()
        .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
    {
        Some(existing) => *existing = entry,
        None => list.push(entry),
    }
}

/// DescribeTaskDefinition (with tags) for `FAMILY[:REV]` or an ARN.
pub async fn describe(aws: &Aws, reference: &str) -> Result<TaskDefinition, Error> {
    match latest(aws, reference).await? {
        Some(definition) => Ok(definition),
        None => Err(Error::input_with_hint(
            format!(
                "task definition `{reference}` not found in {}",
                aws.region()
            ),
            "check --task-definition (FAMILY, FAMILY:REVISION or ARN) and --region",
        )),
    }
}

/// The revision `reference` names (a bare family: its latest ACTIVE one), or `None` when ECS
/// does not know it (a family not registered yet; ECS says so with a ClientException).
pub async fn latest(aws: &Aws, reference: &str) -> Result<Option<TaskDefinition>, Error> {
    match aws.describe_task_definition(reference).await {
        Ok(response) => TaskDefinition::from_response(response).map(Some),
        Err(e) if e.kind() == ErrorKind::Refused => Ok(None),
        Err(e) => Err(e.into()),
    }
}

impl TaskDefinition {
    /// Equal as task definitions: ECS fills in empty lists and objects a hand-written file
    /// leaves out, so those do not count as differences.
    pub fn same_registration(&self, other: &TaskDefinition) -> bool {
        fn prune(value: &Value) -> Option<Value> {
            match value {
                Value::Null => None,
                Value::Array(items) => {
                    let items: Vec<Value> = items.iter().filter_map(prune).collect();
                    (!items.is_empty()).then_some(Value::Array(items))
                }
                Value::Object(map) => {
                    let map: Map<String, Value> = map
                        .iter()
                        .filter_map(|(k, v)| prune(v).map(|v| (k.clone(), v)))
                        .collect();
                    (!map.is_empty()).then_some(Value::Object(map))
                }
                other => Some(other.clone()),
            }
        }
        prune(&self.registration()) == prune(&other.registration())
    }
}

pub async fn register(aws: &Aws, derived: &TaskDefinition) -> Result<TaskDefinition, Error> {
    let response = aws
        .register_task_definition(&derived.registration())
        .await
        .map_err(|e| match e.kind() {
            ErrorKind::Refused => Error::input(format!(
                "ECS refused to register task definition {}: {}",
                derived.family(),
                e.message
            )),
            _ => e.into(),
        })?;
    TaskDefinition::from_response(response)
}

/// Registers `derived` unless the family's latest revision is already the same, in which case
/// that one is reused: `run-task --image X` then `deploy --image X` share one revision.
pub async fn register_or_reuse(
    aws: &Aws,
    derived: &TaskDefinition,
    progress: &Progress,
) -> Result<TaskDefinition, Error> {
    if let Some(latest) = latest(aws, derived.family()).await? {
        if latest.same_registration(derived) {
            progress.say(format_args!(
                "task definition {} already has these settings; reusing it",
                latest.name()
            ));
            return Ok(latest);
        }
    }
    let registered = register(aws, derived).await?;
    progress.say(format_args!(
        "registered task definition {}",
        registered.name()
    ));
    Ok(registered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rich() -> TaskDefinition {
        TaskDefinition::from_response(json!({
            "taskDefinition": {
                "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
                "family": "web", "revision": 7, "status": "ACTIVE",
                "registeredAt": 1700000000.0, "registeredBy": "arn:aws:iam::123456789012:user/ci",
                "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}],
                "compatibilities": ["EC2", "FARGATE"],
                "networkMode": "awsvpc", "cpu": "256", "memory": "512",
                "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
                "ephemeralStorage": {"sizeInGiB": 30},
                "proxyConfiguration": {"type": "APPMESH", "containerName": "envoy", "properties": []},
                "volumes": [{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}],
                "someFieldFromTheFuture": {"nested": [1, 2, 3]},
                "containerDefinitions": [
                    {"name": "app", "image": "repo/app:old", "essential": true,
                     "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                     "logConfiguration": {"logDriver": "awslogs", "options": {
                        "awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}}},
                    {"name": "envoy", "image": "envoy:1", "essential": false}
                ]
            },
            "tags": [{"key": "team", "value": "payments"}]
        }))
        .unwrap()
    }

    #[test]
    fn registration_drops_exactly_the_read_only_fields_and_keeps_tags() {
        let input = rich().registration();
        for field in READ_ONLY_FIELDS {
            assert!(input.get(field).is_none(), "{field} kept");
        }
        for field in [
            "runtimePlatform",
            "ephemeralStorage",
            "proxyConfiguration",
            "volumes",
            "someFieldFromTheFuture",
            "cpu",
        ] {
            assert_eq!(input[field], rich().json[field], "{field} lost");
        }
        assert_eq!(input["tags"], json!([{"key": "team", "value": "payments"}]));
    }

    #[test]
    fn image_change_touches_only_the_image() {
        let image = format!("repo/app@sha256:{}", "ab".repeat(32));
        let mut derived = rich();
        derived
            .apply(&Change::image(&format!("app={image}")).unwrap())
            .unwrap();
        let mut before = rich().registration();
        let after = derived.registration();
        before["containerDefinitions"][0]["image"] = json!(image);
        assert_eq!(before, after);
    }

    #[test]
    fn env_and_secret_changes_replace_by_name() {
        let mut derived = rich();
        derived.apply(&Change::set_env("app:B=3").unwrap()).unwrap();
        derived
            .apply(&Change::set_env("app:C=x=y").unwrap())
            .unwrap();
        derived.apply(&Change::unset_env("app:A").unwrap()).unwrap();
        derived
            .apply(&Change::secret("app:DB=arn:aws:ssm:::parameter/db").unwrap())
            .unwrap();
        let app = &derived.json["containerDefinitions"][0];
        assert_eq!(
            app["environment"],
            json!([{"name": "B", "value": "3"}, {"name": "C", "value": "x=y"}])
        );
        assert_eq!(
            app["secrets"],
            json!([{"name": "DB", "valueFrom": "arn:aws:ssm:::parameter/db"}])
        );
    }

    #[test]
    fn unknown_container_is_named_with_the_ones_there() {
        let error = rich()
            .apply(&Change::image("worker=x").unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("--image") && error.contains("`worker`") && error.contains("app, envoy"),
            "{error}"
        );
    }

    #[test]
    fn malformed_specs_are_rejected() {
        assert!(Change::image("no-equals").is_err());
        assert!(Change::set_env("app=KEY").is_err());
        assert!(Change::unset_env("app:K=V").is_err());
        let error = Change::secret("app:DB_PASSWORD").unwrap_err().to_string();
        assert!(!error.contains("DB_PASSWORD"), "{error}");
    }

    #[test]
    fn watched_container_is_the_only_essential_one() {
        assert_eq!(rich().watched_container(None).unwrap(), Some("app".into()));
        assert!(rich().watched_container(Some("nope")).is_err());
        assert_eq!(rich().essential_containers(), ["app"]);
    }

    #[test]
    fn reads_awslogs_options() {
        let logs = rich().awslogs("app").unwrap();
        assert_eq!(logs.group, "/ecs/web");
        assert_eq!(logs.stream_prefix.as_deref(), Some("ecs"));
        assert!(rich().awslogs("envoy").is_none());
    }

    #[test]
    fn empty_lists_do_not_make_a_file_definition_differ() {
        let live = TaskDefinition {
            json: serde_json::from_value(json!({
                "family": "web", "revision": 3, "status": "ACTIVE",
                "containerDefinitions": [{"name": "app", "image": "a:1", "cpu": 0, "environment": [], "mountPoints": [], "volumesFrom": []}],
                "volumes": [], "placementConstraints": []
            }))
            .unwrap(),
            tags: vec![],
        };
        let file = TaskDefinition {
            json: serde_json::from_value(json!({
                "family": "web",
                "containerDefinitions": [{"name": "app", "image": "a:1", "cpu": 0}]
            }))
            .unwrap(),
            tags: vec![],
        };
        assert!(live.same_registration(&file));
        let mut changed = file.clone();
        changed.apply(&Change::image("app=a:2").unwrap()).unwrap();
        assert!(!live.same_registration(&changed));
    }
}
