//! ECS calls, and SDK types turned into ecs-ship's own (`crate::ecs`) at this one boundary.

use aws_sdk_ecs::types as sdk;
use aws_smithy_types::DateTime;
use bytes::Bytes;
use serde::Serialize;
use serde_json::{json, Value};

use super::raw::{replace_body, RawResponse};
use super::{Aws, AwsError, Service};
use crate::ecs::{
    Container, Deployment, DeploymentStatus, Failure, ServiceDescription, ServiceEvent, Task,
    TaskSet, TaskSetState,
};

/// One UpdateService request; serialized as AWS spells it, for `--dry-run`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceUpdate {
    pub cluster: String,
    pub service: String,
    pub task_definition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_count: Option<i32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub force_new_deployment: bool,
}

impl ServiceUpdate {
    /// Points `service` at `task_definition`, nothing else changed (a rollback).
    pub fn to_revision(cluster: &str, service: &str, task_definition: &str) -> Self {
        ServiceUpdate {
            cluster: cluster.to_string(),
            service: service.to_string(),
            task_definition: task_definition.to_string(),
            desired_count: None,
            force_new_deployment: false,
        }
    }
}

impl Aws {
    /// DescribeTasks, 100 tasks a call (the API's limit).
    pub async fn describe_tasks(
        &self,
        cluster: &str,
        arns: &[String],
    ) -> Result<(Vec<Task>, Vec<Failure>), AwsError> {
        let mut tasks = vec![];
        let mut failures = vec![];
        for chunk in arns.chunks(100) {
            let output = self
                .inner
                .ecs
                .describe_tasks()
                .cluster(cluster)
                .set_tasks(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(Service::Ecs.failed("DescribeTasks"))?;
            tasks.extend(output.tasks().iter().map(Task::from));
            failures.extend(output.failures().iter().map(Failure::from));
        }
        Ok((tasks, failures))
    }

    pub async fn stop_task(&self, cluster: &str, arn: &str, reason: &str) -> Result<(), AwsError> {
        self.inner
            .ecs
            .stop_task()
            .cluster(cluster)
            .task(arn)
            .reason(reason)
            .send()
            .await
            .map_err(Service::Ecs.failed("StopTask"))
            .map(drop)
    }

    /// DescribeServices, 10 services a call (the API's limit); services ECS does not know come
    /// back as failures.
    pub async fn describe_services(
        &self,
        cluster: &str,
        names: &[String],
    ) -> Result<(Vec<ServiceDescription>, Vec<Failure>), AwsError> {
        self.describe_services_as(cluster, names, |s| ServiceDescription::from(s))
            .await
    }

    /// DescribeServices, 10 a call, each service converted by `convert`.
    pub(super) async fn describe_services_as<T>(
        &self,
        cluster: &str,
        names: &[String],
        convert: impl Fn(&sdk::Service) -> T,
    ) -> Result<(Vec<T>, Vec<Failure>), AwsError> {
        let mut services = vec![];
        let mut failures = vec![];
        for chunk in names.chunks(10) {
            let output = self
                .inner
                .ecs
                .describe_services()
                .cluster(cluster)
                .set_services(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(Service::Ecs.failed("DescribeServices"))?;
            services.extend(output.services().iter().map(&convert));
            failures.extend(output.failures().iter().map(Failure::from));
        }
        Ok((services, failures))
    }

    /// ListServices of a cluster, every page (100 ARNs a page, the API's limit).
    pub async fn list_services(&self, cluster: &str) -> Result<Vec<String>, AwsError> {
        let mut arns = vec![];
        let mut pages = self
            .inner
            .ecs
            .list_services()
            .cluster(cluster)
            .max_results(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            arns.extend(
                page.map_err(Service::Ecs.failed("ListServices"))?
                    .service_arns()
                    .iter()
                    .cloned(),
            );
        }
        Ok(arns)
    }

    /// ListTasks of a service, every page.
    pub async fn list_service_tasks(
        &self,
        cluster: &str,
        service: &str,
        stopped: bool,
    ) -> Result<Vec<String>, AwsError> {
        let request = self.inner.ecs.list_tasks().service_name(service);
        self.list_tasks(request, cluster, stopped).await
    }

    /// ListTasks of a task-definition family, every page.
    pub async fn list_family_tasks(
        &self,
        cluster: &str,
        family: &str,
        stopped: bool,
    ) -> Result<Vec<String>, AwsError> {
        let request = self.inner.ecs.list_tasks().family(family);
        self.list_tasks(request, cluster, stopped).await
    }

    async fn list_tasks(
        &self,
        request: aws_sdk_ecs::operation::list_tasks::builders::ListTasksFluentBuilder,
        cluster: &str,
        stopped: bool,
    ) -> Result<Vec<String>, AwsError> {
        let status = if stopped {
            sdk::DesiredStatus::Stopped
        } else {
            sdk::DesiredStatus::Running
        };
        let mut arns = vec![];
        let mut pages = request
            .cluster(cluster)
            .desired_status(status)
            .max_results(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            arns.extend(
                page.map_err(Service::Ecs.failed("ListTasks"))?
                    .task_arns()
                    .iter()
                    .cloned(),
            );
        }
        Ok(arns)
    }

    /// RunTask with `request` sent as it is (the user's `--overrides` included, field for field).
    pub async fn run_task(&self, request: &Value) -> Result<(Vec<Task>, Vec<Failure>), AwsError> {
        let body = Bytes::from(serde_json::to_vec(request).expect("JSON values serialize"));
        let output = self
            .inner
            .ecs
            .run_task()
            .task_definition(request["taskDefinition"].as_str().unwrap_or_default())
            .customize()
            .mutate_request(replace_body(body))
            .send()
            .await
            .map_err(Service::Ecs.failed("RunTask"))?;
        Ok((
            output.tasks().iter().map(Task::from).collect(),
            output.failures().iter().map(Failure::from).collect(),
        ))
    }

    pub async fn update_service(
        &self,
        update: &ServiceUpdate,
    ) -> Result<ServiceDescription, AwsError> {
        let output = self
            .inner
            .ecs
            .update_service()
            .cluster(&update.cluster)
            .service(&update.service)
            .task_definition(&update.task_definition)
            .set_desired_count(update.desired_count)
            .set_force_new_deployment(update.force_new_deployment.then_some(true))
            .send()
            .await
            .map_err(Service::Ecs.failed("UpdateService"))?;
        Ok(output
            .service()
            .map(ServiceDescription::from)
            .unwrap_or_default())
    }

    /// DescribeTaskDefinition with its tags, as the JSON ECS sent: every field, known to this
    /// SDK version or not.
    pub async fn describe_task_definition(&self, reference: &str) -> Result<Value, AwsError> {
        let raw = RawResponse::default();
        self.inner
            .ecs
            .describe_task_definition()
            .task_definition(reference)
            .include(sdk::TaskDefinitionField::Tags)
            .customize()
            .interceptor(raw.clone())
            .send()
            .await
            .map_err(Service::Ecs.failed("DescribeTaskDefinition"))?;
        json_body(raw, "DescribeTaskDefinition")
    }

    /// RegisterTaskDefinition with `registration` as the body, answered as JSON.
    pub async fn register_task_definition(&self, registration: &Value) -> Result<Value, AwsError> {
        let body = Bytes::from(serde_json::to_vec(registration).expect("JSON values serialize"));
        let raw = RawResponse::default();
        self.inner
            .ecs
            .register_task_definition()
            .family(registration["family"].as_str().unwrap_or_default())
            .customize()
            .mutate_request(replace_body(body))
            .interceptor(raw.clone())
            .send()
            .await
            .map_err(Service::Ecs.failed("RegisterTaskDefinition"))?;
        json_body(raw, "RegisterTaskDefinition")
    }
}

pub(super) fn json_body(raw: RawResponse, operation: &'static str) -> Result<Value, AwsError> {
    raw.take()
        .and_then(|body| serde_json::from_slice(&body).ok())
        .ok_or_else(|| AwsError::unreadable(Service::Ecs, operation))
}

pub(super) fn seconds(time: Option<&DateTime>) -> Option<f64> {
    time.map(DateTime::as_secs_f64)
}

pub(super) fn owned(text: Option<&str>) -> String {
    text.unwrap_or_default().to_string()
}

impl From<&sdk::Task> for Task {
    fn from(task: &sdk::Task) -> Self {
        Task {
            task_arn: owned(task.task_arn()),
            task_definition_arn: owned(task.task_definition_arn()),
            last_status: owned(task.last_status()),
            desired_status: owned(task.desired_status()),
            stop_code: task.stop_code().map(|c| c.as_str().to_string()),
            stopped_reason: task.stopped_reason().map(str::to_string),
            containers: task.containers().iter().map(Container::from).collect(),
            created_at: seconds(task.created_at()),
            started_at: seconds(task.started_at()),
            stopped_at: seconds(task.stopped_at()),
        }
    }
}

impl From<&sdk::Container> for Container {
    fn from(container: &sdk::Container) -> Self {
        Container {
            name: owned(container.name()),
            last_status: owned(container.last_status()),
            exit_code: container.exit_code(),
            reason: container.reason().map(str::to_string),
        }
    }
}

impl From<&sdk::Failure> for Failure {
    fn from(failure: &sdk::Failure) -> Self {
        Failure {
            arn: failure.arn().map(str::to_string),
            reason: failure.reason().map(str::to_string),
            detail: failure.detail().map(str::to_string),
        }
    }
}

impl From<&sdk::Service> for ServiceDescription {
    fn from(service: &sdk::Service) -> Self {
        let strategy = service.capacity_provider_strategy();
        ServiceDescription {
            service_name: owned(service.service_name()),
            service_arn: owned(service.service_arn()),
            status: owned(service.status()).into(),
            task_definition: owned(service.task_definition()),
            desired_count: service.desired_count().into(),
            running_count: service.running_count().into(),
            pending_count: service.pending_count().into(),
            launch_type: service.launch_type().map(|t| t.as_str().to_string()),
            platform_version: service.platform_version().map(str::to_string),
            capacity_provider_strategy: (!strategy.is_empty())
                .then(|| Value::Array(strategy.iter().map(strategy_json).collect())),
            network_configuration: service.network_configuration().map(network_json),
            deployments: service.deployments().iter().map(Deployment::from).collect(),
            events: service.events().iter().map(ServiceEvent::from).collect(),
            deployment_controller: service
                .deployment_controller()
                .map(|c| c.r#type().as_str().into()),
            strategy: service
                .deployment_configuration()
                .and_then(|c| c.strategy())
                .map(|s| s.as_str().into()),
            current_service_deployment: service.current_service_deployment().map(str::to_string),
            load_balancers: service
                .load_balancers()
                .iter()
                .filter_map(load_balancer)
                .collect(),
            service_connect_ports: service
                .deployments()
                .iter()
                .find(|d| d.status() == Some("PRIMARY"))
                .and_then(|d| d.service_connect_configuration())
                .map(|c| {
                    c.services()
                        .iter()
                        .map(|s| s.port_name().to_string())
                        .collect()
                })
                .unwrap_or_default(),
            express: service.resource_management_type() == Some(&sdk::ResourceManagementType::Ecs),
            primary_task_set: service
                .task_sets()
                .iter()
                .find(|t| t.status() == Some(DeploymentStatus::Primary.as_str()))
                .map(|t| {
                    let strategy = t.capacity_provider_strategy();
                    TaskSet {
                        id: owned(t.id()),
                        task_definition: owned(t.task_definition()),
                        launch_type: t.launch_type().map(|l| l.as_str().to_string()),
                        platform_version: t.platform_version().map(str::to_string),
                        capacity_provider_strategy: (!strategy.is_empty())
                            .then(|| Value::Array(strategy.iter().map(strategy_json).collect())),
                        network_configuration: t.network_configuration().map(network_json),
                        load_balancers: t
                            .load_balancers()
                            .iter()
                            .filter_map(load_balancer)
                            .collect(),
                    }
                }),
            task_sets: service.task_sets().iter().map(TaskSetState::from).collect(),
        }
    }
}

impl From<&sdk::TaskSet> for TaskSetState {
    fn from(set: &sdk::TaskSet) -> Self {
        TaskSetState {
            id: owned(set.id()),
            status: set.status().unwrap_or_default().into(),
            external_id: set.external_id().map(str::to_string),
            task_definition: owned(set.task_definition()),
            created_at: seconds(set.created_at()),
        }
    }
}

fn load_balancer(lb: &sdk::LoadBalancer) -> Option<(String, i32)> {
    Some((lb.container_name()?.to_string(), lb.container_port()?))
}

/// As RunTask takes it: a service's capacity providers go into the one-off task's request.
fn strategy_json(item: &sdk::CapacityProviderStrategyItem) -> Value {
    json!({
        "capacityProvider": item.capacity_provider(),
        "weight": item.weight(),
        "base": item.base(),
    })
}

fn network_json(network: &sdk::NetworkConfiguration) -> Value {
    match network.awsvpc_configuration() {
        Some(vpc) => {
            let mut config = json!({
                "subnets": vpc.subnets(),
                "securityGroups": vpc.security_groups(),
            });
            if let Some(assign) = vpc.assign_public_ip() {
                config["assignPublicIp"] = json!(assign.as_str());
            }
            json!({ "awsvpcConfiguration": config })
        }
        None => json!({}),
    }
}

impl From<&sdk::Deployment> for Deployment {
    fn from(deployment: &sdk::Deployment) -> Self {
        Deployment {
            id: owned(deployment.id()),
            status: deployment.status().unwrap_or_default().into(),
            task_definition: owned(deployment.task_definition()),
            desired_count: deployment.desired_count().into(),
            running_count: deployment.running_count().into(),
            pending_count: deployment.pending_count().into(),
            failed_tasks: deployment.failed_tasks().into(),
            rollout_state: deployment.rollout_state().map(|s| s.as_str().to_string()),
            rollout_state_reason: deployment.rollout_state_reason().map(str::to_string),
            created_at: seconds(deployment.created_at()),
            updated_at: seconds(deployment.updated_at()),
        }
    }
}

impl From<&sdk::ServiceEvent> for ServiceEvent {
    fn from(event: &sdk::ServiceEvent) -> Self {
        ServiceEvent {
            id: owned(event.id()),
            created_at: seconds(event.created_at()),
            message: owned(event.message()),
        }
    }
}
