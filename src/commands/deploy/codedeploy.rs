//! Services on the CODE_DEPLOY controller: UpdateService refuses a new task definition, so the
//! revision goes out as a CodeDeploy deployment whose AppSpec is built from the service's
//! primary task set; it is followed with GetDeployment (`codedeploy_verdict`), and a failure
//! brings the failed lifecycle event's diagnostics (GetDeploymentTarget).

use serde_json::{json, Map, Value};

use super::service_deployment::pause_text;
use super::waiter::{Follow, Verdict, Waiter, Watch};
use crate::aws::{Aws, DeploymentGroup, ErrorKind, NewDeployment};
use crate::cli::{CodeDeployArgs, DeployArgs, OnPause, WaitUntil};
use crate::codedeploy_verdict::{self, CodeDeployDeployment};
use crate::context::Context;
use crate::ecs::{arn_name, ServiceDescription};
use crate::error::{Error, Result};
use crate::service_deployment_verdict::{self as sd_verdict, Goal};

const HOOK_STAGES: [&str; 5] = [
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
];

/// `--codedeploy-hook STAGE=FUNCTION`, checked before anything touches AWS.
pub fn parse_hooks(specs: &[String]) -> Result<Vec<(String, String)>> {
    let mut hooks = vec![];
    for spec in specs.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let Some((stage, function)) = spec.split_once('=').filter(|(_, f)| !f.is_empty()) else {
            return Err(Error::input_with_hint(
                format!("--codedeploy-hook `{spec}` is not STAGE=FUNCTION"),
                format!("stages: {}", HOOK_STAGES.join(", ")),
            ));
        };
        if !HOOK_STAGES.contains(&stage) {
            return Err(Error::input_with_hint(
                format!("--codedeploy-hook `{spec}`: `{stage}` is not an ECS AppSpec hook"),
                format!("stages: {}", HOOK_STAGES.join(", ")),
            ));
        }
        hooks.push((stage.to_string(), function.to_string()));
    }
    Ok(hooks)
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

/// Following one CodeDeploy deployment (and, when rolling back, the deployment CodeDeploy
/// starts for that).
pub struct CodeDeploy {
    pub group: DeploymentGroup,
    /// The deployment being judged: ours, or the rollback deployment once there is one.
    pub deployment_id: String,
    pub original_id: String,
    /// `cluster:service`, the ECS target id GetDeploymentTarget takes.
    pub target_id: String,
    pub goal: Goal,
    pub on_pause: OnPause,
    pub continue_command: String,
    pub last: Option<CodeDeployDeployment>,
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

    /// One look: `Ok(Err(text))` while it goes on.
    pub async fn step(
        &mut self,
        waiter: &Waiter<'_>,
        service: &ServiceDescription,
    ) -> Result<std::result::Result<Verdict, String>> {
        let name = &service.service_name;
        let deployment = waiter
            .aws
            .codedeploy_deployment(&self.deployment_id)
            .await?;
        let line = format!("{} {}", deployment.id, deployment.status);
        if line != self.status_line {
            waiter
                .context
                .progress
                .say(format_args!("{name}: CodeDeploy deployment {line}"));
            self.status_line = line;
        }
        self.last = Some(deployment.clone());
        let stopped = matches!(deployment.status.as_str(), "Failed" | "Stopped");
        let rolling_back = self.goal == Goal::RolledBack && self.deployment_id == self.original_id;
        if rolling_back && stopped {
            if let Some(rollback) = &deployment.rollback_deployment_id {
                waiter.context.progress.say(format_args!(
                    "{name}: CodeDeploy rolls back with deployment {rollback}"
                ));
                self.deployment_id = rollback.clone();
                return Ok(Err(format!("{name}: rolling back ({rollback})")));
            }
            self.polls_without_rollback += 1;
            if self.polls_without_rollback < 5 {
                return Ok(Err(format!(
                    "{name}: waiting for CodeDeploy's rollback deployment"
                )));
            }
            return Ok(Ok(Verdict::Failed(format!(
                "CodeDeploy deployment {} {} and CodeDeploy started no rollback deployment",
                deployment.id, deployment.status
            ))));
        }
        if rolling_back && deployment.status == "Succeeded" {
            return Ok(Ok(Verdict::Failed(format!(
                "CodeDeploy deployment {} succeeded instead of rolling back",
                deployment.id
            ))));
        }
        let events = if stopped {
            match waiter
                .aws
                .codedeploy_lifecycle_events(&deployment.id, &self.target_id)
                .await
            {
                Ok(events) => events,
                Err(error) => {
                    waiter.context.progress.warn(format_args!(
                        "cannot read the lifecycle events of {}: {error}",
                        deployment.id
                    ));
                    vec![]
                }
            }
        } else {
            vec![]
        };
        let goal = match self.goal {
            Goal::RolledBack => Goal::Forward {
                traffic_shifted: false,
            },
            forward => forward,
        };
        Ok(
            match codedeploy_verdict::judge(&deployment, &events, goal) {
                sd_verdict::Verdict::InProgress(text) => Err(format!("{name}: {text}")),
                sd_verdict::Verdict::Completed => Ok(Verdict::Completed),
                sd_verdict::Verdict::TrafficShifted(text) => Ok(Verdict::TrafficShifted(text)),
                sd_verdict::Verdict::Failed(reason) => Ok(Verdict::Failed(reason)),
                sd_verdict::Verdict::Superseded(by) => Ok(Verdict::Superseded(by)),
                sd_verdict::Verdict::Paused(pause) => {
                    if !self.announced {
                        self.announced = true;
                        waiter.context.progress.say(format_args!(
                            "⏸ {name}: {}",
                            pause_text(&pause, &self.continue_command)
                        ));
                    }
                    match self.on_pause {
                        OnPause::Exit => Ok(Verdict::Paused(pause)),
                        OnPause::Wait => Err(format!(
                        "{name}: CodeDeploy deployment {} Ready, waiting for someone to continue",
                        deployment.id
                    )),
                    }
                }
            },
        )
    }
}

/// The CodeDeploy deployment of the group that is not finished, if any.
pub async fn active(aws: &Aws, group: &DeploymentGroup) -> Result<Option<CodeDeployDeployment>> {
    let ids = aws
        .active_codedeploy_deployments(&group.application, &group.name)
        .await?;
    for id in ids {
        let deployment = aws.codedeploy_deployment(&id).await?;
        if !matches!(
            deployment.status.as_str(),
            "Succeeded" | "Failed" | "Stopped"
        ) {
            return Ok(Some(deployment));
        }
    }
    Ok(None)
}

/// CreateDeployment of `arn` for a CODE_DEPLOY service, and the watch that follows it.
#[allow(clippy::too_many_arguments)]
pub async fn start(
    context: &Context,
    aws: &Aws,
    args: &DeployArgs,
    cluster: &str,
    service: &ServiceDescription,
    group: &DeploymentGroup,
    arn: &str,
    hooks: &[(String, String)],
) -> Result<Watch> {
    if args.desired_count.is_some() || args.force_new_deployment {
        context.progress.warn(format_args!(
            "{}: --desired-count and --force-new-deployment do not apply to a CodeDeploy deployment; ignored",
            service.service_name
        ));
    }
    let request = NewDeployment {
        application: group.application.clone(),
        group: group.name.clone(),
        config: args.codedeploy_config.clone(),
        appspec: appspec(service, arn, hooks).to_string(),
        auto_rollback: args.rollback_on_failure,
    };
    let id = aws
        .create_deployment(&request)
        .await
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound | ErrorKind::Refused => Error::input(format!(
                "CodeDeploy refused the deployment of `{}` to {}: {}: {}",
                service.service_name,
                arn_name(arn),
                e.code,
                e.message
            )),
            _ => e.into(),
        })?;
    context.progress.say(format_args!(
        "{}: started CodeDeploy deployment {id} of {} (https://{region}.console.aws.amazon.com/codesuite/codedeploy/deployments/{id}?region={region})",
        service.service_name,
        arn_name(arn),
        region = aws.region()
    ));
    let mut watch = Watch::new(service, id.clone(), arn.to_string());
    watch.follow = Follow::CodeDeploy(Box::new(CodeDeploy::new(
        group.clone(),
        id,
        cluster,
        &service.service_name,
        Goal::Forward {
            traffic_shifted: args.follow.wait_until == WaitUntil::TrafficShifted,
        },
        args.follow.on_pause,
        super::continue_command(context, cluster, &service.service_name),
    )));
    Ok(watch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::TaskSet;

    #[test]
    fn hooks_are_stage_equals_function() {
        let hooks = parse_hooks(&["AfterAllowTestTraffic=smoke".into()]).unwrap();
        assert_eq!(hooks, [("AfterAllowTestTraffic".into(), "smoke".into())]);
        for bad in ["smoke", "Install=smoke", "BeforeInstall="] {
            assert!(parse_hooks(&[bad.into()]).is_err(), "{bad}");
        }
    }

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
