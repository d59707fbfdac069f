//! Express services (DescribeExpressGatewayService, UpdateExpressGatewayService). The
//! configuration is kept as the JSON ECS sent and written back through `raw.rs`, so a field of
//! the primary container, the scaling target or the network this SDK version does not know
//! survives an update.

use bytes::Bytes;
use serde::Serialize;
use serde_json::{Map, Value};

use super::raw::{replace_body, RawResponse};
use super::{Aws, AwsError, Service};
use crate::ecs::{Endpoint, ExpressService};

/// The fields of UpdateExpressGatewayService that come from the configuration: ECS resets one
/// a request leaves out (a task role dropped, the health check path back to its default), so
/// every one is sent as read.
const KEPT: [&str; 9] = [
    "executionRoleArn",
    "taskRoleArn",
    "cpu",
    "memory",
    "cpuArchitecture",
    "healthCheckPath",
    "networkConfiguration",
    "scalingTarget",
    "primaryContainer",
];

/// What a task definition carries: not allowed beside `taskDefinitionArn`.
const OF_TASK_DEFINITION: [&str; 6] = [
    "primaryContainer",
    "executionRoleArn",
    "taskRoleArn",
    "cpu",
    "memory",
    "cpuArchitecture",
];

/// What UpdateExpressGatewayService answers of the configuration it rolls to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Updated {
    pub endpoints: Vec<Endpoint>,
    /// The task definition ECS registered for it (or the one given).
    pub task_definition: Option<String>,
}

/// One UpdateExpressGatewayService request, as AWS takes it (also what `--dry-run` shows).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ExpressUpdate(pub Map<String, Value>);

impl ExpressUpdate {
    /// The configuration as read with `primary_container` (whole) in place of its own.
    pub fn with_primary_container(service: &ExpressService, primary_container: Value) -> Self {
        let mut body = Self::kept(service, &[]);
        body.insert("primaryContainer".into(), primary_container);
        ExpressUpdate(body)
    }

    /// The service onto the task definition `arn`; what it does not carry kept as read.
    pub fn with_task_definition(service: &ExpressService, arn: &str) -> Self {
        let mut body = Self::kept(service, &OF_TASK_DEFINITION);
        body.insert("taskDefinitionArn".into(), arn.into());
        ExpressUpdate(body)
    }

    fn kept(service: &ExpressService, left_out: &[&str]) -> Map<String, Value> {
        let mut body = Map::new();
        body.insert("serviceArn".into(), service.service_arn.clone().into());
        for field in KEPT.iter().filter(|f| !left_out.contains(f)) {
            if let Some(value) = service.configuration.get(*field) {
                body.insert(field.to_string(), value.clone());
            }
        }
        body
    }

    /// The Express service it updates.
    pub fn service_arn(&self) -> &str {
        self.0["serviceArn"].as_str().unwrap_or_default()
    }
}

impl ExpressService {
    /// From a DescribeExpressGatewayService answer: the active configuration ECS names as
    /// current, else the newest.
    fn from_response(response: &Value) -> Option<Self> {
        let service = response.get("service")?;
        let configurations = service.get("activeConfigurations")?.as_array()?;
        let current = service.get("currentDeployment").and_then(Value::as_str);
        let revision = |c: &&Value| c.get("serviceRevisionArn").and_then(Value::as_str) == current;
        let created = |c: &&Value| c.get("createdAt").and_then(Value::as_f64).unwrap_or(0.0);
        let configuration = configurations
            .iter()
            .find(|c| current.is_some() && revision(c))
            .or_else(|| {
                configurations
                    .iter()
                    .max_by(|a, b| created(a).total_cmp(&created(b)))
            })?
            .as_object()?
            .clone();
        Some(ExpressService {
            service_arn: service.get("serviceArn")?.as_str()?.to_string(),
            endpoints: endpoints(configuration.get("ingressPaths")),
            configuration,
        })
    }
}

/// `ingressPaths[]` as endpoints.
fn endpoints(paths: Option<&Value>) -> Vec<Endpoint> {
    paths
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|path| {
            Some(Endpoint {
                access_type: path.get("accessType")?.as_str()?.to_string(),
                endpoint: path.get("endpoint")?.as_str()?.to_string(),
            })
        })
        .collect()
}

impl Aws {
    /// DescribeExpressGatewayService, the configuration kept as ECS sent it.
    pub async fn describe_express_service(&self, arn: &str) -> Result<ExpressService, AwsError> {
        let raw = RawResponse::default();
        self.inner
            .ecs
            .describe_express_gateway_service()
            .service_arn(arn)
            .customize()
            .interceptor(raw.clone())
            .send()
            .await
            .map_err(Service::Ecs.failed("DescribeExpressGatewayService"))?;
        raw.take()
            .and_then(|body| serde_json::from_slice::<Value>(&body).ok())
            .as_ref()
            .and_then(ExpressService::from_response)
            .ok_or_else(|| AwsError::unreadable(Service::Ecs, "DescribeExpressGatewayService"))
    }

    /// UpdateExpressGatewayService with `update` as the body; what the configuration it rolls
    /// to says.
    pub async fn update_express_service(
        &self,
        update: &ExpressUpdate,
    ) -> Result<Updated, AwsError> {
        let body = Bytes::from(serde_json::to_vec(update).expect("JSON values serialize"));
        let raw = RawResponse::default();
        self.inner
            .ecs
            .update_express_gateway_service()
            .service_arn(update.service_arn())
            .customize()
            .mutate_request(replace_body(body))
            .interceptor(raw.clone())
            .send()
            .await
            .map_err(Service::Ecs.failed("UpdateExpressGatewayService"))?;
        let answer: Value = raw
            .take()
            .and_then(|body| serde_json::from_slice(&body).ok())
            .unwrap_or_default();
        let target = answer.pointer("/service/targetConfiguration");
        Ok(Updated {
            endpoints: endpoints(target.and_then(|t| t.get("ingressPaths"))),
            task_definition: target
                .and_then(|t| t.get("taskDefinitionArn"))
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service() -> ExpressService {
        ExpressService::from_response(&json!({"service": {
        "serviceArn": "arn:svc", "currentDeployment": "arn:rev/2",
        "activeConfigurations": [
            {"serviceRevisionArn": "arn:rev/1", "cpu": "256", "createdAt": 1.0},
            {"serviceRevisionArn": "arn:rev/2", "cpu": "1024", "memory": "2048",
             "executionRoleArn": "arn:exec", "taskRoleArn": "arn:task",
             "healthCheckPath": "/up", "scalingTarget": {"minTaskCount": 2, "futureKnob": 1},
             "taskDefinitionArn": "arn:td/3", "createdAt": 0.5,
             "primaryContainer": {"image": "app:1", "containerPort": 3000},
             "ingressPaths": [{"accessType": "PUBLIC", "endpoint": "https://a.example"}],
             "somethingReadOnly": true}
        ]}}))
        .unwrap()
    }

    #[test]
    fn the_current_configuration_is_the_one_ecs_names_and_its_endpoints_are_read() {
        let service = service();
        assert_eq!(service.configuration["cpu"], "1024");
        assert_eq!(
            service.endpoints,
            vec![Endpoint {
                access_type: "PUBLIC".into(),
                endpoint: "https://a.example".into()
            }]
        );
    }

    #[test]
    fn an_update_sends_every_updatable_field_as_read_and_nothing_read_only() {
        let update = ExpressUpdate::with_primary_container(&service(), json!({"image": "app:2"}));
        assert_eq!(
            Value::Object(update.0),
            json!({"serviceArn": "arn:svc", "executionRoleArn": "arn:exec",
                   "taskRoleArn": "arn:task", "cpu": "1024", "memory": "2048",
                   "healthCheckPath": "/up", "scalingTarget": {"minTaskCount": 2, "futureKnob": 1},
                   "primaryContainer": {"image": "app:2"}})
        );
    }

    #[test]
    fn a_task_definition_update_leaves_out_what_the_task_definition_carries() {
        let update = ExpressUpdate::with_task_definition(&service(), "arn:td/9");
        assert_eq!(
            Value::Object(update.0),
            json!({"serviceArn": "arn:svc", "healthCheckPath": "/up",
                   "scalingTarget": {"minTaskCount": 2, "futureKnob": 1},
                   "taskDefinitionArn": "arn:td/9"})
        );
    }
}
