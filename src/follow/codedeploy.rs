//! Services on the CODE_DEPLOY controller: a revision goes out as a CodeDeploy deployment
//! whose AppSpec is built from the service's primary task set; it is followed with
//! GetDeployment (`judge::codedeploy`), and a failure brings the failed lifecycle event's
//! diagnostics (GetDeploymentTarget). Rolled back by StopDeployment with rollback, then
//! following the deployment CodeDeploy starts for that.

use serde_json::{json, Map, Value};

use super::native::paused;
use super::{CodeDeployFacts, Facts, Follower, Goal, Later, Look, Rollback, Scope, Verdict, Watch};
use crate::aws::{Aws, DeploymentGroup, ErrorKind};
use crate::cli::{CodeDeployArgs, OnPause};
use crate::ecs::{
    arn_name, CodeDeployDeployment, CodeDeployStatus, LifecycleEvent, ServiceDescription,
};
use crate::error::{Error, Result};
use crate::judge::codedeploy as judge;
use crate::poll::Step;

/// Following one CodeDeploy deployment (and, when rolling back, the deployment CodeDeploy
/// starts for that).
pub struct CodeDeploy {
    group: DeploymentGroup,
    /// The deployment being judged: ours, or the rollback deployment once there is one.
    deployment_id: String,
    original_id: String,
    /// `cluster:service`, the ECS target id GetDeploymentTarget takes.
    target_id: String,
    goal: Goal,
    on_pause: OnPause,
    continue_command: String,
    last: Option<CodeDeployDeployment>,
    status_line: String,
    announced: bool,
    polls_without_rollback: u32,
}

impl CodeDeploy {
    pub fn new(
        group: DeploymentGroup,
        deployment_id: String,
        cluster: &str,
        service: &str,
        goal: Goal,
        on_pause: OnPause,
        continue_command: String,
    ) -> Self {
        CodeDeploy {
            group,
            original_id: deployment_id.clone(),
            deployment_id,
            target_id: format!("{}:{service}", arn_name(cluster)),
            goal,
            on_pause,
            continue_command,
            last: None,
            status_line: String::new(),
            announced: false,
            polls_without_rollback: 0,
        }
    }

    async fn step(
        &mut self,
        scope: &Scope<'_>,
        service: &ServiceDescription,
    ) -> Result<Step<Verdict>> {
        let name = &service.service_name;
        let deployment = scope.aws.codedeploy_deployment(&self.deployment_id).await?;
        let line = format!("{} {}", deployment.id, deployment.status);
        if line != self.status_line {
            scope
                .progress
                .say(format_args!("{name}: CodeDeploy deployment {line}"));
            self.status_line = line;
        }
        self.last = Some(deployment.clone());
        if self.goal == Goal::RolledBack && self.deployment_id == self.original_id {
            if let Some(step) = self.rolling_back(scope, name, &deployment) {
                return Ok(step);
            }
        }
        let events = if deployment.status.failed() {
            self.lifecycle_events(scope, &deployment.id).await
        } else {
            vec![]
        };
        let goal = match self.goal {
            Goal::RolledBack => Goal::Forward {
                traffic_shifted: false,
            },
            forward => forward,
        };
        Ok(match judge::judge(&deployment, &events, goal) {
            Step::Pending(text) => Step::Pending(format!("{name}: {text}")),
            Step::Done(Verdict::Paused(pause)) => {
                let first = !std::mem::replace(&mut self.announced, true);
                let waiting = format!("CodeDeploy deployment {} Ready", deployment.id);
                let command = &self.continue_command;
                paused(scope, name, pause, first, command, self.on_pause, waiting)
            }
            done => done,
        })
    }

    /// Our deployment, stopped for a rollback: switch to CodeDeploy's rollback deployment once
    /// it names one (a few polls' grace), and fail if ours succeeded instead.
    fn rolling_back(
        &mut self,
        scope: &Scope<'_>,
        name: &str,
        deployment: &CodeDeployDeployment,
    ) -> Option<Step<Verdict>> {
        if deployment.status.failed() {
            if let Some(rollback) = &deployment.rollback_deployment_id {
                scope.progress.say(format_args!(
                    "{name}: CodeDeploy rolls back with deployment {rollback}"
                ));
                self.deployment_id = rollback.clone();
                return Some(Step::Pending(format!("{name}: rolling back ({rollback})")));
            }
            self.polls_without_rollback += 1;
            if self.polls_without_rollback < 5 {
                return Some(Step::Pending(format!(
                    "{name}: waiting for CodeDeploy's rollback deployment"
                )));
            }
            return Some(Step::Done(Verdict::Failed(format!(
                "CodeDeploy deployment {} {} and CodeDeploy started no rollback deployment",
                deployment.id, deployment.status
            ))));
        }
        if deployment.status == CodeDeployStatus::Succeeded {
            return Some(Step::Done(Verdict::Failed(format!(
                "CodeDeploy deployment {} succeeded instead of rolling back",
                deployment.id
            ))));
        }
        None
    }

    /// The target's lifecycle events, whose diagnostics say why it failed; none when AWS could
    /// not say (warned).
    async fn lifecycle_events(&self, scope: &Scope<'_>, id: &str) -> Vec<LifecycleEvent> {
        match scope
            .aws
            .codedeploy_lifecycle_events(id, &self.target_id)
            .await
        {
            Ok(events) => events,
            Err(error) => {
                scope.progress.warn(format_args!(
                    "cannot read the lifecycle events of {id}: {error}"
                ));
                vec![]
            }
        }
    }

    async fn roll_back(&self, rollback: Rollback<'_>) -> Result<Option<Watch>> {
        let (scope, failed, previous) = (rollback.scope, rollback.failed, rollback.previous);
        let (name, id) = (&failed.name, &self.original_id);
        match self.last.as_ref().map(|d| d.status.failed()) {
            Some(true) => scope.progress.say(format_args!(
                "{name}: CodeDeploy deployment {id} ended; following its rollback"
            )),
            _ => {
                scope.progress.say(format_args!(
                    "{name}: stopping CodeDeploy deployment {id} with rollback"
                ));
                scope.aws.stop_codedeploy_deployment(id).await?;
            }
        }
        let follower = CodeDeploy::new(
            self.group.clone(),
            id.clone(),
            scope.cluster,
            name,
            Goal::RolledBack,
            OnPause::Wait,
            self.continue_command.clone(),
        );
        let watch = failed.successor(Some(id.clone()), previous.to_string(), Box::new(follower));
        Ok(Some(watch))
    }
}

impl Follower for CodeDeploy {
    fn step<'a>(&'a mut self, scope: &'a Scope<'a>, look: Look<'a>) -> Later<'a, Step<Verdict>> {
        Box::pin(CodeDeploy::step(self, scope, look.service))
    }

    fn roll_back<'a>(&'a self, rollback: Rollback<'a>) -> Later<'a, Option<Watch>> {
        Box::pin(CodeDeploy::roll_back(self, rollback))
    }

    fn followed(&self) -> &str {
        &self.deployment_id
    }

    fn state(&self, _service: &ServiceDescription) -> String {
        String::new()
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            codedeploy: Some(CodeDeployFacts {
                group: &self.group,
                deployment_id: &self.original_id,
                last: self.last.as_ref(),
            }),
            continue_command: Some(&self.continue_command),
            ..Facts::default()
        }
    }
}

/// The deployment group that deploys `cluster`/`service`: the one named, checked, or the one
/// whose ECS services include it.
pub async fn deployment_group(
    aws: &Aws,
    names: &CodeDeployArgs,
    cluster: &str,
    service: &str,
) -> Result<DeploymentGroup> {
    let cluster = arn_name(cluster);
    let ours = |g: &DeploymentGroup| {
        g.ecs_services
            .iter()
            .any(|(c, s)| arn_name(c) == cluster && s == service)
    };
    if let (Some(application), Some(group)) = (
        &names.codedeploy_application,
        &names.codedeploy_deployment_group,
    ) {
        let found = aws
            .deployment_group(application, group)
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::NotFound | ErrorKind::Refused => Error::input_with_hint(
                    format!(
                        "CodeDeploy deployment group `{group}` of application `{application}` not found in {}: {}",
                        aws.region(),
                        e.message
                    ),
                    "check --codedeploy-application and --codedeploy-deployment-group",
                ),
                _ => e.into(),
            })?;
        if !ours(&found) {
            let deploys: Vec<String> = found
                .ecs_services
                .iter()
                .map(|(c, s)| format!("{}/{s}", arn_name(c)))
                .collect();
            return Err(Error::input(format!(
                "CodeDeploy deployment group `{group}` deploys {}, not {cluster}/{service}",
                if deploys.is_empty() {
                    "no ECS service".to_string()
                } else {
                    deploys.join(", ")
                }
            )));
        }
        return Ok(found);
    }
    let groups: Vec<DeploymentGroup> = aws
        .ecs_deployment_groups()
        .await?
        .into_iter()
        .filter(|g| ours(g))
        .collect();
    match groups.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Error::input_with_hint(
            format!(
                "service `{service}` uses the CODE_DEPLOY controller, and no CodeDeploy deployment group in {} deploys {cluster}/{service}",
                aws.region()
            ),
            "name it with --codedeploy-application and --codedeploy-deployment-group",
        )),
        many => Err(Error::input_with_hint(
            format!(
                "several CodeDeploy deployment groups deploy {cluster}/{service}: {}",
                many.iter()
                    .map(|g| format!("{}/{}", g.application, g.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "pick one with --codedeploy-application and --codedeploy-deployment-group",
        )),
    }
}

/// The AppSpec for `task_definition`, from the service's primary task set (load balancer
/// container and port, platform version, network configuration, capacity providers).
pub fn appspec(
    service: &ServiceDescription,
    task_definition: &str,
    hooks: &[(String, String)],
) -> Value {
    let task_set = service.primary_task_set.as_ref();
    let mut properties = Map::new();
    properties.insert("TaskDefinition".into(), json!(task_definition));
    let load_balancer = task_set
        .and_then(|t| t.load_balancers.first())
        .or(service.load_balancers.first());
    if let Some((container, port)) = load_balancer {
        properties.insert(
            "LoadBalancerInfo".into(),
            json!({ "ContainerName": container, "ContainerPort": port }),
        );
    }
    let platform = task_set
        .and_then(|t| t.platform_version.clone())
        .or(service.platform_version.clone());
    if let Some(platform) = platform {
        properties.insert("PlatformVersion".into(), json!(platform));
    }
    let network = task_set
        .and_then(|t| t.network_configuration.clone())
        .or(service.network_configuration.clone());
    if let Some(vpc) = network.as_ref().and_then(|n| n.get("awsvpcConfiguration")) {
        let mut config = Map::new();
        config.insert("Subnets".into(), vpc["subnets"].clone());
        config.insert("SecurityGroups".into(), vpc["securityGroups"].clone());
        if let Some(assign) = vpc.get("assignPublicIp") {
            config.insert("AssignPublicIp".into(), assign.clone());
        }
        properties.insert(
            "NetworkConfiguration".into(),
            json!({ "AwsvpcConfiguration": config }),
        );
    }
    let strategy = task_set
        .and_then(|t| t.capacity_provider_strategy.clone())
        .or(service.capacity_provider_strategy.clone());
    if let Some(Value::Array(items)) = strategy {
        let items: Vec<Value> = items
            .iter()
            .map(|i| {
                json!({ "CapacityProvider": i["capacityProvider"], "Weight": i["weight"], "Base": i["base"] })
            })
            .collect();
        properties.insert("CapacityProviderStrategy".into(), json!(items));
    }
    let mut spec = json!({
        "version": 0.0,
        "Resources": [{ "TargetService": { "Type": "AWS::ECS::Service", "Properties": properties } }],
    });
    if !hooks.is_empty() {
        spec["Hooks"] = hooks
            .iter()
            .map(|(stage, function)| json!({ stage: function }))
            .collect();
    }
    spec
}

/// The CodeDeploy deployment of the group that is not finished, if any.
pub async fn active(aws: &Aws, group: &DeploymentGroup) -> Result<Option<CodeDeployDeployment>> {
    let ids = aws
        .active_codedeploy_deployments(&group.application, &group.name)
        .await?;
    for id in ids {
        let deployment = aws.codedeploy_deployment(&id).await?;
        if !deployment.status.finished() {
            return Ok(Some(deployment));
        }
    }
    Ok(None)
}

/// The group's latest deployment as a user knows it: the last one attempted, or — when that one
/// is CodeDeploy rolling back another — the deployment it rolls back, which failed or was
/// stopped. `None`: the group never deployed.
pub async fn latest(aws: &Aws, group: &DeploymentGroup) -> Result<Option<CodeDeployDeployment>> {
    let Some(id) = &group.last_attempted else {
        return Ok(None);
    };
    let last = aws.codedeploy_deployment(id).await?;
    Ok(Some(match &last.rollback_of {
        Some(rolled_back) => aws.codedeploy_deployment(rolled_back).await?,
        None => last,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::TaskSet;

    #[test]
    fn the_appspec_comes_from_the_primary_task_set() {
        let service = ServiceDescription {
            service_name: "web".into(),
            primary_task_set: Some(TaskSet {
                platform_version: Some("1.4.0".into()),
                network_configuration: Some(json!({"awsvpcConfiguration": {
                    "subnets": ["subnet-1"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}})),
                capacity_provider_strategy: Some(
                    json!([{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]),
                ),
                load_balancers: vec![("app".into(), 8080)],
                ..TaskSet::default()
            }),
            ..ServiceDescription::default()
        };
        let spec = appspec(
            &service,
            "arn:td/web:8",
            &[("AfterAllowTestTraffic".into(), "smoke".into())],
        );
        assert_eq!(
            spec,
            json!({
                "version": 0.0,
                "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {
                    "TaskDefinition": "arn:td/web:8",
                    "LoadBalancerInfo": {"ContainerName": "app", "ContainerPort": 8080},
                    "PlatformVersion": "1.4.0",
                    "NetworkConfiguration": {"AwsvpcConfiguration": {
                        "Subnets": ["subnet-1"], "SecurityGroups": ["sg-1"], "AssignPublicIp": "DISABLED"}},
                    "CapacityProviderStrategy": [{"CapacityProvider": "FARGATE", "Weight": 1, "Base": 0}]
                }}}],
                "Hooks": [{"AfterAllowTestTraffic": "smoke"}]
            })
        );
    }
}
